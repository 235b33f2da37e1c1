"""Clarify's ``explanations_shap/out.csv`` as ``--shap``: columns ``<feature>_label<k>``.

Clarify names each local SHAP column after its feature and model output (``Age_label0``;
AWS's Clarify notebooks strip ``_label0`` to plot them by feature, and AWS's AutoGluon
example splits a two-output file at the feature count). driftline took the column names as
feature names: ``baseline suggest --shap out.csv`` wrote a baseline of ``Age_label0`` …
that no Clarify ``analysis.json`` or capture SHAP matches, and ``analyze --shap out.csv``
against Clarify's own baseline failed ("none of … has a SHAP value of the baseline's
features"). The references are numpy means of |φ| and nDCG worked out from its definition.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tests.stream.cli.labeled_files import capture_line, read_json, run, write_csv, write_lines

FEATURES = ("Age", "Capital Gain", "Sex")
_RNG = np.random.default_rng(21)
LABEL0 = _RNG.normal(0.0, (0.3, 0.2, 0.05), (40, 3)).round(5)
LABEL1 = _RNG.normal(0.0, (0.05, 0.2, 0.3), (40, 3)).round(5)  # the ranking reversed


def _out_csv(path: Path, *outputs: np.ndarray) -> Path:
    header = [f"{f}_label{k}" for k in range(len(outputs)) for f in FEATURES]
    rows = np.hstack(outputs).tolist()
    return write_csv(path, header, rows)


def _ndcg(baseline: dict[str, float], live: dict[str, float]) -> float:
    """Clarify's nDCG: baseline values as relevance, in the live ranking over the ideal one."""
    gain = lambda order: sum(baseline[f] / math.log2(i + 2) for i, f in enumerate(order))  # noqa: E731
    return gain(sorted(live, key=live.__getitem__, reverse=True)) / gain(
        sorted(baseline, key=baseline.__getitem__, reverse=True)
    )


def test_baseline_suggest_names_the_features_not_the_columns(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "train.csv", FEATURES, [(41, 0, 1), (19, 500, 0)])
    shap = _out_csv(tmp_path / "out.csv", LABEL0)
    out = tmp_path / "baseline"
    result = run("baseline", "suggest", "--data", data, "--out", out, "--shap", shap)
    assert result.exit_code == 0, result.output
    doc = read_json(out / "attribution/analysis.json")["explanations"]["kernel_shap"]
    assert list(doc) == ["label0"]
    expected = dict(zip(FEATURES, np.abs(LABEL0).mean(axis=0), strict=True))
    assert doc["label0"]["global_shap_values"] == pytest.approx(expected, abs=1e-12)


def test_analyze_reads_each_output_of_a_two_output_file_against_clarify_baseline(
    tmp_path: Path,
) -> None:
    baseline = {"Age": 0.24, "Capital Gain": 0.16, "Sex": 0.04}  # Clarify's own names
    (tmp_path / "b/attribution").mkdir(parents=True)
    analysis = {
        "version": "1.0",
        "explanations": {
            "kernel_shap": {
                label: {"global_shap_values": baseline, "expected_value": 0.3}
                for label in ("label0", "label1")
            }
        },
    }
    (tmp_path / "b/attribution/analysis.json").write_text(json.dumps(analysis))
    data = write_csv(tmp_path / "train.csv", FEATURES, [(41, 0, 1), (19, 500, 0)])
    assert run("baseline", "suggest", "--data", data, "--out", tmp_path / "b").exit_code == 0
    captures = write_lines(tmp_path / "c.jsonl", [capture_line("k", "1", "0.5")])
    result = run(
        "analyze", "--capture", captures, "--baseline", tmp_path / "b", "--out", tmp_path / "run",
        "--shap", _out_csv(tmp_path / "out.csv", LABEL0, LABEL1),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = read_json(tmp_path / "run/attribution/analysis.json")["explanations"]["kernel_shap"]
    for label, values in (("label0", LABEL0), ("label1", LABEL1)):
        expected = dict(zip(FEATURES, np.abs(values).mean(axis=0), strict=True))
        assert doc[label]["global_shap_values"] == pytest.approx(expected, abs=1e-12), label
        ndcg = _ndcg(baseline, expected)
        assert f"{label} nDCG {ndcg:.4f}" in result.output
    assert "ModelExplainability: CompletedWithViolations: 40 explained records" in result.output
    violations = read_json(tmp_path / "run/attribution/constraint_violations.json")["violations"]
    assert [v["label"] for v in violations] == ["label1"]  # its ranking was reversed
