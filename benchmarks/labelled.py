"""The labelled monitors in a worker: throughput with data quality + model quality + bias, and
how long after a label arrives its window's result is revised.

On one broker (the embedded one, or ``DRIFTLINE_BOOTSTRAP_SERVERS``), in one run:

- raw consume: an aiokafka consumer reading the same number of one-record messages in a
  process of its own (:mod:`benchmarks.raw_consumer`; the floor every throughput figure is a
  ratio to);
- worker throughput: a ``driftline worker`` with data quality, model quality and bias on,
  reading pre-produced capture records (100-record JSON-Lines messages whose outputs carry a
  score and a predicted label) with their labels already waiting on the labels topic, so
  every prediction joins; the rate comes from ``driftline_events_processed_total``
  (:func:`~benchmarks.worker_runs.rate_of`);
- late labels: the same worker and traffic, the predictions all processed before their labels
  are sent (labelers are late); the rate is of ``driftline_labels_joined_total``;
- changelog write: a checkpoint's 20,000 join changes sent by
  :func:`~stream.worker.pending_changelog.send_changes` and acknowledged, as a ratio to
  aiokafka's own ``send`` of the same records one by one (what it did before it packed them
  into record batches), alternating, median of three each;
- label → revision latency: windows are closed first (their provisional results out), then
  labels arrive in bursts; the latency of a burst is the Kafka timestamp of the first
  model-quality statistics message that counts it, minus the time the burst was sent.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import orjson

from benchmarks.bench_broker import bootstrap_servers
from benchmarks.proc_memory import memory_kib, mib
from benchmarks.worker_runs import processed, rate_of, raw_consume
from stream.demo.labelled import (
    SyntheticModel,
    ground_truth_record,
    labelled_capture_record,
    write_labelled_baselines,
)
from stream.kafka.keyed_producer import LABEL_KEY_PATHS, KeyedProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from stream.worker.pending_changelog import send_changes
from tests.integration.readback import read_topic
from tests.integration.workers import WorkerProcess, wait_for

RECORDS = int(os.environ.get("DRIFTLINE_BENCH_LABELLED_RECORDS", "60000"))
BURSTS = 40
MODEL = SyntheticModel()
T0 = 1_709_647_200.0


def _config(folder: Path, bootstrap: str, prefix: str, window_seconds: float,
            idle_seconds: float = 2.0) -> Path:  # fmt: skip
    path = folder / f"{prefix}.toml"
    path.write_text(
        f'[kafka]\nbootstrap_servers = "{bootstrap}"\ntopic_prefix = "{prefix}"\npartitions = 4\n'
        "[worker]\nlabel_flush_seconds = 0.25\n"
        f'[[monitor]]\nname = "bench"\nbaseline = "baseline"\nwindow_seconds = {window_seconds}\n'
        f"allowed_lateness_seconds = 0\nidle_close_seconds = {idle_seconds}\n"
        'capture_index_names = ["endpointInput"]\n'
        '[monitor.model_quality]\nproblem_type = "BinaryClassification"\n'
        'inference_attribute = "label"\nprobability_attribute = "score"\n'
        "[monitor.bias]\n"
    )
    return path


def _traffic(n: int, seed: int, per_second: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    rows = MODEL.schema.rows(rng, min(n, 20_000))
    captures, labels = [], []
    for k in range(n):
        row = rows[k % len(rows)]
        answer = MODEL.answer(rng, row)
        key = f"b{seed}-{k}"
        captures.append(labelled_capture_record(key, T0 + k // per_second, row, answer))
        labels.append(ground_truth_record(key, answer.label))
    return captures, labels


def _send(bootstrap: str, topic: str, docs: list[dict], labels: bool = False) -> None:
    kwargs = {"key_paths": LABEL_KEY_PATHS} if labels else {}
    with KeyedProducer(bootstrap_servers=bootstrap, topic=topic, linger_seconds=0,
                       **kwargs) as out:  # fmt: skip
        for k in range(0, len(docs), 10_000):
            out.send_many(docs[k : k + 10_000])


def _worker_rate(folder: Path, bootstrap: str, prefix: str) -> tuple[float, int]:
    """Records/s of a worker whose every prediction joins a waiting label, and its peak KiB."""
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(bootstrap, names, 4, 1, configs=names.configs)
    captures, labels = _traffic(RECORDS, 1, 1000)
    _send(bootstrap, names.labels, labels, labels=True)
    _send(bootstrap, names.capture, captures)
    config = _config(folder, bootstrap, prefix, 3600.0, idle_seconds=600.0)  # see live_rows
    worker = WorkerProcess(config, folder / f"{prefix}.log")
    try:
        return rate_of(worker, RECORDS), memory_kib(worker.process.pid, "VmHWM")
    finally:
        worker.stop()


def _joined(worker: WorkerProcess) -> float:
    """Predictions joined so far, once all of them wait: those no longer waiting.

    Live, unlike ``driftline_labels_joined_total``, which advances at checkpoints.
    """
    waiting = worker.sample("driftline_pending_predictions", monitor="bench")
    return 0.0 if waiting is None else RECORDS - waiting


def _late_label_rate(folder: Path, bootstrap: str, prefix: str) -> tuple[float, int]:
    """Labels/s a worker joins when every prediction came first (labelers are late), and its
    peak KiB."""
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(bootstrap, names, 4, 1, configs=names.configs)
    captures, labels = _traffic(RECORDS, 3, 1000)
    _send(bootstrap, names.capture, captures)
    worker = WorkerProcess(_config(folder, bootstrap, prefix, 3600.0), folder / f"{prefix}.log")
    try:
        wait_for(lambda: processed(worker) >= RECORDS or None, 120, "every prediction")
        _send(bootstrap, names.labels, labels, labels=True)
        return rate_of(worker, RECORDS, done=_joined), memory_kib(worker.process.pid, "VmHWM")
    finally:
        worker.stop()


def _revision_latencies(folder: Path, bootstrap: str) -> list[float]:
    prefix = f"bench-revise{os.getpid()}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(bootstrap, names, 4, 1, configs=names.configs)
    captures, labels = _traffic(2000, 2, 200)  # ten 1-second windows
    worker = WorkerProcess(_config(folder, bootstrap, prefix, 1.0), folder / f"{prefix}.log")
    sent: list[tuple[float, int]] = []
    try:
        wait_for(lambda: worker.assigned() == 4, 60, "the worker to own 4 partitions")
        _send(bootstrap, names.capture, captures)
        time.sleep(6)  # every window closed: provisional results, no label yet
        first_window = labels[:200]
        with KeyedProducer(bootstrap_servers=bootstrap, topic=names.labels, linger_seconds=0,
                           key_paths=LABEL_KEY_PATHS) as out:  # fmt: skip
            for burst in range(BURSTS):
                chunk = first_window[burst * 5 : burst * 5 + 5]
                out.send_many(chunk)
                out.flush()
                sent.append((time.time(), burst * 5 + len(chunk)))
                time.sleep(0.3)
        time.sleep(3)
    finally:
        worker.stop()
    counted = []
    for message in read_topic(bootstrap, names.statistics):
        doc = orjson.loads(message.value)
        if doc.get("monitor_type") == "model_quality" and doc["window_start"].endswith(":00Z"):
            counted.append((message.timestamp / 1000, int(doc["labelled_count"])))
    latencies = []
    for at, total in sent:
        arrivals = [t for t, n in counted if n >= total and t >= at]
        if arrivals:
            latencies.append(min(arrivals) - at)
    return latencies


CHANGES = 20_000


async def _changelog_rates(bootstrap: str, topic: str) -> tuple[float, float]:
    """Changes/s of send_changes and of one aiokafka ``send`` per change, both acknowledged."""
    from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    await producer.start()
    changes = [(f"prediction/b-{i}".encode(), bytes(120)) for i in range(CHANGES)]

    async def one_by_one() -> None:
        futures = [await producer.send(topic, v, key=k, partition=0) for k, v in changes]
        await asyncio.gather(*futures)

    batched, single = [], []
    try:
        for _ in range(3):
            t = time.perf_counter()
            await send_changes(producer, topic, 0, changes)
            batched.append(CHANGES / (time.perf_counter() - t))
            t = time.perf_counter()
            await one_by_one()
            single.append(CHANGES / (time.perf_counter() - t))
    finally:
        await producer.stop()
    return statistics.median(batched), statistics.median(single)


def run() -> None:
    """Print the labelled-monitor figures."""
    with bootstrap_servers() as bootstrap:
        with tempfile.TemporaryDirectory(prefix="driftline-bench-") as tmp:
            folder = Path(tmp)
            write_labelled_baselines(folder / "baseline", MODEL, n=5000)
            raw_topic = f"bench-lraw-{os.getpid()}"
            ensure_topics_sync(bootstrap, [raw_topic], 4, 1)
            raw = asyncio.run(raw_consume(bootstrap, raw_topic, RECORDS))
            rate, peak = _worker_rate(folder, bootstrap, f"bench-l{os.getpid()}")
            late, late_peak = _late_label_rate(folder, bootstrap, f"bench-late{os.getpid()}")
            latencies = sorted(_revision_latencies(folder, bootstrap))
            changelog = f"bench-lcl-{os.getpid()}"
            ensure_topics_sync(bootstrap, [changelog], 1, 1)
            batched, single = asyncio.run(_changelog_rates(bootstrap, changelog))
    print(f"raw aiokafka consume, one-record messages: {raw.rate:,.0f} records/s ({RECORDS:,}); "
          f"peak RSS {mib(raw.peak_kib)}")  # fmt: skip
    print(f"worker, data quality + model quality + bias, 100-record messages, every prediction "
          f"joined: {rate:,.0f} records/s, peak RSS {mib(peak)} "
          f"= {rate / raw.rate:.2f} x raw consume")  # fmt: skip
    print(f"the same worker, labels arriving after all their predictions: {late:,.0f} labels "
          f"joined/s, peak RSS {mib(late_peak)} = {late / raw.rate:.2f} x raw "
          "consume")  # fmt: skip
    print(f"changelog write, {CHANGES:,} changes of a checkpoint: {batched:,.0f} changes/s = "
          f"{batched / single:.1f} x aiokafka send() one by one ({single:,.0f}/s)")  # fmt: skip
    if latencies:
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
        print(f"label arrival -> revised model-quality result: p50 {p50 * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms ({len(latencies)} bursts of 5 labels)")  # fmt: skip


if __name__ == "__main__":
    run()
