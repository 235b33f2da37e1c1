"""The worker on a real broker, side by side with its floors, in one run.

Every figure comes from one run on one broker (the embedded one, or
``DRIFTLINE_BOOTSTRAP_SERVERS``), each printed with the floor it is a ratio to:

- raw consume: an aiokafka consumer reading one-record messages (records/s = messages/s);
- the worker (a ``driftline worker`` process: 20-feature CSV capture, data quality on) reading
  pre-produced capture records as 100-record JSON-Lines messages, as a ratio to raw consume;
  its rate is taken from ``driftline_events_processed_total`` between the scrapes that show
  5 % and 95 % of the records processed; its peak RSS is the process's VmHWM;
- faust's per-message ceiling: a faust agent that does nothing (:mod:`benchmarks.faust_floor`,
  the worker's consumer settings) reading the same one-record messages as the worker does;
  the two alternate ``REPEATS`` times and the medians are compared;
- detection latency: capture sent in real time (event time = wall clock, 1-second windows,
  no lateness); latency is the Kafka timestamp of a window's execution message minus the
  window's end, over the windows later records closed (the last one waits for idle close);
- memory: the worker's RSS after 1 M events and, with ``DRIFTLINE_BENCH_10M=1``, after 10 M
  (1-minute windows; the records are sent gzip-compressed so the embedded broker holds them).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from benchmarks.worker_runs import (
    SCHEMA,
    memory_kib,
    processed,
    produce,
    raw_consume_rate,
    worker_config,
    worker_rate,
)
from stream.demo.synthetic import capture_record
from stream.kafka.broker import EmbeddedBroker
from stream.kafka.capture_producer import CaptureProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from stream.monitors.data_quality import save_data_quality_baseline
from tests.integration.readback import read_topic
from tests.integration.workers import WorkerProcess, wait_for

RECORDS = int(os.environ.get("DRIFTLINE_BENCH_STREAM_RECORDS", "200000"))
SINGLE_RECORDS = RECORDS // 6
REPEATS = 2
LATENCY_SECONDS = 20
MEMORY_EVENTS = 1_000_000
MEMORY_EVENTS_LONG = 10_000_000  # with DRIFTLINE_BENCH_10M=1


def _faust_floor(bootstrap: str, topic: str, messages: int) -> float:
    """Messages/s of a faust agent that does nothing with ``topic``'s messages."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.faust_floor", bootstrap, topic, str(messages)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    for line in done.stdout.splitlines():
        if "messages_per_second=" in line:
            return float(line.split("messages_per_second=")[1])
    msg = f"faust floor gave no figure: {done.stderr[-500:]}"
    raise RuntimeError(msg)


def _one_record_messages(folder: Path, bootstrap: str) -> tuple[list[float], list[float]]:
    """Worker and faust's floor on the same one-record messages, alternating."""
    worker_rates, floors = [], []
    for repeat in range(REPEATS):
        prefix = f"bench-s{os.getpid()}-{repeat}"
        names = TopicNames.from_prefix(prefix)
        ensure_topics_sync(bootstrap, names, 4, 1)
        produce(bootstrap, names.capture, SINGLE_RECORDS, 1)
        floors.append(_faust_floor(bootstrap, names.capture, SINGLE_RECORDS))
        rate, _ = worker_rate(folder, bootstrap, prefix, SINGLE_RECORDS, 1, produced=True)
        worker_rates.append(rate)
    return worker_rates, floors


def _latencies(folder: Path, bootstrap: str) -> tuple[list[float], int]:
    """Seconds from window end to execution message, for windows closed by later records."""
    prefix = f"bench-latency{os.getpid()}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(bootstrap, names, 4, 1)
    worker = WorkerProcess(worker_config(folder, bootstrap, prefix, 1.0), folder / f"{prefix}.log")
    rows = SCHEMA.rows(random.Random(3), 2000)
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
            last_sent = time.time()
        time.sleep(3)
    finally:
        worker.stop()
    from datetime import datetime

    latencies, idle = [], 0
    for message in read_topic(bootstrap, names.executions):
        doc = orjson.loads(message.value)
        window_end = datetime.fromisoformat(doc["window_end"].replace("Z", "+00:00")).timestamp()
        if doc["finalised_by"] != "all_partitions":
            continue
        if window_end > last_sent - 0.1:  # no later record: it closes when the stream is idle
            idle += 1
            continue
        latencies.append(message.timestamp / 1000 - window_end)
    return sorted(latencies), idle


def _rss_after(worker: WorkerProcess, events: int, timeout_seconds: float) -> int:
    wait_for(lambda: processed(worker) >= events, timeout_seconds, f"{events:,} events")
    return memory_kib(worker.process.pid, "VmRSS")


