from __future__ import annotations

import math

import pytest
from sklearn.metrics import ndcg_score

from detectors.attribution import feature_attribution_drift_check
from detectors.violations import violations_document


def test_violation_matches_sagemaker_text_and_keys() -> None:
    result = feature_attribution_drift_check(
        "label0",
        {"SAT": 0.70, "GPA": 0.50, "Class rank": 0.05},
        {"SAT": 0.10, "GPA": 0.20, "Class rank": 0.70},
        sample_count=250,
    )
    assert result.is_drifted
    v = result.violation
    assert v is not None
    assert v.to_sagemaker() == {
        "label": "label0",
        "metric_name": "shap",
        "constraint_check_type": "feature_attribution_drift_check",
        "description": f"Feature attribution drift {result.ndcg} exceeds threshold 0.9",
    }
    assert v.description.startswith("Feature attribution drift 0.68763")
    assert (v.value, v.threshold, v.sample_count) == (result.ndcg, 0.9, 250)
    assert violations_document([v], version="1.0")["violations"][0]["label"] == "label0"


def test_description_number_is_python_float_text() -> None:
    # the spec's example: "Feature attribution drift 0.7639720923277322 exceeds threshold 0.9"
    result = feature_attribution_drift_check("label1", {"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 1.0})
    assert result.violation is not None
    assert result.violation.description == (
        f"Feature attribution drift {1 / math.log2(3)} exceeds threshold 0.9"
    )


def test_no_violation_at_or_above_threshold() -> None:
    same = {"a": 0.5, "b": 0.3, "c": 0.1}
    result = feature_attribution_drift_check("label0", same, same)
    assert result.ndcg == 1.0 and result.violation is None and not result.is_drifted
    custom = feature_attribution_drift_check("label0", same, same, threshold=1.0)
    assert custom.violation is None  # only strictly below the threshold


def test_features_are_matched_by_name_and_dropped_ones_reported() -> None:
    baseline = {"a": 0.9, "b": 0.5, "c": 0.3, "gone": 0.8}
    live = {"c": 0.7, "new": 5.0, "a": 0.2, "b": 0.4}
    result = feature_attribution_drift_check("label0", baseline, live)
    assert result.features == ("a", "b", "c")
    assert result.dropped_baseline_features == ("gone",)
    assert result.dropped_live_features == ("new",)
    expected = ndcg_score([[0.9, 0.5, 0.3]], [[0.2, 0.4, 0.7]])
    assert result.ndcg == pytest.approx(expected, abs=1e-12)


def test_disjoint_features_give_zero() -> None:
    result = feature_attribution_drift_check("label0", {"a": 1.0}, {"b": 1.0})
    assert result.ndcg == 0.0 and result.features == () and result.is_drifted
