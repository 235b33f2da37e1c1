"""Execution messages carry every check taken (``decisions``) and every message its type."""

from __future__ import annotations

import random

from scipy.stats import ks_2samp

from detectors.quality.distance import robust_distance
from stream.demo.synthetic import SyntheticSchema
from stream.worker.outputs import execution_message, statistics_message, violation_messages
from tests.stream.status.windows import T0, evaluated_window

SCHEMA = SyntheticSchema.demo()
BASELINE = SCHEMA.baseline(seed=7, n=300)  # under k = 400 values: the sketches are exact


def test_decisions_give_each_checks_figure_threshold_verdict_and_sample_count():
    baseline_rows = SCHEMA.rows(random.Random(7), 300)
    rows = SCHEMA.rows(random.Random(8), 250, drifted=("income",))
    result = evaluated_window(SCHEMA, BASELINE, T0, rows)
    message = execution_message(result)
    assert message["monitor_type"] == "data_quality"
    decisions = {(d["check_type"], d["feature_name"]): d for d in message["decisions"]}
    assert set(decisions) >= {("baseline_drift_check", f) for f in SCHEMA.features}
    income = decisions[("baseline_drift_check", "income")]
    column = SCHEMA.features.index("income")
    ks = ks_2samp([float(r[column]) for r in baseline_rows], [float(r[column]) for r in rows])
    assert abs(income["value"] - robust_distance(ks.statistic, 300, 250)) < 1e-9
    assert income["threshold"] == 0.1 and income["violated"] is True
    assert income["sample_count"] == 250
    assert set(income) == {"check_type", "feature_name", "value", "threshold", "violated",
                           "sample_count"}  # fmt: skip
    violated = {k for k, d in decisions.items() if d["violated"]}
    assert violated == {("baseline_drift_check", "income")}
    assert message["violation_count"] == 1


def test_a_window_too_small_for_a_verdict_says_so():
    rows = SCHEMA.rows(random.Random(9), 10)  # fewer than min_window_count = 30
    result = evaluated_window(SCHEMA, BASELINE, T0, rows)
    drift = [d for d in execution_message(result)["decisions"]
             if d["check_type"] == "baseline_drift_check"]  # fmt: skip
    assert drift and all(d["violated"] is None and d["value"] is None for d in drift)
    assert all(d["sample_count"] == 10 for d in drift)


def test_every_windowed_message_names_its_monitor_type():
    rows = SCHEMA.rows(random.Random(10), 250, drifted=("plan",))
    result = evaluated_window(SCHEMA, BASELINE, T0, rows)
    assert statistics_message(result)["monitor_type"] == "data_quality"
    assert {v["monitor_type"] for v in violation_messages(result)} == {"data_quality"}
