"""Locating predictions and scores in capture outputs (SageMaker's attributes)."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from stream.capture.predictions import (
    LocatedPrediction,
    PredictionLocator,
    lookup,
    typed_value,
)
from stream.capture.records import CaptureError, EventData


def _csv(data: str) -> EventData:
    return EventData("text/csv", "OUTPUT", data, "CSV")


def _json(data: str) -> EventData:
    return EventData("application/json", "OUTPUT", data, "JSON")


def test_csv_column_indices() -> None:
    locator = PredictionLocator(inference_attribute="1", probability_attribute="0")
    assert locator.locate(_csv("0.25,0")) == [LocatedPrediction(0.0, 0.25)]
    assert locator.locate(_csv("0.25,0\n0.75,1")) == [
        LocatedPrediction(0.0, 0.25),
        LocatedPrediction(1.0, 0.75),
    ]
    assert PredictionLocator(probability_attribute="3").locate(_csv("0.1")) == [
        LocatedPrediction(None, None)
    ]


def test_json_keys_paths_and_rows() -> None:
    document = '{"predicted_label": "cat", "scores": {"positive": 0.8}}'
    locator = PredictionLocator(
        inference_attribute="$.predicted_label", probability_attribute="scores.positive"
    )
    assert locator.locate(_json(document)) == [LocatedPrediction("cat", 0.8)]
    rows = '{"predictions": [{"label": 1, "p": 0.9}, {"label": 0, "p": 0.2}]}'
    by_key = PredictionLocator(inference_attribute="label", probability_attribute="p")
    assert by_key.locate(_json(rows)) == [LocatedPrediction(1, 0.9), LocatedPrediction(0, 0.2)]
    assert PredictionLocator(probability_attribute="0").locate(_json("[0.3, 0.7]")) == [
        LocatedPrediction(None, 0.3)
    ]


def test_lookup_follows_any_mapping() -> None:
    """A dotted path reads any Mapping as a dict (a dict only skips the ABC check)."""
    document = MappingProxyType({"scores": MappingProxyType({"positive": 0.8}), "top": [4, 5]})
    assert lookup(document, "$.scores.positive") == 0.8
    assert lookup(document, "top.1") == 5
    assert lookup(document, "scores.negative") is None
    assert lookup(document, "top.2") is None


def test_bad_json_and_missing_attributes() -> None:
    with pytest.raises(CaptureError, match="bad_payload"):
        PredictionLocator(inference_attribute="label").locate(_json("{not json"))
    with pytest.raises(ValueError, match="single_value must be 'score' or 'predicted'"):
        PredictionLocator(single_value="label")


def test_typed_values() -> None:
    assert [typed_value(v) for v in ("1", " 2.5 ", "yes", "", "nan", 3)] == [
        1.0, 2.5, "yes", None, "nan", 3,
    ]  # fmt: skip


def test_without_attributes_a_one_value_output_is_the_prediction() -> None:
    """Clarify reads a model that returns one value with no label nor probability given."""
    scores = PredictionLocator()  # binary classification and bias: a number is the score
    one_score = [LocatedPrediction(None, 0.87)]
    assert scores.locate(_csv("0.87")) == one_score
    assert scores.locate(_csv("0.87\n")) == one_score
    assert scores.locate(_json("0.87")) == one_score
    assert scores.locate(_json("[0.87]")) == one_score
    assert scores.locate(_json("[[0.87]]")) == one_score
    assert scores.locate(EventData("text/csv", "OUTPUT", "MC44Nw==", "BASE64")) == one_score
    assert scores.locate(_csv("yes")) == [LocatedPrediction("yes", None)]  # text is a label
    assert scores.locate_instances(_json("[0.87]")) == one_score
    values = PredictionLocator(single_value="predicted")  # regression, multiclass
    assert values.locate(_csv("12.5")) == [LocatedPrediction(12.5, None)]
    assert values.locate(_json('["fish"]')) == [LocatedPrediction("fish", None)]
    # each CSV line is one prediction: two lines are two (refused by the monitors, one expected)
    two = [LocatedPrediction(None, 0.1), LocatedPrediction(None, 0.9)]
    assert scores.locate(_csv("0.1\n0.9")) == two


@pytest.mark.parametrize(
    ("output", "reason", "message"),
    [
        (_csv("0.87,1"), "multi_row_output", "line 1 of the CSV output holds 2 values"),
        (_json("[0.2, 0.8]"), "multi_row_output", "the output holds 2 values"),
        (_json("[[0.2, 0.8]]"), "multi_row_output", "the output holds 2 values"),
        (_json('{"score": 0.8}'), "no_prediction", "holds no single value"),
        (_json("[]"), "no_prediction", "holds no single value"),
        (_json("null"), "no_prediction", "the output holds no value"),
        (_csv(""), "no_prediction", "the CSV output is empty"),
        (_csv(" \n"), "no_prediction", "the CSV output is empty"),  # blank lines are skipped
    ],
)
def test_without_attributes_several_values_or_none_are_refused(
    output: EventData, reason: str, message: str
) -> None:
    with pytest.raises(CaptureError, match=message) as caught:
        PredictionLocator().locate_instances(output)
    assert caught.value.reason == reason
    assert "set inference_attribute or probability_attribute" in caught.value.message or (
        reason == "no_prediction"
    )
