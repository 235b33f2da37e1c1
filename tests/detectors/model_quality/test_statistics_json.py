"""Reading hand-written SageMaker model-quality statistics.json files."""

from __future__ import annotations

import math

import pytest

from detectors.model_quality.statistics import ModelQualityStatistics

# hand-written in the layout of spec 7.2 (4 rows, so every standard deviation is "NaN")
BINARY_FIXTURE = {
    "version": 0.0,
    "dataset": {"item_count": 4, "evaluation_time": "2024-03-05T15:00:42.318Z"},
    "binary_classification_metrics": {
        "confusion_matrix": {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}},
        "recall": {"value": 1.0, "standard_deviation": "NaN"},
        "precision": {"value": 0.3333333333333333, "standard_deviation": "NaN"},
        "accuracy": {"value": 0.5, "standard_deviation": "NaN"},
        "auc": {"value": 0.6666666666666666, "standard_deviation": "NaN"},
        "false_positive_rate": {"value": 0.6666666666666666, "standard_deviation": "NaN"},
        "receiver_operating_characteristic_curve": {
            "false_positive_rates": [0.0, 0.3333333333333333, 1.0],
            "true_positive_rates": [0.0, 1.0, 1.0],
        },
        "precision_recall_curve": {"precisions": [1.0, 0.5, 0.25], "recalls": [0.0, 1.0, 1.0]},
    },
}

REGRESSION_FIXTURE = {
    "version": 0.0,
    "dataset": {"item_count": 2400},
    "regression_metrics": {
        "mae": {"value": 0.8431, "standard_deviation": 0.0121},
        "mse": {"value": 1.2007, "standard_deviation": 0.0302},
        "rmse": {"value": 1.0957, "standard_deviation": 0.0138},
        "r2": {"value": 0.9512, "standard_deviation": 0.0011},
    },
}


def test_binary_fixture_reads_and_writes_back_unchanged() -> None:
    stats = ModelQualityStatistics.from_statistics_json(BINARY_FIXTURE)
    assert stats.problem_type == "BinaryClassification"
    assert stats.item_count == 4
    assert stats.evaluation_time == "2024-03-05T15:00:42.318Z"
    assert math.isnan(stats.metrics["precision"].standard_deviation)
    matrix = {(c.actual, c.predicted): c.count for c in stats.confusion_matrix}
    tp, fp = matrix[("1", "1")], matrix[("0", "1")]
    assert tp / (tp + fp) == pytest.approx(stats.metrics["precision"].value)
    assert stats.roc_curve is not None and stats.roc_curve.true_positive_rates == (0.0, 1.0, 1.0)
    assert stats.to_statistics_json() == BINARY_FIXTURE


def test_regression_fixture_reads_and_writes_back_unchanged() -> None:
    stats = ModelQualityStatistics.from_statistics_json(REGRESSION_FIXTURE)
    assert stats.problem_type == "Regression"
    assert stats.metrics["rmse"].value == 1.0957
    assert stats.confusion_matrix == () and stats.roc_curve is None
    assert stats.to_statistics_json() == REGRESSION_FIXTURE


def test_documents_without_exactly_one_block_are_rejected() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        ModelQualityStatistics.from_statistics_json({"version": 0.0, "dataset": {}})
    both = dict(REGRESSION_FIXTURE, binary_classification_metrics={})
    with pytest.raises(ValueError, match="exactly one"):
        ModelQualityStatistics.from_statistics_json(both)
