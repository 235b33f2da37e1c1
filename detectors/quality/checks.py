"""Evaluate data-quality constraints on current statistics, with SageMaker's semantics.

Check types: ``data_type_check``, ``completeness_check``, ``baseline_drift_check``,
``missing_column_check``, ``extra_column_check``, ``categorical_values_check``. Every check
that runs yields a :class:`CheckDecision` with its figure, threshold and sample count, and a
:class:`~detectors.violations.Violation` when it fails. A drift verdict needs at least
``min_window_count`` current values; below that the decision is recorded as skipped. Nor is
one given when the current values are of another type than the baseline's (Deequ's column
type, :func:`~detectors.quality.value_types.infer_column_type`): their ``data_type_check``
reports that, and SageMaker compares no distributions then. AWS's Model Monitor introduction
example reports 60 violations for captures whose ``Churn`` column (Integral 0/1 in the
baseline) holds the model's probabilities: ``data_type_check`` on ``Churn`` and 59 features,
and no ``baseline_drift_check``, though the two distributions are ~0.8 apart.

Examples
--------
>>> from detectors.quality.dataset_profile import DatasetProfile
>>> from detectors.quality.constraints import suggest_constraints
>>> import random
>>> rng = random.Random(42)
>>> base = DatasetProfile(features=("x", "plan"))
>>> base.update_many([{"x": rng.gauss(0, 1), "plan": rng.choice("ab")} for _ in range(2000)])
>>> baseline = base.statistics()
>>> constraints = suggest_constraints(baseline)
>>> live = DatasetProfile(features=("x", "plan"), kinds=("numeric", "string"))
>>> live.update_many([{"x": rng.gauss(1, 1), "plan": rng.choice("abc")} for _ in range(500)])
>>> result = evaluate(baseline, constraints, live.statistics())
>>> sorted((v.feature_name, v.constraint_check_type) for v in result.violations)
[('plan', 'baseline_drift_check'),
 ('plan', 'categorical_values_check'),
 ('x', 'baseline_drift_check')]
"""

from __future__ import annotations

from dataclasses import dataclass

from detectors.quality.constraints import Constraints, MonitoringConfig
from detectors.quality.distance import (
    categorical_linf,
    chi_squared_p_value,
    robust_distance,
)
from detectors.quality.statistics import DatasetStatistics, FeatureStatistics
from detectors.quality.value_types import (
    FRACTIONAL,
    INTEGRAL,
    STRING,
    UNKNOWN,
    infer_column_type,
)
from detectors.sketches import ks_distance
from detectors.violations import Violation

DATA_TYPE = "data_type_check"
COMPLETENESS = "completeness_check"
BASELINE_DRIFT = "baseline_drift_check"
MISSING_COLUMN = "missing_column_check"
EXTRA_COLUMN = "extra_column_check"
CATEGORICAL_VALUES = "categorical_values_check"
CHECK_TYPES = (
    DATA_TYPE,
    COMPLETENESS,
    BASELINE_DRIFT,
    MISSING_COLUMN,
    EXTRA_COLUMN,
    CATEGORICAL_VALUES,
)


@dataclass(frozen=True, slots=True)
class CheckDecision:
    """One check on one feature: its figure against its threshold.

    ``violated`` is None when the check was skipped (``reason`` says why).
    """

    feature_name: str
    check_type: str
    value: float | None
    threshold: float | None
    sample_count: int
    violated: bool | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """Every decision taken and the violations among them."""

    decisions: tuple[CheckDecision, ...]
    violations: tuple[Violation, ...]

    def decision(self, feature_name: str, check_type: str) -> CheckDecision | None:
        """The decision of one check on one feature, if it ran."""
        for d in self.decisions:
            if d.feature_name == feature_name and d.check_type == check_type:
                return d
        return None


