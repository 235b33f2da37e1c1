"""A client whose clock runs an hour ahead (local time written as UTC) beside live traffic.

A probe found it in a real worker with the default ``[worker]`` table: 200 capture records
stamped 3,500 s ahead of the clock were accepted (``max_future_seconds`` was 3,600), moved
every partition's watermark an hour on, and the next 400 live records — all of them — were
dropped as late (``revision_horizon_seconds`` is 900), and so would every live record be
until the clock caught up. Now the default ``max_future_seconds`` is the revision horizon:
such records are dead-lettered as ``future_time``; one accepted can push a watermark no
further than live windows stay revisable, so live records revise their windows instead of
being dropped. Reference: the live records sent, counted per window.
"""

from __future__ import annotations

import logging
import random
from collections import Counter

from stream.config import MonitorConfig, WorkerConfig
from stream.demo.synthetic import capture_record
from stream.worker.capture_path import CapturePath
from stream.worker.event_clock import PartitionActivity
from stream.worker.outcomes import DeadLetter
from stream.worker.windows import WindowPartial
from tests.stream.worker.test_capture_path import BASELINE, INPUT, SCHEMA, batch


def _path(clock, worker: WorkerConfig) -> CapturePath:
    monitor = MonitorConfig(name="m", window_seconds=10.0, allowed_lateness_seconds=1.0,
                            idle_close_seconds=30.0, capture_index_names=INPUT)  # fmt: skip
    return CapturePath(monitor, BASELINE, activity=PartitionActivity(), now=clock,
                       max_future_seconds=worker.max_future_seconds,
                       revision_horizon_seconds=worker.revision_horizon_seconds)  # fmt: skip


def _records(tag: str, times: list[float]) -> list[dict]:
    rows = SCHEMA.rows(random.Random(tag), len(times))
    return [capture_record(f"{tag}-{k}", t, row) for k, (t, row) in
            enumerate(zip(times, rows, strict=True))]  # fmt: skip


def test_a_client_an_hour_ahead_leaves_live_windows_whole_with_the_default_settings(
    fake_clock,
):
    path = _path(fake_clock, WorkerConfig())
    start = fake_clock().timestamp() // 10 * 10
    out = path.update(0, 0, batch(_records("skewed", [start + 3590 + k for k in range(5)])))
    sent: Counter[float] = Counter()
    for step in range(6):  # a live message every 5 s of wall clock
        fake_clock.advance(5.0)
        now = fake_clock().timestamp()
        live = [now - 0.5 + k / 100 for k in range(40)]
        sent.update(t // 10 * 10 for t in live)
        out += path.update(0, 1 + step, batch(_records(f"live{step}", live)))
        out += path.close_passed(0, now)
    fake_clock.advance(60.0)
    out += path.update(0, 9, batch(_records("closer", [fake_clock().timestamp()])))
    out += path.close_due(fake_clock().timestamp())
    counted: Counter[float] = Counter()
    for partial in (o for o in out if isinstance(o, WindowPartial)):
        counted[partial.window_start] += partial.record_count
    assert {w: counted[w] for w in sent} == dict(sent)  # every live record in its window
    assert path.counts.late == 0
    reasons = Counter(o.reason for o in out if isinstance(o, DeadLetter))
    assert reasons == {"future_time": 5}


def test_a_future_limit_past_the_revision_horizon_is_warned_about(caplog):
    from stream.worker.process import warn_about_settings

    with caplog.at_level(logging.WARNING, logger="driftline.worker"):
        warn_about_settings(WorkerConfig())
        assert caplog.messages == []
        warn_about_settings(WorkerConfig(max_future_seconds=3600.0))
    (line,) = caplog.messages
    assert line.startswith("worker.max_future_seconds (3600 s) exceeds "
                           "worker.revision_horizon_seconds (900 s)")  # fmt: skip
