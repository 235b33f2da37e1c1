"""Checkpoints: a partition's snapshot is saved, then its outbox sent, then its offsets acked.

The order is what makes a worker restart-safe. For one source partition:

1. :meth:`WorkerState.checkpoint <stream.worker.state.WorkerState.checkpoint>` takes the
   partition's snapshot and outbox in one synchronous step (nothing runs in between);
2. :class:`~stream.worker.snapshots.SnapshotStore` saves it, with the source offset it
   reflects;
3. the outbox (window partials, window results) is sent — a crash here re-sends it after
   restore, and the aggregator drops what it already merged;
4. the source messages the snapshot covers are acked, so faust may commit their offsets:
   the committed offset never runs ahead of a saved snapshot.

The per-record counters' increments the snapshot covers are exported once it is saved
(step 2): from then on a restart restores it and does not count those records again
(:mod:`stream.worker.uncommitted_counts`). A snapshot not saved puts them back with the rest.

On assignment a partition is restored from its latest snapshot before its first message is
processed, and messages at or below the snapshot's offset are skipped (already counted).
A checkpoint is taken when an outbox holds something, every ``snapshot_interval_seconds`` for
a partition that processed messages, when partitions are revoked, and on a graceful stop.
While the worker processes messages, checkpoints run in the background
(:meth:`Checkpointer.request`), one at a time per partition: step 1 is synchronous, so a
snapshot covers exactly the events it acks, and steps 2-4 wait on the broker without holding
up the next message. Revocation and a graceful stop wait for them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, NamedTuple

from stream.kafka.error_text import error_text
from stream.worker.books import Checkpoint
from stream.worker.outbox import Outbound
from stream.worker.snapshots import SnapshotError, SnapshotStore
from stream.worker.state import CAPTURE, WorkerState

log = logging.getLogger("driftline.checkpoints")

Key = tuple[str, int]  # (kind, partition)


class Changelog(NamedTuple):
    """The label join's changelog topic, and the clients that write and replay it."""

    producer: Any
    consumer: Any
    topic: str


