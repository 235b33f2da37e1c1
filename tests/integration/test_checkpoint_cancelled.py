"""A checkpoint cancelled mid-save leaves its partition as if it had not been taken.

The demo, on a loaded machine, printed "Frozen(…) is not applied or thawed yet; one checkpoint
at a time" and then published no window for the rest of its run: a checkpoint stopped while
it awaited the broker (a rebalance, a stop) left the label join's changes frozen, so every
later checkpoint of the partition failed — after it had taken the partition's outbox, the
window partials the aggregator was waiting for.

Here the label join's changelog is written to a real broker; the snapshot store is the
worker's interface with a save that waits until it is let go, so the cancellation lands
exactly between "changelog written" and "manifest saved".
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.config.sections import (
    AttributionDriftSettings,
    BiasDriftSettings,
    ModelQualitySettings,
)
from stream.demo.labelled import SyntheticModel, labelled_capture_record, write_labelled_baselines
from stream.kafka.topics import ensure_topics
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.checkpoints import Changelog, Checkpointer
from stream.worker.pending_stores import PendingStores
from stream.worker.state import CAPTURE, WorkerState

pytestmark = pytest.mark.kafka

MODEL = SyntheticModel()
PARTITION = 0
T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z, the fake clock's start


class Snapshots:
    """The snapshot store's interface; ``save`` waits while ``hold`` is set."""

    def __init__(self) -> None:
        self.saved: list[dict[str, Any]] = []
        self.hold = asyncio.Event()
        self.waiting = asyncio.Event()

    async def load(self, partition: int) -> None:
        return None

    async def save(self, partition: int, blobs: dict[str, bytes], meta: dict[str, Any]) -> None:
        while self.hold.is_set():
            self.waiting.set()
            await asyncio.sleep(0.01)
        self.saved.append(meta)

    def forget(self, partition: int) -> None:
        pass


class Event:
    """A processed capture message, acked once a snapshot covers it."""

    def __init__(self) -> None:
        self.acked = False

    def ack(self) -> None:
        self.acked = True


def worker_state(folder: Path, stores: PendingStores, clock: Any) -> WorkerState:
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        idle_close_seconds=5.0, min_window_count=10, capture_index_names=("endpointInput",),
        model_quality=ModelQualitySettings(problem_type="BinaryClassification",
                                           inference_attribute="label",
                                           probability_attribute="score"),
        bias=BiasDriftSettings(),
        attribution=AttributionDriftSettings(shap_source="capture", shap_path="shap"),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=(monitor,))  # fmt: skip
    baselines = {"m": load_data_quality_baseline(folder)}
    return WorkerState(config, baselines, now=clock, stores=stores)


def captures(seed: int, n: int, start: float) -> tuple[list[str], bytes]:
    rng = random.Random(seed)
    keys, docs = [], []
    for k, row in enumerate(MODEL.schema.rows(rng, n)):
        key = f"s{seed}-{k}"
        keys.append(key)
        docs.append(labelled_capture_record(key, start + k * 9.0 / n, row, MODEL.answer(rng, row)))
    return keys, b"\n".join(orjson.dumps(d) for d in docs)


async def scenario(bootstrap: str, topic: str, root: Path, clock: Any) -> dict[str, Any]:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    await ensure_topics(bootstrap, [topic], 1, 1, configs={topic: {"cleanup.policy": "compact"}})
    write_labelled_baselines(root / "baseline", MODEL, n=2000)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await producer.start()
    await consumer.start()
    try:
        stores = PendingStores(root / "pending")
        ws = worker_state(root / "baseline", stores, clock)
        sent: list[Any] = []

        async def send(messages: Any) -> None:
            sent.extend(messages)

        snapshots = Snapshots()
        checkpointer = Checkpointer(ws, {CAPTURE: snapshots}, send, interval_seconds=1.0,  # type: ignore[dict-item]
                                    changelog=Changelog(producer, consumer, topic))  # fmt: skip
        await checkpointer.ensure_restored(CAPTURE, PARTITION)

        first_keys, first = captures(1, 200, T0)
        closer_keys, closer = captures(3, 1, T0 + 15)  # its event time closes the first window
        assert ws.on_capture(PARTITION, 0, first) == ws.on_capture(PARTITION, 1, closer) == []
        first_event = Event()
        checkpointer.hold(CAPTURE, PARTITION, first_event)
        ws.tick()
        outbox_before = [m.value for m in ws.book(CAPTURE, PARTITION).outbox]

        snapshots.hold.set()  # the save waits: cancel the checkpoint there
        task = asyncio.ensure_future(checkpointer.checkpoint(CAPTURE, PARTITION))
        await asyncio.wait_for(snapshots.waiting.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        snapshots.hold.clear()

        second_keys, second = captures(2, 150, T0 + 20)
        ws.on_capture(PARTITION, 2, second)
        second_event = Event()
        checkpointer.hold(CAPTURE, PARTITION, second_event)
        done = await checkpointer.checkpoint(CAPTURE, PARTITION)

        restored = PendingStores(root / "restored")  # a new owner, from the saved manifest
        await restored.restore(PARTITION, snapshots.saved[-1], consumer, topic)
        entries = restored.entries(PARTITION)
        keys = first_keys + closer_keys + second_keys
        waiting = [k for k in keys if entries.get("prediction", k) is not None]
        restored.close()
        stores.close()
        return {
            "done": done,
            "outbox_before": outbox_before,
            "partials_sent": [m.value for m in sent if m.topic == ws.names.partials],
            "acked": (first_event.acked, second_event.acked),
            "waiting": waiting,
            "keys": keys,
            "saved": len(snapshots.saved),
        }
    finally:
        await consumer.stop()
        await producer.stop()


def test_a_checkpoint_cancelled_mid_save_is_carried_by_the_next(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, fake_clock: Any
) -> None:
    got = asyncio.run(scenario(kafka_bootstrap, f"{topic_prefix}.cl", tmp_path, fake_clock))
    assert got["done"] is True  # before: RuntimeError, the join's changes still frozen
    assert got["saved"] == 1  # the cancelled save saved nothing
    assert got["outbox_before"]  # the first window's partials, taken by the cancelled one
    assert got["partials_sent"][: len(got["outbox_before"])] == got["outbox_before"]
    assert got["acked"] == (True, True)
    # no label arrived: every prediction of both messages waits, in the saved manifest's store
    assert got["waiting"] == got["keys"]
