"""A record exactly on a window boundary belongs to the window starting there.

Windows are ``[start, start + window_seconds)`` with ``start`` a whole multiple of
``window_seconds``. For a length that is not a whole number of seconds, ``floor(t / length)``
rounds: a record at 14:06:08.291 with millisecond windows fell in the window of 08.290, which
ends where the record stands (about one boundary record in seven; with 0.1-second windows,
two in five). The reference is decimal arithmetic on the texts.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson
import pytest

from detectors.quality.dataset_profile import DatasetProfile
from stream.capture.records import iso_utc
from stream.config import MonitorConfig
from stream.demo.synthetic import SyntheticSchema, capture_record
from stream.worker.aggregator import Aggregator
from stream.worker.capture_path import CapturePath
from stream.worker.event_clock import EventClock, PartitionActivity
from stream.worker.windows import WindowPartial

SCHEMA = SyntheticSchema.demo()
BASELINE = SCHEMA.baseline(n=3000)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def decimal_seconds(text: str) -> Decimal:
    """An ISO time as exact decimal POSIX seconds."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")) - EPOCH
    return Decimal(moment.days * 86_400 + moment.seconds) + Decimal(moment.microseconds) / 10**6


def posix_float(seconds: Decimal) -> float:
    """What an ISO text of that instant parses to (``datetime.timestamp()``)."""
    return (EPOCH + timedelta(microseconds=int(seconds * 10**6))).timestamp()


def decimal_window(text: str, length: str) -> str:
    """The window start of an ISO time, by exact decimal arithmetic, as ISO text."""
    quotient = decimal_seconds(text) / Decimal(length)
    return iso_utc(float(quotient.to_integral_value(rounding="ROUND_FLOOR") * Decimal(length)))


@pytest.mark.parametrize("length", ["0.001", "0.1", "0.25", "1.5", "60"])
def test_records_on_and_between_boundaries_go_to_the_window_holding_them(fake_clock, length):
    config = MonitorConfig(
        name="m", window_seconds=float(length), capture_index_names=("endpointInput",)
    )
    rt = CapturePath(config, BASELINE, activity=PartitionActivity(), now=fake_clock)
    rng = random.Random(5)
    now_ms = int(fake_clock().timestamp() * 1000)
    step_ms = int(Decimal(length) * 1000)
    boundaries = [(now_ms - rng.randrange(1, 3_600_000)) // step_ms * step_ms for _ in range(300)]
    between = [now_ms - rng.randrange(1, 3_600_000) for _ in range(300)]
    texts = [iso_utc(ms / 1000) for ms in boundaries + between]
    rows = SCHEMA.rows(rng, len(texts))
    for k, (text, row) in enumerate(zip(texts, rows, strict=True)):
        record = capture_record(f"r{k}", 0.0, row)
        record["eventMetadata"]["inferenceTime"] = text
        rt.update(0, k, orjson.dumps(record))
    placed, ends = Counter(), set()
    for (_, start, end, _), window in rt.table:
        placed[iso_utc(start)] += window.profile.item_count + window.pending
        ends.add((iso_utc(start), end))
    assert placed == Counter(decimal_window(text, length) for text in texts)
    # each window ends where the next starts: the float an ISO text of that instant parses to
    for start, end in ends:
        assert end == posix_float(decimal_seconds(start) + Decimal(length))
    assert rt.counts.late == 0


@pytest.mark.parametrize("length", ["0.1", "0.7", "1.1"])
def test_an_evaluation_merges_the_last_windows_of_a_decimal_length(fake_clock, length):
    """With ``evaluation_windows = 3`` every evaluation after the second window merges three:
    the oldest one's start once missed ``end - 3 * length`` by a rounding."""
    config = MonitorConfig(name="m", window_seconds=float(length), evaluation_windows=3,
                           min_window_count=1, idle_close_seconds=30.0)  # fmt: skip
    agg = Aggregator(
        config,
        BASELINE,
        partitions=1,
        partials_partition=0,
        activity=PartitionActivity(),
        now=fake_clock,
    )
    rng = random.Random(11)
    first = decimal_seconds("2024-03-05T13:00:00Z")
    step = Decimal(length)
    merged = []
    for k in range(40):
        start, end = first + k * step, first + (k + 1) * step
        rows = SCHEMA.rows(rng, 3)
        profile = DatasetProfile(features=BASELINE.features, kinds=BASELINE.kinds)
        profile.update_columns(
            dict(zip(BASELINE.features, zip(*rows, strict=True), strict=True)), 3
        )
        item = WindowPartial(
            monitor="m",
            window_start=posix_float(start),
            window_end=posix_float(end),
            partition=0,
            profile_state=profile.to_state(),
            record_count=3,
            row_count=3,
            first_offset=k,
            last_offset=k,
            closed_until=posix_float(end),
        )
        merged += [r.evaluated_windows for r in agg.update(0, k, item)]
    assert merged == [1, 2] + [3] * 38


def test_a_watermark_far_below_any_time_still_names_a_window():
    """``allowed_lateness_seconds = 1e308`` puts the watermark at about -1e308 s: its window
    is one far before every event, not an OverflowError in every message."""
    clock = EventClock(window_seconds=0.1, allowed_lateness_seconds=1e308,
                       revision_horizon_seconds=900.0)  # fmt: skip
    clock.observe(0, 1_709_647_200.0)
    assert clock.due_until(0) <= -1e308
