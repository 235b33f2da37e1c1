"""Every data-quality check fires on crafted data and stays silent on clean data (spec §5.3, §6)."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from scipy.stats import ks_2samp

from detectors.quality.checks import CHECK_TYPES, EvaluationResult, evaluate
from detectors.quality.constraints import (
    Constraints,
    constraints_from_json,
    constraints_to_json,
    suggest_constraints,
)
from detectors.quality.dataset_profile import DatasetProfile
from detectors.quality.distance import robust_distance
from detectors.quality.statistics import DatasetStatistics

FEATURES = ("score", "age", "plan")
PLANS = ("basic", "premium", "enterprise")
PLAN_WEIGHTS = (0.6, 0.3, 0.1)


def _rows(rng: random.Random, n: int, *, age_mean: float = 40.0, plan_weights=PLAN_WEIGHTS):
    return [
        {
            "score": f"{rng.random():.4f}",
            "age": str(round(rng.gauss(age_mean, 8))),
            "plan": rng.choices(PLANS, plan_weights)[0],
        }
        for _ in range(n)
    ]


def _profile(rows: Sequence[Mapping[str, Any]], kinds=("numeric", "numeric", "string")):
    p = DatasetProfile(features=FEATURES, kinds=kinds)
    p.update_many(rows)
    return p.statistics()


@pytest.fixture(scope="module")
def baseline() -> tuple[DatasetStatistics, Constraints]:
    stats = _profile(_rows(random.Random(1), 2000), kinds=("auto",) * 3)
    return stats, suggest_constraints(stats)


def _with_config(constraints: Constraints, **changes: Any) -> Constraints:
    doc = constraints_to_json(constraints)
    for key, value in changes.items():
        if key in doc["monitoring_config"]["distribution_constraints"]:
            doc["monitoring_config"]["distribution_constraints"][key] = value
        else:
            doc["monitoring_config"][key] = value
    return constraints_from_json(doc)


def _fired(result: EvaluationResult) -> set[tuple[str, str]]:
    return {(v.feature_name or "", v.constraint_check_type) for v in result.violations}


def test_clean_data_is_silent(baseline) -> None:
    stats, constraints = baseline
    result = evaluate(stats, constraints, _profile(_rows(random.Random(2), 500)))
    assert result.violations == ()
    ran = {(d.feature_name, d.check_type) for d in result.decisions}
    assert ran == {
        (f, c)
        for f in FEATURES
        for c in ("completeness_check", "data_type_check", "baseline_drift_check")
    } | {("plan", "categorical_values_check")}
    assert all(d.violated is False for d in result.decisions)


def test_every_decision_carries_its_sample_count(baseline) -> None:
    stats, constraints = baseline
    rows = _rows(random.Random(3), 400)
    for row in rows[:40]:
        row["age"] = ""
    result = evaluate(stats, constraints, _profile(rows))
    counts = {(d.feature_name, d.check_type): d.sample_count for d in result.decisions}
    assert counts[("age", "completeness_check")] == 400
    assert counts[("age", "data_type_check")] == 360
    assert counts[("age", "baseline_drift_check")] == 360
    assert counts[("plan", "categorical_values_check")] == 400
    assert counts[("plan", "baseline_drift_check")] == 400
    for v in result.violations:
        assert v.sample_count == counts[(v.feature_name, v.constraint_check_type)]


def test_data_type_check(baseline) -> None:
    stats, constraints = baseline
    rows = _rows(random.Random(4), 400)
    for row in rows[:40]:
        row["age"] = "forty"
    result = evaluate(stats, constraints, _profile(rows))
    assert ("age", "data_type_check") in _fired(result)
    (v,) = [v for v in result.violations if v.constraint_check_type == "data_type_check"]
    assert v.value == pytest.approx(0.9)
    assert v.description == (
        "Data type match requirement is not met. Expected data type: Integral, "
        "Expected match: 100.0%. Observed: Only 90.0% of data is Integral."
    )
    # A fractional value in an Integral column does not match either.
    rows = _rows(random.Random(4), 100)
    rows[0]["age"] = "40.5"
    assert ("age", "data_type_check") in _fired(evaluate(stats, constraints, _profile(rows)))
    # The threshold is honoured: 90 % matching passes a 0.8 threshold.
    lenient = _with_config(constraints, datatype_check_threshold=0.8)
    rows = _rows(random.Random(4), 400)
    for row in rows[:40]:
        row["age"] = "forty"
    assert ("age", "data_type_check") not in _fired(evaluate(stats, lenient, _profile(rows)))


def test_data_type_check_counts_only_the_expected_type(baseline) -> None:
    """Numbers do not fit a String constraint, nor whole numbers a Fractional one.

    The first case is the shape of AWS's SDK integration test, which expects SageMaker's
    check to fail when a constraints file says String for a numeric column.
    """
    stats, constraints = baseline
    doc = constraints_to_json(constraints)
    for feature in doc["features"]:
        if feature["name"] == "score":
            feature["inferred_type"] = "String"
    as_string = constraints_from_json(doc)
    result = evaluate(stats, as_string, _profile(_rows(random.Random(6), 200)))
    (v,) = [v for v in result.violations if v.constraint_check_type == "data_type_check"]
    assert (v.feature_name, v.value) == ("score", 0.0)
    assert v.description.endswith("Observed: Only 0.0% of data is String.")
    fractional = {**doc, "features": [dict(f) for f in doc["features"]]}
    for feature in fractional["features"]:
        if feature["name"] == "score":
            feature["inferred_type"] = "Fractional"
    rows = _rows(random.Random(7), 40)
    for row in rows[:3]:
        row["score"] = "1"  # a whole number: Integral
    result = evaluate(stats, constraints_from_json(fractional), _profile(rows))
    (v,) = [v for v in result.violations if v.constraint_check_type == "data_type_check"]
    assert (v.feature_name, v.value) == ("score", 37 / 40)


def test_completeness_check(baseline) -> None:
    stats, constraints = baseline
    rows = _rows(random.Random(5), 200)
    for row in rows[:50]:
        row["plan"] = None
    result = evaluate(stats, constraints, _profile(rows))
    assert ("plan", "completeness_check") in _fired(result)
    (v,) = [v for v in result.violations if v.constraint_check_type == "completeness_check"]
    assert v.value == 0.75 and v.threshold == 1.0
    assert re.search(r"Value: (.+) does not meet the constraint requirement!", v.description)
    assert re.search(r"Value: (.+) does not meet", v.description).group(1) == "0.75"  # type: ignore[union-attr]


def test_categorical_values_check(baseline) -> None:
    stats, constraints = baseline
    rows = _rows(random.Random(6), 300)
    for row in rows[:3]:
        row["plan"] = "platinum"
    result = evaluate(stats, constraints, _profile(rows))
    assert ("plan", "categorical_values_check") in _fired(result)
    d = result.decision("plan", "categorical_values_check")
    assert d is not None and d.value == pytest.approx(297 / 300)
    assert "does not meet the constraint requirement! " in next(
        v.description
        for v in result.violations
        if v.constraint_check_type == "categorical_values_check"
    )


def test_numeric_drift_robust_and_simple() -> None:
    # A baseline below the sketch size keeps every value, so the distance is exactly KS.
    base_rows = _rows(random.Random(17), 380)
    stats = _profile(base_rows, kinds=("auto",) * 3)
    constraints = suggest_constraints(stats)
    cur_rows = _rows(random.Random(7), 120, age_mean=43.0)
    current = _profile(cur_rows)
    simple = _with_config(constraints, comparison_method="Simple")
    r_simple = evaluate(stats, simple, current)
    r_robust = evaluate(stats, constraints, current)
    d_simple = r_simple.decision("age", "baseline_drift_check")
    d_robust = r_robust.decision("age", "baseline_drift_check")
    assert d_simple is not None and d_robust is not None
    exact = ks_2samp([float(r["age"]) for r in base_rows], [float(r["age"]) for r in cur_rows])
    assert d_simple.value == pytest.approx(exact.statistic, abs=1e-12)
    assert d_robust.value == pytest.approx(robust_distance(exact.statistic, 380, 120), abs=1e-12)
    # A 3-year shift on 120 values is a visible gap but not a significant one.
    assert d_simple.violated is True and d_robust.violated is False
    assert ("age", "baseline_drift_check") in _fired(r_simple)
    assert ("age", "baseline_drift_check") not in _fired(r_robust)
    (v,) = [v for v in r_simple.violations if v.feature_name == "age"]
    assert re.search(r"distance: (.+) exceeds", v.description).group(1) == str(d_simple.value)  # type: ignore[union-attr]
    assert v.description.startswith("Numerical distance: ")
    # A large shift fires in Robust mode too.
    far = _profile(_rows(random.Random(8), 300, age_mean=60.0))
    assert ("age", "baseline_drift_check") in _fired(evaluate(stats, constraints, far))


def test_categorical_drift_linf_and_chi_squared(baseline) -> None:
    stats, constraints = baseline
    drifted = _profile(_rows(random.Random(9), 500, plan_weights=(0.3, 0.3, 0.4)))
    r = evaluate(stats, constraints, drifted)
    assert ("plan", "baseline_drift_check") in _fired(r)
    v = next(
        v for v in r.violations if v.feature_name == "plan" and "drift" in v.constraint_check_type
    )
    assert v.description.startswith("Categorical distance: ")
    assert " exceeds categorical threshold: 0.1" in v.description

    chi = _with_config(constraints, categorical_drift_method="ChiSquared")
    r = evaluate(stats, chi, drifted)
    d = r.decision("plan", "baseline_drift_check")
    assert d is not None and d.violated is True and d.value is not None and d.value < 1e-6
    clean = _profile(_rows(random.Random(10), 500))
    d = evaluate(stats, chi, clean).decision("plan", "baseline_drift_check")
    assert d is not None and d.violated is False and d.value is not None and d.value > 0.1


def test_missing_and_extra_columns(baseline) -> None:
    stats, constraints = baseline
    rows = _rows(random.Random(11), 100)
    for row in rows:
        del row["plan"]
        row["zip"] = "12345"
    result = evaluate(stats, constraints, _profile(rows))
    assert ("plan", "missing_column_check") in _fired(result)
    assert ("zip", "extra_column_check") in _fired(result)
    assert not [
        d for d in result.decisions if d.feature_name == "plan" and "missing" not in d.check_type
    ]
    for d in result.decisions:
        if d.check_type in ("missing_column_check", "extra_column_check"):
            assert d.sample_count == 100
    # A column missing from only some rows is not a missing column.
    rows = _rows(random.Random(12), 100)
    del rows[0]["plan"]
    assert ("plan", "missing_column_check") not in _fired(
        evaluate(stats, constraints, _profile(rows))
    )


def test_all_check_types_are_covered() -> None:
    assert set(CHECK_TYPES) == {
        "data_type_check",
        "completeness_check",
        "baseline_drift_check",
        "missing_column_check",
        "extra_column_check",
        "categorical_values_check",
    }


def test_evaluate_constraints_disabled_yields_nothing(baseline) -> None:
    stats, constraints = baseline
    off = _with_config(constraints, evaluate_constraints="Disabled")
    rows = _rows(random.Random(13), 200, age_mean=70.0)
    for row in rows:
        row["plan"] = "platinum"
        row["zip"] = "1"
    result = evaluate(stats, off, _profile(rows))
    assert result.decisions == () and result.violations == ()


def test_perform_comparison_disabled_skips_drift(baseline) -> None:
    stats, constraints = baseline
    off = _with_config(constraints, perform_comparison="Disabled")
    result = evaluate(stats, off, _profile(_rows(random.Random(14), 300, age_mean=70.0)))
    assert not [d for d in result.decisions if d.check_type == "baseline_drift_check"]


def test_per_feature_overrides(baseline) -> None:
    stats, constraints = baseline
    doc = constraints_to_json(constraints)
    for f in doc["features"]:
        if f["name"] == "age":
            f["monitoringConfigOverrides"] = {"evaluate_constraints": "Disabled"}
        if f["name"] == "plan":
            f["string_constraints"]["monitoring_config_overrides"] = {
                "distribution_constraints": {"perform_comparison": "Disabled"}
            }
    overridden = constraints_from_json(doc)
    rows = _rows(random.Random(15), 300, age_mean=70.0, plan_weights=(0.1, 0.1, 0.8))
    for row in rows[:30]:
        row["age"] = "old"
    current = _profile(rows)
    assert {("age", "data_type_check"), ("plan", "baseline_drift_check")} <= _fired(
        evaluate(stats, constraints, current)
    )
    result = evaluate(stats, overridden, current)
    assert not [d for d in result.decisions if d.feature_name == "age"]
    assert result.decision("plan", "baseline_drift_check") is None
    assert result.decision("plan", "categorical_values_check") is not None


@pytest.mark.parametrize(("n", "verdict"), [(29, None), (30, True)])
def test_min_window_count_guard(baseline, n: int, verdict: bool | None) -> None:
    stats, constraints = baseline
    result = evaluate(stats, constraints, _profile(_rows(random.Random(16), n, age_mean=80.0)))
    for name in ("age", "plan"):
        d = result.decision(name, "baseline_drift_check")
        assert d is not None and d.sample_count == n
        if verdict is None:
            assert d.violated is None and d.value is None and "fewer than 30" in d.reason
        else:
            assert d.value is not None
    d = result.decision("age", "baseline_drift_check")
    assert d is not None and d.violated is verdict
    if verdict is None:
        assert ("age", "baseline_drift_check") not in _fired(result)
    # The other checks still run on a small window.
    assert result.decision("age", "completeness_check") is not None


def test_no_drift_verdict_when_the_current_type_is_not_the_baselines() -> None:
    """AWS's Model Monitor introduction example: a baseline whose first column is the 0/1
    label (Integral) against captures whose first column is the model's probability. SageMaker
    reported 60 violations there, all ``data_type_check`` (``Churn`` at 0.0 % Integral and 59
    features with a stray fractional row), and no ``baseline_drift_check`` on ``Churn``."""
    rng = random.Random(21)
    names = ("churn", "calls", "minutes")
    base_rows = [
        {"churn": str(int(rng.random() < 0.14)), "calls": str(rng.randint(40, 160)),
         "minutes": f"{rng.uniform(0, 350):.1f}"}
        for _ in range(2000)
    ]  # fmt: skip
    live_rows = [
        {"churn": f"{rng.betavariate(0.5, 3):.6f}", "calls": str(rng.randint(40, 160)),
         "minutes": f"{rng.uniform(0, 350):.1f}"}
        for _ in range(500)
    ]  # fmt: skip
    live_rows[0]["calls"] = "0.1"  # a stray header-like row: 499 of 500 values Integral
    base = DatasetProfile(features=names, kinds=("auto",) * 3)
    base.update_many(base_rows)
    stats = base.statistics()
    live = DatasetProfile(features=names, kinds=("numeric",) * 3)
    live.update_many(live_rows)
    result = evaluate(stats, suggest_constraints(stats), live.statistics())
    # The two churn columns are far apart (scipy's exact KS), so only the rule keeps it quiet.
    distance = ks_2samp(
        [float(r["churn"]) for r in base_rows], [float(r["churn"]) for r in live_rows]
    ).statistic
    assert distance > 0.5
    assert _fired(result) == {("churn", "data_type_check"), ("calls", "data_type_check")}
    assert result.decision("churn", "data_type_check").value == 0.0
    assert result.decision("calls", "data_type_check").value == 499 / 500
    for name, current in (("churn", "Fractional"), ("calls", "Fractional")):
        drift = result.decision(name, "baseline_drift_check")
        assert drift is not None and drift.violated is None and drift.value is None
        assert drift.reason == f"current values are {current}, the baseline's Integral"
    assert result.decision("minutes", "baseline_drift_check").violated is False
