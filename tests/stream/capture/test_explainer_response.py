"""Clarify online explainability responses: the model's predictions and each record's SHAP.

References: AWS's documented response schema (*Invoke the endpoint*, "Response") and the
values written by hand into each response.
"""

from __future__ import annotations

import json

import pytest

from stream.capture.explainer_response import explainer_response
from stream.capture.payloads import parse_payload
from stream.capture.predictions import LocatedPrediction, PredictionLocator
from stream.capture.records import CaptureError, EventData
from tests.stream.explainer_captures import explainer_output


def _response(text: str):  # type: ignore[no-untyped-def]
    found = explainer_response(json.loads(text))
    assert found is not None
    return found


def test_predictions_keep_their_own_content_type() -> None:
    csv = _response(explainer_output("0.2\n0.9\n", None))
    assert csv.predictions == EventData("text/csv; charset=utf-8", "OUTPUT", "0.2\n0.9\n", "CSV")
    jsonl = (
        '{"predicted_label": 1, "probability": 0.6}\n{"predicted_label": 0, "probability": 0.1}\n'
    )
    lines = _response(explainer_output(jsonl, None, content_type="application/jsonlines"))
    assert lines.predictions.encoding == "JSON"
    assert parse_payload(lines.predictions).rows == [
        {"predicted_label": 1, "probability": 0.6},
        {"predicted_label": 0, "probability": 0.1},
    ]


def test_a_models_own_json_output_is_not_a_response() -> None:
    for doc in (
        {"predictions": [{"score": 0.2}]},
        {
            "predictions": {"content_type": "text/csv", "data": "1"},
            "explanations": {},
        },  # no version
        {"version": "1.0", "predictions": {"data": "1"}, "explanations": {}},  # no content type
        {"version": "1.0", "predictions": {"content_type": "text/csv", "data": "1"}},
        [1, 2],
    ):
        assert explainer_response(doc) is None, doc


def test_each_record_in_order_and_none_where_not_explained() -> None:
    text = explainer_output("0.1\n0.5\n0.9\n", [[0.1, -0.2, 0.3], None, [-0.4, 0.0, 0.25]])
    assert _response(text).local_shap() == [
        {"label0": {"age": 0.1, "income": -0.2, "tenure": 0.3}},
        None,
        {"label0": {"age": -0.4, "income": 0.0, "tenure": 0.25}},
    ]
    assert _response(explainer_output("0.1\n", None)).local_shap() == []  # "explanations": {}


def test_features_without_header_are_named_by_position() -> None:
    text = explainer_output("0.1\n", [[0.5, -0.5]], features=None)
    assert _response(text).local_shap(("a", "b")) == [{"label0": {"a": 0.5, "b": -0.5}}]
    with pytest.raises(CaptureError) as refused:
        _response(text).local_shap(("a",))
    assert refused.value.reason == "unnamed_features"
    assert "feature 1 has no feature_header" in refused.value.message


def test_several_outputs_are_labels_named_by_label_headers_or_position() -> None:
    values = [[0.1, -0.1], [0.3, -0.3], [0.0, 0.2]]  # per feature: output 0, output 1
    named = explainer_output("0.6,0.4\n", [values], label_headers=["yes", "no"])
    assert _response(named).local_shap() == [
        {"yes": {"age": 0.1, "income": 0.3, "tenure": 0.0},
         "no": {"age": -0.1, "income": -0.3, "tenure": 0.2}},
    ]  # fmt: skip
    unnamed = explainer_output("0.6,0.4\n", [values])
    assert list(_response(unnamed).local_shap()[0]) == ["label0", "label1"]
    assert list(_response(unnamed).local_shap(single_label="yes")[0]) == ["label0", "label1"]


def test_one_unnamed_output_takes_the_single_label_given() -> None:
    one = explainer_output("0.6\n", [[[0.1], [0.3], [0.0]]])
    assert list(_response(one).local_shap()[0]) == ["label0"]  # Clarify's own name
    assert _response(one).local_shap(single_label="Churn") == [
        {"Churn": {"age": 0.1, "income": 0.3, "tenure": 0.0}}
    ]


@pytest.mark.parametrize(
    ("record", "why"),
    [
        ([{"feature_header": "a", "attributions": [{"attribution": ["x"]}]}], '"x"'),
        ([{"feature_header": "a", "attributions": [{"attribution": [True]}]}], "true"),
        ([{"feature_header": "a", "attributions": []}], "has 0 attributions"),
        (
            [{"feature_header": "t", "attributions": [
                {"attribution": [0.1], "description": {"partial_text": "good", "start_idx": 0}},
                {"attribution": [0.2], "description": {"partial_text": "bad", "start_idx": 5}},
            ]}],
            "has 2 attributions",
        ),  # text units
        ({"feature_header": "a"}, "not a list of features"),
        (["a"], "is not an object"),
    ],
)  # fmt: skip
def test_explanations_not_in_awss_shape_are_refused_with_a_reason(record, why) -> None:  # type: ignore[no-untyped-def]
    doc = {"version": "1.0", "predictions": {"content_type": "text/csv", "data": "1"},
           "explanations": {"kernel_shap": [record]}}  # fmt: skip
    with pytest.raises(CaptureError) as refused:
        _response(json.dumps(doc)).local_shap(("a",))
    assert refused.value.reason == "bad_explanations"
    assert why in refused.value.message


def test_the_payload_rows_of_a_response_are_its_predictions() -> None:
    """Data quality reads the model's response: one row per record, not the envelope."""
    text = explainer_output("0.2\n0.9\n", [[0.1, 0.2, 0.3], None])
    rows = parse_payload(EventData("application/json", "OUTPUT", text, "JSON")).rows
    assert rows == [["0.2"], ["0.9"]]


def test_a_json_lines_response_of_one_value_a_line_is_one_prediction_a_line() -> None:
    """Read as a captured JSON Lines output is: never one row holding every line's value."""
    text = explainer_output("0.9\n0.2\n", None, content_type="application/jsonlines")
    predictions = _response(text).predictions
    assert parse_payload(predictions).rows == [[0.9], [0.2]]
    assert PredictionLocator().locate_instances(predictions) == [
        LocatedPrediction(None, 0.9),
        LocatedPrediction(None, 0.2),
    ]
