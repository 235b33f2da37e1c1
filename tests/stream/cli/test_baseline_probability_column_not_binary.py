"""``baseline suggest --probability-column`` for a multiclass or regression model.

SageMaker's ``ModelQualityMonitor.suggest_baseline`` takes a ``probability_attribute`` for
any problem type (AWS's "Data Science on AWS" star-rating example gives one with
``MulticlassClassification``), and ``analyze`` and the worker read it only for binary
classification, whose AUC needs it. ``baseline suggest`` refused the run outright
('y_score applies to BinaryClassification only'); its figures must be the prediction
column's, as scikit-learn computes them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sklearn.metrics as skm

from tests.stream.cli.labeled_files import read_json, run, write_csv

_RNG = np.random.default_rng(11)
LABELS = _RNG.integers(1, 6, 120)
PREDICTIONS = np.where(_RNG.random(120) < 0.6, LABELS, _RNG.integers(1, 6, 120))
SCORES = _RNG.uniform(0.2, 1.0, 120).round(4)


def _suggest(tmp_path: Path, problem_type: str, *columns: str) -> tuple[Path, str, int]:
    data = write_csv(
        tmp_path / "validation.csv",
        ("prediction", "probability", "star_rating"),
        zip(PREDICTIONS, SCORES, LABELS, strict=True),
    )
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out, "--problem-type", problem_type,
        "--label-column", "star_rating", *columns,
    )  # fmt: skip
    return out, result.output, result.exit_code


def test_multiclass_baseline_takes_the_prediction_and_leaves_the_score(tmp_path: Path) -> None:
    out, output, code = _suggest(
        tmp_path, "MulticlassClassification",
        "--prediction-column", "prediction", "--probability-column", "probability",
    )  # fmt: skip
    assert code == 0, output
    assert "--probability-column 'probability' not used" in output
    y, y_hat = LABELS, PREDICTIONS
    block = read_json(out / "model_quality/statistics.json")["multiclass_classification_metrics"]
    assert block["accuracy"]["value"] == pytest.approx(skm.accuracy_score(y, y_hat), abs=1e-12)
    expected = skm.f1_score(y, y_hat, average="weighted", zero_division=0)
    assert block["weighted_f1"]["value"] == pytest.approx(expected, abs=1e-12)


def test_regression_baseline_takes_the_prediction_and_leaves_the_score(tmp_path: Path) -> None:
    out, output, code = _suggest(
        tmp_path, "Regression",
        "--prediction-column", "prediction", "--probability-column", "probability",
    )  # fmt: skip
    assert code == 0, output
    y, y_hat = LABELS, PREDICTIONS
    block = read_json(out / "model_quality/statistics.json")["regression_metrics"]
    assert block["mae"]["value"] == pytest.approx(skm.mean_absolute_error(y, y_hat), abs=1e-12)
    assert block["r2"]["value"] == pytest.approx(skm.r2_score(y, y_hat), abs=1e-12)


def test_a_score_alone_names_the_missing_prediction_column(tmp_path: Path) -> None:
    _, output, code = _suggest(
        tmp_path, "MulticlassClassification", "--probability-column", "probability"
    )
    assert code == 2
    assert output.startswith("driftline: error: ")
    assert "needs --prediction-column" in output
    assert "y_pred" not in output
