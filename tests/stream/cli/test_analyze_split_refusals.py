"""``analyze`` with model quality and attribution: each monitor loses only what it cannot read.

A capture whose prediction is refused still gives attribution its SHAP values; one whose
explanation is refused still gives model quality its prediction. Each refusal is counted
under its reason on the join line. Mean |SHAP| is computed by hand, accuracy by
scikit-learn.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import accuracy_score

from tests.stream.cli.labeled_files import label_line, read_json, run, write_lines
from tests.stream.cli.test_analyze_online_explainability import baseline
from tests.stream.split_refusal_captures import (
    BAD_EXPLANATIONS,
    GOOD,
    bad_explanation_captures,
    good_captures,
    several_captures,
)

AT = "2024-03-05T14:07:31Z"
# mean |SHAP| of GOOD's 4 records, SEVERAL's 4 explained records and NO_SCORE's, by hand:
# age .2+.4+.1+0 +.5+.3+.1+.2 +.3 = 2.1; income .1+.2+.1+.3 +.2+0+.1+.4 +.1 = 1.5;
# tenure .3+0+.2+.1 +.1+.4+.1+0 +.2 = 1.4
ALL_NINE = {"age": 2.1 / 9, "income": 1.5 / 9, "tenure": 1.4 / 9}
GOOD_FOUR = {"age": 0.7 / 4, "income": 0.7 / 4, "tenure": 0.6 / 4}  # GOOD's only


def analyze(tmp_path: Path, captures: list[dict], labels: list[tuple[str, int]]) -> str:
    """Run ``analyze`` with binary model quality (score at column 0) and attribution."""
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", map(json.dumps, captures)),
        "--baseline", baseline(tmp_path), "--out", tmp_path / "run",
        "--ground-truth", write_lines(tmp_path / "t.jsonl",
                                      [label_line(k, y) for k, y in labels]),
        "--problem-type", "BinaryClassification", "--probability-attribute", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def test_refused_predictions_keep_their_shap_values_for_attribution(tmp_path: Path) -> None:
    captures = good_captures([AT] * 4) + several_captures([AT] * 3)
    output = analyze(tmp_path, captures, [(key, label) for key, _, label, _ in GOOD])
    assert "4 of 4 captures joined" in output, output
    assert "multi_row_output=2" in output and "no_prediction=1" in output, output
    attribution = read_json(tmp_path / "run/attribution/analysis.json")
    assert "ModelExplainability: Completed: 9 explained records" in output, output
    live = attribution["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert live == pytest.approx(ALL_NINE, abs=1e-12)
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    assert stats["dataset"]["item_count"] == 4
    truth = [label for _, _, label, _ in GOOD]
    predicted = [int(score > 0.5) for _, score, _, _ in GOOD]
    accuracy = stats["binary_classification_metrics"]["accuracy"]["value"]
    assert accuracy == pytest.approx(accuracy_score(truth, predicted))


def test_unreadable_explanations_keep_their_predictions_for_model_quality(
    tmp_path: Path,
) -> None:
    captures = good_captures([AT] * 4) + bad_explanation_captures([AT] * 3)
    rows = [(key, score, label) for key, score, label, _ in GOOD + BAD_EXPLANATIONS]
    output = analyze(tmp_path, captures, [(key, label) for key, _, label in rows])
    assert "7 of 7 captures joined" in output, output
    assert "bad_explanations=2" in output and "unnamed_features=1" in output, output
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    assert stats["dataset"]["item_count"] == 7
    truth = [label for _, _, label in rows]
    predicted = [int(score > 0.5) for _, score, _ in rows]
    accuracy = stats["binary_classification_metrics"]["accuracy"]["value"]
    assert accuracy == pytest.approx(accuracy_score(truth, predicted))
    attribution = read_json(tmp_path / "run/attribution/analysis.json")
    assert "ModelExplainability: Completed: 4 explained records" in output, output
    live = attribution["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert live == pytest.approx(GOOD_FOUR, abs=1e-12)
