"""Aggregator: finalising windows over partitions, exactly-once merging, revisions, snapshots,
evaluation, outputs, postprocessor."""

from __future__ import annotations

import math
import random

import pytest
from scipy.stats import ks_2samp

from detectors.quality.dataset_profile import DatasetProfile
from stream.config import MonitorConfig
from stream.demo.synthetic import SyntheticSchema
from stream.worker.aggregator import Aggregator
from stream.worker.event_clock import PartitionActivity
from stream.worker.outputs import execution_message, statistics_message, violation_messages
from stream.worker.windows import WindowPartial

SCHEMA = SyntheticSchema.demo()
BASELINE_SEED, BASELINE_N = 7, 3000
BASELINE = SCHEMA.baseline(seed=BASELINE_SEED, n=BASELINE_N)
W = 10.0
T0 = 1_709_647_200.0


def config(**settings) -> MonitorConfig:
    values = dict(name="m", window_seconds=W, idle_close_seconds=30.0, min_window_count=30)
    values.update(settings)
    return MonitorConfig(**values)


def aggregator(clock, partitions=1, caught_up=True, **settings) -> Aggregator:
    activity = PartitionActivity()
    if caught_up:
        activity.on_caught_up(0, now=0.0)
    postprocessor = settings.pop("postprocessor", None)
    horizon = settings.pop("revision_horizon_seconds", 900.0)
    return Aggregator(config(**settings), BASELINE, partitions=partitions, partials_partition=0,
                      activity=activity, now=clock, postprocessor=postprocessor,
                      revision_horizon_seconds=horizon)  # fmt: skip


class Feeder:
    """Feeds partials to an aggregator as consecutive messages of its partials partition."""

    def __init__(self, agg: Aggregator) -> None:
        self.agg = agg
        self.offset = 0

    def __call__(self, item: WindowPartial):
        self.offset += 1
        return self.agg.update(0, self.offset, item)


def partial(rows, start, partition, closed_until=None, offset=0) -> WindowPartial:
    profile = DatasetProfile(features=BASELINE.features, kinds=BASELINE.kinds)
    if rows:
        columns = dict(zip(BASELINE.features, zip(*rows, strict=True), strict=True))
        profile.update_columns(columns, len(rows))
    return WindowPartial(
        monitor="m",
        window_start=start,
        window_end=start + W,
        partition=partition,
        profile_state=profile.to_state(),
        record_count=len(rows),
        row_count=len(rows),
        first_offset=offset,
        last_offset=offset + 1,
        closed_until=start + W if closed_until is None else closed_until,
    )


def test_window_is_final_when_every_partition_reported(fake_clock):
    agg = aggregator(fake_clock, partitions=3)
    add = Feeder(agg)
    rows = SCHEMA.rows(random.Random(1), 600)
    assert add(partial(rows[:200], T0, 0)) == []
    assert add(partial(rows[200:400], T0, 2)) == []
    # partition 1 had no row in this window but has closed a later one: that is progress
    results = add(partial(rows[400:], T0 + W, 1, closed_until=T0 + 2 * W))
    assert [(r.window_start, r.finalised_by) for r in results] == [(T0, "all_partitions")]
    result = results[0]
    assert result.row_count == 400 and result.partitions_reported == (0, 2)
    ages = [float(r[0]) for r in rows[:400]]
    age = result.statistics.feature("age")
    assert age.numeric.sum == pytest.approx(sum(ages))
    assert (age.numeric.min, age.numeric.max) == (min(ages), max(ages))
    assert result.status == "Completed"


