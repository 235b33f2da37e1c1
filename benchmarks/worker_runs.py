"""Shared steps of the worker benchmarks: records, producing them, a worker's rate and memory.

Examples
--------
>>> len(records(3, seed=1)), records(1, seed=1)[0][:15]
(3, b'{"captureData":')
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from benchmarks.payload_shapes import SHAPES, shape_record
from stream.demo.synthetic import SyntheticSchema, capture_record, json_capture_record
from stream.kafka.capture_producer import CaptureProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.workers import WorkerProcess, wait_for

SCHEMA = SyntheticSchema.wide()
T0 = 1_709_647_200.0


@functools.cache
def _rows(seed: int) -> list[list[str]]:
    return SCHEMA.rows(random.Random(seed), 20_000)


def records(n: int, seed: int, start: int = 0, *, encoding: str = "CSV") -> list[bytes]:
    """Capture records ``start`` .. ``start + n - 1``: 20 features, 1,000 a second of event time.

    ``encoding`` ``"JSON"``: the input as a JSON array (``application/json``); one of
    :data:`~benchmarks.payload_shapes.SHAPES` (``"json_object"``, ...): the input in that
    shape; else CSV.
    """
    rows = _rows(seed)
    make = json_capture_record if encoding == "JSON" else capture_record
    if encoding in SHAPES:
        make = functools.partial(_shaped, encoding)
    # 1,000 records a second of event time, at SageMaker's second precision
    return [
        orjson.dumps(make(f"r{seed}-{k}", T0 + k // 1000, rows[k % len(rows)]))
        for k in range(start, start + n)
    ]


def _shaped(shape: str, inference_id: str, event_seconds: float, values: list[str]) -> dict:
    return shape_record(shape, values, SCHEMA.features, inference_id, event_seconds)


def produce(bootstrap: str, topic: str, n: int, per_message: int, *, start: int = 0,
            compress: bool = False, encoding: str = "CSV") -> None:  # fmt: skip
    """Send :func:`records` ``start`` .. ``start + n - 1`` as ``per_message``-record messages."""
    kwargs = {"compression_type": "gzip"} if compress else {}
    with CaptureProducer(bootstrap_servers=bootstrap, topic=topic, linger_seconds=0,
                         records_per_message=per_message, client_kwargs=kwargs) as out:  # fmt: skip
        for k in range(start, start + n, 50_000):
            chunk = records(min(50_000, start + n - k), 1, k, encoding=encoding)
            for i in range(0, len(chunk), 10_000):
                out.send_many(chunk[i : i + 10_000])
        out.flush(timeout_seconds=None)  # all acknowledged: closing waits only 10 s


def worker_config(folder: Path, bootstrap: str, prefix: str, window_seconds: float,
                  idle_seconds: float = 2.0) -> Path:  # fmt: skip
    """A worker config with one data-quality monitor ``bench`` on ``folder/baseline``."""
    path = folder / f"{prefix}.toml"
    path.write_text(
        f'[kafka]\nbootstrap_servers = "{bootstrap}"\ntopic_prefix = "{prefix}"\npartitions = 4\n'
        f'[[monitor]]\nname = "bench"\nbaseline = "baseline"\nwindow_seconds = {window_seconds}\n'
        f"allowed_lateness_seconds = 0\nidle_close_seconds = {idle_seconds}\n"
        'capture_index_names = ["endpointInput"]\n'
    )
    return path


async def raw_consume_rate(bootstrap: str, topic: str, n: int) -> float:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # type: ignore[import-untyped]

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    value = records(1, 0)[0]
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


def memory_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` figure in KiB (VmRSS: now, VmHWM: peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def processed(worker: WorkerProcess) -> float:
    """Records processed as far as the checkpoints saved (the counter advances at each)."""
    return worker.sample("driftline_events_processed_total", monitor="bench") or 0.0


def live_rows(worker: WorkerProcess) -> float:
    """Records processed so far: the rows in the open window, or the checkpointed count.

    The benchmarks' windows (an hour) hold every record they send. Per-record counters only
    advance when a checkpoint covers the records (every ``snapshot_interval_seconds``, 2 s),
    too coarse to take a rate between scrapes 0.2 s apart; the open window's rows move with
    each message (the rate's workers close no window while they run: a partition done
    early would close its own and take its rows out of the gauge), and the count takes over
    once the window closes.
    """
    scraped = worker.metrics()  # one scrape (each costs the worker ~4 ms)
    bench = (("monitor", "bench"),)
    rows = scraped.get(("driftline_current_window_rows", bench)) or 0.0
    return max(rows, scraped.get(("driftline_events_processed_total", bench)) or 0.0)


def worker_rate(folder: Path, bootstrap: str, prefix: str, n: int, per_message: int,
                produced: bool = False, encoding: str = "CSV") -> tuple[float, int]:  # fmt: skip
    """Records/s of a worker over ``n`` pre-produced records, and its peak RSS in KiB."""
    names = TopicNames.from_prefix(prefix)
    if not produced:
        ensure_topics_sync(bootstrap, names, 4, 1)
        produce(bootstrap, names.capture, n, per_message, encoding=encoding)
    # no idle close while it runs: the open window's rows are its progress (live_rows)
    worker = WorkerProcess(worker_config(folder, bootstrap, prefix, 3600.0, idle_seconds=600.0),
                           folder / f"{prefix}.log")  # fmt: skip
    try:
        rate = rate_of(worker, n)
        peak = memory_kib(worker.process.pid, "VmHWM")
    finally:
        worker.stop()
    return rate, peak


def rate_of(
    worker: WorkerProcess,
    n: int,
    timeout_seconds: float = 120.0,
    done: Callable[[WorkerProcess], float] = live_rows,
) -> float:
    """Records/s of a running worker until ``done`` (records processed so far) reaches ``n``.

    The rate is taken between the scrapes that show 5 % and 95 % of them done (start-up
    and the tail aside); a scrape costs the worker ~4 ms, so they come only every 0.2 s.
    """

    def started() -> tuple[float, float] | None:
        count = done(worker)
        return (time.perf_counter(), count) if count > 0 else None

    samples = [wait_for(started, timeout_seconds, "progress")]
    deadline = samples[0][0] + 10 * timeout_seconds
    while samples[-1][1] < n:
        if samples[-1][0] > deadline:
            msg = f"the worker stalled at {samples[-1][1]:,.0f} of {n:,} records"
            raise RuntimeError(msg)
        time.sleep(0.2)
        samples.append((time.perf_counter(), done(worker)))
    inner = [(t, p) for t, p in samples if 0.05 * n <= p <= 0.95 * n]
    (t0, p0), (t1, p1) = (inner[0], inner[-1]) if len(inner) >= 3 else (samples[0], samples[-1])
    return float((p1 - p0) / (t1 - t0))
