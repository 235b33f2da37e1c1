from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from detectors.attribution import (
    LabelExplanation,
    analysis_document,
    baseline_from_local_shap,
    read_explanations,
)

# the clarify spec §5 example block
SPEC_DOC = {
    "version": "1.0",
    "explanations": {
        "kernel_shap": {
            "label0": {
                "global_shap_values": {"feature_0": 0.0225, "feature_1": 0.0074},
                "expected_value": 0.5082,
            }
        }
    },
}


def test_reads_the_spec_layout() -> None:
    explanations = read_explanations(SPEC_DOC)
    assert list(explanations) == ["label0"]
    e = explanations["label0"]
    assert e.global_shap_values == (("feature_0", 0.0225), ("feature_1", 0.0074))
    assert e.expected_value == 0.5082
    assert e.features == ("feature_0", "feature_1")


def test_write_read_round_trip_through_json_text() -> None:
    labels = [
        LabelExplanation("label0", (("x", 0.3), ("y", 0.1)), expected_value=0.25),
        LabelExplanation("churned", (("y", 0.2), ("x", 0.05)), expected_value=None),
    ]
    doc = analysis_document(labels)
    assert doc["version"] == "1.0"
    assert set(doc["explanations"]) == {"kernel_shap"}
    assert "expected_value" not in doc["explanations"]["kernel_shap"]["churned"]
    back = read_explanations(json.loads(json.dumps(doc)))
    assert list(back.values()) == labels
    assert analysis_document(read_explanations(SPEC_DOC).values()) == SPEC_DOC


def test_other_analysis_sections_are_ignored() -> None:
    doc = dict(SPEC_DOC, post_training_bias_metrics={"label": "y", "facets": {}})
    assert read_explanations(doc)["label0"].expected_value == 0.5082


@pytest.mark.parametrize(
    "doc",
    [
        {"version": "1.0"},
        {"explanations": {"kernel_shap": {}}},
        {"explanations": {"kernel_shap": {"label0": {"expected_value": 0.1}}}},
        {"explanations": {"kernel_shap": {"label0": {"global_shap_values": {"a": "x"}}}}},
    ],
)
def test_malformed_documents_raise(doc: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="label0|kernel_shap"):
        read_explanations(doc)


@pytest.mark.parametrize(
    ("agg_method", "reference"),
    [
        ("mean_abs", lambda m: np.mean(np.abs(m), axis=0)),
        ("mean_sq", lambda m: np.mean(m * m, axis=0)),
        ("median", lambda m: np.median(m, axis=0)),
    ],
)
def test_baseline_from_rows_equals_numpy(agg_method: str, reference: object) -> None:
    rng = random.Random(9)
    matrix = np.array([[rng.gauss(0.0, s) for s in (0.1, 1.0, 0.4)] for _ in range(1001)])
    rows = [dict(zip(("a", "b", "c"), row, strict=True)) for row in matrix.tolist()]
    e = baseline_from_local_shap(rows, label="label1", agg_method=agg_method, expected_value=0.4)
    assert e.label == "label1" and e.features == ("a", "b", "c") and e.expected_value == 0.4
    np.testing.assert_allclose(
        [v for _, v in e.global_shap_values],
        reference(matrix),  # type: ignore[operator]
        rtol=1e-12,
    )


def test_baseline_skips_missing_and_non_finite_and_keeps_feature_order() -> None:
    rows = [{"b": 1.0, "a": math.nan}, {"a": -2.0}, {"b": -3.0, "c": math.inf}]
    e = baseline_from_local_shap(rows, features=("a", "b", "c", "d"))
    values = e.shap_values()
    assert list(values) == ["a", "b", "c", "d"]
    assert values["a"] == 2.0 and values["b"] == 2.0
    assert math.isnan(values["c"]) and math.isnan(values["d"])
    assert baseline_from_local_shap(rows).features == ("b", "a", "c")


def test_baseline_rejects_unknown_agg_method() -> None:
    with pytest.raises(ValueError, match="agg_method"):
        baseline_from_local_shap([], agg_method="max")
