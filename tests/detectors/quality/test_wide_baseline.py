"""A wide baseline's features are looked up by name at once, not by a scan per feature.

``feature_kinds`` looked each feature up by a scan of the baseline's features, and rebuilt
the baseline's name list for each constraint: ~0.5 s a call at 3,000 features, and it runs
whenever a baseline's features are asked for — every batch of ``driftline analyze`` (18 s of
a 27 s run over 4,000 capture records) and each window the worker opens and publishes.
Here the lookups by name are checked against the kinds and violations by hand, first entries
of repeated names included; ``make bench`` times them at 8,000 features
(``benchmarks/detectors.py``).
"""

from __future__ import annotations

from detectors.quality.checks import evaluate
from detectors.quality.constraints import Constraints, FeatureConstraints
from detectors.quality.data_quality_monitor import feature_kinds
from detectors.quality.statistics import DatasetStatistics, FeatureStatistics
from detectors.quality.value_types import FRACTIONAL, INTEGRAL, STRING

WIDTH = 8000


def wide_baseline(width: int = WIDTH) -> tuple[DatasetStatistics, Constraints]:
    """Statistics of ``width`` features of four types, and constraints that say f1 is numeric
    after all and add one feature of their own."""
    types = [FRACTIONAL, STRING, INTEGRAL, "Unknown"]
    statistics = DatasetStatistics(
        item_count=10,
        features=tuple(FeatureStatistics(f"f{i}", types[i % 4], 10, 0) for i in range(width)),
    )
    constraints = Constraints(
        features=(
            *(FeatureConstraints(f.name, f.inferred_type) for f in statistics.features[2:]),
            FeatureConstraints("f1", INTEGRAL),
            FeatureConstraints("only", STRING),
        )
    )
    return statistics, constraints


def sparse_window(width: int = WIDTH) -> tuple[DatasetStatistics, Constraints]:
    """100 rows of ``width`` string features, every third missing from all of them."""
    current = DatasetStatistics(
        item_count=100,
        features=tuple(
            FeatureStatistics(f"f{i}", STRING, 0 if i % 3 == 0 else 100, 100 if i % 3 == 0 else 0)
            for i in range(width)
        ),
    )
    constraints = Constraints(
        features=tuple(FeatureConstraints(f"f{i}", STRING, completeness=1.0) for i in range(width))
    )
    return current, constraints


def test_the_names_and_kinds_of_8000_features() -> None:
    statistics, constraints = wide_baseline()
    names, kinds = feature_kinds(statistics, constraints)
    expected = ["numeric", "string", "numeric", "auto"] * (WIDTH // 4)
    expected[1] = "numeric"
    assert names == (*(f"f{i}" for i in range(WIDTH)), "only")
    assert kinds == (*expected, "string")


def test_a_name_given_twice_takes_its_first_entry() -> None:
    statistics = DatasetStatistics(
        item_count=10,
        features=(FeatureStatistics("a", STRING, 10, 0), FeatureStatistics("a", FRACTIONAL, 10, 0)),
    )
    constraints = Constraints(
        features=(FeatureConstraints("b", INTEGRAL), FeatureConstraints("b", STRING))
    )
    assert feature_kinds(statistics, constraints) == (
        ("a", "a", "b", "b"),
        ("string", "string", "numeric", "numeric"),
    )


def test_checking_8000_features() -> None:
    """Every third feature is missing from all 100 rows: a completeness violation each."""
    current, constraints = sparse_window()
    result = evaluate(current, constraints, current)
    assert len(result.decisions) == WIDTH
    violated = [(v.feature_name, v.constraint_check_type) for v in result.violations]
    assert violated == [(f"f{i}", "completeness_check") for i in range(0, WIDTH, 3)]
