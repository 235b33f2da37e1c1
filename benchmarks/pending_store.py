"""The pending store's memory from 100 k to 10 M entries, and its rates beside their floors.

A separate process (:mod:`benchmarks.pending_holder`) holds one PendingStore and fills it
checkpoint by checkpoint (50,000 puts each) with prediction-shaped entries; at every size it
lets RocksDB finish its flushes and compactions and stops, and this process reads its
resident memory from ``/proc/<pid>/status`` (VmRSS, and VmHWM, the peak), so nothing
measured here adds to it. After the first size it churns at that size (new entries put, the
oldest expired) for as many puts as the next size takes: memory that comes from running
checkpoints (RocksDB's memtables and block cache filling up, the allocator keeping what a
checkpoint's write batch and changelog sends used) shows there already, at the same number of
entries. Sizes up to ``DRIFTLINE_BENCH_PENDING_CHANGELOG`` (1 M) go through the whole
checkpoint protocol with the changelog on the broker (embedded Tansu, in memory, or
``DRIFTLINE_BOOTSTRAP_SERVERS``); larger ones with ``freeze`` + ``applied`` only, because
10 M changelog records would have to fit in the embedded broker's memory. A second process
restores a fresh folder from that changelog. Figures vary from run to run (a shared
2-core machine, the allocator's timing); compare the columns within one run.

Floors measured in the same run: a dict assignment of the same entries, a raw ``rocksdict``
WriteBatch of them, raw reads of the same RocksDB, an aiokafka producer and consumer on the
same broker.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_broker import bootstrap_servers
from benchmarks.pending_holder import NAMESPACE, expiry_of, key_of, value_of
from benchmarks.proc_memory import memory_kib
from stream.kafka.topics import ensure_topics_sync

SIZES = [int(s) for s in os.environ.get("DRIFTLINE_BENCH_PENDING_SIZES",
                                        "100000,1000000,10000000").split(",")]  # fmt: skip
CHANGELOG = int(os.environ.get("DRIFTLINE_BENCH_PENDING_CHANGELOG", "1000000"))
CHECKPOINT = 50_000  # entries per checkpoint: 5,000 predictions/s, a 10-second interval
FLOOR_ENTRIES = 200_000
ROOT = Path(__file__).parents[1]


def _status(pid: int) -> dict[str, int]:
    """The process's resident memory now and at its peak, in bytes."""
    return {field: memory_kib(pid, field) * 1024 for field in ("VmRSS", "VmHWM")}


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _holder(args: list[str], folder: Path) -> tuple[dict[str, dict[str, int]], dict[str, tuple]]:
    """Run the holder; return its memory at each stop and the figures it printed."""
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.pending_holder", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    memory, figures = {}, {}
    assert child.stdout is not None and child.stdin is not None
    for line in child.stdout:
        word, *rest = line.split()
        if word == "at":
            memory[rest[0]] = {**_status(child.pid), "disk": _folder_bytes(folder),
                               "rocksdb": int(rest[1]), "python_blocks": int(rest[2])}  # fmt: skip
            child.stdin.write("\n")
            child.stdin.flush()
        elif word == "figure":
            figures[rest[0]] = (int(rest[1]), float(rest[2]))
        elif word == "changelog_end":
            figures["changelog_end"] = (int(rest[0]), int(rest[1]))
    if child.wait() != 0:
        raise RuntimeError(f"pending holder {args[0]} exited with {child.returncode}")
    return memory, figures


def _dict_floor() -> float:
    entries = [(key_of(i), value_of(i), expiry_of(i)) for i in range(FLOOR_ENTRIES)]
    table: dict[tuple[str, str], tuple[bytes, float]] = {}
    began = time.perf_counter()
    for key, value, expires_at in entries:
        table[(NAMESPACE, key)] = (value, expires_at)
    return FLOOR_ENTRIES / (time.perf_counter() - began)


def _write_batch_floor(folder: Path) -> float:
    from rocksdict import Options, Rdict, WriteBatch

    options = Options(raw_mode=True)
    db = Rdict(str(folder / "floor"), options)
    pairs = [(f"e{NAMESPACE}/{key_of(i)}".encode(), value_of(i)) for i in range(FLOOR_ENTRIES)]
    began = time.perf_counter()
    for low in range(0, FLOOR_ENTRIES, CHECKPOINT):
        batch = WriteBatch(raw_mode=True)
        for key, value in pairs[low : low + CHECKPOINT]:
            batch.put(key, value)
        db.write(batch)
    seconds = time.perf_counter() - began
    db.close()
    return FLOOR_ENTRIES / seconds


async def _kafka_floors(bootstrap: str, topic: str, changelog_end: int) -> tuple[float, float]:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    records = [(key_of(i).encode(), value_of(i)) for i in range(FLOOR_ENTRIES)]
    began = time.perf_counter()
    futures = [await producer.send(f"{topic}-floor", v, key=k, partition=0) for k, v in records]
    await asyncio.gather(*futures)
    produce = FLOOR_ENTRIES / (time.perf_counter() - began)
    await producer.stop()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=8 << 20
    )
    await consumer.start()
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek(tp, 0)
    seen, began = 0, time.perf_counter()
    while seen < changelog_end:
        batch = await consumer.getmany(tp, timeout_ms=1000, max_records=10_000)
        seen += len(batch.get(tp, []))
    consume = seen / (time.perf_counter() - began)
    await consumer.stop()
    return produce, consume


