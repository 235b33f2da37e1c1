"""Soak: all four monitors through kill -9, SIGTERM and restarts, against an uninterrupted run.

Not part of ``make test``; ``python -m benchmarks labelled_crash``. One worker runs data
quality, model quality, bias drift and attribution drift (SHAP values on their own topic)
with a group instance id, so that a restarted worker takes its partitions back without a
rebalance. The traffic (seeded) is ``WINDOWS`` windows of ``PER_WINDOW`` captures, sent in
steps: each window's first labels before its captures, its captures, then the previous
window's remaining labels and SHAP records (late: that window is already closed), a few
labels sent twice. The disruption comes at a random step: ``kill`` (kill -9) or ``sigterm``,
and a new worker under the same instance id continues; ``twice``: kill -9, and the new
worker killed -9 again within 0.3 s of getting its partitions (while it restores), then a
third one continues; ``failover``: two workers (dynamic members) share the partitions, one
is killed -9 and the survivor takes its partitions over after the group's rebalance, late
labels for the dead worker's windows included. The latest revision of every (monitor type,
window) on the statistics topic is compared field by field with the uninterrupted run's
(``DRIFTLINE_SOAK_LABELLED`` trials of each disruption; default 3; the disruptions are
``DRIFTLINE_SOAK_KINDS``, default all four).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stream.demo.labelled import ground_truth_record, write_labelled_baselines
from stream.kafka.broker import EmbeddedBroker
from stream.kafka.keyed_producer import ATTRIBUTION_KEY_PATHS, LABEL_KEY_PATHS
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.test_labelled_worker import (
    MODEL,
    SHAP_ON_TOPIC,
    config,
    send,
    windows,
)
from tests.integration.workers import WorkerProcess, read_json, wait_for

WINDOWS, PER_WINDOW = 4, 300
VOLATILE = {"revision", "emitted_at", "worker", "generated_at", "analysis_time", "complete",
            "partitions", "missing_partitions", "duplicate_partials",
            "evaluation_time"}  # fmt: skip


def steps(seed: int) -> list[tuple[str, list[Any]]]:
    """The traffic, as (topic role, records) steps in sending order."""
    traffic = windows(seed, PER_WINDOW, n_windows=WINDOWS)
    by_window = [[t for t in traffic if t[0] == w] for w in range(WINDOWS)]
    out: list[tuple[str, list[Any]]] = []
    for w, items in enumerate(by_window):
        early = items[: PER_WINDOW // 4]
        out.append(("labels", [ground_truth_record(k, a.label) for _, k, _, a in early]))
        out.append(("attributions", [{"inferenceId": k, "shap": a.shap} for _, k, _, a in early]))
        out.append(("capture", [doc for _, _, doc, _ in items]))
        if w:
            prev = by_window[w - 1][PER_WINDOW // 4 : PER_WINDOW * 9 // 10]
            out.append(("labels", [ground_truth_record(k, a.label) for _, k, _, a in prev]))
            twice = prev[:10]
            out.append(("labels", [ground_truth_record(k, a.label) for _, k, _, a in twice]))
            rest = by_window[w - 1][PER_WINDOW // 4 :]
            out.append(("attributions", [{"inferenceId": k, "shap": a.shap}
                                         for _, k, _, a in rest]))  # fmt: skip
    last = by_window[-1][PER_WINDOW // 4 :]
    out.append(("labels", [ground_truth_record(k, a.label) for _, k, _, a in last[:200]]))
    out.append(("attributions", [{"inferenceId": k, "shap": a.shap} for _, k, _, a in last]))
    return out


async def send_raw(bootstrap: str, messages: list[tuple[str, int, bytes, bytes | None]]) -> None:
    """Send raw messages to the given partitions (records no producer of ours would make)."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=16 * 1024 * 1024)
    await producer.start()
    try:
        for topic, partition, key, value in messages:
            await producer.send_and_wait(topic, value, key=key, partition=partition)
    finally:
        await producer.stop()