def test_idle_finalises_windows_missing_partitions(fake_clock):
    agg = aggregator(fake_clock, partitions=4, idle_close_seconds=30.0)
    add = Feeder(agg)
    rows = SCHEMA.rows(random.Random(2), 100)
    add(partial(rows, T0, 1))
    fake_clock.advance(29.0)
    assert agg.close_due(fake_clock().timestamp()) == []
    fake_clock.advance(1.0)
    results = agg.close_due(fake_clock().timestamp())
    assert [(r.window_start, r.finalised_by, r.row_count) for r in results] == [(T0, "idle", 100)]
    assert not results[0].complete  # partitions 0, 2 and 3 never reported
    # a partition that catches up later: the window is evaluated again, nothing is lost
    revised = add(partial(rows, T0, 3))
    assert [(r.revision, r.finalised_by, r.row_count, r.complete) for r in revised] == [
        (1, "idle", 200, False)
    ]
    assert execution_message(revised[0])["revision"] == 1
    assert agg.windows_closed == 1 and agg.late_partials == 0


def test_partials_for_windows_too_old_to_revise_are_counted(fake_clock):
    agg = aggregator(fake_clock, revision_horizon_seconds=15 * W)
    add = Feeder(agg)
    rows = SCHEMA.rows(random.Random(8), 40)
    for k in range(17):
        assert len(add(partial(rows, T0 + k * W, 0, offset=10 * k))) == 1
    assert add(partial(rows, T0, 0, offset=500)) == [] and agg.late_partials == 1
    revised = add(partial(rows, T0 + 2 * W, 0, offset=501))  # ends within the horizon
    assert [(r.revision, r.row_count) for r in revised] == [(1, 80)]


def test_a_partial_already_merged_is_dropped_and_counted(fake_clock):
    agg = aggregator(fake_clock, partitions=2)
    add = Feeder(agg)
    rows = SCHEMA.rows(random.Random(9), 300)
    assert add(partial(rows[:100], T0, 0, offset=10)) == []
    assert add(partial(rows[:100], T0, 0, offset=10)) == []  # re-sent after a restart
    result = add(partial(rows[100:], T0, 1, offset=4))[0]
    assert result.row_count == 300 and agg.duplicate_partials == 1
    assert add(partial(rows[100:], T0, 1, offset=4)) == [] and agg.duplicate_partials == 2


def test_revisions_go_on_after_a_restore(fake_clock):
    first = aggregator(fake_clock, partitions=1)
    rows = SCHEMA.rows(random.Random(10), 90)
    assert first.update(0, 1, partial(rows[:30], T0, 0, offset=1))[0].revision == 0
    assert first.update(0, 2, partial(rows[30:60], T0, 0, offset=5))[0].revision == 1
    moved = aggregator(fake_clock, partitions=1)  # another worker takes the partition over
    moved.restore(0, first.snapshot(0))
    assert moved.update(0, 2, partial(rows[30:60], T0, 0, offset=5)) == []  # replayed
    result = moved.update(0, 3, partial(rows[60:], T0, 0, offset=9))[0]
    assert (result.revision, result.row_count) == (2, 90)
    ages = [float(r[0]) for r in rows]
    assert result.statistics.feature("age").numeric.sum == pytest.approx(sum(ages))


def test_an_incomplete_window_is_published_again_once_complete(fake_clock):
    agg = aggregator(fake_clock, partitions=2, idle_close_seconds=5.0)
    add = Feeder(agg)
    rows = SCHEMA.rows(random.Random(11), 100)
    add(partial(rows, T0, 0))
    fake_clock.advance(5.0)
    (first,) = agg.close_due(fake_clock().timestamp())
    assert (first.complete, first.partitions_reported) == (False, (0,))
    # partition 1 had nothing for the window: its progress past the end completes it
    later = add(partial(rows, T0 + 3 * W, 1, closed_until=T0 + 4 * W))
    assert [(r.window_start, r.revision, r.complete, r.row_count) for r in later] == [
        (T0, 1, True, 100)
    ]


def test_a_stalled_partials_partition_finalises_nothing(fake_clock):
    agg = aggregator(fake_clock, partitions=2, caught_up=False, idle_close_seconds=5.0)
    add = Feeder(agg)
    add(partial(SCHEMA.rows(random.Random(12), 50), T0, 0))
    fake_clock.advance(60.0)
    assert agg.close_due(fake_clock().timestamp()) == []  # not confirmed caught up
    agg.activity.on_caught_up(0, now=fake_clock().timestamp())
    assert [r.finalised_by for r in agg.close_due(fake_clock().timestamp())] == ["idle"]


