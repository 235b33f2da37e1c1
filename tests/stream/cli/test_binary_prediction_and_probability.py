"""A binary model's predicted label and probability given together, as SageMaker reads them.

``--prediction-column`` / ``--inference-attribute`` is the predicted label and
``--probability-column`` / ``--probability-attribute`` feeds AUC; the threshold only makes a
label of a probability that comes without one. The rows' predictions disagree with
``probability > 0.5``; the reference is scikit-learn on the prediction column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.detectors.model_quality.binary_rows import (
    LABELS,
    PREDICTIONS,
    PROBABILITIES,
    ROWS,
    disagrees_with_the_threshold,
    prediction_confusion,
    prediction_figures,
    probability_auc,
    stated_auc_bound,
)
from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)

# Beyond ROWS: a probability without a predicted label (the threshold makes one: 1, then 0),
# then a predicted label without a usable probability (no part in the AUC).
EXTRA_LABELS = (1, 0, 1, 1)
EXTRA_PREDICTIONS = (1, 0, 1, 0)  # what the detector must count
EXTRA_PROBABILITIES = (0.7, 0.3)  # the first two extra rows only


def _check(
    block: Mapping[str, Any],
    key: str,
    labels: Sequence[int],
    predictions: Sequence[int],
    probabilities: Sequence[float],
) -> None:
    """Threshold metrics of all rows' predictions; AUC of the first rows' probabilities."""
    for name, value in prediction_figures(labels, predictions).items():
        assert block[name][key] == pytest.approx(value, abs=1e-12), name
    scored = labels[: len(probabilities)]
    auc_error = abs(block["auc"][key] - probability_auc(scored, probabilities))
    assert auc_error <= stated_auc_bound(scored, probabilities) + 1e-12


def _suggest(tmp_path: Path, rows: Sequence[Sequence[Any]]) -> tuple[Path, str]:
    data = write_csv(tmp_path / "validation.csv", ("probability", "prediction", "label"), rows)
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out,
        "--problem-type", "BinaryClassification", "--label-column", "label",
        "--prediction-column", "prediction", "--probability-column", "probability",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result.output


def test_baseline_suggest_takes_the_prediction_column_as_the_predicted_label(
    tmp_path: Path,
) -> None:
    assert disagrees_with_the_threshold()
    out, _ = _suggest(tmp_path, [(p, y_hat, y) for y, y_hat, p in ROWS])
    stats = read_json(out / "model_quality/statistics.json")["binary_classification_metrics"]
    _check(stats, "value", LABELS, PREDICTIONS, PROBABILITIES)
    assert stats["confusion_matrix"] == prediction_confusion()
    constraints = read_json(out / "model_quality/constraints.json")
    block = constraints["binary_classification_constraints"]
    _check(block, "threshold", LABELS, PREDICTIONS, PROBABILITIES)


def test_baseline_suggest_thresholds_only_a_row_without_a_prediction(tmp_path: Path) -> None:
    rows = [(p, y_hat, y) for y, y_hat, p in ROWS]
    rows += [(0.7, "", 1), (0.3, "", 0), ("", 1, 1), ("n/a", 0, 1)]  # EXTRA_*
    out, output = _suggest(tmp_path, rows)
    assert "16 labelled rows" in output and "1 non-numeric scores left out" in output
    stats = read_json(out / "model_quality/statistics.json")["binary_classification_metrics"]
    labels, predictions = (*LABELS, *EXTRA_LABELS), (*PREDICTIONS, *EXTRA_PREDICTIONS)
    assert stats["confusion_matrix"] == prediction_confusion(labels, predictions)
    _check(stats, "value", labels, predictions, (*PROBABILITIES, *EXTRA_PROBABILITIES))


def test_analyze_takes_the_inference_attribute_as_the_predicted_label(tmp_path: Path) -> None:
    out, _ = _suggest(tmp_path, [(p, y_hat, y) for y, y_hat, p in ROWS])
    outputs = [f"{p},{y_hat}" for _, y_hat, p in ROWS]  # CSV output: probability, prediction
    outputs += ["0.7,", "0.3,", ",1", "high,0"]  # EXTRA_*
    labels, predictions = (*LABELS, *EXTRA_LABELS), (*PREDICTIONS, *EXTRA_PREDICTIONS)
    captures = write_lines(
        tmp_path / "capture/2024/03/05/14/part.jsonl",
        [capture_line(f"inf-{i}", "0", output) for i, output in enumerate(outputs)],
    )
    truth = write_lines(
        tmp_path / "labels.jsonl", [label_line(f"inf-{i}", y) for i, y in enumerate(labels)]
    )
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "1", "--probability-attribute", "0",
        "--probability-threshold", "0.5",
    )  # fmt: skip
    assert "16 labelled predictions (BinaryClassification)" in result.output, result.output
    assert "2 without a numeric score at the probability attribute" in result.output
    block = read_json(tmp_path / "run/model_quality/statistics.json")[
        "binary_classification_metrics"
    ]
    assert block["confusion_matrix"] == prediction_confusion(labels, predictions)
    _check(block, "value", labels, predictions, (*PROBABILITIES, *EXTRA_PROBABILITIES))
