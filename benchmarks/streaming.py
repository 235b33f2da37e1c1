"""The worker on a real broker, side by side with its floors, in one run.

Every figure comes from one run on one broker (the embedded one, or
``DRIFTLINE_BOOTSTRAP_SERVERS``), each printed with the floor it is a ratio to:

- raw consume: an aiokafka consumer reading one-record messages (records/s = messages/s),
  in a process of its own (:mod:`benchmarks.raw_consumer`);
- the worker (a ``driftline worker`` process: 20-feature CSV capture, data quality on) reading
  pre-produced capture records as 100-record JSON-Lines messages (three times as many records,
  so that its rate spans enough scrapes), as a ratio to raw consume; beside it, the CPU each
  spent per record (the worker's every thread, between the same scrapes; raw consume's
  process) and how busy the worker's main thread and all its threads were meanwhile
  (:class:`~benchmarks.worker_runs.CpuUse`);
  beside it, the worker's own work alone: the same messages handed to its state in a process
  of its own, with no broker (:mod:`benchmarks.worker_alone`), and the worker's rate as a
  share of that, which leaves what reading the messages and what runs beside it cost;
  its rate is taken from the open window's rows (``driftline_current_window_rows``: the
  per-record counters advance only at checkpoints, every 2 s) between the scrapes that show
  5 % and 95 % of the records processed; its peak RSS is the process's VmHWM;
- the same worker on the same records with JSON payloads (``application/json`` arrays), once,
  as a ratio to the 100-record CSV figure; and once in each of the other one-instance request
  shapes (:mod:`benchmarks.payload_shapes`: an object keyed by the features, in their order
  and in another, an ``instances`` list, a list of lists, a ``{"features": [...]}`` JSON
  Lines line), each as a ratio to raw consume measured just before it and to the CSV figure;
- faust's per-message ceiling: a faust agent that does nothing (:mod:`benchmarks.faust_floor`,
  the worker's consumer settings) reading the same one-record messages as the worker does,
  acknowledging each event as faust's agents do by default, so that faust commits what it
  read, as the worker does; and once more acknowledging nothing (faust's reading alone, no
  commits), printed beside it;
- each ratio is taken within a round (floor and worker back to back); there are ``REPEATS``
  rounds and the medians are printed, with every round's figure;
- detection latency: capture sent in real time (event time = wall clock, 1-second windows,
  no lateness); latency is the Kafka timestamp of a window's execution message minus the
  window's end, over the windows later records closed (the last one waits for idle close);
- start-up: seconds from spawning a worker to its asking to join its consumer group (its
  own start-up) and to its partitions assigned (the broker's group timing on top), over
  fresh workers, beside the floor of a process that only imports faust's Kafka transport;
- memory: every figure above prints the peak RSS (``VmHWM``) of the process it measured (the
  worker, raw consume's reader, faust's agent; for a figure over rounds, the highest round's);
  and the worker's RSS after 1 M events and, with ``DRIFTLINE_BENCH_10M=1``, after 10 M
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
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import orjson

from benchmarks.bench_broker import bootstrap_servers
from benchmarks.faust_floor import ACKED, UNACKED
from benchmarks.proc_memory import memory_kib, mib
from benchmarks.worker_runs import (
    SCHEMA,
    ProcessRun,
    WorkerRun,
    child_figures,
    process_run,
    processed,
    produce,
    raw_consume,
    worker_config,
    worker_rate,
)
from stream.demo.synthetic import capture_record
from stream.kafka.capture_producer import CaptureProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from stream.monitors.data_quality import save_data_quality_baseline
from tests.integration.readback import read_topic
from tests.integration.scenarios import ASSIGNED, JOINING, logged_after
from tests.integration.workers import WorkerProcess, wait_for

RECORDS = int(os.environ.get("DRIFTLINE_BENCH_STREAM_RECORDS", "200000"))
# The worker's 100-record run reads more: at its rate 200,000 records last under a second,
# four or five of the 0.2 s scrapes its rate is taken between.
BATCHED_RECORDS = 3 * RECORDS
SINGLE_RECORDS = RECORDS // 6
REPEATS = 3  # rounds of the throughput figures
LATENCY_SECONDS = 40
START_UPS = 3  # fresh workers timed from spawn to their group join
MEMORY_EVENTS = 1_000_000
MEMORY_EVENTS_LONG = 10_000_000  # with DRIFTLINE_BENCH_10M=1
# One instance a request in the shapes clients send besides CSV and JSON arrays
ONE_INSTANCE_SHAPES = ("json_object", "json_object_reordered", "json_instances", "json_lists",
                       "jsonlines")  # fmt: skip


class Floor(NamedTuple):
    """A faust agent's messages/s and its process's peak RSS in KiB."""

    rate: float
    peak_kib: int


def _faust_floor(bootstrap: str, topic: str, messages: int, mode: str) -> Floor:
    """A faust agent that does nothing with ``topic``'s messages: its rate and peak memory.

    ``mode`` is :data:`~benchmarks.faust_floor.ACKED` or ``UNACKED``.
    """
    args, names = (bootstrap, topic, str(messages), mode), ("messages_per_second", "peak_kib")
    figures = child_figures("benchmarks.faust_floor", args, names)
    return Floor(figures["messages_per_second"], int(figures["peak_kib"]))


def _alone(folder: Path, bootstrap: str, number: int) -> ProcessRun:
    """The worker's state on the 100-record messages in a process of its own, no broker
    (:mod:`benchmarks.worker_alone`)."""
    config = worker_config(folder, bootstrap, f"bench-alone{os.getpid()}-{number}", 3600.0)
    return process_run("benchmarks.worker_alone", (str(config), str(BATCHED_RECORDS)))


class Round(NamedTuple):
    """One round of the throughput figures, each next to its floor (records or messages/s)."""

    raw: ProcessRun
    batched: WorkerRun  # the worker on 100-record messages
    alone: ProcessRun  # its own work on the same messages, no broker
    floor: Floor  # faust's agent acknowledging each event, as the worker does
    floor_unacked: Floor  # faust's agent acknowledging nothing
    single: WorkerRun  # the worker on the floor's one-record messages


def _round(folder: Path, bootstrap: str, number: int) -> Round:
    """Raw consume, then the worker on 100-record messages; faust's floor, then the worker on
    the same one-record messages."""
    raw_topic = f"bench-raw-{os.getpid()}-{number}"
    ensure_topics_sync(bootstrap, [raw_topic], 4, 1)
    raw = asyncio.run(raw_consume(bootstrap, raw_topic, RECORDS))
    prefix = f"bench-b{os.getpid()}-{number}"
    batched = worker_rate(folder, bootstrap, prefix, BATCHED_RECORDS, 100)
    alone = _alone(folder, bootstrap, number)
    prefix = f"bench-s{os.getpid()}-{number}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(bootstrap, names, 4, 1)
    produce(bootstrap, names.capture, SINGLE_RECORDS, 1)
    floor = _faust_floor(bootstrap, names.capture, SINGLE_RECORDS, ACKED)
    unacked = _faust_floor(bootstrap, names.capture, SINGLE_RECORDS, UNACKED)
    single = worker_rate(folder, bootstrap, prefix, SINGLE_RECORDS, 1, produced=True)
    return Round(raw, batched, alone, floor, unacked, single)


def _print_shapes(folder: Path, bootstrap: str, csv_rate: float) -> None:
    """The worker on one-instance JSON requests of other shapes, each beside raw consume
    measured just before it and beside the 100-record CSV figure."""
    for shape in ONE_INSTANCE_SHAPES:
        raw_topic = f"bench-raw-{shape}-{os.getpid()}"
        ensure_topics_sync(bootstrap, [raw_topic], 4, 1)
        raw = asyncio.run(raw_consume(bootstrap, raw_topic, RECORDS))
        prefix = f"bench-{shape.replace('_', '-')}{os.getpid()}"
        run = worker_rate(folder, bootstrap, prefix, BATCHED_RECORDS, 100, encoding=shape)
        print(f"worker, 100-record messages, {shape} requests: {run.rate:,.0f} records/s, "
              f"peak RSS {mib(run.peak_kib)} = {run.rate / raw.rate:.2f} x raw consume "
              f"({raw.rate:,.0f} records/s, peak {mib(raw.peak_kib)}, measured just before) "
              f"= {run.rate / csv_rate:.2f} x the CSV figure")  # fmt: skip


class Latencies(NamedTuple):
    """Seconds from window end to execution message, for windows closed by later records, in
    window order; how many windows idle time closed; the worker's peak RSS in KiB."""

    in_order: list[float]
    idle: int
    peak_kib: int