def final_results(bootstrap: str, names: TopicNames) -> dict[tuple[str, str], dict[str, Any]]:
    """The latest revision of each (monitor type, window start)."""
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for doc in read_json(bootstrap, names.statistics):
        key = (doc.get("monitor_type", "data_quality"), doc["window_start"])
        if key not in best or doc["revision"] > best[key]["revision"]:
            best[key] = doc
    return best


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where ``a`` and ``b`` differ (floats within 1e-9 relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k in VOLATILE:
                continue
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in one")
            else:
                out += differences(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: lengths {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in differences(x, y, f"{path}[{i}]")]  # fmt: skip
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, int | float) and isinstance(b, int | float):
            if abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300):
                return []
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


Results = dict[tuple[str, str], dict[str, Any]]


class LastWords(threading.Thread):
    """Scrapes a worker's /metrics every 50 ms until its process is gone; keeps the last.

    Per-record counters advance when a checkpoint is saved, and a stopping worker saves its
    last one just before it exits: one scrape before the signal misses what it committed
    after (and a kill -9 may commit a little in its last 50 ms).
    """

    def __init__(self, worker: WorkerProcess) -> None:
        super().__init__(daemon=True)
        self.worker = worker
        self.found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    def run(self) -> None:
        while self.worker.process.poll() is None:
            scraped = self.worker.metrics()
            if scraped:
                self.found = scraped
            time.sleep(0.05)


