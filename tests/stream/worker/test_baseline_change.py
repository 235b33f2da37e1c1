"""A worker restarted over its snapshots with a replaced data-quality baseline.

An operator adds a feature to ``statistics.json``/``constraints.json`` (the model now sends
it) and restarts the worker. The window open at the restart was profiled with the previous
baseline's columns: its sketches cannot take the new rows (the first flush raised, the
message that moved the watermark was dead-lettered as ``internal_error`` although its
records were counted, and the window was never published) nor be judged against the new
baseline. Now that part is left out, said in the log; the window holds the records read
after the restart, judged against the new baseline alone, and the aggregator never merges
a partial of one baseline's columns with another's. Reference: the records' counts and the
exact sum (math.fsum) of the new feature over each window's own records.
"""

from __future__ import annotations

import logging
import math
import random

from detectors.quality.dataset_profile import DatasetProfile
from stream.demo.synthetic import NumericFeature, SyntheticSchema, capture_record
from stream.worker.capture_path import CapturePath
from stream.worker.event_clock import PartitionActivity
from stream.worker.windows import WindowPartial
from tests.stream.worker.test_aggregator import Feeder, config
from tests.stream.worker.test_capture_path import BASELINE, SCHEMA, T0, batch, runtime

NEW_SCHEMA = SyntheticSchema(
    numeric=(*SCHEMA.numeric, NumericFeature("clicks", "integer", 5.0, 2.0)),
    categorical=SCHEMA.categorical,
)
NEW_BASELINE = NEW_SCHEMA.baseline(n=3000)
CLICKS = NEW_SCHEMA.features.index("clicks")


def _records(schema, times, seed):
    """Capture records of ``schema`` at ``times``, and the exact sum of ``clicks`` (0 without)."""
    rows = schema.rows(random.Random(seed), len(times))
    records = [capture_record(f"r{seed}-{k}", t, row) for k, (t, row) in
               enumerate(zip(times, rows, strict=True))]  # fmt: skip
    clicks = math.fsum(float(r[CLICKS]) for r in rows) if schema is NEW_SCHEMA else 0.0
    return records, clicks


def _clicks_sum(profile_state) -> float:
    stats = DatasetProfile.from_state(profile_state).statistics()
    (clicks,) = [f for f in stats.features if f.name == "clicks"]
    return clicks.numeric.sum


def _partials(outputs) -> dict[tuple[float, float], WindowPartial]:
    found = [o for o in outputs if isinstance(o, WindowPartial)]
    return {(p.window_start - T0, p.window_end - T0): p for p in found}


def test_a_window_open_across_a_baseline_change_holds_the_records_read_after_it(fake_clock, caplog):
    before, _ = _records(SCHEMA, [T0 + 10 + 0.3 * k for k in range(15)], seed=1)  # .. +14.2
    old = runtime(fake_clock)
    assert old.update(0, 0, batch(before)) == []
    blobs = old.snapshot(0)

    new = CapturePath(old.config, NEW_BASELINE, activity=PartitionActivity(), now=fake_clock)
    with caplog.at_level(logging.WARNING, logger="driftline.capture"):
        new.restore(0, blobs)
    after, after_clicks = _records(NEW_SCHEMA, [T0 + 15 + 0.25 * k for k in range(20)], seed=2)
    later, later_clicks = _records(NEW_SCHEMA, [T0 + 20 + 0.5 * k for k in range(10)], seed=3)
    past, _ = _records(NEW_SCHEMA, [T0 + 33.0], seed=4)  # the watermark passes T0+30
    out = []
    for offset, records in enumerate((after, later, past), start=1):
        out += new.update(0, offset, batch(records))
        out += new.close_passed(0, fake_clock().timestamp())
    assert [o for o in out if not isinstance(o, WindowPartial)] == []  # no dead letter
    windows = _partials(out)
    assert sorted(windows) == [(10.0, 20.0), (20.0, 30.0)]
    assert windows[(10.0, 20.0)].record_count == 20  # the records after the restart
    assert math.isclose(_clicks_sum(windows[(10.0, 20.0)].profile_state), after_clicks,
                        rel_tol=1e-12)  # fmt: skip
    assert windows[(20.0, 30.0)].record_count == 10
    assert math.isclose(_clicks_sum(windows[(20.0, 30.0)].profile_state), later_clicks,
                        rel_tol=1e-12)  # fmt: skip
    (line,) = [r.getMessage() for r in caplog.records if "columns changed" in r.getMessage()]
    assert "[2024-03-05T14:00:10Z, 2024-03-05T14:00:20Z)" in line and "(15 records)" in line