class Checkpointer:
    """Restores, checkpoints and acks the source partitions of one worker.

    Parameters
    ----------
    state
        The worker's state.
    stores
        One :class:`SnapshotStore` per kind (``capture``, ``partials``).
    send
        Sends messages and waits until the broker has them (raises when it cannot).
    interval_seconds
        A partition that processed messages is checkpointed at least this often.
    """

    def __init__(
        self,
        state: WorkerState,
        stores: dict[str, SnapshotStore],
        send: Callable[[Iterable[Outbound]], Awaitable[None]],
        *,
        interval_seconds: float,
        changelog: Changelog | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = state
        self.stores = stores
        self.send = send
        self.changelog = changelog
        self.interval_seconds = interval_seconds
        self.clock = clock
        self.restored: set[Key] = set()
        self.unacked: dict[Key, list[Any]] = defaultdict(list)
        self.saved_at: dict[Key, float] = {}
        self._locks: dict[Key, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._replaying = asyncio.Lock()  # one changelog consumer: one partition's replay at a time
        self._running: dict[Key, asyncio.Future[None]] = {}  # background checkpoints
        self._again: set[Key] = set()  # asked for while one was running
        self.failures = 0  # checkpoints that could not be saved (retried on the next one)

    async def ensure_restored(self, kind: str, partition: int) -> None:
        """Restore the partition from its latest snapshot, once per assignment."""
        key = (kind, partition)
        if key in self.restored:
            return
        async with self._locks[key]:
            if key in self.restored:
                return
            snapshot = await self.stores[kind].load(partition)
            resend: tuple[Outbound, ...] = ()
            meta = {} if snapshot is None else snapshot.meta
            if snapshot is not None:
                resend = self._restore_state(kind, partition, snapshot.blobs, meta)
                log.warning("%s partition %d restored at offsets %s", kind, partition,
                            meta.get("offsets"))  # fmt: skip
            if kind == CAPTURE and self.changelog is not None and self.state.stores.durable:
                async with self._replaying:
                    await self.state.stores.restore(partition, meta, self.changelog.consumer,
                                                    self.changelog.topic)  # fmt: skip
            if resend:
                await self.send(resend)
            self.restored.add(key)
            self.saved_at[key] = self.clock()

    def _restore_state(
        self, kind: str, partition: int, blobs: dict[str, bytes], meta: dict[str, Any]
    ) -> tuple[Outbound, ...]:
        """The state's restore from a loaded snapshot; SnapshotError when its state is unreadable.

        A snapshot that loads (every chunk matches its digest) may still hold a state its
        ``from_state`` refuses: one hand-edited, or written by another driftline version.
        Retrying cannot get past it, and the partition would wait for it forever; it starts
        empty instead, as one whose chunks are gone, counted in ``internal_errors``
        (``unrestorable_snapshot``) and said by the SnapshotError the runner logs.
        """
        try:
            return self.state.restore(kind, partition, blobs, meta)
        except Exception as error:  # any from_state's refusal: ValueError, KeyError, TypeError…
            self.state.restore(kind, partition, {}, {})  # nothing half-restored stays
            self.state.internal_errors["unrestorable_snapshot"] += 1
            msg = (
                f"{kind} partition {partition}: its snapshot loaded but its state does not "
                f"restore ({type(error).__name__}: {str(error)[:300]})"
            )
            raise SnapshotError(msg) from error

    def hold(self, kind: str, partition: int, event: Any) -> None:
        """Keep a processed event unacked until a snapshot covers it."""
        self.unacked[(kind, partition)].append(event)

    def is_due(self, kind: str, partition: int) -> bool:
        """Whether the partition has something to send, or unsaved progress for too long."""
        book = self.state.book(kind, partition)
        if book.outbox:
            return True
        elapsed = self.clock() - self.saved_at.get((kind, partition), 0.0)
        return book.changed and elapsed >= self.interval_seconds

    def request(self, kind: str, partition: int) -> None:
        """Checkpoint the partition in the background: now, or once more after the running one.

        Processing goes on meanwhile: what it adds waits for the next checkpoint, which is
        taken as soon as the running one is done if the partition is still due then.
        """
        key = (kind, partition)
        if key in self._running:
            self._again.add(key)
        else:
            self._running[key] = asyncio.ensure_future(self._in_background(kind, partition))

    async def _in_background(self, kind: str, partition: int) -> None:
        key = (kind, partition)
        try:
            await self.checkpoint(kind, partition)
            while key in self._again:
                self._again.discard(key)
                if self.is_due(kind, partition):
                    await self.checkpoint(kind, partition)
        finally:
            self._running.pop(key, None)
            self._again.discard(key)

    def cancel_background(self) -> None:
        """Cancel checkpoints still running in the background (the clients are stopping)."""
        for task in self._running.values():
            task.cancel()

    async def checkpoint(self, kind: str, partition: int) -> bool:
        """Save the partition's snapshot, send its outbox, ack its events; False on failure."""
        key = (kind, partition)
        if key not in self.restored:
            return False
        async with self._locks[key]:
            if key not in self.restored:  # forgotten while this waited for the lock
                return False
            checkpoint = self.state.checkpoint(kind, partition)
            events, self.unacked[key] = self.unacked[key], []
            try:
                end = await self._save(checkpoint)
                if checkpoint.frozen is not None:
                    self.state.stores.applied(partition, checkpoint.frozen, end)
            except BaseException as error:  # the broker may be gone, or this task cancelled
                return self._failed(checkpoint, events, error, "snapshot not saved", thaw=True)
            self.state.uncommitted.commit(checkpoint.counts)  # no successor counts them again
            self.saved_at[key] = self.clock()
            try:
                await self.send(checkpoint.outbox)
            except BaseException as error:  # saved, not sent: the next snapshot carries it again
                return self._failed(checkpoint, events, error, "outbox not sent", thaw=False)
            for event in events:
                event.ack()
            return True

    def _failed(
        self, checkpoint: Checkpoint, events: list[Any], error: BaseException, what: str,
        *, thaw: bool,
    ) -> bool:  # fmt: skip
        """Put the checkpoint back; count and log an error (False), re-raise a cancellation."""
        self._put_back(checkpoint, events, thaw=thaw)
        if not isinstance(error, Exception):
            raise error
        self.failures += 1
        log.warning("%s partition %d: %s (%s)", checkpoint.kind, checkpoint.partition, what,
                    error_text(error))  # fmt: skip
        return False

    def _put_back(self, checkpoint: Checkpoint, events: list[Any], *, thaw: bool) -> None:
        """A checkpoint that did not finish: its outbox, events (and join changes) wait again.

        Whatever stopped it — an error, or the task cancelled mid-await (a rebalance, a stop)
        — the partition is left as if the checkpoint had not been taken, so the next one
        carries it all: with the join's changes still frozen, every later checkpoint of the
        partition failed, and the outboxes they had taken (window partials) were lost.
        """
        key = (checkpoint.kind, checkpoint.partition)
        if key not in self.restored:  # the partition moved away meanwhile, and its state too
            return
        self.unacked[key] = events + self.unacked[key]
        book = self.state.book(checkpoint.kind, checkpoint.partition)
        book.outbox[:0] = checkpoint.outbox
        book.changed = True
        if thaw:  # not saved: its counters' increments wait for the next one
            self.state.uncommitted.put_back(checkpoint.kind, checkpoint.partition,
                                            checkpoint.counts)  # fmt: skip
        if thaw and checkpoint.frozen is not None:
            self.state.stores.thaw(checkpoint.partition, checkpoint.frozen)

    async def _save(self, checkpoint: Checkpoint) -> int:
        """Changelog first, then the manifest naming its end; return that end offset."""
        partition, stores = checkpoint.partition, self.state.stores
        end = 0
        if checkpoint.frozen is not None:
            assert self.changelog is not None
            producer, topic = self.changelog.producer, self.changelog.topic
            end = await stores.write_changelog(partition, checkpoint.frozen, producer, topic)
        meta = {**checkpoint.meta, **(stores.meta(partition) if stores.durable else {})}
        await self.stores[checkpoint.kind].save(partition, checkpoint.blobs, meta)
        return end

    def request_due(self, kind: str) -> None:
        """Checkpoint every restored partition of ``kind`` that is due, in the background."""
        for k, partition in sorted(self.restored):
            if k == kind and self.is_due(kind, partition):
                self.request(kind, partition)

    async def checkpoint_all(self) -> None:
        """Checkpoint every restored partition (graceful stop, revocation)."""
        for kind, partition in sorted(self.restored):
            await self.checkpoint(kind, partition)

    def forget(self, kind: str, partitions: Iterable[int]) -> None:
        """Partitions moved away: drop their state, unacked events and saved-blob memory."""
        gone = list(partitions)
        self.state.drop(kind, gone)
        for partition in gone:
            key = (kind, partition)
            self.restored.discard(key)
            self.unacked.pop(key, None)
            self.saved_at.pop(key, None)
            self.stores[kind].forget(partition)
