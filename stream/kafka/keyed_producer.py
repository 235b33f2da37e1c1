"""JSON records into a topic keyed by inferenceId, batched per partition: capture, labels, SHAP.

faust pays per *message*, so records travel as JSON-Lines batches (``records_per_message`` a
message). A batch holds only records whose key — the first of ``key_paths`` present in the
record: the inferenceId, falling back to the eventId — hashes, with Kafka's murmur2
partitioner, to the partition it is sent to. Capture records, labels and SHAP values keyed by
the same id therefore land in the same partition number of their topics (created with the
same partition count), so the label join stays local to one worker.

Key paths per topic (dotted paths into the record):

- capture: ``eventMetadata.inferenceId``, then ``eventMetadata.eventId``;
- labels: ``eventMetadata.eventId`` — a SageMaker ground-truth record carries its capture's
  join key (the inferenceId, else the eventId) there;
- attributions: ``inferenceId``, then ``eventId``.

Routing headers (``endpoint``, ``variant``, ``model``: what a monitor's ``match`` compares)
go on every message; records sent with different headers never share a message.

A broker that stops answering (stopped, unreachable, hung) is noticed, not waited for: once
messages have waited ``request_timeout_seconds`` (kafka-python's request timeout, 30 s by
default) without the broker answering any of them, :meth:`KeyedProducer.check_answering`
and :meth:`KeyedProducer.close` raise :class:`BrokerNotAnswering`; ``close`` first closes the
Kafka client without waiting, so nothing is left for kafka-python's exit hook.

A message also stays under the producer's ``max_request_size`` (1 MiB unless the client
settings say otherwise): a batch is sent early when the next record would take it over, and a
record too large for a message of its own is counted (``records_oversized``), not sent.
kafka-python refuses a larger message outright, which stopped ``replay`` and ``labels push``
on records of ~20 KB at 100 records a message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Self

import orjson

from stream.capture.partitioning import is_sampled, partition_for_key
from stream.capture.predictions import lookup
from stream.capture.records import id_text

log = logging.getLogger("driftline.producer")

REQUEST_TIMEOUT_SECONDS = 30.0  # kafka-python's default request_timeout_ms, as seconds
MAX_REQUEST_BYTES = 1_048_576  # kafka-python's default max_request_size (and Kafka's limit)
# what a message needs besides its records' bytes: key, headers, record and batch framing
MESSAGE_OVERHEAD_BYTES = 16_384
_FLUSH_POLL_SECONDS = 0.5  # close() checks on the broker's answers this often
_CLOSE_SECONDS = 5.0  # for kafka-python's close once nothing is left to wait for

CAPTURE_KEY_PATHS = ("eventMetadata.inferenceId", "eventMetadata.eventId")
LABEL_KEY_PATHS = ("eventMetadata.eventId",)
ATTRIBUTION_KEY_PATHS = ("inferenceId", "eventId")

Record = Mapping[str, Any] | bytes
Headers = tuple[tuple[str, bytes], ...]  # kafka-python's message header shape


@dataclass(frozen=True, slots=True)
class ProducerCounts:
    """What a KeyedProducer has done so far."""

    records_offered: int  # given to send / send_many
    records_sampled_out: int  # left out by sampling_percentage
    records_without_id: int  # no key at key_paths (or not JSON): partitioned by content
    records_sent: int  # handed to Kafka inside a message
    records_oversized: int  # too large for one message on their own: not sent
    messages_sent: int  # JSON-Lines messages handed to Kafka
    messages_failed: int  # messages Kafka reported as not delivered


class BrokerNotAnswering(ConnectionError):
    """Messages waited longer than the request timeout without the broker answering any."""


def record_key(
    record: Record, key_paths: tuple[str, ...] = CAPTURE_KEY_PATHS
) -> tuple[bytes | None, bytes]:
    r"""The record's key (the first id at ``key_paths``, as text) and its one-line JSON.

    Ids follow :func:`~stream.capture.records.join_key`'s rule (a number is used as its
    text), so capture keys here are exactly the worker's join keys.

    Examples
    --------
    >>> record_key({"eventMetadata": {"eventId": "e1", "inferenceId": "i1"}})
    (b'i1', b'{"eventMetadata":{"eventId":"e1","inferenceId":"i1"}}')
    >>> record_key(b'{"inferenceId": "i2", "shap": {"age": 0.1}}\n', ATTRIBUTION_KEY_PATHS)
    (b'i2', b'{"inferenceId": "i2", "shap": {"age": 0.1}}')
    >>> record_key(b"not json\n")
    (None, b'not json')
    """
    if isinstance(record, bytes | bytearray | memoryview):
        # Newlines are whitespace in valid JSON; inside a string they would be invalid anyway.
        line = bytes(record).strip().replace(b"\r", b" ").replace(b"\n", b" ")
        try:
            parsed = orjson.loads(line)
        except orjson.JSONDecodeError:
            return None, line
    else:
        parsed, line = record, orjson.dumps(record)
    if isinstance(parsed, dict):
        for path in key_paths:
            key = id_text(lookup(parsed, path))
            if key is not None:
                return key.encode("utf-8"), line
    return None, line


class KeyedProducer:
    """Sends JSON records to ``topic`` as JSON-Lines messages, one partition per message.

    Parameters
    ----------
    bootstrap_servers
        Kafka bootstrap servers.
    topic
        The topic (capture, labels, attributions); it must exist (see
        ``stream.kafka.topics.ensure_topics``), since on some brokers a metadata request for a
        missing topic creates it with the default count.
    key_paths
        Dotted paths of the record's key, first found wins (see the module docstring).
    sampling_percentage
        Share of records kept, decided by a hash of the inferenceId (replays sample alike).
    records_per_message
        A partition's batch is sent as soon as it holds this many records.
    linger_seconds
        A batch is sent at the latest this long after its first record arrived (by a
        background thread); 0 sends what is buffered at the end of every send call.
    headers
        Kafka headers put on every message, e.g. ``{"endpoint": "credit-endpoint",
        "variant": "AllTraffic"}`` for monitors that ``match`` on them; ``send`` and
        ``send_many`` can override them per call.
    client_kwargs
        Further kafka-python ``KafkaProducer`` arguments (security settings); a
        ``request_timeout_ms`` among them replaces ``request_timeout_seconds``.
    request_timeout_seconds
        kafka-python's request timeout; also how long messages may wait with no answer from
        the broker before :meth:`check_answering` and :meth:`close` say it stopped answering.

    The API is synchronous and thread-safe, for use from a web server's request handlers.
    ``send`` never waits for the broker; a command that must stop when the broker goes away
    calls :meth:`check_answering` now and then. Call ``close()`` (or use it as a context
    manager) to send what is buffered.
    """

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        topic: str,
        sampling_percentage: float = 100.0,
        records_per_message: int = 100,
        linger_seconds: float = 0.5,
        headers: Mapping[str, str] | None = None,
        client_kwargs: Mapping[str, Any] | None = None,
        key_paths: tuple[str, ...] = CAPTURE_KEY_PATHS,
        request_timeout_seconds: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        if not key_paths:
            msg = "key_paths must name at least one path"
            raise ValueError(msg)
        if not 0.0 <= sampling_percentage <= 100.0:
            msg = f"sampling_percentage must be in 0..100, got {sampling_percentage}"
            raise ValueError(msg)
        if records_per_message < 1:
            msg = f"records_per_message must be >= 1, got {records_per_message}"
            raise ValueError(msg)
        if linger_seconds < 0:
            msg = f"linger_seconds must be >= 0, got {linger_seconds}"
            raise ValueError(msg)
        if request_timeout_seconds <= 0:
            msg = f"request_timeout_seconds must be > 0, got {request_timeout_seconds}"
            raise ValueError(msg)
        from kafka import KafkaProducer  # type: ignore[import-untyped]

        self.topic = topic
        self.key_paths = key_paths
        self.sampling_percentage = sampling_percentage
        self.records_per_message = records_per_message
        self.linger_seconds = linger_seconds
        self.headers = _encode_headers(headers)
        self.bootstrap_servers = bootstrap_servers
        kwargs = {
            "linger_ms": 5,
            "request_timeout_ms": round(request_timeout_seconds * 1000),
            **dict(client_kwargs or {}),
        }
        self.request_timeout_seconds = kwargs["request_timeout_ms"] / 1000
        max_request = int(kwargs.get("max_request_size", MAX_REQUEST_BYTES))
        self.max_message_bytes = max_request - MESSAGE_OVERHEAD_BYTES
        self._producer = KafkaProducer(bootstrap_servers=bootstrap_servers, **kwargs)
        found = self._producer.partitions_for(topic)
        if not found:
            self._producer.close()
            msg = f"topic {topic} has no partitions on {bootstrap_servers}"
            raise ValueError(msg)
        self.partitions = len(found)
        self._lock = threading.RLock()
        self._failure_lock = threading.Lock()  # taken by kafka-python's sender thread
        self._messages_failed = 0
        self._unanswered = 0  # messages handed to Kafka, neither acknowledged nor failed yet
        self._silent_since = 0.0  # the broker's last answer, or the send of the oldest waiting
        self._abandoned = False  # closed without waiting: failures are counted, not logged
        # one buffer per (partition, headers): a message has one partition and one routing
        self._buffers: dict[tuple[int, Headers], list[tuple[bytes | None, bytes]]] = {}
        self._started_at: dict[tuple[int, Headers], float] = {}
        self._buffered_bytes: dict[tuple[int, Headers], int] = {}
        self._counts = dict.fromkeys(ProducerCounts.__dataclass_fields__, 0)
        self._closed = threading.Event()
        self._linger_thread: threading.Thread | None = None
        if linger_seconds > 0:
            self._linger_thread = threading.Thread(
                target=self._linger_loop, name="driftline-producer-linger", daemon=True
            )
            self._linger_thread.start()

    @property
    def counts(self) -> ProducerCounts:
        """Counters since construction."""
        with self._lock, self._failure_lock:
            return ProducerCounts(**{**self._counts, "messages_failed": self._messages_failed})

    def send(self, record: Record, headers: Mapping[str, str] | None = None) -> bool:
        """Buffer one record (a dict or its JSON bytes); return whether sampling kept it."""
        return self.send_many([record], headers) == 1

    def send_many(self, records: Iterable[Record], headers: Mapping[str, str] | None = None) -> int:
        """Buffer many records; return how many sampling kept.

        ``headers`` replace the producer's headers for these records.
        """
        routing = self.headers if headers is None else _encode_headers(headers)
        kept = 0
        with self._lock:
            for record in records:
                kept += self._add(record, routing)
            if self.linger_seconds == 0:
                self._send_buffers(list(self._buffers))
        return kept

    def flush(self, timeout_seconds: float | None = None) -> None:
        """Send every buffered batch and wait until Kafka acknowledged them."""
        with self._lock:
            self._send_buffers(list(self._buffers))
        self._producer.flush(timeout=timeout_seconds)

    @property
    def silent_seconds(self) -> float:
        """How long messages have been waiting with no answer from the broker; 0 if none waits."""
        with self._failure_lock:
            return time.monotonic() - self._silent_since if self._unanswered else 0.0

    def check_answering(self, silent_limit_seconds: float | None = None) -> None:
        """Raise :class:`BrokerNotAnswering` once the broker has been silent too long.

        That is, when messages have waited ``silent_limit_seconds`` (by default
        ``request_timeout_seconds``) and the broker has answered none of them (acknowledged
        or refused) in that time.
        """
        limit = (
            self.request_timeout_seconds if silent_limit_seconds is None else silent_limit_seconds
        )
        silent = self.silent_seconds
        if silent > limit:
            with self._failure_lock:
                waiting = self._unanswered
            why = (
                f"the request timeout is {self.request_timeout_seconds:g} s"
                if silent_limit_seconds is None
                else f"once told to stop, it waits {limit:g} s"
            )
            msg = (
                f"the broker at {self.bootstrap_servers} stopped answering: no answer for "
                f"{silent:.0f} s ({why}); "
                f"{waiting} message{'s' if waiting != 1 else ''} not delivered"
            )
            raise BrokerNotAnswering(msg)

    def close(
        self, timeout_seconds: float | None = None, *, silent_limit_seconds: float | None = None
    ) -> None:
        """Send what is buffered, wait for Kafka's acknowledgements, and close.

        It waits as long as the broker answers (at most ``timeout_seconds`` when given). A
        broker silent for ``silent_limit_seconds`` (by default ``request_timeout_seconds``;
        see :meth:`check_answering`) raises :class:`BrokerNotAnswering`, and
        ``TimeoutError`` comes after ``timeout_seconds``; in both cases, and on a
        ``KeyboardInterrupt`` (Ctrl-C) while it waits, the Kafka client is closed first,
        without waiting, and what it still held counts as failed. The producer cannot be
        used afterwards.
        """
        if self._closed.is_set():
            return
        self._closed.set()
        if self._linger_thread is not None:
            self._linger_thread.join()
        try:
            with self._lock:
                self._send_buffers(list(self._buffers))
            self._wait_for_answers(timeout_seconds, silent_limit_seconds)
        except (BrokerNotAnswering, TimeoutError, KeyboardInterrupt):
            self._abandon()
            raise
        self._producer.close(timeout=_CLOSE_SECONDS)

    def abandon(self) -> None:
        """Close at once (Ctrl-C): nothing more is sent, and what Kafka held counts as failed.

        Records still in this producer's own buffers are dropped; the producer cannot be used
        afterwards. A producer already closed is left as it is.
        """
        if self._closed.is_set():
            return
        self._closed.set()
        if self._linger_thread is not None:
            self._linger_thread.join()
        with self._lock:
            self._buffers.clear()
            self._started_at.clear()
            self._buffered_bytes.clear()
        self._abandon()

    def _wait_for_answers(
        self, timeout_seconds: float | None, silent_limit_seconds: float | None
    ) -> None:
        from kafka.errors import KafkaTimeoutError  # type: ignore[import-untyped]

        started = time.monotonic()
        while True:
            try:
                self._producer.flush(timeout=_FLUSH_POLL_SECONDS)
            except KafkaTimeoutError:
                self.check_answering(silent_limit_seconds)
                if timeout_seconds is not None and time.monotonic() - started > timeout_seconds:
                    msg = f"Kafka did not acknowledge every message within {timeout_seconds:g} s"
                    raise TimeoutError(msg) from None
            else:
                return

    def _abandon(self) -> None:
        """Close the Kafka client without waiting; the messages it holds fail (counted)."""
        self._abandoned = True
        # kafka-python's close() flushes first, and a flush that times out leaves the client
        # open, for its exit hook to try again and print a traceback; its sender's
        # force_close() fails what is held, so that the close then finds nothing to wait for.
        self._producer._sender.force_close()
        self._producer.close(timeout=_CLOSE_SECONDS)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self.abandon()  # Ctrl-C: stop now, not after the broker's answers
        else:
            self.close()

    def _add(self, record: Record, routing: Headers) -> int:
        self._counts["records_offered"] += 1
        key, line = record_key(record, self.key_paths)
        if key is None:
            self._counts["records_without_id"] += 1
        decision_key = line if key is None else key
        if not is_sampled(decision_key, self.sampling_percentage):
            self._counts["records_sampled_out"] += 1
            return 0
        size = len(line) + 1  # and the newline that joins it to the next
        if size + len(key or b"") > self.max_message_bytes:
            self._counts["records_oversized"] += 1
            return 0
        target = (partition_for_key(decision_key, self.partitions), routing)
        if self._buffered_bytes.get(target, 0) + size > self.max_message_bytes:
            self._send_buffers([target])  # the batch so far, before it grows too large
        buffer = self._buffers.setdefault(target, [])
        if not buffer:
            self._started_at[target] = time.monotonic()
        buffer.append((key, line))
        self._buffered_bytes[target] = self._buffered_bytes.get(target, 0) + size
        if len(buffer) >= self.records_per_message:
            self._send_buffers([target])
        return 1

    def _send_buffers(self, targets: list[tuple[int, Headers]]) -> None:
        for target in targets:
            batch = self._buffers.pop(target, [])
            self._started_at.pop(target, None)
            self._buffered_bytes.pop(target, None)
            if not batch:
                continue
            partition, routing = target
            value = b"\n".join(line for _, line in batch)
            future = self._producer.send(
                self.topic,
                value=value,
                key=batch[0][0],
                partition=partition,
                headers=list(routing) or None,
            )
            with self._failure_lock:
                if not self._unanswered:
                    self._silent_since = time.monotonic()
                self._unanswered += 1
            future.add_errback(self._on_failure)
            future.add_both(self._on_answer)
            self._counts["records_sent"] += len(batch)
            self._counts["messages_sent"] += 1

    def _on_failure(self, error: BaseException) -> None:
        if not self._abandoned:
            log.error("batch not delivered to %s: %s", self.topic, error)
        with self._failure_lock:
            self._messages_failed += 1

    def _on_answer(self, _result: object) -> None:
        with self._failure_lock:
            self._unanswered -= 1
            self._silent_since = time.monotonic()

    def _linger_loop(self) -> None:
        tick = min(self.linger_seconds, 0.1)
        while not self._closed.wait(tick):
            due = time.monotonic() - self.linger_seconds
            with self._lock:
                old = [t for t, started in self._started_at.items() if started <= due]
                self._send_buffers(old)


def _encode_headers(headers: Mapping[str, str] | None) -> Headers:
    """Headers in a fixed order, values UTF-8 encoded.

    >>> _encode_headers({"variant": "AllTraffic", "endpoint": "credit"})
    (('endpoint', b'credit'), ('variant', b'AllTraffic'))
    """
    return tuple((name, value.encode("utf-8")) for name, value in sorted((headers or {}).items()))


__all__ = [
    "ATTRIBUTION_KEY_PATHS",
    "BrokerNotAnswering",
    "CAPTURE_KEY_PATHS",
    "LABEL_KEY_PATHS",
    "KeyedProducer",
    "ProducerCounts",
    "record_key",
]
