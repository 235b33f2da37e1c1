"""Everything a worker process holds, without faust: messages in, messages to send out.

The faust agents in :mod:`stream.worker.app` are thin: they hand each capture message, each
partial and each timer tick to :class:`WorkerState`, and :mod:`stream.worker.checkpoints`
saves what :meth:`WorkerState.checkpoint` returns before anything leaves.

State is kept per source partition of two kinds: ``capture`` (capture partitions: every
monitor's :class:`~stream.worker.capture_path.CapturePath`) and ``partials`` (partials
partitions: the :class:`~stream.worker.aggregator.Aggregator` of each monitor keyed there).
Both implement :class:`~stream.worker.partition_state.PartitionedState`; this class drives
them through its verbs only. Per partition a :class:`PartitionBook` holds the last source
offset processed and the *outbox*: window partials and window results wait there until a
snapshot that includes them is saved, so that a restart re-sends them (the aggregator drops
the duplicates) instead of losing them. Dead letters and online alarms leave at once (at
least once).

Routing by Kafka headers: :mod:`stream.worker.routing`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stream.capture.message import RejectedRecord
from stream.capture.partitioning import partition_for_key
from stream.capture.preprocess import load_postprocessor, load_preprocessor
from stream.config import ConfigError, DriftlineConfig
from stream.kafka.topics import TopicNames
from stream.monitors.data_quality import DataQualityBaseline, load_data_quality_baseline
from stream.worker.aggregator import Aggregator, WindowResult
from stream.worker.capture_path import CaptureOutput, CapturePath
from stream.worker.event_clock import PartitionActivity
from stream.worker.online import OnlineViolation
from stream.worker.outbox import Outbound, decode_outbox, encode_outbox
from stream.worker.outcomes import DeadLetter
from stream.worker.outputs import OutputMessages
from stream.worker.partition_state import Blobs, PartitionedState
from stream.worker.routing import headers as headers_of
from stream.worker.routing import matches
from stream.worker.windows import WindowPartial

log = logging.getLogger("driftline.worker")

CAPTURE, PARTIALS = "capture", "partials"
_OUTBOX = "outbox"


@dataclass
class PartitionBook:
    """One source partition's progress and the messages waiting for its next snapshot."""

    last_offset: int = -1
    outbox: list[Outbound] = field(default_factory=list)
    changed: bool = False  # processed something since the last snapshot


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What to save for one partition (blobs, meta) and what to send once it is saved."""

    kind: str
    partition: int
    blobs: Blobs
    meta: dict[str, Any]
    outbox: tuple[Outbound, ...]


def utc_now() -> datetime:
    """The wall clock, timezone-aware UTC."""
    return datetime.now(UTC)


class WorkerState:
    """Capture paths and aggregators of every monitor, their books, and the topic names."""

    def __init__(
        self,
        config: DriftlineConfig,
        baselines: Mapping[str, DataQualityBaseline],
        *,
        now: Callable[[], datetime] = utc_now,
        on_result: Callable[[WindowResult], None] | None = None,
    ) -> None:
        self.config = config
        self.names = TopicNames.from_prefix(config.kafka.topic_prefix)
        self.partitions = config.kafka.partitions
        self.messages = OutputMessages(self.names, self.partitions)
        self.now = now
        self.on_result = on_result
        self.activity = {CAPTURE: PartitionActivity(), PARTIALS: PartitionActivity()}
        self.paths: dict[str, CapturePath] = {}
        self.aggregators: dict[str, Aggregator] = {}
        worker = config.worker
        for monitor in config.monitors:
            baseline = baselines[monitor.name]
            pre = load_preprocessor(monitor.preprocessor, monitor.preprocessor_output_dir)
            post = load_postprocessor(monitor.postprocessor) if monitor.postprocessor else None
            self.paths[monitor.name] = CapturePath(
                monitor, baseline, activity=self.activity[CAPTURE], now=now, preprocessor=pre,
                max_future_seconds=worker.max_future_seconds,
                revision_horizon_seconds=worker.revision_horizon_seconds,
            )  # fmt: skip
            self.aggregators[monitor.name] = Aggregator(
                monitor, baseline, partitions=self.partitions,
                partials_partition=self.partials_partition(monitor.name),
                activity=self.activity[PARTIALS], now=now, postprocessor=post,
                revision_horizon_seconds=worker.revision_horizon_seconds,
            )  # fmt: skip
        self.books: dict[str, dict[int, PartitionBook]] = {CAPTURE: {}, PARTIALS: {}}
        self.assigned: set[int] = set()  # capture partitions
        self.assigned_partials: set[int] = set()
        self.send_failures = 0  # output messages the producer refused
        self.internal_errors: Counter[str] = Counter()  # unexpected exceptions, by type

    @classmethod
    def from_config(cls, config: DriftlineConfig, **kwargs: Any) -> WorkerState:
        """Load every monitor's baseline folder; ConfigError when one has none."""
        if not config.monitors:
            msg = "the config defines no [[monitor]]; the worker has nothing to do"
            raise ConfigError(msg)
        baselines = {}
        for monitor in config.monitors:
            if monitor.baseline is None:
                msg = f"monitor {monitor.name!r}: baseline is required by the worker"
                raise ConfigError(msg)
            baselines[monitor.name] = load_data_quality_baseline(monitor.baseline)
        return cls(config, baselines, **kwargs)

    def partials_partition(self, monitor: str) -> int:
        """The partials partition of a monitor (its partials are keyed by its name)."""
        return partition_for_key(monitor.encode(), self.partitions)

    def _states(self, kind: str) -> Iterable[tuple[str, PartitionedState[Any, Any]]]:
        return (self.paths if kind == CAPTURE else self.aggregators).items()

    def book(self, kind: str, partition: int) -> PartitionBook:
        """The book of one source partition."""
        books = self.books[kind]
        if partition not in books:
            books[partition] = PartitionBook()
        return books[partition]

    def is_processed(self, kind: str, partition: int, offset: int) -> bool:
        """Whether a snapshot or this process already counted the message at ``offset``."""
        return offset <= self.book(kind, partition).last_offset

    def on_capture(
        self, partition: int, offset: int, value: bytes | None, headers: Any = None
    ) -> list[Outbound]:
        """One capture message; return what leaves at once (dead letters, online alarms)."""
        header_map = headers_of(headers)
        now_out: list[Outbound] = []
        book = self.book(CAPTURE, partition)
        for name, path in self.paths.items():
            if not matches(path.config, header_map):
                continue
            try:
                outputs = path.update(partition, offset, value)
                outputs += path.close_due(self.now().timestamp())  # closed by this watermark
            except Exception as error:  # no record may stop the worker
                outputs = [self._internal_error(name, partition, offset, value, error)]
            now_out.extend(self._capture_outbound(name, outputs))
        book.last_offset, book.changed = offset, True
        self.activity[CAPTURE].on_message(partition, now=self.now().timestamp())
        return now_out

    def _internal_error(
        self, monitor: str, partition: int, offset: int, value: bytes | None, error: Exception
    ) -> DeadLetter:
        kind = type(error).__name__
        self.internal_errors[kind] += 1
        log.exception("monitor %s: message %d:%d dead-lettered after %s", monitor,
                      partition, offset, kind)  # fmt: skip
        rejected = RejectedRecord(-1, "internal_error", f"{kind}: {error}", value or b"")
        return DeadLetter.of(monitor, partition, offset, rejected)

    def _capture_outbound(self, monitor: str, outputs: Iterable[CaptureOutput]) -> list[Outbound]:
        """Partials into their partition's outbox; return what leaves at once."""
        now_out = []
        for item in outputs:
            if isinstance(item, WindowPartial):
                target = self.partials_partition(monitor)
                message = Outbound(self.names.partials, target, monitor.encode(), item.to_bytes())
                self.book(CAPTURE, item.partition).outbox.append(message)
            elif isinstance(item, OnlineViolation):
                now_out.append(self.messages.online(monitor, item))
            else:
                now_out.append(self.messages.dead_letter(item))
        return now_out

    def on_partial(self, partition: int, offset: int, raw: bytes | None) -> None:
        """One partial from the partials topic; results wait in the partition's outbox."""
        book = self.book(PARTIALS, partition)
        book.last_offset, book.changed = offset, True
        self.activity[PARTIALS].on_message(partition, now=self.now().timestamp())
        try:
            partial = WindowPartial.from_bytes(raw or b"")
        except (ValueError, TypeError) as error:
            self.internal_errors["unreadable_partial"] += 1
            log.error("unreadable partial %d:%d dropped: %s", partition, offset, error)
            return
        aggregator = self.aggregators.get(partial.monitor)
        if aggregator is None:
            log.warning("partial for unknown monitor %r dropped", partial.monitor)
            return
        try:
            results = aggregator.update(partition, offset, partial)
        except Exception as error:
            self.internal_errors[type(error).__name__] += 1
            log.exception("monitor %s: partial %d:%d dropped", partial.monitor, partition, offset)
            return
        book.outbox.extend(self._results(results))

    def tick(self) -> None:
        """Timer: close due windows on both sides (into the outboxes)."""
        now = self.now().timestamp()
        for name, path in self.paths.items():
            for partial in self._guarded(name, path.close_due, now):
                self._capture_outbound(name, [partial])
                self.book(CAPTURE, partial.partition).changed = True
        for name, aggregator in self.aggregators.items():
            results = self._guarded(name, aggregator.close_due, now)
            if results:
                book = self.book(PARTIALS, aggregator.partials_partition)
                book.outbox.extend(self._results(results))
                book.changed = True

    def _guarded(
        self, monitor: str, close_due: Callable[[float], list[Any]], now: float
    ) -> list[Any]:
        try:
            return close_due(now)
        except Exception as error:  # a timer must never end the process
            self.internal_errors[type(error).__name__] += 1
            log.exception("monitor %s: closing windows failed", monitor)
            return []

    def _results(self, results: Iterable[WindowResult]) -> list[Outbound]:
        out: list[Outbound] = []
        for result in results:
            out.extend(self.messages.results(result))
            log.info("monitor %s window %s rev %d: %s, %d rows, %d violations", result.monitor,
                     result.window_start, result.revision, result.status, result.row_count,
                     len(result.evaluation.violations))  # fmt: skip
            if self.on_result is not None:
                self.on_result(result)
        return out

    def checkpoint(self, kind: str, partition: int) -> Checkpoint:
        """The partition's snapshot and the outbox it carries (taken out of the book)."""
        book = self.book(kind, partition)
        blobs: Blobs = {}
        for name, state in self._states(kind):
            for blob, data in state.snapshot(partition).items():
                blobs[f"{name}/{blob}"] = data
        outbox = tuple(book.outbox)
        if outbox:
            blobs[_OUTBOX] = encode_outbox(outbox)
        book.outbox, book.changed = [], False
        meta = {"offset": book.last_offset, "kind": kind, "saved_at": self.now().timestamp()}
        return Checkpoint(kind, partition, blobs, meta, outbox)

    def restore(
        self, kind: str, partition: int, blobs: Mapping[str, bytes], meta: Mapping[str, Any]
    ) -> tuple[Outbound, ...]:
        """Restore a partition from a snapshot; return its outbox, to send again."""
        for name, state in self._states(kind):
            prefix = f"{name}/"
            own = {k[len(prefix) :]: v for k, v in blobs.items() if k.startswith(prefix)}
            state.restore(partition, own)
        book = self.book(kind, partition)
        book.last_offset, book.changed = int(meta.get("offset", -1)), False
        book.outbox = []
        return decode_outbox(blobs[_OUTBOX]) if _OUTBOX in blobs else ()

    def drop(self, kind: str, partitions: Collection[int]) -> None:
        """Forget partitions of ``kind`` this worker no longer owns."""
        for _, state in self._states(kind):
            state.drop(partitions)
        self.activity[kind].drop(partitions)
        for partition in partitions:
            self.books[kind].pop(partition, None)
