"""One monitor's capture path: Kafka messages in; dead letters, alarms and window partials out.

:class:`CapturePath` implements :class:`~stream.worker.partition_state.PartitionedState` for
capture messages. Each message goes one way through four parts, each once:

1. :class:`~stream.capture.message.MessageDecoder` — the records' keys, event times and
   feature rows (a bad record is rejected alone, with its reason, and dead-lettered);
2. sampling by key (``sampling_percentage``, deterministic per inferenceId);
3. :class:`~stream.worker.event_clock.EventClock` — which window each record belongs to and
   whether that window is open, closed but revisable, or too late;
4. :class:`~stream.worker.window_table.WindowTable` — the rows appended to their window.

Windows close in :meth:`CapturePath.close_due`: when the partition's watermark passes their
end, or when the partition is idle — silent for ``idle_close_seconds`` *and* confirmed caught
up by the broker (:class:`~stream.worker.event_clock.PartitionActivity`). A revision window
(late records of a published window) closes once its partition is caught up, or
``idle_close_seconds`` after it opened.

A worker restarted with another ``window_seconds`` restores windows of the old length: they
finish as they were — each keeps its own start and end, takes no new record, and closes when
the watermark passes its end (or its partition goes idle), its partial carrying that end.
Every record read from then on goes to the window of the new length holding its event time,
even when a restored window also spans it: so each record is counted in exactly one window,
and windows of the two lengths are never merged (the aggregator keys windows by start *and*
end). A warning names the monitor and both lengths.

The record counts reconcile: ``consumed = processed + dead_lettered + late + sampled_out +
dropped`` (``dropped``: no row, the preprocessor returned none or the payload held none),
each exported; ``revised`` counts the processed records that went to a revision window.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Union

import orjson

from stream.capture.message import MAX_FUTURE_SECONDS, DecodedMessage, MessageDecoder
from stream.capture.partitioning import is_sampled
from stream.capture.preprocess import Preprocessor
from stream.capture.records import iso_utc
from stream.capture.rows import RowBuilder
from stream.config import MonitorConfig
from stream.monitors.data_quality import DataQualityBaseline
from stream.worker.event_clock import (
    LATE,
    OPEN,
    EventClock,
    PartitionActivity,
    progress_claims,
)
from stream.worker.labelled_path import CAPTURE as LABELLED_CAPTURE
from stream.worker.labelled_path import Incoming, LabelledPath, Placed, record_rows
from stream.worker.online import OnlineDetectors, OnlineViolation, placed_rows
from stream.worker.outcomes import DeadLetter, RecordCounts
from stream.worker.partition_state import Blobs
from stream.worker.window_table import WindowKey, WindowTable, is_window_blob
from stream.worker.windows import WindowPartial

log = logging.getLogger("driftline.capture")

CaptureOutput = Union[DeadLetter, OnlineViolation, WindowPartial]  # noqa: UP007
_CLOCK = "clock"


class CapturePath:
    """The capture state of one monitor over the partitions this worker owns.

    Parameters
    ----------
    config
        The monitor's settings (windows, lateness, idle close, sampling, online detectors).
    baseline
        Its data-quality baseline: feature names and kinds come from here.
    activity
        The worker's per-partition activity (shared by every monitor).
    now
        Wall clock (timezone-aware UTC).
    preprocessor
        A loaded ``preprocess_handler`` script, or None.
    max_future_seconds, revision_horizon_seconds
        See :mod:`stream.capture.message` and :mod:`stream.worker.event_clock`.
    """

    def __init__(
        self,
        config: MonitorConfig,
        baseline: DataQualityBaseline,
        *,
        activity: PartitionActivity,
        now: Callable[[], datetime],
        preprocessor: Preprocessor | None = None,
        max_future_seconds: float = MAX_FUTURE_SECONDS,
        revision_horizon_seconds: float = 900.0,
    ) -> None:
        self.config = config
        self.name = config.name
        self.activity = activity
        self.now = now
        builder = RowBuilder(
            features=baseline.features, capture_index_names=config.capture_index_names
        )
        self.decoder = MessageDecoder(
            builder, preprocessor=preprocessor, max_future_seconds=max_future_seconds
        )
        self.clock = EventClock(
            window_seconds=config.window_seconds,
            allowed_lateness_seconds=config.allowed_lateness_seconds,
            revision_horizon_seconds=revision_horizon_seconds,
        )
        self.table = WindowTable(
            monitor=config.name,
            features=baseline.features,
            kinds=baseline.kinds,
            window_seconds=config.window_seconds,
        )
        self.online = OnlineDetectors(
            names=config.online_detectors,
            features=baseline.features,
            kinds=baseline.kinds,
            now=now,
        )
        self.counts = RecordCounts()
        self.labelled: LabelledPath | None = None

    def attach(self, labelled: LabelledPath) -> None:
        """Hand the records this path places (their outputs) to a labelled path."""
        self.labelled = labelled
        self.decoder.keep_outputs = True
        self.decoder.keep_inputs = labelled.needs_requests

    def update(
        self, partition: int, offset: int, item: bytes | None, *, now: float | None = None
    ) -> list[CaptureOutput]:
        """Take one capture message of ``partition``: dead letters and online alarms out.

        ``now`` is the wall clock in POSIX seconds when the caller has read it already.
        """
        wall = self.now().timestamp() if now is None else now
        decoded = self.decoder.decode(item, now=wall)
        counts = self.counts
        counts.consumed += decoded.consumed
        counts.dropped += decoded.dropped
        out: list[CaptureOutput] = []
        for rejected in decoded.rejected:
            counts.dead_letters[rejected.reason] += 1
            out.append(DeadLetter.of(self.name, partition, offset, rejected))
        if decoded.keys:
            out.extend(self._take(partition, [offset] * len(decoded.keys), decoded, wall))
        return out

    def update_many(
        self, partition: int, messages: Sequence[tuple[int, bytes | None]], *, now: float
    ) -> list[CaptureOutput] | None:
        """Consecutive messages of ``partition`` as (offset, value), taken as one step.

        The outputs are what :meth:`update` and :meth:`close_passed` give message by message.
        When every record is plain CSV and none moves the watermark past a window (see
        :meth:`_one_by_one`), the messages are one step: decoded together, placed together
        (each window still records the first and last offset it holds). Otherwise nothing is
        changed and None returned: the caller takes them one by one, each with
        :meth:`update` and :meth:`close_passed`.
        """
        whole = self.decoder.decode_many([value for _, value in messages], now=now)
        if whole is None or self._one_by_one(partition, whole[0].seconds):
            return None  # nothing changed: the caller takes them one by one
        decoded, owners = whole
        self.counts.consumed += decoded.consumed
        return self._take(partition, [messages[m][0] for m in owners], decoded, now)

    def _one_by_one(self, partition: int, seconds: list[float]) -> bool:
        """Whether records at these event times must be taken message by message.

        They must when they would close a window among them, and when online detectors
        would see them in window order rather than in the order they came.
        """
        latest = max(seconds)
        if self.clock.would_close(partition, latest):
            return True
        window_start = self.clock.window_start
        return self.online.enabled and window_start(min(seconds)) != window_start(latest)

    def _take(
        self, partition: int, offsets: Sequence[int], decoded: DecodedMessage, wall: float
    ) -> list[CaptureOutput]:
        """Place decoded records and feed the online detectors; return their alarms.

        ``offsets`` holds the source offset of each record's message.
        """
        counts = self.counts
        placed: Sequence[int] = []
        for start, members in self._windows_of(decoded):
            where = self.clock.placement(partition, start)
            if where == LATE:
                counts.late += len(members)
                continue
            span = (offsets[members[0]], offsets[members[-1]])
            rows = self.table.place(partition, span, decoded, start=start,
                                    revision=where != OPEN, members=members, now=wall)  # fmt: skip
            counts.processed += len(members)
            counts.revised += len(members) if where != OPEN else 0
            counts.rows += rows
            placed = members if not placed else [*placed, *members]
        if placed:
            seconds = decoded.seconds
            latest = (
                max(seconds) if len(placed) == len(seconds) else max(seconds[i] for i in placed)
            )
            self.clock.observe(partition, latest)
        if self.labelled is not None and decoded.outputs is not None:
            rows = record_rows(decoded, self.table.features) if self.labelled.needs_rows else {}
            outputs, keys, seconds = decoded.outputs, decoded.keys, decoded.seconds
            inputs = decoded.inputs
            handed = [
                Placed(outputs[i], keys[i], seconds[i], rows.get(i),
                       None if inputs is None else inputs[i])
                for i in placed
            ]  # fmt: skip
            self.labelled.update(partition, offsets[-1], Incoming(LABELLED_CAPTURE, handed))
        if not self.online.enabled:
            return []
        return list(self.online.update(partition, offsets[-1], placed_rows(decoded, placed)))

    def _windows_of(self, decoded: DecodedMessage) -> list[tuple[float, Sequence[int]]]:
        """The sampled records of a message by window start, in event-time order.

        A message's records usually share one window: then no record is looked at alone.
        """
        kept: Sequence[int] = range(len(decoded.keys))
        pct = self.config.sampling_percentage
        seconds, window_start = decoded.seconds, self.clock.window_start
        if pct < 100.0:
            kept = [i for i in kept if is_sampled(decoded.keys[i].encode(), pct)]
            self.counts.sampled_out += len(decoded.keys) - len(kept)
            if not kept:
                return []
        elif window_start(min(seconds)) == window_start(max(seconds)):
            return [(window_start(seconds[0]), kept)]
        groups: dict[float, list[int]] = defaultdict(list)
        for i in kept:
            groups[window_start(seconds[i])].append(i)
        return sorted(groups.items())

    def close_passed(self, partition: int, now: float) -> list[CaptureOutput]:
        """After a message of ``partition``: close what its watermark has passed, if anything.

        Checking this partition's watermark costs next to nothing; only when it passed a
        window does :meth:`close_due` look at every window (idle partitions and revisions
        are the timer's to close).
        """
        due = self.clock.due_until(partition)
        if due is None or due <= self.clock.closed_until.get(partition, -math.inf):
            return []
        return self.close_due(now)

    def close_due(self, now: float) -> list[CaptureOutput]:
        """Close windows the watermark passed, of idle partitions, and finished revisions."""
        closing: list[tuple[WindowKey, str]] = []
        revisions: list[tuple[WindowKey, float]] = []
        for key, window in self.table:
            partition, _, _, revision = key
            idle = self.activity.idle_seconds(partition, now=now)
            if revision:
                revisions.append((key, window.opened_at))
                continue
            due = self.clock.due_until(partition)
            if due is not None and window.end <= due:
                closing.append((key, "watermark"))
            elif idle is not None and idle >= self.config.idle_close_seconds:
                closing.append((key, "idle"))
        # a revision leaves before any later window of its partition: that one's progress
        # would let the aggregator finalise, and forget, windows up to its end first
        moving = {key[0] for key, _ in closing}
        for key, opened_at in revisions:
            partition = key[0]
            if (
                partition in moving
                or self.activity.is_caught_up(partition)
                or now - opened_at >= self.config.idle_close_seconds
            ):
                closing.append((key, "revision"))
        for partition in list(self.clock.max_event):
            due = self.clock.due_until(partition)
            if due is not None:
                self.clock.advance(partition, due)
        closing.sort(key=lambda item: (item[0][0], item[0][2]))  # a partition's in time order
        for key, how in closing:
            if how == "idle":
                self.clock.advance(key[0], key[2])
        claims = progress_claims([key for key, _ in closing], self.clock.closed_until)
        out: list[CaptureOutput] = []
        for (key, how), until in zip(closing, claims, strict=True):
            partition = key[0]
            if self.labelled is not None:  # the labels first: the window is final after both
                # progress stays at the window's start: the data-quality partial carries it
                out.extend(self.labelled.close_window(partition, key[1], key[2], key[1]))
            out.append(self.table.close(key, closed_by=how, closed_until=until))
        return out

    def snapshot(self, partition: int) -> Blobs:
        """The partition's event clock, open windows and online detectors."""
        blobs = {_CLOCK: orjson.dumps(self.clock.snapshot(partition))}
        blobs.update(self.table.snapshot(partition))
        blobs.update(self.online.snapshot(partition))
        return blobs

    def restore(self, partition: int, blobs: Mapping[str, bytes]) -> None:
        """Replace the partition's state with a :meth:`snapshot`'s."""
        self.clock.restore(partition, orjson.loads(blobs[_CLOCK]) if _CLOCK in blobs else {})
        others, left_out = self.table.restore(
            partition, {k: v for k, v in blobs.items() if is_window_blob(k)}
        )
        for start, end, records in left_out:
            log.warning(
                "monitor %s: the baseline's columns changed; partition %d's open window "
                "[%s, %s) was profiled with the previous baseline's columns and is left out "
                "(%d records): the window holds the records read from now on",
                self.name, partition, iso_utc(start), iso_utc(end), records,
            )  # fmt: skip
        if others:
            log.warning(
                "monitor %s: window length changed from %s s to %s s; the windows of partition "
                "%d restored with %s s finish with %s s (they take no new record and close on "
                "their own end), new records go to %s s windows",
                self.name, _seconds(others), f"{self.config.window_seconds:g}", partition,
                _seconds(others), _seconds(others), f"{self.config.window_seconds:g}",
            )  # fmt: skip
        self.online.restore(partition, blobs)

    def drop(self, partitions: Collection[int]) -> None:
        """Forget partitions this worker no longer owns."""
        self.clock.drop(partitions)
        self.table.drop(partitions)
        self.online.drop(partitions)

    def event_time_lag_seconds(self) -> float | None:
        """Wall clock minus the largest event time seen in any partition."""
        if not self.clock.max_event:
            return None
        return self.now().timestamp() - max(self.clock.max_event.values())


def _seconds(lengths: Sequence[float]) -> str:
    """Window lengths as a log shows them: ``10`` or ``10, 30``."""
    return ", ".join(f"{length:g}" for length in lengths)
