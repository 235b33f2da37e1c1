"""``analyze`` against a Clarify explainability baseline whose one label is not ``label0``.

AWS's JSON batch-transform explainability example (``fairness_and_explainability_json``)
prints its baseline ``analysis.json``: one block, keyed by a score,
``"kernel_shap": {"0.7956783771514893": {"global_shap_values": {"Age": …, …}}}``, over the
adult data set's 14 features. Plain ``{feature: value}`` SHAP values (a keyed ``--shap``
file, a SHAP CSV, or a ``shap`` object in the capture output) are that one output's. They
were taken for ``label0``: the run failed with "none of 50 explained records has a SHAP
value of the baseline's features", which they all had.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from sklearn.metrics import ndcg_score

from tests.stream.cli.labeled_files import read_json, run, write_csv, write_lines

AWS_LABEL = "0.7956783771514893"
FEATURES = ("Age", "Workclass", "Education-Num", "Sex", "Capital Gain", "Hours per week")
BASELINE = (0.060, 0.009, 0.099, 0.032, 0.0993, 0.036)  # near the example's figures
LIVE_SCALE = (0.005, 0.100, 0.004, 0.090, 0.003, 0.080)  # the ranking nearly reversed


def _baseline(tmp_path: Path) -> Path:
    rng = random.Random(3)
    data = write_csv(
        tmp_path / "train.csv", FEATURES, [[rng.randint(0, 9) for _ in FEATURES] for _ in range(60)]
    )
    out = tmp_path / "baseline"
    assert run("baseline", "suggest", "--data", data, "--out", out).exit_code == 0
    (out / "attribution").mkdir()
    block = {"global_shap_values": dict(zip(FEATURES, BASELINE, strict=True)),
             "expected_value": 0.25}  # fmt: skip
    doc = {"version": "1.0", "explanations": {"kernel_shap": {AWS_LABEL: block}}}
    (out / "attribution" / "analysis.json").write_text(json.dumps(doc))
    return out


def _records(n: int) -> list[dict[str, float]]:
    """Local SHAP values of ``n`` records: ±scale, so that mean |φ| is the scale."""
    return [
        {
            f: s * (1 if (i + j) % 2 else -1)
            for j, (f, s) in enumerate(zip(FEATURES, LIVE_SCALE, strict=True))
        }
        for i in range(n)
    ]


def _capture(key: str, shap: dict[str, float] | None) -> str:
    output = {"predicted_label": 1, "score": 0.8}
    if shap is not None:
        output["shap"] = shap
    part = {"observedContentType": "application/json", "encoding": "JSON"}
    return json.dumps({
        "captureData": {
            "endpointInput": {**part, "mode": "INPUT", "data": json.dumps([1, 2, 3, 4, 5, 6])},
            "endpointOutput": {**part, "mode": "OUTPUT", "data": json.dumps(output)},
        },
        "eventMetadata": {"eventId": key, "inferenceId": key,
                          "inferenceTime": "2024-01-19T20:05:00Z"},
        "eventVersion": "0",
    })  # fmt: skip


@pytest.mark.parametrize("source", ["capture", "keyed", "csv"])
def test_plain_shap_values_are_the_baselines_only_output(tmp_path: Path, source: str) -> None:
    baseline = _baseline(tmp_path)
    shap = _records(50)
    in_capture = source == "capture"
    captures = write_lines(
        tmp_path / "c.jsonl", [_capture(f"k{i}", s if in_capture else None) for i, s in
                               enumerate(shap)]
    )  # fmt: skip
    args = ["analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "out",
            "--capture-index-names", "endpointInput"]  # fmt: skip
    if source == "keyed":
        docs = [json.dumps({"inferenceId": f"k{i}", "shap": s}) for i, s in enumerate(shap)]
        args += ["--shap", write_lines(tmp_path / "shap.jsonl", docs)]
    elif source == "csv":
        rows = [[s[f] for f in FEATURES] for s in shap]
        args += ["--shap", write_csv(tmp_path / "shap.csv", FEATURES, rows)]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "ModelExplainability: Completed" in result.output, result.output
    doc = read_json(tmp_path / "out" / "attribution" / "analysis.json")
    live = doc["explanations"]["kernel_shap"][AWS_LABEL]["global_shap_values"]
    assert live == pytest.approx(dict(zip(FEATURES, LIVE_SCALE, strict=True)), rel=1e-12)
    assert doc["explanations"]["kernel_shap"][AWS_LABEL]["expected_value"] == 0.25  # baseline's
    reference = ndcg_score([BASELINE], [LIVE_SCALE])  # 0.658…: below 0.9
    assert reference < 0.9
    violations = read_json(tmp_path / "out" / "attribution" / "constraint_violations.json")
    [violation] = violations["violations"]
    assert violation["label"] == AWS_LABEL
    assert violation["constraint_check_type"] == "feature_attribution_drift_check"
    drift = float(violation["description"].split()[3])
    assert drift == pytest.approx(reference, rel=1e-12)


def test_shap_values_of_labels_the_baseline_lacks_are_named(tmp_path: Path) -> None:
    baseline = _baseline(tmp_path)
    shap = _records(12)
    captures = write_lines(
        tmp_path / "c.jsonl", [_capture(f"k{i}", {"yes": s}) for i, s in enumerate(shap)]
    )
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "out",
        "--capture-index-names", "endpointInput",
    )  # fmt: skip
    assert result.exit_code == 2
    assert (
        "ModelExplainability: Failed: SHAP values of labels the baseline does not explain: "
        f"'yes' (12); it explains '{AWS_LABEL}'"
    ) in result.output
