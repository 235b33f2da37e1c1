"""``driftline demo --seconds 30``: every injected feature flagged, no clean feature flagged."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time

import orjson
import pytest

from stream.kafka.broker import die_with_parent
from tests.integration.workers import DRIFTLINE, alive, broker_children, wait_for

pytestmark = pytest.mark.kafka


def _run_demo(tmp_path, *options: str) -> tuple[subprocess.CompletedProcess, dict]:
    """``driftline demo`` with ``options``, its own broker, any free port: the run, its summary."""
    summary_path = tmp_path / "summary.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    done = subprocess.run(
        [DRIFTLINE, "demo", *options, "--metrics-port", "0", "--json-summary", str(summary_path)],
        capture_output=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done, orjson.loads(summary_path.read_bytes())


def test_short_demo_flags_exactly_the_injected_features(tmp_path):
    done, summary = _run_demo(tmp_path, "--seconds", "30")
    # event time runs 10x: a window a second once the worker has joined its group (a few
    # seconds, more on a busy machine); enough windows on both sides of the half-way onset
    assert summary["windows_evaluated"] >= 8
    features = {f["feature"]: f for f in summary["features"]}
    injected = {name for name, f in features.items() if f["drift_injected"]}
    assert injected == {"income", "plan"}
    outcome = {name: f["first_flagged_window_start"] for name, f in features.items()}
    assert summary["all_injected_flagged"], (summary["windows_evaluated"], outcome)
    assert summary["clean_features_flagged"] == [], (summary["windows_evaluated"], outcome)
    for name in injected:
        # flagged in the window that holds the onset: delay at most one window of event time
        assert 0 < features[name]["detection_delay_event_seconds"] <= summary["window_seconds"]
    # captured output is a log: plain lines, ISO window times, full column names, no escapes
    text = done.stdout.decode()
    assert "\x1b" not in text + done.stderr.decode()
    windows = [line for line in text.splitlines() if line.startswith("window ")]
    assert len(windows) >= summary["windows_evaluated"]
    iso_window = re.compile(r"window \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  \d+ rows  Completed")
    assert all(iso_window.match(line) for line in windows), windows[:3]
    assert "feature        drift injected  flagged  first flagged window" in text
    assert "tenure_months" in text


def test_a_fast_demo_evaluates_every_record_it_sends(tmp_path):
    """Event time 500 x the clock runs more than an hour ahead within 8 s of traffic.

    The worker refused the traffic's own records past its default hour ahead of the wall
    clock (``future_time``), and the summary blamed a worker that had not caught up. The
    windows are too thin for a verdict at that speed, and the demo says so first.
    """
    done, summary = _run_demo(tmp_path, "--seconds", "12", "--speed", "500")
    assert summary["records_sent"] > 8_000  # 1,500 a second for 8 s, less a slow start
    assert summary["records_evaluated"] == summary["records_sent"]
    assert "had not caught up" not in done.stdout.decode()
    warning = done.stderr.decode().splitlines()[0]
    assert warning == (
        "driftline: warning: at --rate 1500 and --speed 500 a window holds about 30 records, "
        "fewer than the 400 a verdict needs: every window will be too few to judge (raise "
        "--rate or lower --speed)"
    )


def test_ctrl_c_stops_the_demo_and_its_broker_cleanly(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    summary_path = tmp_path / "summary.json"
    with (tmp_path / "demo.log").open("wb") as log:
        demo = subprocess.Popen(
            [
                DRIFTLINE,
                "demo",
                "--seconds",
                "300",
                "--metrics-port",
                "0",
                "--json-summary",
                str(summary_path),
            ],  # fmt: skip
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=die_with_parent,
        )
        try:
            broker = wait_for(lambda: broker_children(demo.pid), 30, "the embedded broker")
            wait_for(lambda: (tmp_path / "demo.log").stat().st_size > 0, 30, "the live table")
            demo.send_signal(signal.SIGINT)
            started = time.monotonic()
            assert demo.wait(10) == 0
            assert time.monotonic() - started < 10
        finally:
            if demo.poll() is None:
                demo.kill()
    assert not any(alive(pid) for pid in broker)  # the embedded broker is gone
    summary = orjson.loads(summary_path.read_bytes())  # the summary covers what ran
    assert {f["feature"] for f in summary["features"]} >= {"income", "plan"}
