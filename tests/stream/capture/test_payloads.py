"""Capture payloads as SageMaker's analyzer reads them: CSV records, instances and predictions."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from stream.capture.payloads import parse_payload, payload_rows
from stream.capture.records import CaptureError, EventData, capture_from_dict
from stream.capture.rows import RowBuilder


def _record(input_data: str, output_data: str, encoding: str = "JSON") -> Any:
    return capture_from_dict(
        {
            "captureData": {
                "endpointInput": {"data": input_data, "encoding": encoding, "mode": "INPUT"},
                "endpointOutput": {"data": output_data, "encoding": encoding, "mode": "OUTPUT"},
            },
            "eventMetadata": {"eventId": "e1"},
            "eventVersion": "0",
        }
    )


def _csv(text: str) -> list[Any]:
    return payload_rows(EventData("text/csv", "INPUT", text, "CSV"))


def test_two_records_of_three_instances_are_six_rows_each_with_its_own_features() -> None:
    builder = RowBuilder(features=("score", "x"))
    rows = []
    for first in (1, 4):
        instances = json.dumps({"instances": [first, first + 1, first + 2]})
        predictions = json.dumps({"predictions": [first / 10, (first + 1) / 10, (first + 2) / 10]})
        rows += builder.rows(_record(instances, predictions))
    # one row per instance, the prediction paired with it by index
    assert rows == [{"score": x / 10, "x": x} for x in range(1, 7)]


@pytest.mark.parametrize(
    ("instances", "predictions", "expected"),
    [
        # SageMaker's built-in algorithms: {"features": [...]} instances, dict predictions
        (
            {"instances": [{"features": [1, 2]}, {"features": [3, 4]}]},
            {"predictions": [{"score": 0.1}, {"score": 0.9}]},
            [{"score": 0.1, "a": 1, "b": 2}, {"score": 0.9, "a": 3, "b": 4}],
        ),
        # lists of rows on both sides
        (
            {"instances": [[1, 2], [3, 4]]},
            {"predictions": [[0.1], [0.9]]},
            [{"p": 0.1, "a": 1, "b": 2}, {"p": 0.9, "a": 3, "b": 4}],
        ),
        # a bare output list pairs with keyed single-value instances
        ({"instances": [1, 2]}, [0.1, 0.9], [{"p": 0.1, "a": 1}, {"p": 0.9, "a": 2}]),
        # one instance as a bare list of its values, one prediction
        ([41, 3.2], {"predictions": [0.7]}, [{"p": 0.7, "a": 41, "b": 3.2}]),
        # one instance, the output one vector (class probabilities)
        (
            {"instances": [[1, 2]]},
            {"predictions": [0.2, 0.8]},
            [{"p": 0.2, "a": 0.8, "b": 1, "_c3": 2}],
        ),
    ],
)
def test_instances_pair_with_predictions_by_index(
    instances: Any, predictions: Any, expected: list[dict[str, Any]]
) -> None:
    record = _record(json.dumps(instances), json.dumps(predictions))
    assert RowBuilder(features=("p", "a", "b")).rows(record) == expected


@pytest.mark.parametrize(
    ("instances", "predictions"),
    [
        ({"instances": [[1, 2], [3, 4], [5, 6]]}, {"predictions": [0.1, 0.2]}),
        ({"instances": [1, 2, 3]}, {"predictions": [0.1, 0.2]}),
        ([[1, 2], [3, 4]], [[0.1], [0.2], [0.3]]),
    ],
)
def test_counts_that_do_not_pair_are_a_shape_mismatch_not_repeated_features(
    instances: Any, predictions: Any
) -> None:
    record = _record(json.dumps(instances), json.dumps(predictions))
    with pytest.raises(CaptureError) as info:
        RowBuilder(features=("p", "a", "b")).rows(record)
    assert info.value.reason == "shape_mismatch"


@pytest.mark.parametrize("separator", ["\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\r"])
def test_unquoted_csv_is_cut_at_newlines_only(separator: str) -> None:
    text = f"1,a{separator}b\n2,c\n"
    # the csv module, reading records at \n only, is the reference
    reference = list(csv.reader(io.StringIO(text.replace(separator, "@")), strict=True))
    expected = [[f.replace("@", separator) for f in row] for row in reference]
    assert _csv(text) == expected == [["1", f"a{separator}b"], ["2", "c"]]


def test_crlf_records_and_blank_lines() -> None:
    assert _csv("1,2\r\n\r\n3,4\r\n") == [["1", "2"], ["3", "4"]]


def test_quoted_fields_of_any_length_and_with_quotes_commas_and_newlines() -> None:
    huge = "x" * 200_000  # above the csv module's default field limit of 131,072
    text = f'1,"{huge}",2\r\n3,"a ""b"", c\nd",4\n5,6"inch,7'
    assert _csv(text) == [["1", huge, "2"], ["3", 'a "b", c\nd', "4"], ["5", '6"inch', "7"]]


@pytest.mark.parametrize("text", ['1,"unterminated\n2,3', '1,"closed"then-more,2'])
def test_malformed_quoted_fields_are_bad_payloads(text: str) -> None:
    with pytest.raises(CaptureError) as info:
        _csv(text)
    assert info.value.reason == "bad_payload"


@pytest.mark.parametrize(
    ("data", "rows", "flat"),
    [
        (
            '[41, 2.5, true, null, "gold"]',
            [[41, 2.5, True, None, "gold"]],
            [41, 2.5, True, None, "gold"],
        ),
        ('[[1, 2], {"features": [3, 4]}, {"a": 5}]', [[1, 2], [3, 4], {"a": 5}], None),
        ('{"instances": [0.5, false]}', [[0.5], [False]], [0.5, False]),
        ('{"instances": [[1], [2]]}', [[1], [2]], None),
    ],
)
def test_json_lists_of_scalars_and_of_rows(data: str, rows: list, flat: list | None) -> None:
    parsed = parse_payload(EventData("application/json", "INPUT", data, "JSON"))
    assert (parsed.rows, parsed.flat) == (rows, flat)


@pytest.mark.parametrize("data", ["[1, [2]]", '[{"a": 1}, 2]', '{"instances": [1, {"a": 2}]}'])
def test_a_json_list_mixing_rows_and_scalars_is_a_bad_payload(data: str) -> None:
    with pytest.raises(CaptureError) as info:
        parse_payload(EventData("application/json", "INPUT", data, "JSON"))
    assert info.value.reason == "bad_payload"


@pytest.mark.parametrize("content_type", [123, ["text/csv"], {"csv": 1}, None])
def test_a_base64_part_whose_content_type_is_not_text_is_read_as_json(content_type: Any) -> None:
    # Only a content type naming CSV makes BASE64 text CSV; one that is no text names nothing
    # (it stopped analyze with "unexpected AttributeError" before).
    event = EventData(content_type, "INPUT", "WzEsIDJd", "BASE64")  # base64 of "[1, 2]"
    assert parse_payload(event).rows == [[1, 2]]
    with pytest.raises(CaptureError, match="bad_payload"):
        parse_payload(EventData(content_type, "INPUT", "MSwy", "BASE64"))  # "1,2": not JSON


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        # one instance as an object of its features: one named row, in the object's order
        ('{"b": 2.5, "a": 41, "c": "gold", "d": null, "e": false}',
         [{"b": 2.5, "a": 41, "c": "gold", "d": None, "e": False}]),
        # nested blocks beside the scalars are not columns, wherever they stand
        ('{"shap": {"a": 0.1}, "a": 41, "tags": [1, 2], "b": "x"}', [{"a": 41, "b": "x"}]),
    ],
)  # fmt: skip
def test_a_json_object_of_scalars_is_one_named_row(data: str, rows: list) -> None:
    assert payload_rows(EventData("application/json", "INPUT", data, "JSON")) == rows


@pytest.mark.parametrize("data", ["{}", '{"shap": {"a": 0.1}, "tags": [1]}'])
def test_a_json_object_without_scalars_is_a_bad_payload(data: str) -> None:
    with pytest.raises(CaptureError) as info:
        parse_payload(EventData("application/json", "INPUT", data, "JSON"))
    assert info.value.reason == "bad_payload"
