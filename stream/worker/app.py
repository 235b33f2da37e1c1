"""The faust app: thin agents over :class:`~stream.worker.state.WorkerState`.

- ``capture`` reads the capture topic one message at a time (a message is a JSON-Lines
  batch, so faust's cost per message is spread over ~100 records; ``take()`` batches
  measured no faster here) and sends dead letters, online alarms and window partials;
- ``aggregate`` reads the partials topic (keyed by monitor, so one worker aggregates a
  monitor) and sends violations, statistics and executions;
- a timer closes idle windows on both sides every ``TICK_SECONDS``.

All topics are created before faust starts (:func:`stream.kafka.topics.ensure_topics`); faust's
own state is in memory (``store="memory://"``), and the session timeout and heartbeat are
short so that a restarted or added worker joins the group in seconds.
"""

from __future__ import annotations

import logging
from typing import Any

import faust

from stream.config import KafkaConfig
from stream.worker.state import Outbound, WorkerState

log = logging.getLogger("driftline.app")

TICK_SECONDS = 0.5
SESSION_TIMEOUT_SECONDS = 10.0
HEARTBEAT_SECONDS = 1.0
# capture messages are ~60 KB batches: faust's 1 MiB fetch starves the agent
FETCH_BYTES_PER_PARTITION = 16 * 1024 * 1024
STREAM_BUFFER_MESSAGES = 16_384


def _credentials(kafka: KafkaConfig) -> Any:
    if kafka.security_protocol == "PLAINTEXT":
        return None
    from stream.kafka.topics import aiokafka_kwargs

    ssl_context = aiokafka_kwargs(kafka.client_kwargs()).get("ssl_context")
    if kafka.security_protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=kafka.sasl_username,
            password=kafka.sasl_password,
            mechanism=kafka.sasl_mechanism or "PLAIN",
            ssl_context=ssl_context,
        )
    return faust.SSLCredentials(ssl_context)


def build_app(state: WorkerState, bootstrap: str, *, app_id: str | None = None) -> faust.App:
    """A faust app whose agents feed ``state``; the group id is per topic prefix."""
    kafka = state.config.kafka
    names = state.names
    app = faust.App(
        app_id or f"driftline-{kafka.topic_prefix}-worker",
        broker=f"kafka://{bootstrap}",
        broker_credentials=_credentials(kafka),
        store="memory://",
        topic_partitions=kafka.partitions,
        topic_replication_factor=kafka.replication_factor,
        web_enabled=False,
        broker_session_timeout=SESSION_TIMEOUT_SECONDS,
        broker_heartbeat_interval=HEARTBEAT_SECONDS,
        broker_rebalance_timeout=SESSION_TIMEOUT_SECONDS,
        consumer_auto_offset_reset="earliest",
        producer_linger=0.005,
        stream_wait_empty=False,
        consumer_max_fetch_size=FETCH_BYTES_PER_PARTITION,
        stream_buffer_maxsize=STREAM_BUFFER_MESSAGES,
    )

    def raw_topic(name: str) -> Any:
        return app.topic(
            name,
            partitions=kafka.partitions,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
        )

    capture_topic = raw_topic(names.capture)
    partials_topic = raw_topic(names.partials)
    outputs = {
        name: raw_topic(name)
        for name in (names.violations, names.statistics, names.executions, names.deadletter)
    }
    outputs[names.partials] = partials_topic

    async def send(messages: list[Outbound]) -> None:
        for m in messages:
            try:
                await outputs[m.topic].send(key=m.key, value=m.value)
            except Exception:  # a refused message must not stop the agent
                state.send_failures += 1
                log.exception("message of %d bytes to %s not sent", len(m.value), m.topic)

    @app.agent(capture_topic, name="capture")
    async def capture(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            await send(
                state.on_capture(message.partition, message.offset, event.value, message.headers)
            )

    @app.agent(partials_topic, name="aggregate")
    async def aggregate(stream: Any) -> None:
        async for value in stream:
            await send(state.on_partial(value))

    async def close_idle_windows() -> None:
        await send(state.tick())

    app.timer(TICK_SECONDS)(close_idle_windows)

    async def on_assigned(sender: Any, assigned: Any, **kwargs: Any) -> None:
        mine = {tp.partition for tp in assigned if tp.topic == names.capture}
        log.info("capture partitions assigned: %s", sorted(mine))
        state.on_assigned(mine)

    app.on_partitions_assigned.connect(on_assigned)  # type: ignore[arg-type]
    return app
