"""Follow the statistics, executions and violations topics onto a :class:`StatusBoard`.

An aiokafka consumer with *assigned* partitions (no consumer group: every worker reads every
partition, so each status page shows every monitor) runs in its own thread and event loop,
apart from faust's. It starts ``lookback`` messages before each partition's end, so a
restarted worker shows recent history without reading the whole retention. An unreadable
message is logged and counted (``unreadable``), never fatal — a record batch that does not
decode is one such message; a lost broker connection is retried every ``RETRY_SECONDS``,
from where the follower had read: a message is put on the board once (violations of one
revision add up there, so a message read again would be listed twice).

``last_broker_answer`` (``time.monotonic()``) is when the broker last answered a request:
the follower asks for the end offsets every ``PROBE_SECONDS``, so it stays fresh on quiet
topics too; ``/readyz`` reads it. A broker that answers but lacks some of the topics (one
that came back empty after an outage: the embedded broker keeps its topics in memory) is
an answer too: ``missing_topics`` names them, for ``/readyz`` to say so, and the follower
looks for them every ``PROBE_SECONDS``, starting a new session once one is there.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

import orjson

from stream.capture.undecodable import UndecodableBatch
from stream.kafka.client_stop import stop_client
from stream.kafka.topics import aiokafka_kwargs
from stream.status.board import StatusBoard
from stream.status.messages import MessageError

log = logging.getLogger("driftline.status")

PROBE_SECONDS = 2.0
RETRY_SECONDS = 2.0
POLL_MILLISECONDS = 250
MAX_RECORDS_PER_POLL = 500
DEFAULT_LOOKBACK = {"statistics": 1_000, "executions": 2_000, "violations": 20_000}


class TopicFollower:
    """Reads output topics into ``board`` from a daemon thread until :meth:`stop`.

    Parameters
    ----------
    board
        Where decoded messages go.
    bootstrap
        Bootstrap servers.
    topics
        Topic name by kind (``statistics``, ``executions``, ``violations``).
    client_kwargs
        kafka-python style security settings (:func:`stream.kafka.security.kafka_python_kwargs`).
    lookback
        Messages read back from each partition's end at start, by kind.
    """

    def __init__(
        self,
        board: StatusBoard,
        bootstrap: str,
        topics: Mapping[str, str],
        client_kwargs: Mapping[str, Any] | None = None,
        lookback: Mapping[str, int] | None = None,
    ) -> None:
        self.board = board
        self.bootstrap = bootstrap
        self.kinds = {topic: kind for kind, topic in topics.items()}
        self.client_kwargs = dict(client_kwargs or {})
        self.lookback = {**DEFAULT_LOOKBACK, **(lookback or {})}
        self.last_broker_answer: float | None = None
        self.last_metadata_answer: float | None = None  # the topic list, even without them
        self.missing_topics: tuple[str, ...] = ()  # in that answer
        self.read: Counter[str] = Counter()  # messages applied, by kind
        self.unreadable: Counter[str] = Counter()  # messages refused, by kind
        self._next: dict[tuple[str, int], int] = {}  # next offset to read, by (topic, partition)
        self._ends: dict[tuple[str, int], int] = {}  # end offset last reported, likewise
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="driftline-status", daemon=True)

    def start(self) -> None:
        """Start following in the background.

        A record batch of the output topics that does not decode comes as one unreadable
        message (:mod:`stream.kafka.undecodable_batches`): counted, logged, read past.
        """
        from stream.kafka.undecodable_batches import read_past_undecodable_batches

        read_past_undecodable_batches(self.kinds)
        self._thread.start()

    def stop(self, timeout_seconds: float = 5.0) -> None:
        """Stop and wait (at most ``timeout_seconds``) for the thread to close its consumer."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_seconds)

    def broker_answered_within(self, seconds: float) -> bool:
        """Whether the broker answered in the last ``seconds`` (a list without our topics too)."""
        answers = (self.last_broker_answer, self.last_metadata_answer)
        last = max((t for t in answers if t is not None), default=None)
        return last is not None and time.monotonic() - last <= seconds

    def _main(self) -> None:
        asyncio.run(self._follow())

    async def _follow(self) -> None:
        failures, said = 0, ""
        while not self._stop.is_set():
            answered = self.last_broker_answer
            try:
                await self._session()
            except Exception as error:  # the page must outlive a broker outage
                failures = 0 if self.last_broker_answer != answered else failures + 1
                text = str(error)
                # once per outage, and again when the reason changes (the broker came back
                # without the topics, after timeouts)
                level = logging.WARNING if failures <= 1 or text != said else logging.DEBUG
                said = text
                log.log(level, "status follower: %s; retrying every %.0f s", text, RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)

    async def _session(self) -> None:
        from aiokafka import AIOKafkaConsumer  # type: ignore[import-untyped]

        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=10_000,
            **aiokafka_kwargs(self.client_kwargs),
        )
        try:
            await consumer.start()  # one that fails is stopped too: no "Unclosed" error each retry
            partitions = await self._assign(consumer)
            probed = float("-inf")
            while not self._stop.is_set():
                if time.monotonic() - probed >= PROBE_SECONDS:
                    self._note_ends(await consumer.end_offsets(partitions))
                    probed = self.last_broker_answer = time.monotonic()
                    if self.missing_topics and await self._missing_came(consumer):
                        return  # a new session reads them too
                batches = await consumer.getmany(
                    timeout_ms=POLL_MILLISECONDS, max_records=MAX_RECORDS_PER_POLL
                )
                for tp, messages in batches.items():
                    for message in messages:
                        self.apply(self.kinds[tp.topic], message.value)
                        self._next[(tp.topic, tp.partition)] = message.offset + 1
        finally:
            await _stop_consumer(consumer)

    async def _assign(self, consumer: Any) -> list[Any]:
        from aiokafka import TopicPartition

        await consumer.topics()  # all-topics metadata: creates nothing
        self.last_metadata_answer = time.monotonic()
        self.missing_topics = tuple(
            sorted(t for t in self.kinds if not consumer.partitions_for_topic(t))
        )
        partitions = [
            TopicPartition(topic, p)
            for topic in self.kinds
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            msg = f"the broker answers, but none of the topics {sorted(self.kinds)} exists"
            raise RuntimeError(msg)
        if self.missing_topics:
            log.warning("status follower: topics missing on the broker: %s",
                        ", ".join(self.missing_topics))  # fmt: skip
        consumer.assign(partitions)
        begin = await consumer.beginning_offsets(partitions)
        end = await consumer.end_offsets(partitions)
        self.last_broker_answer = time.monotonic()
        for tp in partitions:
            back = self.lookback.get(self.kinds[tp.topic], 0)
            start = max(begin[tp], end[tp] - back)
            key = (tp.topic, tp.partition)
            known = self._next.get(key)  # a session before this one's
            went_down = end[tp] == 0 or end[tp] < self._ends.get(key, 0)  # a new topic
            consumer.seek(
                tp, known if known is not None and begin[tp] <= known and not went_down else start
            )
        self._note_ends(end)
        log.info("status follower: %d partitions of %s", len(partitions), sorted(self.kinds))
        return partitions

    async def _missing_came(self, consumer: Any) -> bool:
        """Whether one of the missing topics exists now (the list is kept up to date)."""
        await consumer.topics()
        self.last_metadata_answer = time.monotonic()
        came = [t for t in self.missing_topics if consumer.partitions_for_topic(t)]
        return bool(came)

    def _note_ends(self, ends: Mapping[Any, int]) -> None:
        """Keep the end offsets reported: one that went down is a topic that started again.

        Not one below where the follower had read: the embedded Tansu broker reports the base
        offset of the last record batch plus one as the end (see
        :mod:`stream.worker.pending_changelog`), so after a batch of several violations the
        next session read them all again and the page listed each twice.
        """
        for tp, end in ends.items():
            self._ends[(tp.topic, tp.partition)] = end

    def apply(self, kind: str, raw: bytes | None) -> None:
        """Decode one message and put it on the board; count and log what cannot be read."""
        try:
            if raw is None:
                msg = "empty message (tombstone)"
                raise MessageError(msg)
            if isinstance(raw, UndecodableBatch):
                raise MessageError(raw.problem)
            self.board.apply(kind, orjson.loads(raw))
        except (orjson.JSONDecodeError, MessageError) as error:
            self.unreadable[kind] += 1
            log.warning("status follower: unreadable %s message skipped: %s", kind, error)
        except Exception:  # a message of an unforeseen shape must not stop the follower
            self.unreadable[kind] += 1
            log.exception("status follower: %s message could not be shown", kind)
        else:
            self.read[kind] += 1


async def _stop_consumer(consumer: Any) -> None:
    """Stop ``consumer``; a ``CancelledError`` out of it is aiokafka's, not a cancellation.

    aiokafka 0.14's fetcher, closing, cancels and awaits its pending fetch requests, and one
    that waits out its retry backoff after a failed fetch (a frozen broker) lets the
    ``CancelledError`` out of ``stop()``. Not an ``Exception``, it passed ``_follow``'s retry
    and ended the follower's thread: the page stopped, and ``/readyz`` said 503 (the broker
    not answering) for as long as the worker ran. :func:`~stream.kafka.client_stop.stop_client`
    closes the rest of the consumer; a real cancellation of this task re-raises.
    """
    reason = await stop_client(consumer)
    if reason is not None:
        log.debug("status follower: consumer did not stop cleanly: %s", reason)
