"""One monitor's labelled path: predictions, labels and SHAP values joined per partition.

:class:`LabelledPath` implements :class:`~stream.worker.partition_state.PartitionedState` for
the three co-partitioned inputs of a capture partition (items are :class:`Incoming`):

- ``capture``: the predictions of a decoded capture message (the capture path hands over
  the records it placed), each kept as a
  :class:`~stream.monitors.label_join.PendingPrediction` in its window (by inference time);
- ``labels``: ground-truth or A2I records from ``<prefix>.labels``;
- ``attributions``: SHAP records from ``<prefix>.attributions``.

:class:`~stream.monitors.label_join.LabelJoin` pairs them through the partition's durable
store of waiting entries. Every pair feeds the
:class:`~stream.monitors.labelled.LabelledAccumulators` of its prediction's window. A window's
accumulators leave as a labelled :class:`~stream.worker.windows.WindowPartial` once the
capture path closed the window (the provisional result, with the predictions counted so
far) and, after that, whenever late labels changed them (each such delta revises the
window at the aggregator). Each partial carries the partition's next sequence number, so
that the aggregator merges it once.

A labelled window is keyed by its partition, start *and* end: after a restart with another
``window_seconds``, accumulators restored with the old length keep their own end (and close
with the capture path's window of that end), while predictions placed from then on count in
windows of the new length. A prediction that waited in the join store across such a
restart records only its window's start: it is counted in the window of that start and the
configured length when the start is one of that length's, else in the window of that start
and the earliest length this partition's windows had before (saved in the snapshot, for
``label_ttl_seconds``) whose start it is. A start that both lengths share (``[0, 10)`` and
``[0, 20)``) is the configured length's: such a late label counts in the new window.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from stream.capture.message import DecodedMessage, RejectedRecord
from stream.capture.records import CaptureError, EventData
from stream.capture.undecodable import CORRUPT_BATCH, UndecodableBatch
from stream.labels.attributions import (
    ATTRIBUTION_DEAD_LETTER_REASONS,
    AttributionError,
    decode_attribution,
)
from stream.labels.records import LABEL_DEAD_LETTER_REASONS, LabelError, decode_label
from stream.labels.records import split_records as split_label_records
from stream.monitors.bias import UNUSABLE_PREFIX
from stream.monitors.bias import unusable_label_reasons as bias_unusable_label_reasons
from stream.monitors.feeding import WindowFeed, feed, take_predictions, take_refusal
from stream.monitors.label_join import LABEL, PREDICTION, PendingEntries
from stream.monitors.labelled import LabelledSetup
from stream.monitors.labelled_accumulators import LabelledAccumulators
from stream.monitors.model_quality import unusable_label_reasons
from stream.worker.event_clock import EventClock, tumbling_start
from stream.worker.labelled_summaries import JoinSummary
from stream.worker.outcomes import DeadLetter
from stream.worker.partition_state import Blobs
from stream.worker.windows import WindowPartial

log = logging.getLogger("driftline.labels")

CAPTURE, LABELS, ATTRIBUTIONS = "capture", "labels", "attributions"
EXPIRE_BATCH = 10_000  # expired entries handled per partition and tick
_STATE = "labelled"


class Placed(NamedTuple):
    """A capture record the capture path placed: its output, key, event time, row, input."""

    output: EventData | None  # the record's endpointOutput
    key: str
    seconds: float
    rows: Sequence[Mapping[str, Any]] | None = None  # its feature rows, when built already
    request: EventData | None = None  # its endpointInput, when kept (needs_requests)


class Incoming(NamedTuple):
    """One input of the labelled path: its source topic and what it holds."""

    source: str  # capture, labels or attributions
    value: Any  # a Sequence[Placed] for capture, message bytes for the other two


LabelledOutput = DeadLetter | WindowPartial


class LabelledPath:
    """The label join and the labelled windows of one monitor over this worker's partitions.

    Parameters
    ----------
    monitor
        The monitor's name.
    setup
        Its labelled monitors (baselines, settings, prediction location).
    clock
        The monitor's event clock (shared with its capture path): a window is closed when
        the capture path has closed it.
    entries
        The durable store of waiting entries of a partition.
    now
        Wall clock (timezone-aware UTC).
    """

    def __init__(
        self,
        monitor: str,
        setup: LabelledSetup,
        *,
        clock: EventClock,
        entries: Callable[[int], PendingEntries],
        now: Callable[[], datetime],
        flush_seconds: float = 1.0,
    ) -> None:
        self.monitor = monitor
        self.setup = setup
        self.clock = clock
        self.entries = entries
        self.now = now
        self.join = setup.label_join()
        self.flush_seconds = flush_seconds
        self.flushed_at = -math.inf  # wall clock of the last flush of late changes
        self.windows: dict[tuple[int, float, float], LabelledAccumulators] = {}
        # window lengths a partition's windows had before a restart changed window_seconds
        # (its waiting predictions record their window's start only), with the wall clock
        # until which predictions of that length may still wait
        self.earlier_lengths: dict[int, dict[float, float]] = {}
        self.seq: dict[int, int] = {}
        self.partitions: set[int] = set()  # partitions with state here (their entries expire)
        # joined labels model quality (and rows bias, its reasons prefixed bias_) left out of
        # the windows sent, by reason (for metrics)
        self.unusable_labels: Counter[str] = Counter()
        # attributes the counters' change to a partition (WorkerState: until a checkpoint
        # covers it); closing and expiring run for each partition in turn on the clock's tick
        self.counting: Callable[[int], AbstractContextManager[None]] = _uncounted

    @property
    def needs_rows(self) -> bool:
        """Whether predictions need their feature row (bias reads facets from it)."""
        return self.setup.bias is not None and not self.setup.reads_request

    @property
    def needs_requests(self) -> bool:
        """Whether predictions need their ``endpointInput`` (bias names it by ``headers``)."""
        return self.setup.reads_request

    def update(self, partition: int, offset: int, item: Incoming) -> list[LabelledOutput]:
        """Take predictions, a labels message or an attributions message of ``partition``."""
        now = self.now().timestamp()
        self.partitions.add(partition)
        if item.source == CAPTURE:
            self._predictions(partition, item.value, now)
            return []
        if item.source == LABELS:
            return self._labels(partition, offset, item.value, now)
        return self._attributions(partition, offset, item.value, now)

    def _window(self, partition: int, start: float) -> LabelledAccumulators:
        found = self.windows.get((partition, start, self.clock.window_end(start)))
        if found is None:
            key = (partition, start, start + self._length_of(partition, start))
            found = self.windows.get(key)
            if found is None:
                found = self.windows[key] = LabelledAccumulators(self.setup)
        return found

    def _predictions(self, partition: int, placed: Sequence[Placed], now: float) -> None:
        window_start, pending_of = self.clock.window_start, self.setup.pending_of
        pendings = []
        for output, key, seconds, rows, request in placed:
            try:
                start = window_start(seconds)
                pendings.append(pending_of(output, key, seconds, start, rows, None, request))
            except CaptureError as error:
                usable = take_refusal(self.join, error, self._windows_of(partition))
                if usable is not None:
                    pendings.append(usable)
        take_predictions(self.join, self.entries(partition), pendings,
                         self._windows_of(partition), now=now)  # fmt: skip

    def _length_of(self, partition: int, start: float) -> float:
        """The length of the window a prediction of ``partition`` starting at ``start`` is in."""
        length = self.clock.window_seconds
        if self.clock.window_start(start) == start:
            return length
        for earlier in sorted(self.earlier_lengths.get(partition, {})):
            if tumbling_start(start, earlier) == start:
                return earlier
        return length

    def _windows_of(self, partition: int) -> Callable[[float], LabelledAccumulators]:
        return lambda start: self._window(partition, start)

    def _labels(
        self, partition: int, offset: int, message: bytes | None, now: float
    ) -> list[LabelledOutput]:
        if not self.setup.needs_labels:
            return []
        store = self.entries(partition)
        out: list[LabelledOutput] = []
        fed = WindowFeed(self._windows_of(partition))
        try:
            for index, raw in enumerate(split_label_records(message or b"", arrays=True)):
                try:
                    label = decode_label(raw, self.setup.labels)
                except LabelError as error:
                    rejected = RejectedRecord(index, error.reason, error.message, raw)
                    out.append(DeadLetter.of(self.monitor, partition, offset, rejected, LABELS))
                    continue
                fed.take(self.join.label(store, label, now=now))
        finally:
            fed.give()  # each window's pairs in one update (joined ones even after an error)
        return out + self._no_record(partition, offset, message, LABELS)

    def _attributions(
        self, partition: int, offset: int, message: bytes | None, now: float
    ) -> list[LabelledOutput]:
        if not self.setup.shap_from_topic:
            return []
        store = self.entries(partition)
        out: list[LabelledOutput] = []
        for index, raw in enumerate(split_label_records(message or b"")):
            try:
                key, values = decode_attribution(raw, self.setup.plain_shap_label)
            except AttributionError as error:
                rejected = RejectedRecord(index, error.reason, error.message, raw)
                out.append(DeadLetter.of(self.monitor, partition, offset, rejected, ATTRIBUTIONS))
                continue
            feed(self.join.shap(store, key, values, now=now), self._windows_of(partition))
        return out + self._no_record(partition, offset, message, ATTRIBUTIONS)

    def _no_record(
        self, partition: int, offset: int, message: bytes | None, source: str
    ) -> list[LabelledOutput]:
        """The dead letter of a tombstone, an empty message or an undecodable batch; or none."""
        if (message or b"").strip():
            return []
        reason = "tombstone" if message is None else "empty_message"
        why = f"the {source} message holds no record"
        if isinstance(message, UndecodableBatch):
            reason, why = CORRUPT_BATCH, message.problem
        rejected = RejectedRecord(-1, reason, why, b"")
        return [DeadLetter.of(self.monitor, partition, offset, rejected, source)]

    def close_due(self, now: float) -> list[LabelledOutput]:
        """Expire waiting entries; send what late labels changed in closed windows.

        At most every ``flush_seconds``: each such partial revises its window.
        """
        out: list[LabelledOutput] = []
        for partition in sorted(self.partitions):
            with self.counting(partition):
                self.join.expire(self.entries(partition), now=now, limit=EXPIRE_BATCH)
        if now - self.flushed_at < self.flush_seconds:
            return out
        self.flushed_at = now
        for partition, start, end in sorted(self.windows):
            closed = self.clock.closed_until.get(partition)
            if closed is not None and end <= closed:
                out.extend(self.close_window(partition, start, end, closed))
        return out

    def close_window(
        self, partition: int, start: float, end: float, closed_until: float
    ) -> list[WindowPartial]:
        """The window's accumulators as a labelled partial (none when nothing changed).

        The capture path calls this just before it sends the window's data-quality partial,
        so that the aggregator has the labels when it first publishes the window. The joined
        labels model quality left out of the partial, and the rows bias left out (reasons
        prefixed ``bias_``), are counted in ``unusable_labels``.
        """
        accumulators = self.windows.pop((partition, start, end), None)
        if accumulators is None:
            return []
        with self.counting(partition):
            if accumulators.model_quality is not None:
                self.unusable_labels.update(accumulators.model_quality.unusable_labels())
            if accumulators.bias is not None:
                reasons = accumulators.bias.left_out_reasons()
                self.unusable_labels.update({UNUSABLE_PREFIX + k: n for k, n in reasons.items()})
        seq = self.seq.get(partition, 0)
        self.seq[partition] = seq + 1
        return [
            WindowPartial.labelled(
                monitor=self.monitor, window_start=start,
                window_end=end, partition=partition,
                labelled_state=accumulators.to_state(), seq=seq, closed_until=closed_until,
            )
        ]  # fmt: skip

    def join_summary(self) -> JoinSummary:
        """The join's counts, and what waits over this worker's partitions (for metrics)."""
        counts = self.join.counts
        stores = [self.entries(p) for p in sorted(self.partitions)]
        problem_type = self.setup.problem_type
        reasons = () if problem_type is None else unusable_label_reasons(problem_type)
        if self.setup.bias is not None:
            reasons = (*reasons, *bias_unusable_label_reasons())
        refusals = LABEL_DEAD_LETTER_REASONS if self.setup.needs_labels else ()
        if self.setup.shap_from_topic:
            refusals = (*refusals, *ATTRIBUTION_DEAD_LETTER_REASONS)
        return JoinSummary(
            self.monitor,
            pending_predictions=sum(s.count(PREDICTION) for s in stores),
            pending_labels=sum(s.count(LABEL) for s in stores),
            joined=counts.joined,
            expired={
                "prediction": counts.expired_predictions,
                "label": counts.expired_labels,
                "shap": counts.expired_shap,
            },
            duplicates=counts.duplicate_labels,
            unusable=dict(counts.unusable),
            evicted=counts.evicted_predictions,
            duplicate_predictions=counts.duplicate_predictions,
            superseded_labels=counts.superseded_labels,
            unusable_labels=dict.fromkeys(reasons, 0) | dict(self.unusable_labels),
            dead_letter_reasons=refusals,
        )

    def snapshot(self, partition: int) -> Blobs:
        """The partition's open accumulators and its sequence number."""
        windows = [
            [start, acc.to_state(), end]
            for (p, start, end), acc in sorted(self.windows.items())
            if p == partition
        ]
        earlier = {repr(k): v for k, v in self.earlier_lengths.get(partition, {}).items()}
        state = {
            "seq": self.seq.get(partition, 0),
            "windows": windows,
            "window_seconds": self.clock.window_seconds,
            "earlier_lengths": earlier,
        }
        return {_STATE: orjson.dumps(state)}

    def restore(self, partition: int, blobs: Mapping[str, bytes]) -> None:
        """Replace the partition's accumulators and sequence number with a snapshot's."""
        self.drop([partition])
        self.partitions.add(partition)
        if _STATE not in blobs:
            return
        state = orjson.loads(blobs[_STATE])
        self.seq[partition] = int(state["seq"])
        restarted: Counter[str] = Counter()
        for start, accumulators, *end in state["windows"]:  # no end: written before ends were
            until = float(end[0]) if end else self.clock.window_end(float(start))
            window = LabelledAccumulators.from_state(self.setup, accumulators)
            self.windows[(partition, float(start), until)] = window
            restarted.update(window.restarted)
        for run, n in sorted(restarted.items()):
            log.warning(
                "monitor %s: %s was added or its baseline or settings changed; in %d "
                "window(s) of partition %d restored with figures tallied before, %s starts "
                "again with the labels joined from now on (its earlier ones are left out)",
                self.monitor, run, n, partition, run,
            )  # fmt: skip
        self._remember_lengths(partition, state)

    def _remember_lengths(self, partition: int, state: Mapping[str, Any]) -> None:
        """Keep the snapshot's window lengths other than the configured one.

        Each is kept while predictions of that length may still wait: ``label_ttl_seconds``
        from the restore that found it.
        """
        now = self.now().timestamp()
        lengths = {float(k): float(v) for k, v in state.get("earlier_lengths", {}).items()}
        saved = state.get("window_seconds")
        if saved is not None:
            lengths[float(saved)] = now + self.setup.labels.label_ttl_seconds
        lengths.pop(self.clock.window_seconds, None)
        kept = {length: until for length, until in lengths.items() if until > now}
        if kept:
            self.earlier_lengths[partition] = kept

    def drop(self, partitions: Collection[int]) -> None:
        """Forget partitions this worker no longer owns."""
        for key in [k for k in self.windows if k[0] in partitions]:
            del self.windows[key]
        for partition in partitions:
            self.seq.pop(partition, None)
            self.earlier_lengths.pop(partition, None)
            self.partitions.discard(partition)


def record_rows(
    decoded: DecodedMessage, features: tuple[str, ...]
) -> dict[int, list[Mapping[str, Any]]]:
    """Each usable record's feature rows, named, in order (for the labelled path's facets).

    All of them, as ``analyze`` reads a record's rows (:meth:`RowBuilder.rows
    <stream.capture.rows.RowBuilder.rows>`): bias reads instance ``i``'s facets from row
    ``i`` of a request of several instances, and refuses a single prediction of several rows.
    With a preprocessor these are the script's rows, which ``analyze``'s labelled monitors
    do not read (they read the record as captured).
    """
    out: dict[int, list[Mapping[str, Any]]] = {}
    width, fields = decoded.width, decoded.fields()
    owners = decoded.flat_owner if decoded.flat_owner is not None else range(len(decoded.keys))
    for i, owner in enumerate(owners):
        row = dict(zip(features, fields[i * width : (i + 1) * width], strict=True))
        out.setdefault(owner, []).append(row)
    for named, owner in zip(decoded.named, decoded.named_owner, strict=True):
        out.setdefault(owner, []).append(named)
    return out


def _uncounted(_partition: int) -> AbstractContextManager[None]:
    """No attribution (a path outside a worker)."""
    return nullcontext()