def _latencies(folder: Path, bootstrap: str) -> Latencies:
    """The latency run: capture sent in real time to a worker with one-second windows."""
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
        peak = memory_kib(worker.process.pid, "VmHWM")
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
        latencies.append((window_end, message.timestamp / 1000 - window_end))
    return Latencies([latency for _, latency in sorted(latencies)], idle, peak)


def _rss_after(worker: WorkerProcess, events: int, timeout_seconds: float) -> int:
    wait_for(lambda: processed(worker) >= events, timeout_seconds, f"{events:,} events")
    return memory_kib(worker.process.pid, "VmRSS")


def _start_up(folder: Path, bootstrap: str) -> tuple[list[float], list[float], list[float]]:
    """Seconds from spawn to the join request and to the assignment, per fresh worker, and
    the floor: seconds of a process that only imports faust's Kafka transport."""
    floor = []
    for _ in range(START_UPS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import faust.transport.drivers.aiokafka"],
                       check=True)  # fmt: skip
        floor.append(time.perf_counter() - started)
    joins, assignments = [], []
    for number in range(START_UPS):
        prefix = f"bench-start{os.getpid()}-{number}"
        ensure_topics_sync(bootstrap, TopicNames.from_prefix(prefix), 4, 1)
        config = worker_config(folder, bootstrap, prefix, 60.0)
        spawned = time.time()
        worker = WorkerProcess(config, folder / f"{prefix}.log", log_level="info")
        try:
            wait_for(worker.assigned, 60, "the worker's partitions")
        finally:
            worker.stop()
        joins.append(logged_after(worker, spawned, JOINING) or float("nan"))
        assignments.append(logged_after(worker, spawned, ASSIGNED) or float("nan"))
    return joins, assignments, floor