def _rate(figures: dict[str, tuple], name: str) -> float:
    count, seconds = figures[name]
    return count / seconds if seconds else 0.0


def _print_memory(memory: dict, restored: dict, restored_entries: int) -> None:
    mib = 1024 * 1024
    first = SIZES[0]
    print(
        f"entries ~{len(key_of(5)) + len(value_of(5)) + 20} bytes (key, prediction, expiry), "
        f"{CHECKPOINT:,} puts a checkpoint; sizes up to {CHANGELOG:,} through the changelog "
        "on the broker, larger ones with freeze+applied only (no changelog)"
    )
    print("read while RocksDB is idle (no flush or compaction running); peak = VmHWM; "
          f"'churned': still {first:,} entries, after {SIZES[1] - first:,} more puts and "
          "expiries" if len(SIZES) > 1 else "")  # fmt: skip
    print(
        f"{'pending entries':>20} {'RSS MiB':>8} {'/ first':>7} {'/ churned':>9} "
        f"{'peak MiB':>8} {'RocksDB MiB':>11} {'Python blocks':>13} {'disk MiB':>8}"
    )
    base = memory[str(first)]["VmRSS"]
    warm = memory.get(f"{first}-churned", memory[str(first)])["VmRSS"]
    rows = [(f"{first:,}", memory[str(first)])]
    if f"{first}-churned" in memory:
        rows.append((f"{first:,} churned", memory[f"{first}-churned"]))
    rows += [(f"{size:,}", memory[str(size)]) for size in SIZES[1:]]
    rows.append((f"{restored_entries:,} restored", restored["restored"]))
    for label, m in rows:
        print(f"{label:>20} {m['VmRSS'] / mib:>8.1f} {m['VmRSS'] / base:>7.2f} "
              f"{m['VmRSS'] / warm:>9.2f} {m['VmHWM'] / mib:>8.1f} {m['rocksdb'] / mib:>11.1f} "
              f"{m['python_blocks']:>13,} {m['disk'] / mib:>8.1f}")  # fmt: skip
    print(
        "(RocksDB MiB: block cache with index and filter blocks, memtables, table readers; "
        "'restored': a fresh process after restoring the changelog)"
    )


def _print_rates(figures: dict, floors: dict[str, float]) -> None:
    raw_get, raw_absent = _rate(figures, "raw_get"), _rate(figures, "raw_get_absent")
    print(f"rates over the whole run; put and applied include the churn; get at {max(SIZES):,}")
    rows = [
        ("put (live delta, existence check)", "put", "dict assignment", floors["dict"]),
        ("changelog write (parallel sends, acks)", "changelog", "aiokafka produce",
         floors["produce"]),
        ("applied (WriteBatch: entries, index, counts)", "applied", "raw WriteBatch put",
         floors["write_batch"]),
        ("get, pending key", "get", "raw RocksDB get", raw_get),
        ("get, absent key", "get_absent", "raw RocksDB get, absent", raw_absent),
        ("expire (oldest first, 10,000 a call)", "expire", "raw RocksDB get", raw_get),
        ("restore from the changelog (fresh folder)", "restore", "aiokafka consume",
         floors["consume"]),
    ]  # fmt: skip
    print(f"{'figure':<44} {'per second':>12}  ratio to floor")
    for label, name, floor_name, floor in rows:
        rate = _rate(figures, name)
        print(f"{label:<44} {rate:>12,.0f}  {rate / floor:.2f} x {floor_name} ({floor:,.0f}/s)")


def run() -> None:
    topic = f"bench-pending-{os.getpid()}"
    with bootstrap_servers() as bootstrap:
        ensure_topics_sync(bootstrap, [topic], 1, 1, configs={topic: {"cleanup.policy": "compact"}})
        ensure_topics_sync(bootstrap, [f"{topic}-floor"], 1, 1)
        with tempfile.TemporaryDirectory(prefix="driftline-bench-pending-") as tmp:
            folder = Path(tmp)
            sizes = ",".join(map(str, SIZES))
            memory, figures = _holder(
                ["fill", bootstrap, topic, str(folder / "held"), sizes, str(CHANGELOG),
                 str(CHECKPOINT)], folder / "held",
            )  # fmt: skip
            end, entries = figures["changelog_end"]
            restored, restore_figures = _holder(
                ["restore", bootstrap, topic, str(folder / "restored"), str(end), str(entries)],
                folder / "restored",
            )
            figures.update(restore_figures)
            produce, consume = asyncio.run(_kafka_floors(bootstrap, topic, end))
            floors = {"dict": _dict_floor(), "write_batch": _write_batch_floor(folder),
                      "produce": produce, "consume": consume}  # fmt: skip
    _print_memory(memory, restored, entries)
    _print_rates(figures, floors)


if __name__ == "__main__":
    run()
