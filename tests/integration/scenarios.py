"""Crash scenarios for restart safety: seeded traffic, a disruption, and an exact reckoning.

Traffic is ``windows`` tumbling windows of ``per_window`` capture records (4 partitions,
10-second windows, event times in 2024), sent at a steady rate in 100-record messages. The
reference is the traffic itself: per window, how many records were sent and the exact sum
of the numeric feature ``income``. After a disruption — ``kill -9`` of the worker,
``SIGTERM`` (a rolling deploy), one of two workers killed, the broker frozen with
``SIGSTOP``, or ``kill -9`` of a worker with a group instance id restarted under the same id
(``static``: Kafka's static membership) — the statistics topic is read back (latest
revision per window) and each window's ``item_count`` compared with what was sent: a
shortfall is *lost*, an excess *double-counted*; the income sum must match too.
"""

from __future__ import annotations

import calendar
import math
import os
import random
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stream.demo.synthetic import capture_record
from stream.kafka.capture_producer import CaptureProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.workers import SCHEMA, WorkerProcess, read_json, wait_for, write_config

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z, a window boundary
WINDOW = 10.0
INCOME = SCHEMA.features.index("income")
KINDS = ("kill", "sigterm", "failover", "stall", "static")
RESTARTS = ("kill", "sigterm", "static")  # the kinds that restart the worker


@dataclass(frozen=True)
class Traffic:
    """Seeded capture records, and the exact per-window reference."""

    records: list[dict[str, Any]]
    counts: dict[str, int]  # window start (ISO) -> records sent
    income: dict[str, float]  # window start (ISO) -> exact sum of income

    @classmethod
    def seeded(cls, seed: int, windows: int = 12, per_window: int = 1000) -> Traffic:
        """``windows`` windows of ``per_window`` records."""
        rng = random.Random(seed)
        records, counts, income = [], {}, {}
        for w in range(windows):
            rows = SCHEMA.rows(rng, per_window)
            start = T0 + w * WINDOW
            key = _iso(start)
            counts[key] = per_window
            income[key] = math.fsum(float(r[INCOME]) for r in rows)
            for k, row in enumerate(rows):
                at = start + k * WINDOW / per_window
                records.append(capture_record(f"s{seed}-w{w}-{k}", at, row))
        return cls(records, counts, income)


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def send(bootstrap: str, topic: str, records: list[dict[str, Any]], rate: float) -> None:
    """Send ``records`` at ``rate`` records per second, in 100-record messages.

    The producer outwaits a frozen broker (requests time out after 2 minutes, not 30 s):
    the model server's delivery is not what the scenarios test.
    """
    started = time.monotonic()
    patient = {"request_timeout_ms": 120_000, "delivery_timeout_ms": 300_000, "retries": 20}
    with CaptureProducer(bootstrap_servers=bootstrap, topic=topic, linger_seconds=0.05,
                         client_kwargs=patient) as out:  # fmt: skip
        for i in range(0, len(records), 100):
            out.send_many(records[i : i + 100])
            ahead = (i + 100) / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
        out.flush(timeout_seconds=None)
        failed = out.counts.messages_failed
    if failed:
        msg = f"the traffic producer could not deliver {failed} messages"
        raise RuntimeError(msg)


@dataclass
class Reckoning:
    """What the statistics topic says against what was sent."""

    sent: int
    counted: int
    lost: int
    doubled: int
    wrong_sums: int  # windows whose income sum differs from the reference (beyond rounding)
    missing_windows: int
    incomplete: int  # windows whose latest revision says complete = false
    max_revision: int
    seconds_to_first_output: float | None = None
    seconds_to_join: float | None = None  # restart -> the worker asks to join its group
    seconds_to_assignment: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """No record lost or double-counted, every window present with the exact sums."""
        return not (self.lost or self.doubled or self.wrong_sums or self.missing_windows)


def reckon(bootstrap: str, names: TopicNames, traffic: Traffic) -> Reckoning:
    """Latest revision per window on the statistics topic, against the traffic."""
    latest: dict[str, dict[str, Any]] = {}
    for doc in read_json(bootstrap, names.statistics):
        seen = latest.get(doc["window_start"])
        if seen is None or doc["revision"] > seen["revision"]:
            latest[doc["window_start"]] = doc
    lost = doubled = wrong = missing = incomplete = 0
    counted = 0
    for window, sent in traffic.counts.items():
        doc = latest.get(window)
        if doc is None:
            missing += 1
            lost += sent
            continue
        n = int(doc["dataset"]["item_count"])
        counted += n
        lost += max(0, sent - n)
        doubled += max(0, n - sent)
        incomplete += not doc.get("complete", True)
        income = next(f for f in doc["features"] if f["name"] == "income")
        total = income["numerical_statistics"]["sum"]
        wrong += not math.isclose(total, traffic.income[window], rel_tol=1e-9)
    revisions = [int(d["revision"]) for d in latest.values()]
    return Reckoning(
        sum(traffic.counts.values()), counted, lost, doubled, wrong, missing, incomplete,
        max(revisions, default=0),
    )  # fmt: skip


