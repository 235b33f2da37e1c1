"""The faust app: thin agents and a timer over :class:`~stream.worker.runner.WorkerRunner`.

- ``capture`` reads the capture topic one message at a time (a message is a JSON-Lines
  batch, so faust's cost per message is spread over ~100 records); the runner processes the
  events that arrive within a few milliseconds together (:mod:`stream.worker.capture_batch`);
- ``labels`` and ``attributions`` read the topics co-partitioned with capture: their
  messages belong to the state of the capture partition with the same number (the label
  join);
- ``aggregate`` reads the partials topic (keyed by monitor, so one worker aggregates a
  monitor);
- a timer every ``TICK_SECONDS`` asks for end offsets, closes due windows and checkpoints.

Both agents iterate without faust's automatic acks: an event is acked only once a saved
snapshot covers it (:mod:`stream.worker.checkpoints`), so the offsets faust commits never run
ahead of the state. All topics are created before faust starts
(:func:`stream.kafka.topics.ensure_topics`); faust keeps no table state
(``store="memory://"``), and the session timeout and heartbeat are short so that a
restarted or added worker joins the group in seconds. The consumer's fetch wait is short too
(:mod:`stream.worker.transport`), so a partial or a capture message sent to an idle topic is
read within a fraction of a second on any broker. A batch of the input topics that does not
decode reaches the agents as one message to dead-letter
(:mod:`stream.kafka.undecodable_batches`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import faust

from stream.config import KafkaConfig
from stream.kafka.security import faust_credentials
from stream.kafka.undecodable_batches import read_past_undecodable_batches
from stream.worker.labelled_path import ATTRIBUTIONS, LABELS
from stream.worker.runner import WorkerRunner
from stream.worker.state import CAPTURE, PARTIALS
from stream.worker.transport import NoTablesManager, WorkerApp

log = logging.getLogger("driftline.app")

TICK_SECONDS = 0.5
SESSION_TIMEOUT_SECONDS = 10.0
HEARTBEAT_SECONDS = 1.0
# capture messages are ~60 KB batches: faust's 1 MiB fetch starves the agent
FETCH_BYTES_PER_PARTITION = 16 * 1024 * 1024
STREAM_BUFFER_MESSAGES = 16_384


def build_app(runner: WorkerRunner, bootstrap: str, datadir: Path) -> faust.App:
    """A faust app whose agents feed ``runner``; the group id is per topic prefix."""
    kafka = runner.state.config.kafka
    names = runner.names
    app = _worker_app(kafka, bootstrap, datadir, runner.state.config.worker.group_instance_id)
    # an input batch that does not decode comes as one message to dead-letter, not as a crash
    read_past_undecodable_batches((names.capture, names.labels, names.attributions))
    _add_capture_agent(app, runner, _raw_topic(app, kafka, names.capture))
    _add_labelled_agent(app, runner, LABELS, _raw_topic(app, kafka, names.labels))
    _add_labelled_agent(app, runner, ATTRIBUTIONS, _raw_topic(app, kafka, names.attributions))
    _add_aggregate_agent(app, runner, _raw_topic(app, kafka, names.partials))
    _add_client_start(app, runner)
    app.timer(TICK_SECONDS)(runner.tick)
    _add_rebalance_handlers(app, runner)
    return app


def _worker_app(
    kafka: KafkaConfig, bootstrap: str, datadir: Path, group_instance_id: str | None = None
) -> WorkerApp:
    """The faust app itself: no table state, short session timeouts, large fetches.

    With ``group_instance_id`` the worker is a static member of its group.
    """
    return WorkerApp(
        f"driftline-{kafka.topic_prefix}-worker",
        broker=f"kafka://{bootstrap}",
        broker_credentials=faust_credentials(kafka),
        store="memory://",
        datadir=str(datadir),
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
        TableManager=NoTablesManager,
        consumer_group_instance_id=group_instance_id,
    )


def _raw_topic(app: faust.App, kafka: KafkaConfig, name: str) -> Any:
    """A topic of raw bytes: the runner decodes keys and values itself."""
    return app.topic(
        name,
        partitions=kafka.partitions,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )


def _add_capture_agent(app: faust.App, runner: WorkerRunner, topic: Any) -> None:
    @app.agent(topic, name="capture")
    async def capture(stream: Any) -> None:
        async for event in stream.noack().events():
            await runner.on_capture(event)


def _add_labelled_agent(app: faust.App, runner: WorkerRunner, kind: str, topic: Any) -> None:
    """The agent of a topic co-partitioned with capture (``kind``: labels or attributions)."""

    @app.agent(topic, name=kind)
    async def labelled(stream: Any) -> None:
        async for event in stream.noack().events():
            await runner.on_labelled(kind, event)


def _add_aggregate_agent(app: faust.App, runner: WorkerRunner, topic: Any) -> None:
    @app.agent(topic, name="aggregate")
    async def aggregate(stream: Any) -> None:
        async for event in stream.noack().events():
            await runner.on_partial(event)


def _add_client_start(app: faust.App, runner: WorkerRunner) -> None:
    @app.task
    async def start_clients() -> None:
        await runner.start()


def _add_rebalance_handlers(app: faust.App, runner: WorkerRunner) -> None:
    """Tell the runner which capture and partials partitions this worker now owns."""
    names = runner.names

    async def on_assigned(sender: Any, assigned: Any, **kwargs: Any) -> None:
        owned = {
            CAPTURE: {tp.partition for tp in assigned if tp.topic == names.capture},
            PARTIALS: {tp.partition for tp in assigned if tp.topic == names.partials},
        }
        log.info("capture partitions assigned: %s; partials partitions: %s",
                 sorted(owned[CAPTURE]), sorted(owned[PARTIALS]))  # fmt: skip
        await runner.on_assigned(owned)

    async def on_revoked(sender: Any, revoked: Any, **kwargs: Any) -> None:
        await runner.on_revoked()

    app.on_partitions_assigned.connect(on_assigned)  # type: ignore[arg-type]
    app.on_partitions_revoked.connect(on_revoked)  # type: ignore[arg-type]
