"""Shared steps of the worker benchmarks: records, producing them, a worker's rate and memory.

A worker's rate comes with the CPU its threads spent over the same records
(:class:`CpuUse`, read from ``/proc/<pid>/task``), and raw consume's with the CPU the
consuming process spent, a process of its own (:mod:`benchmarks.raw_consumer`: read in this
driver, whose imports make the heap the collector walks, aiokafka was 10–35 % slower), and
with its peak memory: on a machine other work shares, wall-clock rates stretch with the
load, CPU per record much less, and the main thread's share of a core says whether the worker
was bound by its own work (near 100 %) or waiting.

Examples
--------
>>> len(records(3, seed=1)), records(1, seed=1)[0][:15]
(3, b'{"captureData":')
>>> use = CpuUse(records=1_000, seconds=2.0, main_seconds=0.005, all_seconds=0.006)
>>> round(use.micros_per_record, 1), f"{use.main_busy:.1%}", f"{use.all_busy:.1%}"
(6.0, '0.2%', '0.3%')
"""

from __future__ import annotations

import functools
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import orjson

from benchmarks.payload_shapes import SHAPES, shape_record
from benchmarks.proc_memory import memory_kib
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


class CpuUse(NamedTuple):
    """CPU seconds a process spent over ``records`` records and ``seconds`` of wall clock."""

    records: float
    seconds: float
    main_seconds: float  # the main thread's (the worker's event loop: faust and driftline)
    all_seconds: float  # every thread's

    @property
    def micros_per_record(self) -> float:
        """CPU microseconds per record, every thread's."""
        return self.all_seconds / self.records * 1e6 if self.records else float("nan")

    @property
    def main_busy(self) -> float:
        """The main thread's share of one core."""
        return self.main_seconds / self.seconds if self.seconds else float("nan")

    @property
    def all_busy(self) -> float:
        """Every thread's CPU as a share of one core (above 1.0: more than one core)."""
        return self.all_seconds / self.seconds if self.seconds else float("nan")


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each thread of process ``pid``, by thread id."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:  # the thread ended
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return out


class ProcessRun(NamedTuple):
    """A floor process's records/s, its CPU µs per record and its peak KiB."""

    rate: float
    micros_per_record: float
    peak_kib: int


def process_run(module: str, args: tuple[str, ...]) -> ProcessRun:
    """Run a floor's ``python -m module args``; the figures its :func:`print_run` printed.

    (:func:`~benchmarks.proc_memory.print_run`: raw consume's reader, the worker's work alone.)
    """
    names = ("records_per_second", "micros_per_record", "peak_kib")
    figures = child_figures(module, args, names)
    return ProcessRun(figures["records_per_second"], figures["micros_per_record"],
                      int(figures["peak_kib"]))  # fmt: skip


async def raw_consume(bootstrap: str, topic: str, n: int) -> ProcessRun:
    """Produce ``n`` one-record messages, then read them in a process of its own.

    The reader is :mod:`benchmarks.raw_consumer`: an assigned aiokafka consumer, timed from
    its assignment to the last record, its peak memory its own.
    """
    from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    value = records(1, 0)[0]
    for k in range(n):
        await producer.send(topic, value, partition=k % 4)
    await producer.flush()
    await producer.stop()
    return process_run("benchmarks.raw_consumer", (bootstrap, topic, str(n)))


def child_figures(
    module: str, args: tuple[str, ...], names: tuple[str, ...], timeout_seconds: float = 300.0
) -> dict[str, float]:
    """Run ``python -m module args``; the ``name=number`` figures ``names`` from its output.

    >>> child_figures("benchmarks.raw_consumer", (), ("records_per_second",))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    RuntimeError: python -m benchmarks.raw_consumer gave no records_per_second: ...IndexError...
    """
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          timeout=timeout_seconds, check=False)  # fmt: skip
    figures = {}
    for name in names:  # searched anywhere: faust's terminal codes can come first on the line
        found = re.search(rf"{name}=([0-9][0-9.e+-]*)", done.stdout)
        if found is None:
            msg = f"python -m {module} gave no {name}: {done.stderr[-500:]}"
            raise RuntimeError(msg)
        figures[name] = float(found.group(1))
    return figures


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


class WorkerRun(NamedTuple):
    """A worker's records/s, its peak RSS in KiB, and its CPU over the same records."""

    rate: float
    peak_kib: int
    cpu: CpuUse


def worker_rate(folder: Path, bootstrap: str, prefix: str, n: int, per_message: int,
                produced: bool = False, encoding: str = "CSV") -> WorkerRun:  # fmt: skip
    """Records/s of a worker over ``n`` pre-produced records, its peak RSS and CPU."""
    names = TopicNames.from_prefix(prefix)
    if not produced:
        ensure_topics_sync(bootstrap, names, 4, 1)
        produce(bootstrap, names.capture, n, per_message, encoding=encoding)
    # no idle close while it runs: the open window's rows are its progress (live_rows)
    worker = WorkerProcess(worker_config(folder, bootstrap, prefix, 3600.0, idle_seconds=600.0),
                           folder / f"{prefix}.log")  # fmt: skip
    try:
        rate, cpu = rate_and_cpu(worker, n)
        peak = memory_kib(worker.process.pid, "VmHWM")
    finally:
        worker.stop()
    return WorkerRun(rate, peak, cpu)


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
    return rate_and_cpu(worker, n, timeout_seconds, done)[0]


def rate_and_cpu(
    worker: WorkerProcess,
    n: int,
    timeout_seconds: float = 120.0,
    done: Callable[[WorkerProcess], float] = live_rows,
) -> tuple[float, CpuUse]:
    """:func:`rate_of`, and the worker's CPU between the same two scrapes.

    A rate needs two scrapes apart; a run the first scrape already shows whole (too few
    records, or a ``done`` that moves only at checkpoints) raises RuntimeError:

    >>> from types import SimpleNamespace
    >>> this = SimpleNamespace(process=SimpleNamespace(pid=os.getpid()))
    >>> rate_and_cpu(this, 5_000, done=lambda worker: 5_000)
    Traceback (most recent call last):
    RuntimeError: all 5,000 records were done at the first scrape: too few to take a rate
    """
    pid = worker.process.pid

    def sample() -> tuple[float, float, dict[int, float]]:
        count = done(worker)
        return time.perf_counter(), count, thread_cpu_seconds(pid)

    def started() -> tuple[float, float, dict[int, float]] | None:
        taken = sample()
        return taken if taken[1] > 0 else None

    samples = [wait_for(started, timeout_seconds, "progress")]
    if samples[0][1] >= n:
        msg = f"all {n:,} records were done at the first scrape: too few to take a rate"
        raise RuntimeError(msg)
    deadline = samples[0][0] + 10 * timeout_seconds
    while samples[-1][1] < n:
        if samples[-1][0] > deadline:
            msg = f"the worker stalled at {samples[-1][1]:,.0f} of {n:,} records"
            raise RuntimeError(msg)
        time.sleep(0.2)
        samples.append(sample())
    inner = [s for s in samples if 0.05 * n <= s[1] <= 0.95 * n]
    first, last = (inner[0], inner[-1]) if len(inner) >= 3 else (samples[0], samples[-1])
    (t0, p0, cpu0), (t1, p1, cpu1) = first, last
    spent = {tid: seconds - cpu0.get(tid, 0.0) for tid, seconds in cpu1.items()}
    use = CpuUse(p1 - p0, t1 - t0, spent.get(pid, 0.0), sum(spent.values()))
    return float((p1 - p0) / (t1 - t0)), use
