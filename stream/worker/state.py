"""Everything a worker process holds, without faust: messages in, messages to send out.

The faust agents in :mod:`stream.worker.app` are thin: they hand each capture message, each
partial and each timer tick to :class:`WorkerState`, and :mod:`stream.worker.checkpoints`
saves what :meth:`WorkerState.checkpoint` returns before anything leaves.

State is kept per source partition of two kinds: ``capture`` (capture partitions: every
monitor's :class:`~stream.worker.capture_path.CapturePath`) and ``partials`` (partials
partitions: the :class:`~stream.worker.aggregator.Aggregator` of each monitor keyed there).
Both implement :class:`~stream.worker.partition_state.PartitionedState`; this class drives
them through its verbs only (:mod:`stream.worker.monitor_parts` builds them). Per partition
a :class:`~stream.worker.books.PartitionBook` holds the last source offset processed and
the *outbox*: window partials and window results wait there until a snapshot that includes
them is saved, so that a restart re-sends them (the aggregator drops the duplicates) instead
of losing them. Dead letters and online alarms leave at once (at least once). A partial
larger than a message may be (``WORKER_MESSAGE_BYTES``) leaves as several chunk messages
(:mod:`stream.worker.partial_chunks`), which the partials side puts together again — the
chunks still waiting are part of its snapshot. A result larger than a message may be is
counted in ``send_failures`` and logged, not queued: the producer would refuse it on every
checkpoint.

Routing by Kafka headers: :mod:`stream.worker.routing`; a message no monitor takes is counted
(and its headers logged once) by :mod:`stream.worker.unmatched`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from stream.capture.message import RejectedRecord
from stream.config import DriftlineConfig
from stream.kafka.topics import WORKER_MESSAGE_BYTES, TopicNames
from stream.monitors.data_quality import DataQualityBaseline
from stream.worker.added_monitors import LABELS_SUFFIX, AddedMonitors
from stream.worker.books import (
    CAPTURE,
    CHUNKS_BLOB,
    OUTBOX_BLOB,
    PARTIALS,
    Checkpoint,
    PartitionBook,
)
from stream.worker.capture_path import CaptureOutput
from stream.worker.event_clock import PartitionActivity
from stream.worker.labelled_path import Incoming
from stream.worker.monitor_parts import load_baselines, monitor_parts, partials_partition
from stream.worker.online import OnlineViolation
from stream.worker.outbox import Outbound, decode_outbox, encode_outbox, message_bytes
from stream.worker.outcomes import DeadLetter
from stream.worker.outputs import OutputMessages
from stream.worker.partial_chunks import CHUNK_FIELD, PartialChunks, chunk_of, partial_messages
from stream.worker.partition_state import Blobs, PartitionedState
from stream.worker.pending_stores import PendingStores
from stream.worker.record_counters import read_record_counters
from stream.worker.results import Result, describe, warning_lines
from stream.worker.routing import Router
from stream.worker.uncommitted_counts import UncommittedCounts
from stream.worker.unmatched import UnmatchedCaptures
from stream.worker.windows import WindowPartial

log = logging.getLogger("driftline.worker")


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
        on_result: Callable[[Result], None] | None = None,
        stores: PendingStores | None = None,
    ) -> None:
        self.config = config
        self.names = TopicNames.from_prefix(config.kafka.topic_prefix)
        self.partitions = config.kafka.partitions
        self.messages = OutputMessages(self.names, self.partitions)
        self.now = now
        self.on_result = on_result
        self.activity = {CAPTURE: PartitionActivity(), PARTIALS: PartitionActivity()}
        self.stores = stores if stores is not None else PendingStores.in_memory()
        parts = monitor_parts(config, baselines, self.activity, self.stores, now)
        self.paths, self.aggregators, self.labelled = parts.paths, parts.aggregators, parts.labelled
        self.router = Router(config.monitors)
        self.unmatched = UnmatchedCaptures(config.monitors)  # messages no monitor takes
        self.books: dict[str, dict[int, PartitionBook]] = {CAPTURE: {}, PARTIALS: {}}
        self.assigned: set[int] = set()  # capture partitions
        self.assigned_partials: set[int] = set()
        self.send_failures = 0  # output messages the producer refused
        self.partial_chunks: dict[int, PartialChunks] = {}  # by partials partition
        self.internal_errors: Counter[str] = Counter()  # unexpected exceptions, by type
        # per-record counters' increments no saved snapshot covers yet (metrics withhold them)
        self.uncommitted = UncommittedCounts(lambda kind: read_record_counters(self, kind))
        for labelled in self.labelled.values():
            labelled.counting = lambda p: self.uncommitted.scope(CAPTURE, p)
        # read by the metrics (stream.worker.metric_sources)
        self.partials_since: dict[int, float] = {}  # partials partition -> owned since
        self.end_offsets: dict[tuple[str, int], int] = {}  # (kind, partition) -> end offset
        self.added = AddedMonitors()  # monitors restored snapshots lacked (warned about once)

    @classmethod
    def from_config(cls, config: DriftlineConfig, **kwargs: Any) -> WorkerState:
        """Load every monitor's baseline folder; ConfigError when one has none."""
        return cls(config, load_baselines(config), **kwargs)

    def assign(self, capture: Collection[int], partials: Collection[int]) -> None:
        """The partitions owned after a rebalance, and since when each partials one is."""
        now = self.now().timestamp()
        self.partials_since = {p: self.partials_since.get(p, now) for p in partials}
        self.assigned, self.assigned_partials = set(capture), set(partials)

    def partials_partition(self, monitor: str) -> int:
        """The partials partition of a monitor (its partials are keyed by its name)."""
        return partials_partition(monitor, self.partitions)

    def _states(self, kind: str) -> Iterable[tuple[str, PartitionedState[Any, Any]]]:
        """Every state of ``kind`` with its snapshot name (``<monitor>``, ``<monitor>#labels``)."""
        if kind == PARTIALS:
            return list(self.aggregators.items())
        labelled = ((f"{n}{LABELS_SUFFIX}", p) for n, p in self.labelled.items())
        return [*self.paths.items(), *labelled]

    def book(self, kind: str, partition: int) -> PartitionBook:
        """The book of one source partition."""
        books = self.books[kind]
        if partition not in books:
            books[partition] = PartitionBook()
        return books[partition]

    def is_processed(self, kind: str, partition: int, offset: int, source: str = "") -> bool:
        """Whether a snapshot or this process already counted the message at ``offset``."""
        return offset <= self.book(kind, partition).last_offset(source or kind)

    def on_capture(
        self, partition: int, offset: int, value: bytes | None, headers: Any = None
    ) -> list[Outbound]:
        """One capture message; return what leaves at once (dead letters, online alarms)."""
        return self.on_capture_many(partition, [(offset, value, headers)])

    def on_capture_many(
        self, partition: int, messages: Sequence[tuple[int, bytes | None, Any]]
    ) -> list[Outbound]:
        """Consecutive (offset, value, headers) of a partition: :meth:`on_capture` each, at once."""
        with self.uncommitted.scope(CAPTURE, partition):
            return self._capture_many(partition, messages)

    def _capture_many(
        self, partition: int, messages: Sequence[tuple[int, bytes | None, Any]]
    ) -> list[Outbound]:
        now_out: list[Outbound] = []
        wall = self.now().timestamp()
        # activity first: the windows these messages open are not idle when they close others
        self.activity[CAPTURE].on_message(partition, now=wall)
        for names, run in self.router.runs(messages):
            if not names:
                self.unmatched.take(partition, run)
                continue
            items = [(offset, value) for offset, value, _ in run]
            for name in names:
                outputs = self._guarded_update(name, partition, items, wall)
                if outputs:
                    now_out.extend(self._capture_outbound(name, outputs))
        self.book(CAPTURE, partition).processed(CAPTURE, messages[-1][0])
        return now_out

    def _guarded_update(
        self, name: str, partition: int, items: list[tuple[int, bytes | None]], wall: float
    ) -> list[CaptureOutput]:
        """A monitor's outputs for the messages; an exception dead-letters its messages."""
        path = self.paths[name]
        try:
            outputs = path.update_many(partition, items, now=wall)
        except Exception as error:  # no record may stop the worker
            return [self._internal_error(name, partition, o, v, error) for o, v in items]
        if outputs is not None:
            return outputs
        outputs = []
        for offset, value in items:
            try:
                outputs += path.update(partition, offset, value, now=wall)
                outputs += path.close_passed(partition, wall)  # closed by this watermark
            except Exception as error:  # no record may stop the worker
                outputs.append(self._internal_error(name, partition, offset, value, error))
        return outputs

    def on_labelled(
        self, source: str, partition: int, offset: int, value: bytes | None
    ) -> list[Outbound]:
        """A labels or attributions message; return its dead letters (they leave at once)."""
        with self.uncommitted.scope(CAPTURE, partition):
            return self._labelled(source, partition, offset, value)

    def _labelled(
        self, source: str, partition: int, offset: int, value: bytes | None
    ) -> list[Outbound]:
        now_out: list[Outbound] = []
        for name, path in self.labelled.items():
            try:
                outputs = path.update(partition, offset, Incoming(source, value))
            except Exception as error:  # no record may stop the worker
                outputs = [self._internal_error(name, partition, offset, value, error, source)]
            else:
                self._count_dead_letters(name, outputs)
            now_out.extend(self._capture_outbound(name, outputs))
        self.book(CAPTURE, partition).processed(source, offset)
        return now_out

    def _internal_error(
        self,
        monitor: str,
        partition: int,
        offset: int,
        value: bytes | None,
        error: Exception,
        source: str = CAPTURE,
    ) -> DeadLetter:
        kind = type(error).__name__
        self.internal_errors[kind] += 1
        self.paths[monitor].counts.dead_letters["internal_error"] += 1
        log.exception("monitor %s: %s message %d:%d dead-lettered after %s", monitor, source,
                      partition, offset, kind)  # fmt: skip
        rejected = RejectedRecord(-1, "internal_error", f"{kind}: {error}", value or b"")
        return DeadLetter.of(monitor, partition, offset, rejected, source)

    def _count_dead_letters(self, monitor: str, outputs: Iterable[object]) -> None:
        """Count a labelled path's dead letters with the monitor's others.

        The capture path counts its own as it refuses them; with these the dead-letter
        metric has every record on the dead-letter topic.
        """
        counts = self.paths[monitor].counts.dead_letters
        for item in outputs:
            if isinstance(item, DeadLetter):
                counts[item.reason] += 1

    def _capture_outbound(self, monitor: str, outputs: Iterable[CaptureOutput]) -> list[Outbound]:
        """Partials into their partition's outbox; return what leaves at once."""
        now_out = []
        for item in outputs:
            if isinstance(item, WindowPartial):
                target = self.partials_partition(monitor)
                values = partial_messages(item, lambda v: self._fits(monitor.encode(), v))
                messages = [Outbound(self.names.partials, target, monitor.encode(), v)
                            for v in values]  # fmt: skip
                kind = "labelled" if item.is_labelled else "data-quality"
                what = f"monitor {monitor}: partition {item.partition}'s {kind} partial of window"
                sendable = self._sendable(messages, f"{what} {item.window_start}")
                self.book(CAPTURE, item.partition).outbox.extend(sendable)
            elif isinstance(item, OnlineViolation):
                now_out.append(self.messages.online(monitor, item))
            else:
                now_out.append(self.messages.dead_letter(item))
        return now_out

    def on_partial(self, partition: int, offset: int, raw: bytes | None) -> None:
        """One partial from the partials topic; results wait in the partition's outbox."""
        with self.uncommitted.scope(PARTIALS, partition):
            self._partial(partition, offset, raw)

    def _partial(self, partition: int, offset: int, raw: bytes | None) -> None:
        book = self.book(PARTIALS, partition)
        book.processed(PARTIALS, offset)
        self.activity[PARTIALS].on_message(partition, now=self.now().timestamp())
        try:
            document = orjson.loads(raw or b"")
            if isinstance(document, dict) and CHUNK_FIELD in document:
                chunks = self.partial_chunks.setdefault(partition, PartialChunks())
                whole = chunks.add(chunk_of(document))
                if whole is None:
                    return  # the partial's other chunks are still to come
                document = orjson.loads(whole)
            partial = WindowPartial.from_document(document)
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
        self._forget_chunks(partition)

    def _forget_chunks(self, partition: int) -> None:
        """Drop incomplete chunked partials of windows their aggregator no longer takes.

        Their other chunks can only come from a sender re-sending all of them (its outbox
        after a restart), whose partial the aggregator would drop as late anyway. So are
        those of a monitor no longer configured.
        """
        chunks = self.partial_chunks.get(partition)
        if not chunks:
            return

        def unwanted(about: Mapping[str, Any]) -> bool:
            aggregator = self.aggregators.get(about["monitor"])
            span = (about["window_start"], about["window_end"])
            return aggregator is None or aggregator.is_forgotten(span, labelled=about["labelled"])

        for about in chunks.forget(unwanted):
            aggregator = self.aggregators.get(about["monitor"])
            if aggregator is not None:
                aggregator.late_partials += 1
            log.warning("monitor %s: incomplete chunked partial of partition %d for window %s "
                        "dropped: no longer taken", about["monitor"], about["partition"],
                        about["window_start"])  # fmt: skip

    def tick(self) -> None:
        """Timer: close due windows on both sides (into the outboxes).

        A capture partition whose counters moved on the clock alone (label-join entries
        expired) has something to save too: its checkpoint exports those increments.
        """
        now = self.now().timestamp()
        for name, state in self._states(CAPTURE):
            for partial in self._guarded(name, state.close_due, now):
                self._capture_outbound(name.split("#")[0], [partial])
                self.book(CAPTURE, partial.partition).changed = True
        for kind, partition in list(self.uncommitted.pending):
            if kind == CAPTURE and partition in self.books[CAPTURE]:
                self.book(CAPTURE, partition).changed = True
        for name, aggregator in self.aggregators.items():
            with self.uncommitted.scope(PARTIALS, aggregator.partials_partition):
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

    def _results(self, results: Iterable[Result]) -> list[Outbound]:
        out: list[Outbound] = []
        for result in results:
            what = f"monitor {result.monitor}: window {result.window_start} result"
            out.extend(self._sendable(self.messages.results(result), what))
            log.info("%s", describe(result))
            for line in warning_lines(result):
                log.warning("%s", line)
            if self.on_result is not None:
                self.on_result(result)
        return out

    @staticmethod
    def _fits(key: bytes, value: bytes) -> bool:
        """Whether a message of ``key`` and ``value`` is within ``WORKER_MESSAGE_BYTES``."""
        return message_bytes(Outbound("", 0, key, value)) <= WORKER_MESSAGE_BYTES

    def _sendable(self, messages: Iterable[Outbound], what: str) -> list[Outbound]:
        """The messages the producer can send; one larger is counted and logged, not kept.

        The producer refuses it on every try, and the outbox that carried it — with every
        later partial and result of its partition — never left: the partition's windows went
        unpublished and its offsets uncommitted, each checkpoint re-saving the outbox.
        """
        kept = []
        for message in messages:
            size = message_bytes(message)
            if size <= WORKER_MESSAGE_BYTES:
                kept.append(message)
                continue
            self.send_failures += 1
            log.error("%s not sent: %d bytes on %s, over the %d bytes a message may be", what,
                      size, message.topic, WORKER_MESSAGE_BYTES)  # fmt: skip
        return kept

    def checkpoint(self, kind: str, partition: int) -> Checkpoint:
        """The partition's snapshot and the outbox it carries (taken out of the book)."""
        book = self.book(kind, partition)
        blobs: Blobs = {}
        for name, state in self._states(kind):
            for blob, data in state.snapshot(partition).items():
                blobs[f"{name}/{blob}"] = data
        outbox = tuple(book.outbox)
        if outbox:
            blobs[OUTBOX_BLOB] = encode_outbox(outbox)
        chunks = self.partial_chunks.get(partition) if kind == PARTIALS else None
        if chunks is not None and chunks.pending:
            blobs[CHUNKS_BLOB] = chunks.to_bytes()
        meta = {"offsets": dict(book.offsets), "kind": kind, "saved_at": self.now().timestamp()}
        # the last step that can fail: the book is emptied only once the checkpoint exists
        frozen = self.stores.freeze(partition) if kind == CAPTURE and self.labelled else None
        book.outbox, book.changed = [], False
        counts = self.uncommitted.take(kind, partition)
        return Checkpoint(kind, partition, blobs, meta, outbox, frozen, counts)

    def restore(
        self, kind: str, partition: int, blobs: Mapping[str, bytes], meta: Mapping[str, Any]
    ) -> tuple[Outbound, ...]:
        """Restore a partition from a snapshot; return its outbox, to send again.

        A monitor the snapshot has no state of (added to the config since) is warned about
        once (:mod:`stream.worker.added_monitors`).
        """
        if kind == CAPTURE:
            added = self.added.missing((name for name, _ in self._states(kind)), blobs)
            ttl = {n: p.setup.labels.label_ttl_seconds for n, p in self.labelled.items()}
            self.added.warn(added, partition, ttl)
        for name, state in self._states(kind):
            prefix = f"{name}/"
            own = {k[len(prefix) :]: v for k, v in blobs.items() if k.startswith(prefix)}
            state.restore(partition, own)
        if kind == PARTIALS:
            raw = blobs.get(CHUNKS_BLOB)
            self.partial_chunks[partition] = (
                PartialChunks() if raw is None else PartialChunks.from_bytes(raw)
            )
        book = self.book(kind, partition)
        book.offsets = {str(k): int(v) for k, v in meta.get("offsets", {}).items()}
        book.outbox, book.changed = [], False
        return decode_outbox(blobs[OUTBOX_BLOB]) if OUTBOX_BLOB in blobs else ()

    def drop(self, kind: str, partitions: Collection[int]) -> None:
        """Forget partitions of ``kind`` this worker no longer owns."""
        for _, state in self._states(kind):
            state.drop(partitions)
        if kind == CAPTURE:
            self.stores.drop(partitions)
        else:
            for partition in partitions:
                self.partial_chunks.pop(partition, None)
        self.activity[kind].drop(partitions)
        for partition in partitions:
            self.uncommitted.drop(kind, partition)
            self.books[kind].pop(partition, None)
            self.end_offsets.pop((kind, partition), None)