def _print_start_up(joins: list[float], assignments: list[float], floor: list[float]) -> None:
    join, base = statistics.median(joins), statistics.median(floor)
    print(
        f"worker start -> asks to join its group: {join:.2f} s ({_figures(joins)}) "
        f"= {join / base:.1f} x a process importing faust's transport ({base:.2f} s)"
    )
    print(f"  -> partitions assigned: {statistics.median(assignments):.2f} s "
          f"({_figures(assignments)}; the broker's group timing on top)")  # fmt: skip


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
    long = os.environ.get("DRIFTLINE_BENCH_10M", "") == "1"
    with bootstrap_servers() as bootstrap:
        with tempfile.TemporaryDirectory(prefix="driftline-bench-") as tmp:
            folder = Path(tmp)
            save_data_quality_baseline(folder / "baseline", SCHEMA.baseline(n=20_000))
            rounds = [_round(folder, bootstrap, number) for number in range(REPEATS)]
            _print_throughput(rounds)
            prefix = f"bench-json{os.getpid()}"
            json = worker_rate(folder, bootstrap, prefix, BATCHED_RECORDS, 100, encoding="JSON")
            csv_rate = statistics.median(r.batched.rate for r in rounds)
            print(f"worker, 100-record messages, JSON payloads: {json.rate:,.0f} records/s, "
                  f"peak RSS {mib(json.peak_kib)} = {json.rate / csv_rate:.2f} x the CSV "
                  "figure")  # fmt: skip
            _print_shapes(folder, bootstrap, csv_rate)
            _print_latency(_latencies(folder, bootstrap))
            _print_start_up(*_start_up(folder, bootstrap))
            _print_memory(_memory(folder, bootstrap, long))


def _peak(runs: Iterable[ProcessRun | WorkerRun | Floor]) -> str:
    """The highest of the rounds' peaks of one figure."""
    return mib(max(run.peak_kib for run in runs))


def _figures(values: list[float], unit: str = "") -> str:
    return f"median of {', '.join(f'{v:,.2f}' if v < 10 else f'{v:,.0f}' for v in values)}{unit}"


def _print_throughput(rounds: list[Round]) -> None:
    print("(2-core machine shared with other engineers: figures are noisy; each ratio is taken")
    print(f" within one round, floor and worker back to back, median of {len(rounds)} rounds)")
    raw, batched = [r.raw.rate for r in rounds], [r.batched.rate for r in rounds]
    ratios = [r.batched.rate / r.raw.rate for r in rounds]
    print(f"raw aiokafka consume, one-record messages: {statistics.median(raw):,.0f} records/s "
          f"({_figures(raw)}; {RECORDS:,} records); "
          f"peak RSS {_peak(r.raw for r in rounds)}")  # fmt: skip
    print(f"worker, 100-record messages: {statistics.median(batched):,.0f} records/s "
          f"({_figures(batched)}; {BATCHED_RECORDS:,} records); "
          f"peak RSS {_peak(r.batched for r in rounds)}")  # fmt: skip
    print(f"  = {statistics.median(ratios):.2f} x raw consume (target >= 0.6; {_figures(ratios)})")
    _print_cpu(rounds)
    _print_alone(rounds)
    floors, single = [r.floor.rate for r in rounds], [r.single.rate for r in rounds]
    unacked = [r.floor_unacked.rate for r in rounds]
    print(f"faust agent doing nothing, one-record messages, each event acknowledged (faust's "
          f"default): {statistics.median(floors):,.0f} messages/s ({_figures(floors)}; "
          f"{SINGLE_RECORDS:,} messages); peak RSS {_peak(r.floor for r in rounds)}")  # fmt: skip
    print(f"  the same agent acknowledging nothing (faust never commits): "
          f"{statistics.median(unacked):,.0f} messages/s ({_figures(unacked)}); "
          f"peak RSS {_peak(r.floor_unacked for r in rounds)}")  # fmt: skip
    print(f"worker, one-record messages: {statistics.median(single):,.0f} records/s "
          f"({_figures(single)}); peak RSS {_peak(r.single for r in rounds)}")  # fmt: skip
    ratios = [r.single.rate / r.floor.rate for r in rounds]
    print(f"  = {statistics.median(ratios):.2f} x faust's ceiling, the acknowledging agent "
          f"(target >= 0.8; {_figures(ratios)})")  # fmt: skip
    ratios = [r.single.rate / r.floor_unacked.rate for r in rounds]
    print(f"  = {statistics.median(ratios):.2f} x the agent acknowledging nothing "
          f"({_figures(ratios)})")  # fmt: skip