def test_drifted_features_are_flagged_with_the_ks_distance(fake_clock):
    agg = aggregator(fake_clock, partitions=1)
    add = Feeder(agg)
    drifted = {"income", "plan"}
    rows = SCHEMA.rows(random.Random(3), 1000, drifted=drifted)
    result = add(partial(rows, T0, 0))[0]
    flagged = {
        v.feature_name for v in result.evaluation.violations
        if v.constraint_check_type == "baseline_drift_check"
    }  # fmt: skip
    assert flagged == drifted
    baseline_rows = SCHEMA.rows(random.Random(BASELINE_SEED), BASELINE_N)
    exact = ks_2samp([float(r[1]) for r in baseline_rows], [float(r[1]) for r in rows]).statistic
    decision = result.evaluation.decision("income", "baseline_drift_check")
    # SageMaker's default "Robust" method: KS distance less the critical value at alpha 0.005
    c_alpha = math.sqrt(-math.log(0.005 / 2) / 2)
    robust = exact - c_alpha * math.sqrt((BASELINE_N + 1000) / (BASELINE_N * 1000))
    assert decision.value == pytest.approx(robust, abs=0.02)  # KLL sketch error at k = 400
    messages = violation_messages(result)
    assert {m["feature_name"] for m in messages} >= drifted
    first = messages[0]
    assert first["window_start"] == "2024-03-05T14:00:00Z"
    assert first["window_end"] == "2024-03-05T14:00:10Z"
    assert first["monitor"] == "m" and first["schema_version"] == 2
    assert execution_message(result)["status"] == "CompletedWithViolations"
    assert agg.violations[("baseline_drift_check", "income")] == 1


def test_no_drift_no_violation_and_statistics_message(fake_clock):
    agg = aggregator(fake_clock, partitions=1)
    add = Feeder(agg)
    result = add(partial(SCHEMA.rows(random.Random(4), 1000), T0, 0))[0]
    assert result.evaluation.violations == ()
    doc = statistics_message(result)
    assert doc["dataset"]["item_count"] == 1000
    assert [f["name"] for f in doc["features"]] == list(SCHEMA.features)
    assert doc["window_start"] == "2024-03-05T14:00:00Z"


def test_evaluation_merges_the_last_windows(fake_clock):
    agg = aggregator(fake_clock, evaluation_windows=2)
    add = Feeder(agg)
    rng = random.Random(5)
    counts = []
    for k, n in enumerate((100, 200, 300)):
        result = add(partial(SCHEMA.rows(rng, n), T0 + k * W, 0))[0]
        counts.append(result.evaluation.decision("age", "baseline_drift_check").sample_count)
    assert counts == [100, 300, 500]


def test_too_few_rows_give_no_drift_verdict(fake_clock):
    agg = aggregator(fake_clock, min_window_count=30)
    add = Feeder(agg)
    rows = SCHEMA.rows(random.Random(6), 20, drifted={"age"})
    result = add(partial(rows, T0, 0))[0]
    decision = result.evaluation.decision("age", "baseline_drift_check")
    assert decision.violated is None and decision.sample_count == 20


def test_empty_window_fails_and_postprocessor_errors_are_counted(fake_clock):
    calls = []

    def broken_postprocessor():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        raise SystemExit(1)  # a script's sys.exit() must not end the worker either

    agg = aggregator(fake_clock, postprocessor=broken_postprocessor)
    add = Feeder(agg)
    result = add(partial([], T0, 0))[0]
    assert result.status == "Failed" and result.failure_reason == "the window has no rows"
    result = add(partial(SCHEMA.rows(random.Random(7), 50), T0 + W, 0))[0]
    assert result.status == "Completed"
    assert calls == [1, 1] and agg.postprocessor_failures == 2
    assert agg.windows_closed == 2