def run_once(bootstrap: str, folder: Path, baseline: Path, seed: int, kind: str | None,
             at_step: int, poison: list[Any] | None = None, poison_step: int = 2,
             alive: list[bool] | None = None) -> tuple[Results, dict[str, float]]:  # fmt: skip
    """One run; the final results and the summed labelled counters of its workers."""
    prefix = f"lc{kind or 'ref'}{seed}s{at_step}x{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(bootstrap, names, 4, 1, configs=names.configs)
    member = "" if kind == "failover" else f'group_instance_id = "{prefix}-0"'
    path = config(folder, bootstrap, prefix, baseline, drift_check="point",
                  attribution=SHAP_ON_TOPIC, worker=member)  # fmt: skip
    topic = {"labels": names.labels, "attributions": names.attributions, "capture": names.capture}
    keys = {"labels": LABEL_KEY_PATHS, "attributions": ATTRIBUTION_KEY_PATHS, "capture": None}
    workers = [WorkerProcess(path, folder / f"{prefix}-{n}.log", log_level="info")
               for n in range(2 if kind == "failover" else 1)]  # fmt: skip
    counters: dict[str, float] = {}

    def collect(found: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> None:
        for (name, labels), value in found.items():
            if name.startswith(("driftline_labels_", "driftline_unusable_labels")):
                key = name + str(dict(labels))
                counters[key] = counters.get(key, 0) + value

    try:
        wait_for(lambda: sum(w.assigned() for w in workers) == 4
                 and all(w.assigned() for w in workers), 120, "4 partitions owned")  # fmt: skip
        for i, (role, records) in enumerate(steps(seed)):
            killer = None
            if i == at_step and kind is not None:  # while this step's records arrive
                last_words = LastWords(workers[-1])  # what it counted, until it is gone
                last_words.start()
                stop = signal.SIGTERM if kind == "sigterm" else signal.SIGKILL
                delay = random.Random(seed * 31 + at_step).uniform(0.0, 0.4)
                killer = threading.Timer(delay, workers[-1].process.send_signal, (stop,))
                killer.start()
            send(bootstrap, topic[role], records, keys[role])
            if poison and i == poison_step:
                asyncio.run(send_raw(bootstrap, [(topic[r], p, k, v) for r, p, k, v in poison]))
            if killer is not None:
                killer.join()
                workers[-1].process.wait()
                last_words.join()
                collect(last_words.found)
                workers[-1].stop()
                successor(kind, path, folder / prefix, workers, seed * 31 + at_step, collect)
            time.sleep(0.3)
        want_windows = WINDOWS * 4

        def settled() -> dict[tuple[str, str], dict[str, Any]] | None:
            found = final_results(bootstrap, names)
            return found if len(found) >= want_windows else None

        wait_for(settled, 120, "every window of every monitor")
        previous: dict[tuple[str, str], dict[str, Any]] = {}
        while True:  # until two looks 4 s apart agree
            time.sleep(4)
            found = final_results(bootstrap, names)
            if found == previous:
                break
            previous = found
        for worker in workers:  # the running one, or both after a failover
            if worker.process.poll() is None:
                collect(worker.metrics())
        if alive is not None:
            alive.append(workers[-1].process.poll() is None)
    finally:
        for w in workers:
            w.stop()
    return found, counters


def successor(
    kind: str, path: Any, stem: Path, workers: list[WorkerProcess], seed: int,
    collect: Callable[[dict[tuple[str, tuple[tuple[str, str], ...]], float]], None],
) -> None:  # fmt: skip
    """After the disruption: the worker that owns all four partitions (see the docstring)."""
    if kind == "failover":
        survivor = workers[0]
        wait_for(lambda: survivor.assigned() == 4, 120, "the survivor owning 4 partitions")
        return
    workers.append(WorkerProcess(path, Path(f"{stem}-1.log"), log_level="info"))
    if kind == "twice":
        doomed = workers[-1]
        wait_for(lambda: doomed.assigned() == 4, 120, "the second worker's partitions")
        time.sleep(random.Random(seed).uniform(0.0, 0.3))  # while it restores
        last_words = LastWords(doomed)
        last_words.start()
        doomed.process.kill()
        doomed.process.wait()
        last_words.join()
        collect(last_words.found)
        doomed.stop()
        workers.append(WorkerProcess(path, Path(f"{stem}-2.log"), log_level="info"))
    wait_for(lambda: workers[-1].assigned() == 4, 120, "the new worker's partitions")


def run() -> None:
    """Reference and disrupted runs; print what differs."""
    trials = int(os.environ.get("DRIFTLINE_SOAK_LABELLED", "3"))
    kinds = os.environ.get("DRIFTLINE_SOAK_KINDS", "kill,sigterm,twice,failover").split(",")
    with tempfile.TemporaryDirectory(prefix="soak-labelled-") as tmp, EmbeddedBroker() as broker:
        folder = Path(tmp)
        baseline = folder / "baseline"
        write_labelled_baselines(baseline, MODEL, n=5000)
        seed = int(os.environ.get("DRIFTLINE_SOAK_SEED", "7"))
        n_steps = len(steps(seed))
        reference, ref_counters = run_once(
            broker.bootstrap_servers, folder, baseline, seed, None, -1
        )
        print(f"reference: {len(reference)} results; counters {ref_counters}", flush=True)
        rng = random.Random(seed)
        for kind in kinds:
            for _ in range(trials):
                at = rng.randrange(1, n_steps)
                found, counters = run_once(
                    broker.bootstrap_servers, folder, baseline, seed, kind, at
                )
                diffs = [f"{key}: {d}" for key in sorted(set(reference) | set(found))
                         for d in (differences(reference[key], found[key])
                                   if key in reference and key in found
                                   else ["missing"])]  # fmt: skip
                counter_diffs = {k: (ref_counters.get(k), v) for k, v in counters.items()
                                 if ref_counters.get(k) != v}  # fmt: skip
                print(
                    f"{kind} at step {at}/{n_steps}: {len(found)} results, "
                    f"{len(diffs)} differences, counters differing {counter_diffs}",
                    flush=True,
                )
                for d in diffs[:40]:
                    print("   ", d, flush=True)


if __name__ == "__main__":
    run()
