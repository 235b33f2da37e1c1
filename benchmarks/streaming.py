"""The worker on a real broker: throughput against raw aiokafka, and detection latency.

All figures come from one run on one broker (the embedded one, or
``DRIFTLINE_BOOTSTRAP_SERVERS``):

- raw consume: an aiokafka consumer reading one-record messages (records/s = messages/s);
- worker throughput: a ``driftline worker`` process (20-feature CSV capture, data quality
  on) reading pre-produced capture records, as 100-record JSON-Lines messages and as
  one-record messages; the rate is taken from its ``driftline_events_processed_total``
  between the first scrape that shows progress and the one that shows all records;
- detection latency: capture sent in real time (event time = wall clock, 1-second windows,
  no lateness); latency is the Kafka timestamp of a window's execution message minus the
  window's end, i.e. how long after a window could close its result was out.
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

from stream.demo.synthetic import SyntheticSchema, capture_record
from stream.kafka.broker import EmbeddedBroker
from stream.kafka.capture_producer import CaptureProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from stream.monitors.data_quality import save_data_quality_baseline
from tests.integration.readback import read_topic
from tests.integration.workers import WorkerProcess, wait_for

RECORDS = int(os.environ.get("DRIFTLINE_BENCH_STREAM_RECORDS", "200000"))
SINGLE_RECORDS = RECORDS // 6
LATENCY_SECONDS = 20
SCHEMA = SyntheticSchema.wide()


def _records(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    rows = SCHEMA.rows(rng, min(n, 20_000))
    t0 = 1_709_647_200.0
    # 1,000 records a second of event time, at SageMaker's second precision
    return [
        orjson.dumps(capture_record(f"r{seed}-{k}", t0 + k // 1000, rows[k % len(rows)]))
        for k in range(n)
    ]


def _config(
    folder: Path, bootstrap: str, prefix: str, window_seconds: float, idle_seconds: float = 2.0
) -> Path:
    path = folder / f"{prefix}.toml"
    path.write_text(
        f'[kafka]\nbootstrap_servers = "{bootstrap}"\ntopic_prefix = "{prefix}"\npartitions = 4\n'
        f'[[monitor]]\nname = "bench"\nbaseline = "baseline"\nwindow_seconds = {window_seconds}\n'
        f"allowed_lateness_seconds = 0\nidle_close_seconds = {idle_seconds}\n"
        'capture_index_names = ["endpointInput"]\n'
    )
    return path


async def _raw_consume_rate(bootstrap: str, topic: str, n: int) -> float:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # type: ignore[import-untyped]

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    value = _records(1, 0)[0]
    for k in range(n):
        await producer.send(topic, value, partition=k % 4)
    await producer.flush()
    await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    consumer.assign([TopicPartition(topic, p) for p in range(4)])
    await consumer.seek_to_beginning()
    seen, started = 0, time.perf_counter()
    while seen < n:
        batches = await consumer.getmany(timeout_ms=500, max_records=10_000)
        seen += sum(len(b) for b in batches.values())
    rate = n / (time.perf_counter() - started)
    await consumer.stop()
    return rate


def _worker_rate(folder: Path, bootstrap: str, prefix: str, n: int, per_message: int) -> float:
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(bootstrap, names, 4, 1)
    records = _records(n, 1)
    producer = CaptureProducer(
        bootstrap_servers=bootstrap, topic=names.capture, records_per_message=per_message,
        linger_seconds=0,
    )  # fmt: skip
    with producer:
        for k in range(0, n, 10_000):
            producer.send_many(records[k : k + 10_000])
    worker = WorkerProcess(_config(folder, bootstrap, prefix, 3600.0), folder / f"{prefix}.log")
    try:

        def processed() -> float:
            return worker.sample("driftline_events_processed_total", monitor="bench") or 0.0

        first = wait_for(lambda: (processed(), time.perf_counter())
                         if processed() > 0 else None, 60, "progress")  # fmt: skip
        while processed() < n:
            time.sleep(0.05)
        seconds = time.perf_counter() - first[1]
    finally:
        worker.stop()
    return float((n - first[0]) / seconds)


def _latencies(folder: Path, bootstrap: str) -> list[float]:
    prefix = "bench-latency"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(bootstrap, names, 4, 1)
    worker = WorkerProcess(_config(folder, bootstrap, prefix, 1.0), folder / f"{prefix}.log")
    rng = random.Random(3)
    rows = SCHEMA.rows(rng, 2000)
    try:
        wait_for(lambda: worker.assigned() == 4, 60, "the worker to own 4 partitions")
        with CaptureProducer(bootstrap_servers=bootstrap, topic=names.capture,
                             linger_seconds=0.02) as out:  # fmt: skip
            end = time.time() + LATENCY_SECONDS
            k = 0
            while time.time() < end:
                out.send_many(
                    capture_record(f"l{k + i}", time.time(), rows[(k + i) % 2000])
                    for i in range(20)
                )
                k += 20
                time.sleep(0.01)
        time.sleep(3)
    finally:
        worker.stop()
    from datetime import datetime

    latencies = []
    for message in read_topic(bootstrap, names.executions):
        doc = orjson.loads(message.value)
        window_end = datetime.fromisoformat(doc["window_end"].replace("Z", "+00:00"))
        if doc["finalised_by"] == "all_partitions":
            latencies.append(message.timestamp / 1000 - window_end.timestamp())
    return latencies


def run() -> None:
    """Print the streaming figures."""
    given = os.environ.get("DRIFTLINE_BOOTSTRAP_SERVERS", "").strip()
    broker = None if given else EmbeddedBroker().start()
    bootstrap = given or broker.bootstrap_servers  # type: ignore[union-attr]
    try:
        with tempfile.TemporaryDirectory(prefix="driftline-bench-") as tmp:
            folder = Path(tmp)
            save_data_quality_baseline(folder / "baseline", SCHEMA.baseline(n=20_000))
            raw_topic = f"bench-raw-{os.getpid()}"
            ensure_topics_sync(bootstrap, [raw_topic], 4, 1)
            raw = asyncio.run(_raw_consume_rate(bootstrap, raw_topic, RECORDS))
            batched = _worker_rate(folder, bootstrap, f"bench-b{os.getpid()}", RECORDS, 100)
            single = _worker_rate(folder, bootstrap, f"bench-s{os.getpid()}", SINGLE_RECORDS, 1)
            latencies = sorted(_latencies(folder, bootstrap))
    finally:
        if broker is not None:
            broker.stop()
    print(f"raw aiokafka consume, one-record messages: {raw:,.0f} records/s ({RECORDS:,})")
    print(f"worker, 100-record messages:  {batched:,.0f} records/s (20 features, data quality on)")
    print(f"worker, one-record messages:  {single:,.0f} records/s ({SINGLE_RECORDS:,} records)")
    print(f"ratio worker (batched) / raw consume: {batched / raw:.2f}  (target >= 0.35)")
    if latencies:
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
        print(
            f"detection latency after window close: p50 {p50 * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms ({len(latencies)} one-second windows)"
        )


if __name__ == "__main__":
    run()