class _Collector:
    def __init__(self) -> None:
        self.decisions: list[CheckDecision] = []
        self.violations: list[Violation] = []

    def add(self, decision: CheckDecision, description: str = "") -> None:
        self.decisions.append(decision)
        if decision.violated:
            self.violations.append(
                Violation(
                    constraint_check_type=decision.check_type,
                    description=description,
                    feature_name=decision.feature_name,
                    value=decision.value,
                    threshold=decision.threshold,
                    sample_count=decision.sample_count,
                )
            )


def evaluate(
    baseline: DatasetStatistics,
    constraints: Constraints,
    current: DatasetStatistics,
    *,
    min_window_count: int = 30,
) -> EvaluationResult:
    """Check ``current`` against the baseline statistics and constraints."""
    out = _Collector()
    if not constraints.monitoring_config.evaluate_constraints:
        return EvaluationResult((), ())
    extra = frozenset(current.extra_columns)  # profiled extra columns are features too
    present_columns = [
        f.name
        for f in current.features
        if f.name not in extra and (f.num_absent is None or f.num_absent < current.item_count)
    ]
    n_current_columns = len(present_columns) + len(current.extra_columns)
    n_baseline_columns = len(constraints.features)
    counts = (n_current_columns, n_baseline_columns)
    for fc in constraints.features:
        config = constraints.config_for(fc.name)
        if not config.evaluate_constraints:
            continue
        live = current.feature(fc.name)
        absent_everywhere = (
            live is None or (live.num_absent is not None and live.num_absent >= current.item_count)
        ) and current.item_count > 0
        if absent_everywhere:
            _column_decision(out, fc.name, MISSING_COLUMN, counts, current.item_count)
        elif live is not None:
            _check_feature(
                out, fc.name, fc.inferred_type, fc.completeness, fc.domains, config,
                baseline.feature(fc.name), live, min_window_count,
            )  # fmt: skip
    for name in current.extra_columns:
        _column_decision(out, name, EXTRA_COLUMN, counts, current.item_count)
    return EvaluationResult(tuple(out.decisions), tuple(out.violations))


def _column_decision(
    out: _Collector, name: str, check: str, counts: tuple[int, int], item_count: int
) -> None:
    """A missing or extra column: SageMaker's message with both column counts."""
    current, baseline = counts
    what = "Missing" if check == MISSING_COLUMN else "Extra"
    out.add(
        CheckDecision(name, check, float(current), float(baseline), item_count, True),
        f"{what} column: {name}. Baseline has {baseline} columns, current data has {current}.",
    )


def _check_feature(
    out: _Collector,
    name: str,
    expected_type: str,
    completeness: float | None,
    domains: tuple[str, ...] | None,
    config: MonitoringConfig,
    base: FeatureStatistics | None,
    live: FeatureStatistics,
    min_window_count: int,
) -> None:
    rows = live.num_present + live.num_missing
    if completeness is not None and rows:
        observed = live.completeness
        out.add(
            CheckDecision(
                name, COMPLETENESS, observed, completeness, rows, observed < completeness
            ),
            f"Value: {observed} does not meet the constraint requirement! ",
        )
    if expected_type != UNKNOWN and live.type_counts is not None and live.num_present:
        share = live.type_counts.share_matching(expected_type)
        threshold = config.datatype_check_threshold
        out.add(
            CheckDecision(name, DATA_TYPE, share, threshold, live.num_present, share < threshold),
            f"Data type match requirement is not met. Expected data type: {expected_type}, "
            f"Expected match: {threshold * 100}%. Observed: Only {share * 100}% of data is "
            f"{expected_type}.",
        )
    if domains is not None and expected_type == STRING and live.string is not None:
        allowed = set(domains)
        total = live.string.total
        if total:
            share = sum(c for v, c in live.string.buckets if v in allowed) / total
            threshold = config.domain_content_threshold
            out.add(
                CheckDecision(name, CATEGORICAL_VALUES, share, threshold, total, share < threshold),
                f"Value: {share} does not meet the constraint requirement! ",
            )
    if config.distribution.perform_comparison and base is not None:
        _check_drift(out, name, expected_type, config, base, live, min_window_count)


