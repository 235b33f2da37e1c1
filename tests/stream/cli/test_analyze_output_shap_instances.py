"""``analyze`` with SHAP values per instance in the model's own output of several instances.

A request of N instances whose output holds the predictions and, at ``shap``, one entry of
SHAP values per instance — in the shape of Clarify's online explainability ``kernel_shap``
(a list per record of ``{"feature_header", "attributions": [{"attribution": [...]}]}``, AWS's
documented response, as in the ``sm-clarify_online_explainability_tabular`` example), as
Clarify's ``explanations`` object (``{"kernel_shap": [...]}``), or as plain
``{feature: value}`` maps — was not read: only a Clarify response's were, and an output-level
``shap`` of a multi-instance request was ignored without a count. Every instance's values now
count; one record's ``shap`` object for several predictions is counted ``bad_explanations``.
Mean |SHAP| per feature is computed by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.stream.cli.labeled_files import read_json, run, write_lines
from tests.stream.cli.test_analyze_json_ground_truth import json_label_line
from tests.stream.cli.test_analyze_online_explainability import baseline
from tests.stream.explainer_captures import FEATURES, explainer_capture, kernel_shap_record

SCORES = [[0.8, 0.3], [0.6], [0.2, 0.9, 0.4]]
TRUTH = [[1, 0], [0], [0, 1, 1]]
# per instance: SHAP values of (age, income, tenure); None: that instance was not explained
SHAP = [
    [(0.1, 0.2, 0.3), (-0.3, 0.1, 0.0)],
    [None],
    [(0.0, -0.4, 0.1), (0.5, 0.1, 0.1), (-0.1, 0.0, 0.3)],
]
EXPLAINED = [x for request in SHAP for x in request if x is not None]
LIVE = {"age": 1.0 / 5, "income": 0.8 / 5, "tenure": 0.8 / 5}  # mean |φ| of EXPLAINED, by hand


def _entry(values: tuple[float, ...] | None, shape: str) -> object:
    if values is None:
        return None
    if shape == "plain":
        return dict(zip(FEATURES, values, strict=True))
    return kernel_shap_record(values)


def _shap(request: list, shape: str) -> object:
    entries = [_entry(v, shape) for v in request]
    return {"kernel_shap": entries} if shape == "explanations" else entries


def _captures(tmp_path: Path, shap_of: object) -> Path:
    lines = []
    for r, (scores, request) in enumerate(zip(SCORES, SHAP, strict=True)):
        output = {"predictions": [{"score": x} for x in scores], "shap": shap_of(request)}
        rows = [(40, 5000, 5)] * len(scores)
        lines.append(json.dumps(explainer_capture(f"q{r}", rows, json.dumps(output))))
    return write_lines(tmp_path / "c.jsonl", lines)


def _labels(tmp_path: Path) -> Path:
    return write_lines(
        tmp_path / "t.jsonl",
        [json_label_line(f"q{r}", {"instances": [{"label": y} for y in t]})
         for r, t in enumerate(TRUTH)],
    )  # fmt: skip


def _live(tmp_path: Path) -> dict[str, float]:
    doc = read_json(tmp_path / "run/attribution/analysis.json")
    return doc["explanations"]["kernel_shap"]["label0"]["global_shap_values"]


@pytest.mark.parametrize("shape", ["kernel_shap", "explanations", "plain"])
def test_each_instances_shap_values_count_with_model_quality(tmp_path: Path, shape: str) -> None:
    captures = _captures(tmp_path, lambda request: _shap(request, shape))
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline(tmp_path),
        "--out", tmp_path / "run", "--ground-truth", _labels(tmp_path),
        "--problem-type", "BinaryClassification", "--ground-truth-attribute",
        "instances[*].label", "--probability-attribute", "predictions[*].score",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "6 of 6 captures joined" in result.output, result.output
    assert "bad_explanations" not in result.output, result.output
    assert "5 explained records" in result.output, result.output
    assert _live(tmp_path) == pytest.approx(LIVE, abs=1e-12)


@pytest.mark.parametrize("shape", ["kernel_shap", "plain"])
def test_each_instances_shap_values_count_with_attribution_alone(
    tmp_path: Path, shape: str
) -> None:
    captures = _captures(tmp_path, lambda request: _shap(request, shape))
    result = run("analyze", "--capture", captures, "--baseline", baseline(tmp_path),
                 "--out", tmp_path / "run")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "5 explained records" in result.output, result.output
    assert _live(tmp_path) == pytest.approx(LIVE, abs=1e-12)


def test_one_records_shap_object_for_several_predictions_is_counted(tmp_path: Path) -> None:
    """It cannot be paired with an instance: counted, and the predictions still join."""
    captures = _captures(tmp_path, lambda request: {"age": 0.1, "income": 0.2, "tenure": 0.3})
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline(tmp_path),
        "--out", tmp_path / "run", "--ground-truth", _labels(tmp_path),
        "--problem-type", "BinaryClassification", "--ground-truth-attribute",
        "instances[*].label", "--probability-attribute", "predictions[*].score",
    )  # fmt: skip
    assert "6 of 6 captures joined" in result.output, result.output
    assert "bad_explanations=2" in result.output, result.output  # requests q0 and q2
