"""The worker's asynchronous side: Kafka clients, restores, checkpoints, acks and the tick.

:class:`WorkerRunner` sits between the faust agents (:mod:`stream.worker.app`) and the
synchronous :class:`~stream.worker.state.WorkerState`. It owns an aiokafka producer for every
message driftline writes (acknowledged by the broker before a checkpoint acks its source),
the snapshot stores, and a consumer without a group that asks the broker for end offsets:
a partition whose processed offset reaches its end offset is *caught up*, which is what lets
a quiet partition's windows close (:class:`~stream.worker.event_clock.PartitionActivity`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from stream.kafka.client_stop import stop_client
from stream.kafka.error_text import error_text
from stream.kafka.topics import WORKER_MESSAGE_BYTES, TopicNames
from stream.worker.capture_batch import CaptureBatch
from stream.worker.checkpoints import Changelog, Checkpointer
from stream.worker.outbox import Outbound
from stream.worker.snapshots import SnapshotError, SnapshotStore
from stream.worker.state import CAPTURE, PARTIALS, WorkerState

log = logging.getLogger("driftline.runner")

END_OFFSETS_TIMEOUT_SECONDS = 3.0
CLIENT_STOP_SECONDS = 2.0  # a client's stop(), at shutdown: the broker may not answer
MAX_MESSAGE_BYTES = WORKER_MESSAGE_BYTES  # what every topic the worker writes takes
# The state consumers read what is already there: a request queued behind a fetch on the same
# connection waits out the fetch's long poll (a broker that holds a fetch for its whole wait,
# as the embedded one does, made every snapshot lookup take half a second).
STATE_FETCH_WAIT_MS = 20
# Capture events wait this long for others to be processed with (each message then costs
# far less than alone); a full batch does not wait.
BATCH_WAIT_SECONDS = 0.005


class WorkerRunner:
    """Feeds events to the state, checkpoints partitions and sends what leaves.

    Parameters
    ----------
    state
        The worker's state.
    bootstrap
        Bootstrap servers.
    client_kwargs
        aiokafka security keyword arguments.
    snapshot_interval_seconds
        A partition that processed messages is checkpointed at least this often.
    """

    def __init__(
        self,
        state: WorkerState,
        bootstrap: str,
        client_kwargs: dict[str, Any],
        *,
        snapshot_interval_seconds: float,
    ) -> None:
        self.state = state
        self.names: TopicNames = state.names
        self.bootstrap = bootstrap
        self.client_kwargs = client_kwargs
        self.snapshot_interval_seconds = snapshot_interval_seconds
        self.ready = asyncio.Event()
        self.stopping = False
        self.checkpointer: Checkpointer | None = None
        self.batch: CaptureBatch | None = None
        self._batch_timer: asyncio.TimerHandle | None = None
        self._clients: list[Any] = []
        self._offsets_consumer: Any = None
        self._producer: Any = None

    async def start(self) -> None:
        """Start the Kafka clients; the agents wait for this before their first event."""
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped]

        common = dict(bootstrap_servers=self.bootstrap, **self.client_kwargs)
        self._producer = AIOKafkaProducer(
            acks="all", linger_ms=2, max_request_size=MAX_MESSAGE_BYTES, **common
        )
        consumers = [
            AIOKafkaConsumer(
                enable_auto_commit=False,
                fetch_max_bytes=MAX_MESSAGE_BYTES,
                max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
                fetch_max_wait_ms=STATE_FETCH_WAIT_MS,
                **common,
            )  # fmt: skip
            for _ in range(4)
        ]
        for client in (self._producer, *consumers):
            await client.start()
            self._clients.append(client)
        capture_store = SnapshotStore(self._producer, consumers[0], self.names.capture_state)
        partials_store = SnapshotStore(self._producer, consumers[1], self.names.aggregate_state)
        self._offsets_consumer = consumers[2]
        changelog = Changelog(self._producer, consumers[3], self.names.join_changelog)
        self.checkpointer = Checkpointer(
            self.state,
            {CAPTURE: capture_store, PARTIALS: partials_store},
            self.send,
            interval_seconds=self.snapshot_interval_seconds,
            changelog=changelog,
        )
        self.batch = CaptureBatch(self.state, self.checkpointer)
        self.ready.set()

    async def close(self) -> None:
        """Stop every Kafka client (without waiting on a broker that does not answer).

        A client whose ``stop()`` fails — aiokafka's own ``CancelledError`` after a broker
        outage included — is closed as far as it goes, and the others are stopped after it
        (:func:`~stream.kafka.client_stop.stop_client`); a cancellation of the task itself
        goes on.
        """
        if self.checkpointer is not None:
            self.checkpointer.cancel_background()
        clients, self._clients = self._clients, []
        for client in reversed(clients):  # each one, whatever the one before raised
            reason = await stop_client(client, CLIENT_STOP_SECONDS)
            if reason is not None:
                log.info("client did not stop cleanly: %s", reason)

    async def send(self, messages: Iterable[Outbound]) -> None:
        """Send messages and wait for the broker's acknowledgement of each; raise on failure."""
        futures = [
            await self._producer.send(m.topic, m.value, key=m.key, partition=m.partition)
            for m in messages
        ]
        if futures:
            await asyncio.gather(*futures)

    async def _send_now(self, messages: list[Outbound]) -> None:
        try:
            await self.send(messages)
        except Exception as error:  # a refused message must not stop the agent
            self.state.send_failures += len(messages)
            log.error("%d messages not sent: %s", len(messages), error_text(error))

    async def on_capture(self, event: Any) -> None:
        """A capture event: restore its partition first; process it with the events around it.

        The event waits in the :class:`~stream.worker.capture_batch.CaptureBatch` at most
        ``BATCH_WAIT_SECONDS``, or until the batch is full.
        """
        if not self.ready.is_set():
            await self.ready.wait()
        cp, batch = self.checkpointer, self.batch
        assert cp is not None and batch is not None
        partition = event.message.partition
        if self.stopping:
            return  # left unacked: processed after a restart, or by the next owner
        if (CAPTURE, partition) not in cp.restored and not await self._restored(CAPTURE, partition):
            return
        if not batch.add(event):
            await self._process_batch()
        elif self._batch_timer is None:
            self._batch_timer = asyncio.get_running_loop().call_later(
                BATCH_WAIT_SECONDS, lambda: asyncio.ensure_future(self._process_batch())
            )

    async def _process_batch(self) -> None:
        """Process the waiting capture events; send what leaves at once; checkpoint if due."""
        cp, batch = self.checkpointer, self.batch
        assert cp is not None and batch is not None
        if self._batch_timer is not None:
            self._batch_timer.cancel()
            self._batch_timer = None
        if self.stopping or not len(batch):
            return
        immediate, partitions = batch.process()
        if immediate:
            await self._send_now(immediate)
        for p in partitions:
            if cp.is_due(CAPTURE, p):
                cp.request(CAPTURE, p)

    async def on_labelled(self, source: str, event: Any) -> None:
        """A labels or attributions event: it belongs to its capture partition's state."""
        await self.ready.wait()
        cp = self.checkpointer
        assert cp is not None
        message = event.message
        partition, offset = message.partition, message.offset
        if self.stopping or not await self._restored(CAPTURE, partition):
            return
        if self.state.is_processed(CAPTURE, partition, offset, source):
            event.ack()
            return
        immediate = self.state.on_labelled(source, partition, offset, message.value)
        cp.hold(CAPTURE, partition, event)
        if immediate:
            await self._send_now(immediate)
        if cp.is_due(CAPTURE, partition):
            cp.request(CAPTURE, partition)

    async def on_partial(self, event: Any) -> None:
        """One partial: restore the aggregator's partition first, then the same discipline."""
        await self.ready.wait()
        cp = self.checkpointer
        assert cp is not None
        message = event.message
        partition, offset = message.partition, message.offset
        if self.stopping or not await self._restored(PARTIALS, partition):
            return
        if self.state.is_processed(PARTIALS, partition, offset):
            event.ack()
            return
        self.state.on_partial(partition, offset, message.value)
        cp.hold(PARTIALS, partition, event)
        if cp.is_due(PARTIALS, partition):
            cp.request(PARTIALS, partition)

    async def tick(self) -> None:
        """Timer: learn which partitions are caught up, close due windows, checkpoint."""
        if not self.ready.is_set() or self.stopping:
            return
        cp = self.checkpointer
        assert cp is not None
        await self._check_end_offsets()
        self.state.tick()
        for kind in (CAPTURE, PARTIALS):
            cp.request_due(kind)

    async def _check_end_offsets(self) -> None:
        from aiokafka import TopicPartition

        cp = self.checkpointer
        assert cp is not None
        topics = {CAPTURE: self.names.capture, PARTIALS: self.names.partials}
        tps = {TopicPartition(topics[kind], p): (kind, p) for kind, p in cp.restored}
        if not tps:
            return
        try:
            ends = await asyncio.wait_for(
                self._offsets_consumer.end_offsets(list(tps)), END_OFFSETS_TIMEOUT_SECONDS
            )
        except Exception as error:  # unreachable broker: nothing is confirmed caught up
            log.info("end offsets unavailable: %s", error_text(error))
            return
        now = self.state.now().timestamp()
        for tp, end in ends.items():
            kind, partition = tps[tp]
            self.state.end_offsets[(kind, partition)] = end  # the metrics' consumer lag
            if self.state.book(kind, partition).last_offset(kind) + 1 >= end:
                self.state.activity[kind].on_caught_up(partition, now=now)

    async def on_assigned(self, partitions: dict[str, set[int]]) -> None:
        """The new assignment: forget lost partitions, restore new ones in the background."""
        cp = self.checkpointer
        state = self.state
        capture, partials = partitions.get(CAPTURE, set()), partitions.get(PARTIALS, set())
        if cp is not None:
            cp.forget(CAPTURE, state.assigned - capture)
            cp.forget(PARTIALS, state.assigned_partials - partials)
        state.assign(capture, partials)
        for kind, owned in ((CAPTURE, capture), (PARTIALS, partials)):
            for partition in owned:
                asyncio.ensure_future(self._restore_quietly(kind, partition))

    async def _restored(self, kind: str, partition: int) -> bool:
        """Restore the partition, retrying while the broker does not answer; False if stopping."""
        assert self.checkpointer is not None
        while not self.stopping and self._owns(kind, partition):
            try:
                await self.checkpointer.ensure_restored(kind, partition)
                return True
            except SnapshotError as error:  # unreadable: start empty, say so loudly
                log.error("%s partition %d: %s; starting without its snapshot", kind,
                          partition, error)  # fmt: skip
                self.checkpointer.restored.add((kind, partition))
                return True
            except Exception as error:
                log.warning("%s partition %d not restored yet: %s", kind, partition,
                            error_text(error))  # fmt: skip
                await asyncio.sleep(1.0)
        return False

    def _owns(self, kind: str, partition: int) -> bool:
        owned = self.state.assigned if kind == CAPTURE else self.state.assigned_partials
        return partition in owned

    async def _restore_quietly(self, kind: str, partition: int) -> None:
        await self.ready.wait()
        await self._restored(kind, partition)

    async def on_revoked(self) -> None:
        """Partitions are being revoked: checkpoint everything owned (kept until reassigned)."""
        if self.checkpointer is not None and not self.stopping:
            await self.checkpointer.checkpoint_all()

    async def graceful_stop(self) -> None:
        """Stop processing and checkpoint every partition before leaving the group."""
        self.stopping = True
        if self.checkpointer is not None:
            await self.checkpointer.checkpoint_all()