def settled(bootstrap: str, names: TopicNames, traffic: Traffic, timeout: float) -> Reckoning:
    """Wait (up to ``timeout``) until the reckoning is exact and complete; return the last one."""
    last: list[Reckoning] = []

    def exact() -> bool:
        last[:] = [reckon(bootstrap, names, traffic)]
        return last[0].exact and not last[0].incomplete

    try:
        wait_for(exact, timeout, "an exact reckoning")
    except AssertionError:
        pass
    return last[0]


class Trial:
    """One scenario run: topics, config, workers, traffic and the disruption."""

    def __init__(self, kind: str, bootstrap: str, folder: Path, seed: int, **monitor: Any):
        self.kind, self.bootstrap, self.folder, self.seed = kind, bootstrap, folder, seed
        prefix = f"{kind}{seed}x{os.getpid()}"
        self.names = TopicNames.from_prefix(prefix)
        ensure_topics_sync(bootstrap, self.names, 4, 1, configs=self.names.configs)
        settings = dict(idle_close_seconds=3, allowed_lateness_seconds=1)
        settings.update(monitor)
        worker = {"group_instance_id": f"{prefix}-0"} if kind == "static" else None
        self.config = write_config(folder, bootstrap, prefix, worker=worker, **settings)
        self.traffic = Traffic.seeded(seed)
        self.workers: list[WorkerProcess] = []

    def start_worker(self) -> WorkerProcess:
        """Start one more worker."""
        log = self.folder / f"worker-{len(self.workers)}.log"
        worker = WorkerProcess(self.config, log, log_level="info")
        self.workers.append(worker)
        return worker

    def stop_all(self) -> None:
        """Stop every worker still running."""
        for worker in self.workers:
            worker.stop()


def run_trial(
    kind: str,
    bootstrap: str,
    folder: Path,
    seed: int,
    *,
    broker_pid: int | None = None,
    stall_seconds: float = 30.0,
    rate: float = 2000.0,
    settle_seconds: float = 120.0,
) -> Reckoning:
    """Run one scenario of ``kind`` (see ``KINDS``) and reckon the statistics topic."""
    trial = Trial(kind, bootstrap, folder, seed)
    rng = random.Random(seed)
    first = trial.start_worker()
    second = trial.start_worker() if kind == "failover" else None
    want = 2 if second is not None else 4
    wait_for(lambda: first.assigned() == want, 60, f"the first worker to own {want} partitions")
    sender = threading.Thread(
        target=send, args=(bootstrap, trial.names.capture, trial.traffic.records, rate)
    )
    duration = len(trial.traffic.records) / rate
    sender.start()
    at = rng.uniform(0.1, 0.9) * duration
    time.sleep(at)
    restarted_at = None
    try:
        if kind in ("kill", "static"):
            first.process.kill()
            first.process.wait()
            restarted_at = time.time()
            trial.start_worker()
        elif kind == "sigterm":
            first.stop()
            restarted_at = time.time()
            trial.start_worker()
        elif kind == "failover":
            first.process.kill()
            first.process.wait()
        elif kind == "stall":
            assert broker_pid is not None, "the stall scenario needs its own broker"
            os.kill(broker_pid, signal.SIGSTOP)
            try:
                time.sleep(stall_seconds)
            finally:
                os.kill(broker_pid, signal.SIGCONT)
        sender.join()
        result = settled(bootstrap, trial.names, trial.traffic, settle_seconds)
        if restarted_at is not None:
            result.seconds_to_first_output = first_output_after(bootstrap, trial.names,
                                                                restarted_at)  # fmt: skip
            restarted = trial.workers[-1]
            result.seconds_to_join = logged_after(restarted, restarted_at, JOINING)
            result.seconds_to_assignment = logged_after(restarted, restarted_at, ASSIGNED)
        result.notes.append(f"disruption at {at:.1f} s of {duration:.1f} s of traffic")
        return result
    finally:
        trial.stop_all()


def first_output_after(bootstrap: str, names: TopicNames, since: float) -> float | None:
    """Seconds from ``since`` (wall clock) to the first statistics message written after it."""
    from tests.integration.readback import read_topic

    stamps = [m.timestamp / 1000 for m in read_topic(bootstrap, names.statistics)]
    later = [s for s in stamps if s >= since]
    return min(later) - since if later else None


JOINING = "(Re-)joining group"  # aiokafka: the worker is up and asks the broker to join
ASSIGNED = "capture partitions assigned"  # driftline: the group gave it its partitions


def logged_after(worker: WorkerProcess, since: float, text: str) -> float | None:
    """Seconds from ``since`` until the worker first logged a line holding ``text``."""
    for line in worker.log_path.read_text(errors="replace").splitlines():
        found = _STAMP.match(line)
        if found and text in line:
            moment = calendar.timegm(time.strptime(found[1], "%Y-%m-%dT%H:%M:%S"))
            return moment + int(found[2]) / 1000 - since
    return None


_JOINED = re.compile(r"Joined group '[^']*' \(generation (-?\d+)\) with member_id (\S+)")


def joins(log: Path) -> list[tuple[int, str]]:
    """Each group join a worker logged (aiokafka's line): its generation and member id."""
    found = (_JOINED.search(line) for line in log.read_text(errors="replace").splitlines())
    return [(int(m[1]), m[2]) for m in found if m]


_STAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z ")  # the CLI's log lines