def _check_drift(
    out: _Collector,
    name: str,
    expected_type: str,
    config: MonitoringConfig,
    base: FeatureStatistics,
    live: FeatureStatistics,
    min_window_count: int,
) -> None:
    dist = config.distribution
    robust = dist.comparison_method == "Robust"
    current_type = _other_current_type(expected_type, live)
    if current_type is not None:
        threshold = (
            dist.categorical_comparison_threshold
            if expected_type == STRING
            else dist.comparison_threshold
        )
        reason = f"current values are {current_type}, the baseline's {expected_type}"
        out.add(_no_verdict(name, threshold, live.num_present, reason))
        return
    if expected_type in (INTEGRAL, FRACTIONAL):
        if base.numeric is None:
            return
        n_live = int(live.numeric.distribution.total_weight) if live.numeric is not None else 0
        threshold = dist.comparison_threshold
        if live.numeric is None or n_live < min_window_count:
            out.add(_no_verdict(name, threshold, n_live, f"fewer than {min_window_count} values"))
            return
        n_base = base.numeric.distribution.total_weight
        d = ks_distance(base.numeric.distribution, live.numeric.distribution)
        if robust:
            d = robust_distance(d, n_base, n_live)
        out.add(
            CheckDecision(name, BASELINE_DRIFT, d, threshold, n_live, d > threshold),
            f"Numerical distance: {d} exceeds numerical threshold: {threshold}",
        )
    elif expected_type == STRING:
        if base.string is None:
            return
        threshold = dist.categorical_comparison_threshold
        live_counts = dict(live.string.buckets) if live.string is not None else {}
        n_live = sum(live_counts.values())
        if n_live < min_window_count:
            out.add(_no_verdict(name, threshold, n_live, f"fewer than {min_window_count} values"))
            return
        base_counts = dict(base.string.buckets)
        if dist.categorical_drift_method == "ChiSquared":
            p = chi_squared_p_value(base_counts, live_counts)
            if p is None:
                out.add(_no_verdict(name, threshold, n_live, "fewer than two categories to test"))
                return
            out.add(
                CheckDecision(name, BASELINE_DRIFT, p, threshold, n_live, p < threshold),
                f"Categorical drift p-value: {p} is below categorical threshold: {threshold}",
            )
            return
        d = categorical_linf(base_counts, live_counts)
        if robust:
            d = robust_distance(d, sum(base_counts.values()), n_live)
        out.add(
            CheckDecision(name, BASELINE_DRIFT, d, threshold, n_live, d > threshold),
            f"Categorical distance: {d} exceeds categorical threshold: {threshold}",
        )


def drift_figure_is_p_value(constraints: Constraints, name: str) -> bool:
    """Whether feature ``name``'s ``baseline_drift_check`` figure is a p-value.

    A String feature compared with ``ChiSquared`` is judged on the chi-squared p-value,
    violated *below* its threshold; every other drift figure is a distance, violated above.
    """
    feature = constraints.feature(name)
    method = constraints.config_for(name).distribution.categorical_drift_method
    return feature is not None and feature.inferred_type == STRING and method == "ChiSquared"


def _other_current_type(expected_type: str, live: FeatureStatistics) -> str | None:
    """The current values' column type when it is not the baseline's (live data only)."""
    if expected_type not in (INTEGRAL, FRACTIONAL, STRING):
        return None
    if live.type_counts is None or not live.type_counts.present:
        return None
    current = infer_column_type(live.type_counts)
    return current if current != expected_type else None


def _no_verdict(name: str, threshold: float, n_live: int, reason: str) -> CheckDecision:
    """A drift decision left undecided, with the sample count and why."""
    return CheckDecision(name, BASELINE_DRIFT, None, threshold, n_live, None, reason)
