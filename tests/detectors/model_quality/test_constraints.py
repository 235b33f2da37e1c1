"""constraints.json and constraint_violations.json in SageMaker's model-quality layout."""

from __future__ import annotations

import math

import pytest

from detectors.model_quality.constraints import (
    MetricConstraint,
    ModelQualityConstraints,
    breaks,
    evaluate_constraints,
    suggest_constraints,
)
from detectors.model_quality.statistics import MetricValue, ModelQualityStatistics
from detectors.violations import violations_document

# spec 7.5, written by hand in SageMaker's layout
SPEC_CONSTRAINTS = {
    "version": 0.0,
    "binary_classification_constraints": {
        "recall": {"threshold": 0.5714285714285714, "comparison_operator": "LessThanThreshold"},
        "precision": {"threshold": 1.0, "comparison_operator": "LessThanThreshold"},
        "accuracy": {"threshold": 0.9402985074626866, "comparison_operator": "LessThanThreshold"},
        "true_positive_rate": {
            "threshold": 0.5714285714285714,
            "comparison_operator": "LessThanThreshold",
        },
        "true_negative_rate": {"threshold": 1.0, "comparison_operator": "LessThanThreshold"},
        "false_positive_rate": {"threshold": 0.0, "comparison_operator": "GreaterThanThreshold"},
        "false_negative_rate": {
            "threshold": 0.4285714285714286,
            "comparison_operator": "GreaterThanThreshold",
        },
        "auc": {"threshold": 0.9395127993393898, "comparison_operator": "LessThanThreshold"},
        "f0_5": {"threshold": 0.8695652173913043, "comparison_operator": "LessThanThreshold"},
        "f1": {"threshold": 0.7272727272727273, "comparison_operator": "LessThanThreshold"},
        "f2": {"threshold": 0.625, "comparison_operator": "LessThanThreshold"},
    },
}


def binary_statistics(values: dict[str, float], std: float, item_count: int = 1000):
    metrics = {name: MetricValue(value, std) for name, value in values.items()}
    return ModelQualityStatistics(
        problem_type="BinaryClassification", item_count=item_count, metrics=metrics
    )


def test_spec_constraints_file_round_trips() -> None:
    constraints = ModelQualityConstraints.from_constraints_json(SPEC_CONSTRAINTS)
    assert constraints.problem_type == "BinaryClassification"
    assert constraints.constraints["auc"] == MetricConstraint(
        0.9395127993393898, "LessThanThreshold"
    )
    assert constraints.to_constraints_json() == SPEC_CONSTRAINTS


def test_suggestion_reproduces_spec_constraints_from_the_baseline_values() -> None:
    block = SPEC_CONSTRAINTS["binary_classification_constraints"]
    values = {name: entry["threshold"] for name, entry in block.items()}
    # best-constant-classifier metrics are in the statistics but get no constraint
    values["f1_best_constant_classifier"] = 0.2
    suggested = suggest_constraints(binary_statistics(values, 0.01))
    assert suggested.to_constraints_json() == SPEC_CONSTRAINTS


def test_suggested_operators_for_multiclass_and_regression() -> None:
    names = ["accuracy", "weighted_recall", "weighted_precision", "weighted_f0_5"]
    names += ["weighted_f1", "weighted_f2", "accuracy_best_constant_classifier"]
    multiclass = ModelQualityStatistics(
        problem_type="MulticlassClassification",
        item_count=10,
        metrics={name: MetricValue(0.5, math.nan) for name in names},
    )
    block = suggest_constraints(multiclass).to_constraints_json()
    assert list(block) == ["version", "multiclass_classification_constraints"]
    ops = {k: v["comparison_operator"] for k, v in block[list(block)[1]].items()}
    assert ops == dict.fromkeys(names[:-1], "LessThanThreshold")
    regression = ModelQualityStatistics(
        problem_type="Regression",
        item_count=10,
        metrics={name: MetricValue(1.0, math.nan) for name in ("mae", "mse", "rmse", "r2")},
    )
    block = suggest_constraints(regression).to_constraints_json()["regression_constraints"]
    assert {k: v["comparison_operator"] for k, v in block.items()} == {
        "mae": "GreaterThanThreshold",
        "mse": "GreaterThanThreshold",
        "rmse": "GreaterThanThreshold",
        "r2": "LessThanThreshold",
    }


