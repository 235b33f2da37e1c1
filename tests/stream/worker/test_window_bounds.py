"""Windows whose start or end has no ISO-8601 text: refused at the record or in the config.

Windows are aligned to the epoch, so the window of an instant starts up to ``window_seconds``
before it. With weekly windows, a record timed 0001-01-02T12:00:00Z (accepted as an instant
of year 1) fell in a window starting 0000-12-28, which Python's datetime (years 1..9999)
cannot write: the window's statistics raised ``ValueError: year 0 is out of range`` in the
worker's timer, and the worker exited (on restart its snapshot held the same window). A
``window_seconds`` of 1e20 made every window end past year 9999: the aggregator agent
crashed on each partial (``OverflowError``) and nothing was ever published.
"""

from __future__ import annotations

import math
import random

import orjson
import pytest

from stream.capture.message import EARLIEST_SECONDS, LATEST_SECONDS, MAX_WINDOW_SECONDS
from stream.capture.records import iso_utc
from stream.config import ConfigError, MonitorConfig
from stream.demo.synthetic import capture_record
from stream.worker.state import CAPTURE, PARTIALS
from tests.stream.worker.test_state import SCHEMA, T0, drain, feed_partials, message, state

WEEK = 7 * 86_400.0


def _record_at(text: str) -> bytes:
    record = capture_record("early", T0, SCHEMA.rows(random.Random(3), 1)[0])
    record["eventMetadata"]["inferenceTime"] = text
    return orjson.dumps(record)


def test_a_record_whose_weekly_window_starts_before_year_1_is_refused_and_the_worker_goes_on(
    fake_clock,
):
    ws = state(fake_clock, partitions=1, window_seconds=WEEK)
    ws.assign({0}, {0})
    out = ws.on_capture(0, 0, _record_at("0001-01-02T12:00:00Z"))
    dead = [orjson.loads(m.value) for m in out if m.topic == "p.deadletter"]
    assert [d["reason"] for d in dead] == ["bad_time"]
    ws.on_capture(0, 1, message(1, [T0 + 1, T0 + 2]))
    fake_clock.advance(6.0)
    ws.activity[CAPTURE].on_caught_up(0, now=fake_clock().timestamp())
    ws.tick()
    results = feed_partials(ws, drain(ws, CAPTURE))
    fake_clock.advance(6.0)
    ws.activity[PARTIALS].on_caught_up(ws.partials_partition("m"), now=fake_clock().timestamp())
    ws.tick()
    results += drain(ws, PARTIALS)
    statistics = [orjson.loads(m.value) for m in results if m.topic == "p.statistics"]
    # 1970-01-01 was a Thursday: the week of Tuesday 2024-03-05 starts Thursday 2024-02-29
    assert [(s["window_start"], s["dataset"]["item_count"]) for s in statistics] == [
        ("2024-02-29T00:00:00Z", 2)
    ]


@pytest.mark.parametrize("seconds", [EARLIEST_SECONDS, LATEST_SECONDS])
def test_the_window_of_every_accepted_instant_has_an_iso_start_and_end(seconds):
    start = math.floor(seconds / MAX_WINDOW_SECONDS) * MAX_WINDOW_SECONDS
    assert "0001-01-01" <= iso_utc(start) < iso_utc(start + MAX_WINDOW_SECONDS) < "9999"


@pytest.mark.parametrize("window", [365 * 86_400.0 + 1, 1e20])
def test_a_window_longer_than_a_year_is_refused_in_one_line(window):
    with pytest.raises(ConfigError, match="window_seconds must be at most 31536000"):
        MonitorConfig(name="m", window_seconds=window)


@pytest.mark.parametrize("window", [0.0005, 1e-9])
def test_a_window_shorter_than_a_millisecond_is_refused_in_one_line(window):
    with pytest.raises(ConfigError, match="window_seconds must be at least 0.001"):
        MonitorConfig(name="m", window_seconds=window)


def test_windows_a_millisecond_apart_are_written_apart():
    """Two windows of the shortest length have different ISO-8601 starts (by hand: .000, .001)."""
    assert iso_utc(1_700_000_000.0) == "2023-11-14T22:13:20Z"
    assert iso_utc(1_700_000_000.001) == "2023-11-14T22:13:20.001Z"