def _print_cpu(rounds: list[Round]) -> None:
    """CPU per record of the worker and of raw consume, and how busy the worker's threads were.

    A main thread near 100 % of a core is bound by its own work (and by the GIL it shares with
    faust's consumer thread); CPU per record stretches far less with the machine's load than
    records per second do.
    """
    worker = [r.batched.cpu.micros_per_record for r in rounds]
    raw = [r.raw.micros_per_record for r in rounds]
    main = [100 * r.batched.cpu.main_busy for r in rounds]
    every = [100 * r.batched.cpu.all_busy for r in rounds]
    ratios = [r.raw.micros_per_record / r.batched.cpu.micros_per_record for r in rounds]
    print(f"  CPU per record: worker {statistics.median(worker):.2f} us (every thread; "
          f"{_figures(worker)}), raw consume {statistics.median(raw):.2f} us "
          f"({_figures(raw)}): raw / worker = {statistics.median(ratios):.2f} "
          f"({_figures(ratios)})")  # fmt: skip
    print(f"  worker busy while measured: main thread {statistics.median(main):.0f} % of a core "
          f"({_figures(main)}), every thread {statistics.median(every):.0f} % "
          f"({_figures(every)})")  # fmt: skip


def _print_alone(rounds: list[Round]) -> None:
    """The worker's own work without a broker, and the worker's rate as a share of it.

    What the share leaves is reading the messages (faust, aiokafka, the broker's replies) and
    the cost of what runs beside the worker on the same cores.
    """
    rates = [r.alone.rate for r in rounds]
    micros = [r.alone.micros_per_record for r in rounds]
    ratios = [r.batched.rate / r.alone.rate for r in rounds]
    cpu = [r.alone.micros_per_record / r.batched.cpu.micros_per_record for r in rounds]
    print(f"  its own work alone (the same messages handed to its state in a process of its "
          f"own, no broker): {statistics.median(rates):,.0f} records/s ({_figures(rates)}), "
          f"{statistics.median(micros):.2f} us of CPU per record ({_figures(micros)}); peak RSS "
          f"{_peak(r.alone for r in rounds)} holding all its messages")  # fmt: skip
    print(
        f"  worker = {statistics.median(ratios):.2f} x its work alone ({_figures(ratios)}); "
        f"alone / worker CPU per record = {statistics.median(cpu):.2f} ({_figures(cpu)})"
    )


def _print_latency(run: Latencies) -> None:
    """Percentiles over every window, and over those after the first: the first window after
    the worker starts can wait on clients warming up (up to ~0.8 s here, in some runs)."""
    in_order, idle = run.in_order, run.idle
    if len(in_order) < 2:
        return
    latencies, steady = sorted(in_order), sorted(in_order[1:])
    p50, p99 = statistics.median(latencies), _percentile(latencies, 0.99)
    print(f"detection latency after a window can close: p50 {p50 * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms (target <= 500 ms; {len(latencies)} one-second windows "
          f"closed by later records; {idle} closed by idle time not counted); the worker's "
          f"peak RSS {mib(run.peak_kib)}")  # fmt: skip
    print(f"  windows after the first: p50 {statistics.median(steady) * 1000:.0f} ms, "
          f"p99 {_percentile(steady, 0.99) * 1000:.0f} ms; the first window after the worker "
          f"started: {in_order[0] * 1000:.0f} ms")  # fmt: skip


def _print_memory(memory: list[tuple[int, int, int]]) -> None:
    for events, rss, hwm in memory:
        print(f"worker RSS after {events:,} events: {mib(rss)} (peak {mib(hwm)})")
    if len(memory) == 2:
        print(f"RSS after 10 M / after 1 M events: {memory[1][1] / memory[0][1]:.2f} "
              "(target <= 1.10)")  # fmt: skip
    else:
        print("RSS after 10 M events: not run (DRIFTLINE_BENCH_10M=1 runs it, several minutes)")


if __name__ == "__main__":
    run()