def test_violation_text_and_names_match_spec_example() -> None:
    constraints = ModelQualityConstraints.from_constraints_json(SPEC_CONSTRAINTS)
    current = ModelQualityStatistics(
        problem_type="BinaryClassification",
        item_count=800,
        metrics={
            "f2": MetricValue(0.4310344827586207, 0.006120518862331716),
            "false_positive_rate": MetricValue(0.1284, 0.0031),
            "precision": MetricValue(1.0, 0.0),  # equal to its threshold: no violation
        },
    )
    violations = evaluate_constraints(current, constraints)
    assert violations_document(violations) == {
        "violations": [
            {
                "metric_name": "falsePositiveRate",
                "constraint_check_type": "GreaterThanThreshold",
                "description": "Metric falsePositiveRate with 0.1284 +/- 0.0031 was "
                "GreaterThanThreshold '0.0'",
            },
            {
                "metric_name": "f2",
                "constraint_check_type": "LessThanThreshold",
                "description": "Metric f2 with 0.4310344827586207 +/- 0.006120518862331716 "
                "was LessThanThreshold '0.625'",
            },
        ]
    }
    fpr = violations[0]
    assert (fpr.value, fpr.threshold, fpr.sample_count) == (0.1284, 0.0, 800)
    assert fpr.feature_name is None


def test_all_four_rate_metrics_are_camel_case_and_nan_std_is_written_nan() -> None:
    rates = {
        "true_positive_rate": ("truePositiveRate", 0.2),
        "true_negative_rate": ("trueNegativeRate", 0.2),
        "false_positive_rate": ("falsePositiveRate", 0.9),
        "false_negative_rate": ("falseNegativeRate", 0.9),
    }
    statistics = binary_statistics({k: v for k, (_, v) in rates.items()}, math.nan, 50)
    baseline = suggest_constraints(binary_statistics(dict.fromkeys(rates, 0.5), 0.0))
    violations = evaluate_constraints(statistics, baseline)
    assert [v.metric_name for v in violations] == [camel for camel, _ in rates.values()]
    assert violations[0].description == (
        "Metric truePositiveRate with 0.2 +/- NaN was LessThanThreshold '0.5'"
    )


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("LessThanThreshold", 0.5, False),
        ("LessThanThreshold", 0.49, True),
        ("LessThanOrEqualToThreshold", 0.5, True),
        ("GreaterThanThreshold", 0.5, False),
        ("GreaterThanThreshold", 0.51, True),
        ("GreaterThanOrEqualToThreshold", 0.5, True),
        ("GreaterThanOrEqualToThreshold", 0.49, False),
    ],
)
def test_operators(operator: str, value: float, expected: bool) -> None:
    assert breaks(value, operator, 0.5) is expected


def test_or_equal_operators_are_accepted_on_input() -> None:
    doc = {
        "version": 0.0,
        "regression_constraints": {
            "rmse": {"threshold": 2.0, "comparison_operator": "GreaterThanOrEqualToThreshold"}
        },
    }
    constraints = ModelQualityConstraints.from_constraints_json(doc)
    current = ModelQualityStatistics(
        problem_type="Regression", item_count=300, metrics={"rmse": MetricValue(2.0, 0.1)}
    )
    [violation] = evaluate_constraints(current, constraints)
    assert violation.description == (
        "Metric rmse with 2.0 +/- 0.1 was GreaterThanOrEqualToThreshold '2.0'"
    )


def test_bad_documents_and_mismatches_raise() -> None:
    with pytest.raises(ValueError, match="comparison_operator"):
        ModelQualityConstraints.from_constraints_json(
            {"regression_constraints": {"mae": {"threshold": 1, "comparison_operator": "Above"}}}
        )
    with pytest.raises(ValueError, match="exactly one"):
        ModelQualityConstraints.from_constraints_json({"version": 0.0})
    regression = ModelQualityConstraints(problem_type="Regression", constraints={})
    with pytest.raises(ValueError, match="constraints for Regression"):
        evaluate_constraints(binary_statistics({"f1": 0.1}, 0.0), regression)
