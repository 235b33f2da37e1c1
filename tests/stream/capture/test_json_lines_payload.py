r"""JSON Lines capture parts of several lines: one instance per line, located line by line.

The shape is AWS's JSON Lines monitor examples' (a request ``{"features": [...]}\n...`` and
an answer ``{"predicted_label": ..., "score": ...}\n`` per instance); the values are ours.
"""

from __future__ import annotations

import pytest

from stream.capture.json_lines import json_lines_values, json_payload
from stream.capture.payloads import parse_payload
from stream.capture.predictions import LocatedPrediction, PredictionLocator
from stream.capture.records import CaptureError, EventData
from stream.monitors.bias_columns import BiasInputColumns

JSON_LINES = "application/jsonlines"


def _part(data: str, mode: str = "INPUT", content_type: str = JSON_LINES) -> EventData:
    return EventData(content_type, mode, data, "JSON")


REQUEST = _part('{"features":[28,2,133937]}\n{"features":[43,2,72338]}')
ANSWER = _part(
    '{"predicted_label":1,"score":0.989977}\n{"predicted_label":0,"score":0.304138}\n', "OUTPUT"
)


def test_each_line_of_a_request_is_a_row() -> None:
    assert parse_payload(REQUEST).rows == [[28, 2, 133937], [43, 2, 72338]]
    rows = parse_payload(ANSWER).rows
    assert rows == [
        {"predicted_label": 1, "score": 0.989977},
        {"predicted_label": 0, "score": 0.304138},
    ]


def test_blank_lines_are_skipped_and_scalar_lines_are_one_value_rows() -> None:
    part = _part("0.25\n\n0.75\n\n", "OUTPUT")
    assert parse_payload(part).rows == [[0.25], [0.75]]  # two instances, never one row of two
    assert parse_payload(part).reading(1) is None


def test_one_line_or_one_value_over_lines_reads_as_before() -> None:
    assert parse_payload(_part('{"features":[28,2]}\n')).rows == [[28, 2]]
    pretty = _part('{\n  "features": [28, 2]\n}\n')
    assert parse_payload(pretty).rows == [[28, 2]]
    assert json_lines_values(pretty) is None
    # application/json keeps refusing text of several values: it is no JSON document
    with pytest.raises(CaptureError) as refused:
        parse_payload(_part('{"a":1}\n{"a":2}', content_type="application/json"))
    assert refused.value.reason == "bad_payload"
    assert "JSON payload does not parse" in refused.value.message


def test_a_line_that_does_not_parse_is_bad_payload_naming_the_line() -> None:
    part = _part('{"features":[1]}\n\n{"features":[2]\n{"features":[3]}')
    for read in (parse_payload, lambda p: json_payload(p, "x")):
        with pytest.raises(CaptureError) as refused:
            read(part)
        assert refused.value.reason == "bad_payload"
        assert refused.value.message.startswith("line 3 of the JSON Lines payload does not parse")


def test_predictions_are_located_in_each_line() -> None:
    locator = PredictionLocator(
        inference_attribute="predicted_label", probability_attribute="score"
    )
    assert locator.locate_instances(ANSWER) == [
        LocatedPrediction(1, 0.989977),
        LocatedPrediction(0, 0.304138),
    ]
    assert PredictionLocator(probability_attribute="score").locate(ANSWER) == [
        LocatedPrediction(None, 0.989977),
        LocatedPrediction(None, 0.304138),
    ]
    assert PredictionLocator().locate(_part("0.25\n0.75\n", "OUTPUT")) == [
        LocatedPrediction(None, 0.25),
        LocatedPrediction(None, 0.75),
    ]


def test_a_line_without_a_prediction_refuses_the_output() -> None:
    answer = _part('{"predicted_label":1}\n{"label":0}\n', "OUTPUT")
    with pytest.raises(CaptureError) as refused:
        PredictionLocator(inference_attribute="predicted_label").locate_instances(answer)
    assert refused.value.reason == "no_prediction"
    assert "instance 2 of 2" in refused.value.message


def test_bias_reads_the_features_path_in_each_line() -> None:
    columns = BiasInputColumns(
        headers=("Age", "Sex", "Income", "Target"), label="label", features="features",
        wanted=("Sex", "Age"),
    )  # fmt: skip
    assert columns.values_each(REQUEST) == [{"Sex": 2, "Age": 28}, {"Sex": 2, "Age": 43}]
    nested = _part('{"data":{"features":[1,0,5]}}\n{"data":{"features":[2,1,6]}}')
    deep = BiasInputColumns(
        headers=("Age", "Sex", "Income", "Target"), label="label", features="data.features",
        wanted=("Sex",),
    )  # fmt: skip
    assert deep.values_each(nested) == [{"Sex": 0}, {"Sex": 1}]
    short = _part('{"features":[28,2,133937]}\n{"features":[43,2]}')
    with pytest.raises(CaptureError) as refused:
        columns.values_each(short)
    assert refused.value.reason == "headers_mismatch"