def _memory(folder: Path, bootstrap: str, long: bool) -> list[tuple[int, int, int]]:
    """(events, RSS KiB, peak RSS KiB) of one worker after 1 M events (and after 10 M)."""
    prefix = f"bench-mem{os.getpid()}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(bootstrap, names, 4, 1)
    produce(bootstrap, names.capture, MEMORY_EVENTS, 100, compress=True)
    worker = WorkerProcess(worker_config(folder, bootstrap, prefix, 60.0), folder / f"{prefix}.log")
    out = []
    try:
        rss = _rss_after(worker, MEMORY_EVENTS, 600)
        out.append((MEMORY_EVENTS, rss, memory_kib(worker.process.pid, "VmHWM")))
        if long:
            for start in range(MEMORY_EVENTS, MEMORY_EVENTS_LONG, MEMORY_EVENTS):
                produce(bootstrap, names.capture, MEMORY_EVENTS, 100, start=start,
                         compress=True)  # fmt: skip
            rss = _rss_after(worker, MEMORY_EVENTS_LONG, 1800)
            out.append((MEMORY_EVENTS_LONG, rss, memory_kib(worker.process.pid, "VmHWM")))
    finally:
        worker.stop()
    return out


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))]


def run() -> None:
    """Print the streaming figures."""
    given = os.environ.get("DRIFTLINE_BOOTSTRAP_SERVERS", "").strip()
    long = os.environ.get("DRIFTLINE_BENCH_10M", "") == "1"
    broker = None if given else EmbeddedBroker().start()
    bootstrap = given or broker.bootstrap_servers  # type: ignore[union-attr]
    try:
        with tempfile.TemporaryDirectory(prefix="driftline-bench-") as tmp:
            folder = Path(tmp)
            save_data_quality_baseline(folder / "baseline", SCHEMA.baseline(n=20_000))
            raw_topic = f"bench-raw-{os.getpid()}"
            ensure_topics_sync(bootstrap, [raw_topic], 4, 1)
            raw = asyncio.run(raw_consume_rate(bootstrap, raw_topic, RECORDS))
            batched, peak = worker_rate(folder, bootstrap, f"bench-b{os.getpid()}", RECORDS, 100)
            single, floors = _one_record_messages(folder, bootstrap)
            latencies, idle = _latencies(folder, bootstrap)
            memory = _memory(folder, bootstrap, long)
    finally:
        if broker is not None:
            broker.stop()
    _print(raw, batched, peak, single, floors, latencies, idle, memory)


def _print(
    raw: float,
    batched: float,
    peak: int,
    single: list[float],
    floors: list[float],
    latencies: list[float],
    idle: int,
    memory: list[tuple[int, int, int]],
) -> None:
    print("(2-core machine shared with other engineers: figures are noisy, ratios less so)")
    print(f"raw aiokafka consume, one-record messages: {raw:,.0f} records/s ({RECORDS:,})")
    print(f"worker, 100-record messages: {batched:,.0f} records/s = {batched / raw:.2f} x raw "
          f"consume (target >= 0.6); peak RSS {peak / 1024:.0f} MiB")  # fmt: skip
    worker, floor = statistics.median(single), statistics.median(floors)
    print(f"faust agent doing nothing, one-record messages: {floor:,.0f} messages/s "
          f"(median of {', '.join(f'{f:,.0f}' for f in floors)})")  # fmt: skip
    print(f"worker, one-record messages: {worker:,.0f} records/s = {worker / floor:.2f} x "
          f"faust's ceiling (target >= 0.8; median of {', '.join(f'{w:,.0f}' for w in single)}; "
          f"{SINGLE_RECORDS:,} records)")  # fmt: skip
    if latencies:
        p50, p99 = statistics.median(latencies), _percentile(latencies, 0.99)
        print(f"detection latency after a window can close: p50 {p50 * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms (target <= 500 ms; {len(latencies)} one-second windows "
              f"closed by later records; {idle} closed by idle time not counted)")  # fmt: skip
    for events, rss, hwm in memory:
        print(
            f"worker RSS after {events:,} events: {rss / 1024:.0f} MiB (peak {hwm / 1024:.0f} MiB)"
        )
    if len(memory) == 2:
        print(
            f"RSS after 10 M / after 1 M events: {memory[1][1] / memory[0][1]:.2f} (target <= 1.10)"
        )
    else:
        print("RSS after 10 M events: not run (DRIFTLINE_BENCH_10M=1 runs it, several minutes)")


if __name__ == "__main__":
    run()
