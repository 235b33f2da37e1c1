"""A wide baseline's features are looked up by name at once, not by a scan per feature.

``feature_kinds`` looked each feature up by a scan of the baseline's features, and rebuilt
the baseline's name list for each constraint: ~0.5 s a call at 3,000 features, and it runs
whenever a baseline's features are asked for — every batch of ``driftline analyze`` (18 s of
a 27 s run over 4,000 capture records) and each window the worker opens and publishes. The
reference is the kinds by hand.
"""

from __future__ import annotations

import time

from detectors.quality.checks import evaluate
from detectors.quality.constraints import Constraints, FeatureConstraints
from detectors.quality.data_quality_monitor import feature_kinds
from detectors.quality.statistics import DatasetStatistics, FeatureStatistics
from detectors.quality.value_types import FRACTIONAL, INTEGRAL, STRING

WIDTH = 8000


def test_the_names_and_kinds_of_8000_features_take_well_under_a_second() -> None:
    types = [FRACTIONAL, STRING, INTEGRAL, "Unknown"]
    statistics = DatasetStatistics(
        item_count=10,
        features=tuple(FeatureStatistics(f"f{i}", types[i % 4], 10, 0) for i in range(WIDTH)),
    )
    # constraints of every feature, as suggested; they say f1 is numeric after all, and add
    # one feature of their own
    constraints = Constraints(
        features=(
            *(FeatureConstraints(f.name, f.inferred_type) for f in statistics.features[2:]),
            FeatureConstraints("f1", INTEGRAL),
            FeatureConstraints("only", STRING),
        )
    )
    started = time.perf_counter()
    names, kinds = feature_kinds(statistics, constraints)
    seconds = time.perf_counter() - started
    expected = ["numeric", "string", "numeric", "auto"] * (WIDTH // 4)
    expected[1] = "numeric"
    assert names == (*(f"f{i}" for i in range(WIDTH)), "only")
    assert kinds == (*expected, "string")
    assert seconds < 0.5  # ~3 s before, ~15 ms now


def test_checking_8000_features_takes_well_under_a_second() -> None:
    """``evaluate`` looked up each feature's config, live and baseline statistics by scans:
    ~3 s for 8,000 features, at every window the worker publishes (~0.45 s at 3,000)."""
    # every third feature is missing from all 100 rows: a completeness violation each
    current = DatasetStatistics(
        item_count=100,
        features=tuple(
            FeatureStatistics(f"f{i}", STRING, 0 if i % 3 == 0 else 100, 100 if i % 3 == 0 else 0)
            for i in range(WIDTH)
        ),
    )
    constraints = Constraints(
        features=tuple(FeatureConstraints(f"f{i}", STRING, completeness=1.0) for i in range(WIDTH))
    )
    started = time.perf_counter()
    result = evaluate(current, constraints, current)
    seconds = time.perf_counter() - started
    assert len(result.decisions) == WIDTH
    violated = [(v.feature_name, v.constraint_check_type) for v in result.violations]
    assert violated == [(f"f{i}", "completeness_check") for i in range(0, WIDTH, 3)]
    assert seconds < 0.5  # ~3 s before, ~40 ms now
