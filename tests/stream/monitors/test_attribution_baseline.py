"""The attribution baseline's feature headers: analysis_config.json ``headers`` without the label.

They name SHAP values given by position (a Clarify online explainability response without
``FeatureHeaders``). Clarify's analysis configs list the dataset's columns, label included,
and name the label by ``label`` (a column name or a 0-based index).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stream.monitors.attribution import load_attribution_baseline

ANALYSIS = {"version": "1.0", "explanations": {"kernel_shap": {"label0": {
    "global_shap_values": {"age": 0.5, "income": 0.3}, "expected_value": 0.4}}}}  # fmt: skip


@pytest.mark.parametrize(
    ("config", "headers"),
    [
        ({"headers": ["age", "income"], "methods": {"shap": {}}}, ("age", "income")),
        ({"headers": ["target", "age", "income"], "label": "target"}, ("age", "income")),
        ({"headers": ["age", "target", "income"], "label": 1}, ("age", "income")),
        ({"methods": {"shap": {"agg_method": "mean_abs"}}}, ()),
    ],
)
def test_headers_are_the_features_in_order(tmp_path: Path, config: dict, headers: tuple) -> None:
    (tmp_path / "analysis.json").write_text(json.dumps(ANALYSIS))
    (tmp_path / "analysis_config.json").write_text(json.dumps(config))
    assert load_attribution_baseline(tmp_path).headers == headers


def test_without_an_analysis_config_there_are_no_headers(tmp_path: Path) -> None:
    (tmp_path / "analysis.json").write_text(json.dumps(ANALYSIS))
    assert load_attribution_baseline(tmp_path).headers == ()
