"""Soak: a labelled worker keeping thousands of windows for late labels, against a clean run.

Not part of ``make test``; ``python -m benchmarks long_horizon``. One worker runs data quality,
model quality, bias drift and attribution drift on one-second windows with
``revision_horizon_seconds = 5`` and the default label horizon (14 days), so that nearly every
window is *settled* (kept packed) at the aggregator while its late labels keep coming. The
traffic (seeded) is ``DRIFTLINE_SOAK_HORIZON_WINDOWS`` windows (default 1,500) of ``PER_WINDOW``
captures, sent ``STEP_WINDOWS`` windows a step (event time runs ~25 s a step). Each capture's
label comes before it (15 %), right after it (35 %), at a random later step — a random old
window, as human labelers answer — (40 %) or never (10 %); one label in 20 is sent twice.

Runs: the uninterrupted reference; ``mixed``: kill -9 at three random steps (the second one's
successor killed again within 0.3 s of getting its partitions, while it restores the
aggregator's snapshot of thousands of settled windows) and a SIGTERM at a fourth; and
``failover``: two workers, one killed -9, the survivor taking over. The latest revision of every
(monitor type, window) is compared field by field with the reference's, and each window's
confusion matrix with scikit-learn's over the window's labelled pairs. Printed: worker RSS per
step, bytes written to the aggregate-state topic per manifest, the restore of the partials
partition (a fresh worker's, and a bare ``SnapshotStore.load``), and the CPU of a checkpoint
of the aggregator's snapshot (nothing changed, and ten windows changed).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks.labelled_crash import differences
from benchmarks.proc_memory import memory_kib, mib
from stream.demo.labelled import (
    SyntheticModel,
    ground_truth_record,
    labelled_capture_record,
    write_labelled_baselines,
)
from stream.kafka.broker import EmbeddedBroker
from stream.kafka.keyed_producer import LABEL_KEY_PATHS
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.readback import read_topic
from tests.integration.test_labelled_worker import config as labelled_config
from tests.integration.test_labelled_worker import send
from tests.integration.workers import WorkerProcess, wait_for

T0 = 1_709_647_200.0
WINDOW = 1.0
PER_WINDOW = 12
STEP_WINDOWS = 25
PACE_SECONDS = float(os.environ.get("DRIFTLINE_SOAK_HORIZON_PACE", "1.5"))  # a step
MODEL = SyntheticModel()

Item = tuple[int, str, dict[str, Any], Any]  # window, key, capture record, answer


def traffic(seed: int, n_windows: int) -> tuple[list[Item], list[tuple[str, list[Any]]]]:
    """The captures, and the sending steps ((topic role, records) in order)."""
    rng = random.Random(seed)
    items: list[Item] = []
    for w in range(n_windows):
        for k, row in enumerate(MODEL.schema.rows(rng, PER_WINDOW)):
            key = f"h{seed}-{w}-{k}"
            at = T0 + w * WINDOW + k * (WINDOW * 0.9) / PER_WINDOW
            answer = MODEL.answer(rng, row)
            items.append((w, key, labelled_capture_record(key, at, row, answer), answer))
    n_steps = -(-n_windows // STEP_WINDOWS)
    early: dict[int, list[Item]] = {}
    on_time: dict[int, list[Item]] = {}
    late: dict[int, list[Item]] = {}  # by step (n_steps: after the last captures)
    for item in items:
        step = item[0] // STEP_WINDOWS
        r = rng.random()
        if r < 0.15:
            early.setdefault(step, []).append(item)
            first = step
        elif r < 0.5:
            on_time.setdefault(step, []).append(item)
            first = step
        elif r < 0.9:
            first = rng.randint(step + 1, n_steps)
            late.setdefault(first, []).append(item)
        else:
            continue
        if rng.random() < 0.05:  # sent twice
            late.setdefault(rng.randint(first, n_steps), []).append(item)
    steps: list[tuple[str, list[Any]]] = []

    def labels(chosen: list[Item]) -> tuple[str, list[Any]]:
        return ("labels", [ground_truth_record(k, a.label) for _, k, _, a in chosen])

    for step in range(n_steps + 1):
        rng.shuffle(late.get(step, []))
        if step < n_steps:
            steps.append(labels(early.get(step, [])))
            chosen = [i for i in items if i[0] // STEP_WINDOWS == step]
            steps.append(("capture", [doc for _, _, doc, _ in chosen]))
            steps.append(labels(on_time.get(step, [])))
        steps.append(labels(late.get(step, [])))
    return items, steps


def labelled_keys(steps: list[tuple[str, list[Any]]]) -> set[str]:
    """The inference ids some label was sent for."""
    return {r["eventMetadata"]["eventId"] for role, records in steps if role == "labels"
            for r in records}  # fmt: skip


def config(folder: Path, bootstrap: str, prefix: str, baseline: Path, worker: str = "") -> Path:
    """All four monitors on one-second windows, a 5 s data-quality horizon, 14 days of labels."""
    path = labelled_config(folder, bootstrap, prefix, baseline, drift_check="point",
                           worker=f"revision_horizon_seconds = 5\n{worker}", window=WINDOW,
                           min_window_count=5)  # fmt: skip
    return Path(str(path))


Results = dict[tuple[str, str], dict[str, Any]]


def final_results(bootstrap: str, names: TopicNames) -> Results:
    """The latest revision of each (monitor type, window start)."""
    best: Results = {}
    for message in read_topic(bootstrap, names.statistics):
        doc = orjson.loads(message.value)
        key = (doc.get("monitor_type", "data_quality"), doc["window_start"])
        if key not in best or doc["revision"] > best[key]["revision"]:
            best[key] = doc
    return best


def sklearn_differences(found: Results, items: list[Item], labelled: set[str]) -> list[str]:
    """Windows whose confusion matrix or labelled count is not scikit-learn's on its pairs."""
    from datetime import UTC, datetime

    from sklearn import metrics as skm

    by_window: dict[int, list[Item]] = {}
    for item in items:
        by_window.setdefault(item[0], []).append(item)
    out = []
    for w, chosen in sorted(by_window.items()):
        start = datetime.fromtimestamp(T0 + w * WINDOW, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        doc = found.get(("model_quality", start))
        pairs = [a for _, k, _, a in chosen if k in labelled]
        if doc is None:
            out.append(f"window {w}: no model-quality result")
            continue
        if doc.get("labelled_count") != len(pairs):
            out.append(f"window {w}: labelled_count {doc.get('labelled_count')} != {len(pairs)}")
            continue
        if not pairs:
            continue
        truth, predicted = [a.label for a in pairs], [a.predicted for a in pairs]
        (tn, fp), (fn, tp) = skm.confusion_matrix(truth, predicted, labels=[0, 1])
        matrix = doc["binary_classification_metrics"]["confusion_matrix"]
        got = (matrix["0"]["0"], matrix["0"]["1"], matrix["1"]["0"], matrix["1"]["1"])
        if got != (tn, fp, fn, tp):
            out.append(f"window {w}: confusion {got} != {(tn, fp, fn, tp)}")
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` so far (0 when gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def restored_line(worker: WorkerProcess) -> bool:
    """Whether the worker logged its partials partition restored."""
    try:
        return "partials partition" in worker.log_path.read_text(errors="replace")
    except FileNotFoundError:
        return False


class Run:
    """One run: its workers, what they measured, and the final results."""

    def __init__(self, bootstrap: str, folder: Path, baseline: Path, tag: str,
                 failover: bool = False) -> None:  # fmt: skip
        self.bootstrap, self.folder = bootstrap, folder
        self.prefix = f"lh{tag}{random.randrange(10**6)}"
        self.names = TopicNames.from_prefix(self.prefix)
        ensure_topics_sync(bootstrap, self.names, 4, 1, configs=self.names.configs)
        member = "" if failover else f'group_instance_id = "{self.prefix}-0"'
        self.path = config(folder, bootstrap, self.prefix, baseline, member)
        self.workers: list[WorkerProcess] = []
        self.rss: list[tuple[int, int]] = []  # (step, KiB)
        self.cpu = 0.0  # of the workers gone
        self.events: list[str] = []

    def live_rss(self) -> int:
        """Resident memory of the running workers, KiB."""
        return sum(
            memory_kib(w.process.pid, "VmRSS") for w in self.workers if w.process.poll() is None
        )

    def start(self) -> WorkerProcess:
        worker = WorkerProcess(self.path, self.folder / f"{self.prefix}-{len(self.workers)}.log")
        self.workers.append(worker)
        return worker

    def owned(self, worker: WorkerProcess, n: int = 4) -> None:
        wait_for(lambda: worker.assigned() == n, 180, f"{n} partitions owned")

    def stop(self, worker: WorkerProcess, sig: int) -> None:
        self.cpu += cpu_seconds(worker.process.pid)
        worker.process.send_signal(sig)
        worker.process.wait()
        worker.stop()

    def disrupt(self, kind: str, step: int, rng: random.Random) -> None:
        time.sleep(rng.uniform(0.0, 0.4))
        victim = self.workers[-1]
        self.stop(victim, signal.SIGTERM if kind == "sigterm" else signal.SIGKILL)
        if kind == "failover":
            self.owned(self.workers[0])
            self.events.append(f"step {step}: failover, survivor owns 4")
            return
        successor = self.start()
        if kind == "kill_restore":  # as soon as it has partitions: while it restores them
            deadline = time.monotonic() + 180
            while not successor.assigned() and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.3))
            was_restored = restored_line(successor)
            self.stop(successor, signal.SIGKILL)
            when = "after" if was_restored else "before"
            self.events.append(f"step {step}: kill -9, successor killed -9 {when} its restore")
            successor = self.start()
        else:
            self.events.append(f"step {step}: {kind}")
        started = time.monotonic()
        self.owned(successor)
        self.events.append(f"   successor owns 4 after {time.monotonic() - started:.1f} s")

    def run(
        self, steps: list[tuple[str, list[Any]]], plan: dict[int, str], seed: int, want: int
    ) -> Results:
        rng = random.Random(seed)
        topic = {"labels": self.names.labels, "capture": self.names.capture}
        keys = {"labels": LABEL_KEY_PATHS, "capture": None}
        for _ in range(2 if "failover" in plan.values() else 1):
            self.start()
        wait_for(lambda: sum(w.assigned() for w in self.workers) == 4
                 and all(w.assigned() for w in self.workers), 180, "4 partitions")  # fmt: skip
        for i, (role, records) in enumerate(steps):
            if records:
                send(self.bootstrap, topic[role], records, keys[role])
            if i in plan:
                self.disrupt(plan[i], i, rng)
            if role == "capture":
                self.rss.append((i, self.live_rss()))
                time.sleep(PACE_SECONDS)
        previous: Results = {}
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:  # every window's results, then two looks agreeing
            time.sleep(5)
            found = final_results(self.bootstrap, self.names)
            if len(found) >= want and found == previous:
                break
            previous = found
        self.rss.append((len(steps), self.live_rss()))
        return found

    def close(self) -> None:
        for w in self.workers:
            if w.process.poll() is None:
                self.cpu += cpu_seconds(w.process.pid)
            w.stop()


def state_writes(bootstrap: str, topic: str) -> dict[int, list[int]]:
    """Per partition of the state topic: the bytes written up to each manifest (one a save)."""
    out: dict[int, list[int]] = {}
    pending: dict[int, int] = {}
    for m in read_topic(bootstrap, topic):
        pending[m.partition] = pending.get(m.partition, 0) + len(m.key or b"") + len(m.value or b"")
        if m.key == b"manifest":
            out.setdefault(m.partition, []).append(pending.pop(m.partition))
    return out


async def _load_and_save(
    bootstrap: str, topic: str, partition: int, scratch: str
) -> dict[str, float]:
    """A bare load of the snapshot; then saves of it on ``scratch``: unchanged, 10 changed."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    from stream.worker.runner import MAX_MESSAGE_BYTES, STATE_FETCH_WAIT_MS
    from stream.worker.snapshots import SnapshotStore

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2,
                                max_request_size=MAX_MESSAGE_BYTES)  # fmt: skip
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                fetch_max_bytes=MAX_MESSAGE_BYTES,
                                max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
                                fetch_max_wait_ms=STATE_FETCH_WAIT_MS)  # fmt: skip
    await producer.start()
    await consumer.start()
    try:
        store = SnapshotStore(producer, consumer, topic)
        started = time.monotonic()
        snapshot = await store.load(partition)
        out = {"load_s": time.monotonic() - started}
        assert snapshot is not None
        out["blobs"] = len(snapshot.blobs)
        out["bytes"] = sum(len(b) for b in snapshot.blobs.values())
        target = SnapshotStore(producer, consumer, scratch)
        blobs = dict(snapshot.blobs)
        await target.save(partition, blobs, snapshot.meta)  # the first: everything
        for label, changed in (("unchanged", 0), ("10 changed", 10)):
            for name in sorted(blobs)[:changed]:
                blobs[name] = blobs[name] + b" "
            cpu, wall = time.process_time(), time.monotonic()
            await target.save(partition, dict(blobs), snapshot.meta)
            out[f"save {label} cpu_s"] = time.process_time() - cpu
            out[f"save {label} wall_s"] = time.monotonic() - wall
        return out
    finally:
        await consumer.stop()
        await producer.stop()


def measure(run: Run, rows: list[str]) -> None:
    """State-topic writes, the restore of the partials partition, a checkpoint's CPU."""
    writes = state_writes(run.bootstrap, run.names.aggregate_state)
    partition = max(writes, key=lambda p: len(writes[p]))
    saves = writes[partition]
    tail = saves[len(saves) // 2 :]
    rows.append(f"aggregate-state saves (partials partition {partition}): {len(saves)}, "
                f"total {sum(saves) / 2**20:.1f} MiB, per save median "
                f"{sorted(tail)[len(tail) // 2] / 1024:.1f} KiB, max {max(saves) / 1024:.1f} KiB "
                f"(second half of the run)")  # fmt: skip
    scratch = TopicNames.from_prefix(run.prefix + "scratch")
    ensure_topics_sync(run.bootstrap, scratch, 4, 1, configs=scratch.configs)
    found = asyncio.run(_load_and_save(run.bootstrap, run.names.aggregate_state, partition,
                                       scratch.aggregate_state))  # fmt: skip
    figures = [f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in found.items()]
    rows.append("bare load and saves: " + ", ".join(figures))
    # a fresh worker's restore of the whole state
    for w in run.workers:
        if w.process.poll() is None:
            run.stop(w, signal.SIGTERM)
    started = time.monotonic()
    fresh = run.start()
    wait_for(lambda: restored_line(fresh), 300, "the partials partition restored")
    restored = time.monotonic() - started
    run.owned(fresh)
    time.sleep(3)
    rows.append(f"fresh worker: partials partition restored {restored:.1f} s after start; "
                f"RSS {mib(memory_kib(fresh.process.pid, 'VmRSS'))} after restore")  # fmt: skip


def compare(name: str, reference: Results, found: Results, items: list[Item],
            labelled: set[str]) -> None:  # fmt: skip
    diffs = [f"{key}: {d}" for key in sorted(set(reference) | set(found))
             for d in (differences(reference[key], found[key])
                       if key in reference and key in found else ["missing in one"])]  # fmt: skip
    sk = sklearn_differences(found, items, labelled)
    print(f"{name}: {len(found)} results, {len(diffs)} differences from the reference, "
          f"{len(sk)} from scikit-learn", flush=True)  # fmt: skip
    for d in diffs[:30] + sk[:30]:
        print("   ", d, flush=True)


def run() -> None:
    """Reference, mixed disruptions and failover; print differences and measurements."""
    n_windows = int(os.environ.get("DRIFTLINE_SOAK_HORIZON_WINDOWS", "1500"))
    seed = int(os.environ.get("DRIFTLINE_SOAK_SEED", "5"))
    kinds = os.environ.get("DRIFTLINE_SOAK_HORIZON_RUNS", "reference,mixed,failover").split(",")
    items, steps = traffic(seed, n_windows)
    labelled = labelled_keys(steps)
    print(f"{n_windows} windows, {len(items)} captures, {len(labelled)} labelled, "
          f"{sum(len(r) for role, r in steps if role == 'labels')} label records, "
          f"{len(steps)} steps", flush=True)  # fmt: skip
    captures = [i for i, (role, _) in enumerate(steps) if role == "capture"]
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="soak-horizon-") as tmp, EmbeddedBroker() as broker:
        folder = Path(tmp)
        baseline = folder / "baseline"
        write_labelled_baselines(baseline, MODEL, n=5000)
        bootstrap = broker.bootstrap_servers
        reference: Results = {}
        for kind in kinds:
            plan: dict[int, str] = {}
            if kind == "mixed":
                at = sorted(rng.sample(range(len(steps) // 5, len(steps) - 2), 4))
                plan = dict(zip(at, ["kill", "kill_restore", "sigterm", "kill"], strict=True))
            elif kind == "failover":
                plan = {rng.randrange(len(steps) // 2, len(steps) - 2): "failover"}
            run_ = Run(bootstrap, folder, baseline, kind, failover=kind == "failover")
            rows: list[str] = []
            started = time.monotonic()
            try:
                found = run_.run(steps, plan, seed, 4 * n_windows)
                took = time.monotonic() - started
                for w in run_.workers:
                    if w.process.poll() is None:
                        run_.cpu += cpu_seconds(w.process.pid)
                        w.stop()
                rows.append(f"run {took:.0f} s, worker CPU {run_.cpu:.0f} s")
                rss = [kib for _, kib in run_.rss]
                marks = [rss[min(len(rss) - 1, k * len(rss) // 12)] for k in range(12)] + rss[-1:]
                rows.append("RSS MiB over the run: " + " ".join(f"{k / 1024:.0f}" for k in marks))
                if kind == "reference":
                    reference = found
                    measure(run_, rows)
            finally:
                run_.close()
            print(f"== {kind} plan {plan} (capture steps {len(captures)})", flush=True)
            for e in run_.events:
                print("   ", e, flush=True)
            for r in rows:
                print("   ", r, flush=True)
            compare(kind, reference or found, found, items, labelled)
