"""The window's attribution ``analysis.json`` carries the baseline's ``expected_value``.

Clarify writes ``explanations.kernel_shap.<label>.expected_value`` in the baselining job's
``analysis.json`` (AWS's explainability-monitor example prints ``"expected_value":
0.250623226165771`` beside the global SHAP values) and in each monitoring execution's, whose
``ExpectedValue`` it publishes to CloudWatch (``ValueType=ExpectedValue``). Kernel SHAP's
``φ_0`` is the model's mean output over the SHAP baseline dataset: the monitoring job explains
with the baselining job's SHAP baseline and model, so its figure is the baseline's. Local SHAP
values carry no ``φ_0``; a baseline without one gives a window without one.
"""

from __future__ import annotations

import json
from pathlib import Path

from stream.monitors.attribution import AttributionRun, load_attribution_baseline

AWS_EXPECTED_VALUE = 0.250623226165771  # AWS's example baseline, label0


def _baseline(folder: Path, block_extra: dict) -> AttributionRun:
    block = {"global_shap_values": {"Age": 0.0596, "Sex": 0.0321}, **block_extra}
    doc = {"version": "1.0", "explanations": {"kernel_shap": {"label0": block}}}
    (folder / "analysis.json").write_text(json.dumps(doc))
    return AttributionRun(load_attribution_baseline(folder))


def test_the_baselines_expected_value_is_written_with_the_windows_values(tmp_path: Path) -> None:
    run = _baseline(tmp_path, {"expected_value": AWS_EXPECTED_VALUE})
    run.update({"label0": {"Age": 0.2, "Sex": -0.1}})
    run.update({"label0": {"Age": -0.4, "Sex": 0.3}})
    block = run.analysis()["explanations"]["kernel_shap"]["label0"]
    assert block["expected_value"] == AWS_EXPECTED_VALUE
    assert block["global_shap_values"] == {"Age": 0.30000000000000004, "Sex": 0.2}  # mean |φ|


def test_a_baseline_without_one_gives_none(tmp_path: Path) -> None:
    run = _baseline(tmp_path, {})
    run.update({"label0": {"Age": 0.2, "Sex": -0.1}})
    assert "expected_value" not in run.analysis()["explanations"]["kernel_shap"]["label0"]
