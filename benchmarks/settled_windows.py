"""The aggregator's settled labelled windows: memory a window, and the cost of a checkpoint.

A labelled window stays revisable by late labels for ``label_ttl_seconds`` (14 days by
default: 20,160 one-minute windows). Past the data-quality horizon, with its labels
published, the aggregator keeps it packed (:meth:`AggregatedWindow.packed`). In one run:

- a window of the demo's labelled model (data quality, model quality with continuous scores,
  bias, attribution) filled with ``DRIFTLINE_BENCH_SETTLED_RECORDS`` joined predictions
  through a worker's state, without a broker;
- its memory as live objects (what the aggregator held before), against its JSON and its
  packed bytes (the floor: the serialised state the snapshot writes anyway);
- the time to pack and to bring back one window (a late label's cost), and what hashing
  every kept window's JSON at each checkpoint cost before the snapshot store skipped the
  bytes objects it saved last time;
- on a broker (the embedded one, or ``DRIFTLINE_BOOTSTRAP_SERVERS``): restoring a partials
  partition's snapshot of ``DRIFTLINE_BENCH_SETTLED_BLOBS`` settled windows of that packed
  size, saved over several checkpoints, as a ratio to a bare aiokafka read of the whole
  partition (the floor: every message the topic holds, from the beginning).
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import os
import random
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.bench_broker import bootstrap_servers
from stream.demo.labelled import SyntheticModel, ground_truth_record, write_labelled_baselines
from stream.kafka.topics import TopicNames, ensure_topics
from stream.worker.aggregated_window import AggregatedWindow
from stream.worker.runner import MAX_MESSAGE_BYTES
from stream.worker.snapshots import SnapshotStore
from tests.conftest import FakeClock
from tests.stream.worker.test_labelled import T0, Pipe, lines, state, traffic

RECORDS = int(os.environ.get("DRIFTLINE_BENCH_SETTLED_RECORDS", "20000"))
BLOBS = int(os.environ.get("DRIFTLINE_BENCH_SETTLED_BLOBS", "3000"))
HORIZON_WINDOWS = 14 * 24 * 60  # the default label horizon in one-minute windows


def _filled_window(folder: Path) -> AggregatedWindow:
    clock = FakeClock(datetime.fromtimestamp(T0, UTC))
    pipe = Pipe(state(clock, folder))
    records = traffic(1, RECORDS, T0)
    for i in range(0, RECORDS, 1000):
        pipe.send("capture", lines(r for _, r, _ in records[i : i + 1000]))
        pipe.send(
            "labels", lines(ground_truth_record(k, a.label) for k, _, a in records[i : i + 1000])
        )
    pipe.send("capture", lines(r for _, r, _ in traffic(2, 1, T0 + 15)))  # closes the window
    clock.advance(1.0)
    pipe.tick()
    aggregator = pipe.ws.aggregators["m"]
    window = aggregator.windows.get((T0, T0 + 10.0))  # within the data-quality horizon
    assert window is not None and window.labelled is not None
    window.forget_profile()  # as past the data-quality horizon
    return window


def _live_bytes(raw: bytes, window: AggregatedWindow) -> int:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    live = AggregatedWindow.from_bytes(raw, window.labelled.setup if window.labelled else None)
    live._blob = None  # the objects alone (the cached JSON is counted apart)
    gc.collect()
    size = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del live
    return size


def _timed(step, repeat: int = 20) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        step()
    return (time.perf_counter() - start) / repeat


async def _restore_times(bootstrap: str, size: int) -> tuple[float, float, int]:
    """Seconds to load a snapshot of ``BLOBS`` blobs, to read its partition bare, and its
    message count."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    names = TopicNames.from_prefix(f"settled{random.randrange(10**6)}")
    topic = names.aggregate_state
    await ensure_topics(bootstrap, [topic], 1, 1, configs=names.configs)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2,
                                max_request_size=MAX_MESSAGE_BYTES)  # fmt: skip
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
                                fetch_max_bytes=MAX_MESSAGE_BYTES,
                                fetch_max_wait_ms=50)  # fmt: skip
    await producer.start()
    await consumer.start()
    try:
        rng = random.Random(3)
        blobs = {f"m/window/{i}": rng.randbytes(size) for i in range(BLOBS)}
        store = SnapshotStore(producer, consumer, topic)
        await store.save(0, blobs, {})
        for _ in range(5):  # later checkpoints: a few windows revised each
            for i in rng.sample(range(BLOBS), 10):
                blobs[f"m/window/{i}"] = rng.randbytes(size)
            await store.save(0, blobs, {})
        started = time.perf_counter()
        loaded = await SnapshotStore(producer, consumer, topic).load(0)
        restore = time.perf_counter() - started
        assert loaded is not None and loaded.blobs == blobs
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]
        started = time.perf_counter()
        await consumer.seek_to_beginning(tp)
        seen = 0
        while seen < end:
            batch = await consumer.getmany(tp, timeout_ms=1000)
            if not batch:
                break
            seen = batch[tp][-1].offset + 1
        bare = time.perf_counter() - started
        return restore, bare, end
    finally:
        await producer.stop()
        await consumer.stop()


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "baseline"
        write_labelled_baselines(folder, SyntheticModel(), n=4000)
        window = _filled_window(folder)
        setup = window.labelled.setup if window.labelled else None
        raw = window.to_bytes()
        packed = window.packed()
        live = _live_bytes(raw, window)
        pack = _timed(window.packed)
        bring_back = _timed(lambda: AggregatedWindow.from_packed(packed, setup))
        digests = _timed(lambda: hashlib.blake2b(raw, digest_size=16).digest(), 200)
    kib = 1024.0
    print(f"a settled labelled window of {RECORDS:,} joined predictions (model quality, bias, "
          f"attribution): live objects {live / kib:,.1f} KiB, JSON {len(raw) / kib:,.1f} KiB, "
          f"packed {len(packed) / kib:,.1f} KiB = {len(packed) / len(raw):.2f} x its JSON, "
          f"{len(packed) / (live + len(raw)):.3f} x what was held before (both)")  # fmt: skip
    total = HORIZON_WINDOWS * len(packed) / kib**2
    before = HORIZON_WINDOWS * (live + len(raw)) / kib**2
    print(f"14 days of one-minute windows like it: {total:,.0f} MiB packed "
          f"(held live with their JSON: {before:,.0f} MiB)")  # fmt: skip
    with bootstrap_servers() as bootstrap:
        restore, bare, messages = asyncio.run(_restore_times(bootstrap, len(packed)))
    print(f"restore of a partials snapshot of {BLOBS:,} such windows ({messages:,} messages "
          f"on its topic): {restore:.2f} s = {restore / bare:.1f} x a bare read of the "
          f"partition ({bare:.2f} s)")  # fmt: skip
    print(f"pack one window {pack * 1e3:.2f} ms; bring it back for a late label "
          f"{bring_back * 1e3:.2f} ms; hashing every window's JSON at each checkpoint, as the "
          f"snapshot store did, {digests * HORIZON_WINDOWS:.2f} s for {HORIZON_WINDOWS:,} "
          f"windows (now skipped: the same bytes objects as last time)")  # fmt: skip
