"""``analyze`` with SHAP values in the model's own output: a malformed ``shap`` is counted.

A ``shap`` object that is not SHAP values (a value that is not a number, a list, labels
mixed with values) was dropped without a trace: neither explained nor counted. It is
counted ``bad_explanations`` on the labels line, as an unreadable Clarify explanation is,
and its prediction still joins for model quality. An output without ``shap`` (or with
``null``) is a prediction that was not explained, not an error. Mean |SHAP| is computed by
hand, accuracy by scikit-learn.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import accuracy_score

from tests.stream.cli.labeled_files import label_line, read_json, run, write_lines
from tests.stream.cli.test_analyze_online_explainability import baseline
from tests.stream.cli.test_analyze_split_refusals import GOOD_FOUR
from tests.stream.plain_shap_captures import MALFORMED, PLAIN_GOOD, UNEXPLAINED, plain_captures

AT = "2024-03-05T14:07:31Z"


def analyze(tmp_path: Path, captures: list[dict], *extra: str) -> str:
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", map(json.dumps, captures)),
        "--baseline", baseline(tmp_path), "--out", tmp_path / "run", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def test_a_malformed_shap_object_is_counted_and_its_prediction_still_joins(
    tmp_path: Path,
) -> None:
    rows = PLAIN_GOOD + MALFORMED + UNEXPLAINED
    labels = write_lines(tmp_path / "t.jsonl", [label_line(k, y) for k, _, y, _ in rows])
    output = analyze(
        tmp_path, plain_captures(rows, [AT] * len(rows)), "--ground-truth", labels,
        "--problem-type", "BinaryClassification", "--probability-attribute", "score",
    )  # fmt: skip
    assert "10 of 10 captures joined" in output, output
    assert "bad_explanations=4" in output, output
    assert "ModelExplainability: Completed: 4 explained records" in output, output
    live = read_json(tmp_path / "run/attribution/analysis.json")
    values = live["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert values == pytest.approx(GOOD_FOUR, abs=1e-12)
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    assert stats["dataset"]["item_count"] == 10
    truth = [label for _, _, label, _ in rows]
    predicted = [int(score > 0.5) for _, score, _, _ in rows]
    accuracy = stats["binary_classification_metrics"]["accuracy"]["value"]
    assert accuracy == pytest.approx(accuracy_score(truth, predicted))


def test_outputs_without_shap_are_not_explained_and_not_refused(tmp_path: Path) -> None:
    rows = PLAIN_GOOD + UNEXPLAINED
    labels = write_lines(tmp_path / "t.jsonl", [label_line(k, y) for k, _, y, _ in rows])
    output = analyze(
        tmp_path, plain_captures(rows, [AT] * len(rows)), "--ground-truth", labels,
        "--problem-type", "BinaryClassification", "--probability-attribute", "score",
    )  # fmt: skip
    assert "6 of 6 captures joined" in output, output
    assert "bad_explanations" not in output, output
    assert "ModelExplainability: Completed: 4 explained records" in output, output


def test_with_attribution_alone_a_malformed_shap_object_is_counted(tmp_path: Path) -> None:
    rows = PLAIN_GOOD + MALFORMED + UNEXPLAINED
    output = analyze(tmp_path, plain_captures(rows, [AT] * len(rows)))
    assert "ModelExplainability: Completed: 4 explained records" in output, output
    assert "unusable outputs: bad_explanations=4" in output, output
    live = read_json(tmp_path / "run/attribution/analysis.json")
    values = live["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert values == pytest.approx(GOOD_FOUR, abs=1e-12)


def test_a_capture_without_a_prediction_nor_readable_shap_counts_each_reason(
    tmp_path: Path,
) -> None:
    rows = [*PLAIN_GOOD, ("y0", None, 1, {"age": "high", "income": 0.1, "tenure": 0.2})]
    labels = write_lines(tmp_path / "t.jsonl", [label_line(k, y) for k, _, y, _ in rows])
    output = analyze(
        tmp_path, plain_captures(rows, [AT] * len(rows)), "--ground-truth", labels,
        "--problem-type", "BinaryClassification", "--probability-attribute", "score",
    )  # fmt: skip
    assert "4 of 4 captures joined" in output, output
    assert "bad_explanations=1" in output and "no_prediction=1" in output, output
    assert "ModelExplainability: Completed: 4 explained records" in output, output