def _partial(schema, baseline, n, start, partition, offset, seed, until=None):
    rows = schema.rows(random.Random(seed), n)
    profile = DatasetProfile(features=baseline.features, kinds=baseline.kinds)
    profile.update_columns(dict(zip(baseline.features, zip(*rows, strict=True), strict=True)), n)
    partial = WindowPartial(
        monitor="m", window_start=start, window_end=start + 10.0, partition=partition,
        profile_state=profile.to_state(), record_count=n, row_count=n,
        first_offset=offset, last_offset=offset + 1,
        closed_until=start + 10.0 if until is None else until,
    )  # fmt: skip
    clicks = math.fsum(float(r[CLICKS]) for r in rows) if schema is NEW_SCHEMA else 0.0
    return partial, clicks


def _aggregator(clock, baseline, **settings):
    from stream.worker.aggregator import Aggregator

    activity = PartitionActivity()
    activity.on_caught_up(0, now=0.0)
    return Aggregator(config(**settings), baseline, partitions=2, partials_partition=0,
                      activity=activity, now=clock)  # fmt: skip


def test_the_aggregator_never_merges_the_two_baselines_columns(fake_clock):
    """Before the change: [T0-10, T0) published, [T0, T0+10) pending with partition 0's
    partial. After it (evaluation_windows = 2): the pending window starts again with the new
    columns, a partial of the old columns read after the restart is dropped and counted as
    late, and the evaluation view leaves the window published before the change out."""
    old = _aggregator(fake_clock, BASELINE, evaluation_windows=2)
    add = Feeder(old)
    for partition in (0, 1):
        add(_partial(SCHEMA, BASELINE, 100, T0 - 10, partition, 0, seed=10 + partition)[0])
    assert [(r.window_start, r.record_count) for r in add(_partial(
        SCHEMA, BASELINE, 100, T0 - 10, 1, 5, seed=12)[0])] == [(T0 - 10, 300)]  # fmt: skip
    assert add(_partial(SCHEMA, BASELINE, 80, T0, 0, 10, seed=13)[0]) == []  # pending

    new = _aggregator(fake_clock, NEW_BASELINE, evaluation_windows=2)
    new.restore(0, old.snapshot(0))
    add = Feeder(new)
    stale, _ = _partial(SCHEMA, BASELINE, 70, T0, 1, 20, seed=14, until=T0 + 5)  # sent before
    assert add(stale) == []
    assert new.late_partials == 1
    first, first_clicks = _partial(NEW_SCHEMA, NEW_BASELINE, 60, T0, 0, 30, seed=15)
    second, second_clicks = _partial(NEW_SCHEMA, NEW_BASELINE, 50, T0, 1, 40, seed=16)
    assert add(first) == []
    (result,) = add(second)
    assert (result.window_start, result.record_count, result.row_count) == (T0, 110, 110)
    (clicks,) = [f for f in result.statistics.features if f.name == "clicks"]
    assert math.isclose(clicks.numeric.sum, first_clicks + second_clicks, rel_tol=1e-12)
    assert result.evaluated_windows == 1  # not merged with [T0-10, T0) of the old columns
    assert result.status != "Failed"
