"""Capture codecs: SageMaker capture records (spec §1, §9.5) to named feature rows."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from stream.capture.payloads import payload_rows
from stream.capture.records import (
    MAX_RECORD_BYTES,
    CaptureError,
    EventData,
    capture_from_dict,
    decode_capture,
    parse_time,
    split_records,
)
from stream.capture.rows import RowBuilder

# Spec §1.3, verbatim.
CSV_RECORD = (
    '{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",'
    '"data":"41,1,3.2,0,118.5,2","encoding":"CSV"},"endpointOutput":{"observedContentType":'
    '"text/csv; charset=utf-8","mode":"OUTPUT","data":"0.8731","encoding":"CSV"}},'
    '"eventMetadata":{"eventId":"6f1d2c4e-9a0b-4c55-8e1f-2b7a9d3c4e10","inferenceId":'
    '"order-20240305-000187","inferenceTime":"2024-03-05T14:07:31Z"},"eventVersion":"0"}'
)
JSON_RECORD = (
    '{"captureData":{"endpointInput":{"observedContentType":"application/json","mode":"INPUT",'
    '"data":"{\\"instances\\": [[41, 1, 3.2, 0, 118.5, 2]]}","encoding":"JSON"},'
    '"endpointOutput":{"observedContentType":"application/json","mode":"OUTPUT","data":'
    '"{\\"predictions\\": [{\\"score\\": 0.8731, \\"label\\": 1}]}","encoding":"JSON"}},'
    '"eventMetadata":{"eventId":"0b8e7a61-3f2d-4d9c-a1c2-7e55c0f9a2b3","inferenceTime":'
    '"2024-03-05T14:07:33Z"},"eventVersion":"0"}'
)
NPY_RECORD = (
    '{"captureData":{"endpointInput":{"observedContentType":"application/x-npy","mode":"INPUT",'
    '"data":"k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAK",'
    '"encoding":"BASE64"},"endpointOutput":{"observedContentType":"text/csv","mode":"OUTPUT",'
    '"data":"0.12","encoding":"CSV"}},"eventMetadata":{"eventId":"c3a9e0f2-55d4-4a8e-9d21-0f6b1e2a7c88",'
    '"inferenceTime":"2024-03-05T14:09:02Z"},"eventVersion":"0"}'
)
FEATURES = ("prob", "age", "gender", "ratio", "flag", "amount", "level")


def _record(
    input_data: str | None,
    input_encoding: str = "CSV",
    output_data: str | None = None,
    output_encoding: str = "CSV",
    content_type: str = "text/csv",
    **meta: Any,
) -> bytes:
    capture: dict[str, Any] = {}
    if input_data is not None:
        capture["endpointInput"] = {
            "observedContentType": content_type,
            "mode": "INPUT",
            "data": input_data,
            "encoding": input_encoding,
        }
    if output_data is not None:
        capture["endpointOutput"] = {
            "observedContentType": content_type,
            "mode": "OUTPUT",
            "data": output_data,
            "encoding": output_encoding,
        }
    event = {"eventId": "e1", "inferenceTime": "2024-03-05T14:07:31Z", **meta}
    return json.dumps(
        {"captureData": capture, "eventMetadata": event, "eventVersion": "0"}
    ).encode()


def _reason(raw: bytes | str, builder: RowBuilder | None = None) -> str:
    with pytest.raises(CaptureError) as info:
        record = decode_capture(raw)
        (builder or RowBuilder(features=FEATURES)).rows(record)
    return info.value.reason


def test_csv_record_output_columns_first() -> None:
    record = decode_capture(CSV_RECORD)
    assert record.event_id == "6f1d2c4e-9a0b-4c55-8e1f-2b7a9d3c4e10"
    assert record.join_key == "order-20240305-000187"
    assert record.inference_time == datetime(2024, 3, 5, 14, 7, 31, tzinfo=UTC)
    assert record.event_version == "0"
    rows = RowBuilder(features=FEATURES).rows(record)
    assert rows == [
        {
            "prob": "0.8731",
            "age": "41",
            "gender": "1",
            "ratio": "3.2",
            "flag": "0",
            "amount": "118.5",
            "level": "2",
        }
    ]


def test_extra_values_become_spark_default_names() -> None:
    rows = RowBuilder(features=("prob", "age")).rows(decode_capture(CSV_RECORD))
    assert rows == [
        {
            "prob": "0.8731",
            "age": "41",
            "_c2": "1",
            "_c3": "3.2",
            "_c4": "0",
            "_c5": "118.5",
            "_c6": "2",
        }
    ]


def test_input_only_index_names_and_output_at_end() -> None:
    record = decode_capture(CSV_RECORD)
    inputs = RowBuilder(features=FEATURES[1:], capture_index_names=("endpointInput",))
    assert list(inputs.rows(record)[0].values()) == ["41", "1", "3.2", "0", "118.5", "2"]
    end = RowBuilder(features=(*FEATURES[1:], "prob"), output_columns_position="END")
    assert end.rows(record)[0]["prob"] == "0.8731"
    with pytest.raises(ValueError, match="capture_index_names"):
        RowBuilder(features=FEATURES, capture_index_names=("endpointOther",))
    with pytest.raises(ValueError, match="START or END"):
        RowBuilder(features=FEATURES, output_columns_position="MIDDLE")


def test_json_instances_and_named_predictions() -> None:
    rows = RowBuilder(features=("score", "label", "age")).rows(decode_capture(JSON_RECORD))
    # The output object is named; input values continue positionally after its two keys.
    assert rows == [
        {
            "score": 0.8731,
            "label": 1,
            "age": 41,
            "_c3": 1,
            "_c4": 3.2,
            "_c5": 0,
            "_c6": 118.5,
            "_c7": 2,
        }
    ]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ('{"instances": [[1, 2], [3, 4]]}', [[1, 2], [3, 4]]),
        ('{"inputs": [[1, 2]]}', [[1, 2]]),
        ('{"features": [1, 2]}', [[1, 2]]),
        ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
        ("[1, 2]", [[1, 2]]),
        ("[]", []),
        ('{"a": 1, "b": "x"}', [{"a": 1, "b": "x"}]),
        ('[{"a": 1}, {"a": 2}]', [{"a": 1}, {"a": 2}]),
        ("0.5", [[0.5]]),
    ],
)
def test_json_payload_shapes(payload: str, expected: list) -> None:
    raw = _record(payload, "JSON", content_type="application/json")
    assert payload_rows(decode_capture(raw).endpoint_input) == expected  # type: ignore[arg-type]


def test_json_batch_pairs_input_and_output_rows() -> None:
    raw = _record(
        '[[30, "a"], [40, "b"]]', "JSON", "[[0.1], [0.9]]", "JSON", content_type="application/json"
    )
    rows = RowBuilder(features=("p", "age", "plan")).rows(decode_capture(raw))
    assert rows == [{"p": 0.1, "age": 30, "plan": "a"}, {"p": 0.9, "age": 40, "plan": "b"}]


def test_csv_batch_and_quoted_fields() -> None:
    raw = _record('30,"a, b"\n40,c\n', "CSV", "0.1\n0.9\n", "CSV")
    rows = RowBuilder(features=("p", "age", "plan")).rows(decode_capture(raw))
    assert rows == [
        {"p": "0.1", "age": "30", "plan": "a, b"},
        {"p": "0.9", "age": "40", "plan": "c"},
    ]


def test_a_quoted_field_may_hold_a_line_break() -> None:
    raw = _record('30,"line one\nline two"\n\n40,c\n', "CSV", "0.1\n0.9\n", "CSV")
    rows = RowBuilder(features=("p", "age", "note")).rows(decode_capture(raw))
    assert rows == [
        {"p": "0.1", "age": "30", "note": "line one\nline two"},
        {"p": "0.9", "age": "40", "note": "c"},
    ]


def test_base64_payloads_decode_by_content_type() -> None:
    csv_b64 = base64.b64encode(b"41,basic").decode()
    rows = RowBuilder(features=("age", "plan"), capture_index_names=("endpointInput",)).rows(
        decode_capture(_record(csv_b64, "BASE64", content_type="text/csv"))
    )
    assert rows == [{"age": "41", "plan": "basic"}]
    json_b64 = base64.b64encode(b'{"instances": [[41, "basic"]]}').decode()
    rows = RowBuilder(features=("age", "plan"), capture_index_names=("endpointInput",)).rows(
        decode_capture(_record(json_b64, "BASE64", content_type="application/json"))
    )
    assert rows == [{"age": 41, "plan": "basic"}]
    out_b64 = base64.b64encode(b"0.7").decode()
    rows = RowBuilder(features=("p", "age")).rows(
        decode_capture(_record("33", "CSV", out_b64, "BASE64"))
    )
    assert rows == [{"p": "0.7", "age": "33"}]


# strict base64, padding in and out of place, bytes that are not UTF-8, text that is not ASCII
_BASE64_DATA = ["NDEsYmFzaWM=", "NDEsYmFzaWM", "NDEsYmFzaWM==", "=NDEs", "NDE=YmFz", "NDEs YmFz",
                "", "/w==", "NDEs\u00e9", "\u00e9", "NDEs\n"]  # fmt: skip


@pytest.mark.parametrize("data", _BASE64_DATA)
def test_base64_payloads_decode_as_python_strict_base64_does(data: str) -> None:
    """Reference: ``base64.b64decode(validate=True)`` then UTF-8; any ValueError refuses."""
    try:
        expected = base64.b64decode(data, validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError, and text that is not ASCII
        expected = "bad_encoding"
    builder = RowBuilder(features=("age", "plan"), capture_index_names=("endpointInput",))
    record = decode_capture(_record(data, "BASE64", content_type="text/plain"))
    try:
        decoded = record.part("endpointInput").text()
    except CaptureError as error:
        decoded = error.reason
    assert decoded == expected
    if expected == "bad_encoding":  # a record, not the run, is refused
        with pytest.raises(CaptureError, match="bad_encoding"):
            builder.rows(record)


def test_key_order_does_not_matter() -> None:
    obj = json.loads(CSV_RECORD)
    reordered = json.dumps(
        {
            "eventVersion": obj["eventVersion"],
            "eventMetadata": obj["eventMetadata"],
            "captureData": {
                "endpointOutput": obj["captureData"]["endpointOutput"],
                "endpointInput": obj["captureData"]["endpointInput"],
            },
        }
    )
    builder = RowBuilder(features=FEATURES)
    a, b = decode_capture(CSV_RECORD), decode_capture(reordered)
    assert builder.rows(a) == builder.rows(b)
    assert list(builder.rows(b)[0]) == list(FEATURES)
    assert (a.join_key, a.inference_time) == (b.join_key, b.inference_time)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "not_an_object"),
        (b'"text"', "not_an_object"),
        (b'{"captureData": {}}', "missing_field"),
        (b'{"eventMetadata": {"eventId": "e"}}', "missing_field"),
        (b'{"eventMetadata": {"eventId": "e"}, "captureData": {}}', "missing_field"),
        (
            b'{"eventMetadata": {"eventId": "e"}, "captureData": {"endpointInput": {"data": 5}}}',
            "missing_field",
        ),
        (_record("1,2", "XML"), "bad_encoding"),
        (_record("!!!not base64!!!", "BASE64"), "bad_encoding"),
        (_record("{broken", "JSON", content_type="application/json"), "bad_payload"),
        (_record('{"a": [1], "b": {"c": 2}}', "JSON"), "bad_payload"),
        (_record("[1, [2]]", "JSON"), "bad_payload"),
        (_record("1\n2\n3", "CSV", "0.1\n0.2", "CSV"), "shape_mismatch"),
    ],
)
def test_every_capture_error_reason(raw: bytes, reason: str) -> None:
    assert _reason(raw) == reason


_PART = {"endpointInput": {"data": "1,2", "encoding": "CSV"}}


@pytest.mark.parametrize(("event_id", "text"), [(0, "0"), (7, "7"), (2.5, "2.5"), ("e-1", "e-1")])
def test_a_number_is_an_event_id_as_it_is_an_inference_id(event_id: Any, text: str) -> None:
    record = capture_from_dict({"eventMetadata": {"eventId": event_id}, "captureData": _PART})
    assert record.event_id == text


@pytest.mark.parametrize(
    ("event_id", "message"),
    [
        (None, "eventMetadata.eventId is required"),
        ("", "eventMetadata.eventId is required"),
        (False, "eventMetadata.eventId must be text or a number, got bool"),
        ([1], "eventMetadata.eventId must be text or a number, got list"),
        ({"id": 1}, "eventMetadata.eventId must be text or a number, got dict"),
    ],
)
def test_an_event_id_that_is_no_id_says_what_it_is(event_id: Any, message: str) -> None:
    with pytest.raises(CaptureError) as raised:
        capture_from_dict({"eventMetadata": {"eventId": event_id}, "captureData": _PART})
    assert (raised.value.reason, raised.value.message) == ("missing_field", message)


def test_spec_npy_example_is_a_bad_encoding_not_a_crash() -> None:
    # Base64 of binary numpy bytes: not text, so it cannot become columns.
    assert _reason(NPY_RECORD) == "bad_encoding"
    # The record itself decodes; only its payload is unusable.
    assert decode_capture(NPY_RECORD).endpoint_output.data == "0.12"  # type: ignore[union-attr]


def test_oversized_record() -> None:
    raw = _record("x" * (MAX_RECORD_BYTES + 1))
    assert _reason(raw) == "oversized"


def test_capture_error_message_starts_with_the_reason() -> None:
    with pytest.raises(CaptureError, match=r"^invalid_json: "):
        decode_capture(b"{")


def test_json_lines_batch_splitting() -> None:
    message = (CSV_RECORD + "\n\n" + JSON_RECORD + "\n   \n" + NPY_RECORD + "\n").encode()
    parts = split_records(message)
    assert len(parts) == 3
    assert [decode_capture(p).event_id[:8] for p in parts] == ["6f1d2c4e", "0b8e7a61", "c3a9e0f2"]
    assert split_records(CSV_RECORD.encode()) == [CSV_RECORD.encode()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T14:07:31Z", datetime(2024, 3, 5, 14, 7, 31, tzinfo=UTC)),
        ("2024-03-05T14:07:31.250Z", datetime(2024, 3, 5, 14, 7, 31, 250000, tzinfo=UTC)),
        ("2024-03-05T16:07:31+02:00", datetime(2024, 3, 5, 14, 7, 31, tzinfo=UTC)),
        ("2024-03-05T14:07:31", datetime(2024, 3, 5, 14, 7, 31, tzinfo=UTC)),
        # RFC 3339 5.6: "T" and "Z" may be lower case (these were bad_time)
        ("2024-03-05t14:07:31z", datetime(2024, 3, 5, 14, 7, 31, tzinfo=UTC)),
        ("2024-03-05T14:07:31.250z", datetime(2024, 3, 5, 14, 7, 31, 250000, tzinfo=UTC)),
        # RFC 3339 5.7 leap seconds, read as Java's Instant.parse reads them: the second before
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2016-12-31T23:59:60.5Z", datetime(2016, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)),
        ("2017-01-01T05:29:60+05:30", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2016-12-31T23:60:00Z", None),  # a minute 60 is no leap second
        ("PLACEHOLDER", None),
        ("", None),
        (None, None),
    ],
)
def test_inference_time_is_parsed_leniently(text: str | None, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_join_key_falls_back_to_event_id_and_shadow_source() -> None:
    record = decode_capture(_record("1", invocationSource="ShadowExperiment"))
    assert record.join_key == "e1"
    assert record.inference_id is None
    assert record.invocation_source == "ShadowExperiment"


def test_nested_blocks_beside_scalars_are_not_columns() -> None:
    output = EventData("application/json", "OUTPUT", '{"score": 0.8, "shap": {"age": 0.1}}', "JSON")
    assert payload_rows(output) == [{"score": 0.8}]


def test_flat_predictions_pair_with_a_batch_of_instances() -> None:
    raw = {
        "captureData": {
            "endpointInput": {"data": '{"instances": [[1, 2], [3, 4]]}', "encoding": "JSON"},
            "endpointOutput": {"data": '{"predictions": [0.1, 0.9]}', "encoding": "JSON"},
        },
        "eventMetadata": {"eventId": "e1"},
    }
    rows = RowBuilder(features=("p", "a", "b")).rows(capture_from_dict(raw))
    assert rows == [{"p": 0.1, "a": 1, "b": 2}, {"p": 0.9, "a": 3, "b": 4}]


def test_row_pieces_are_named_by_position_across_pieces() -> None:
    builder = RowBuilder(features=("score", "age", "plan"))
    assert builder.named([{"p": 0.9}, [41, "gold"]]) == {"p": 0.9, "age": 41, "plan": "gold"}
    assert builder.named([[0.9], [41, "gold", "x", None]]) == {
        "score": 0.9,
        "age": 41,
        "plan": "gold",
        "_c3": "x",
        "_c4": None,
    }
    assert builder.named([[], ["a"]]) == {"score": "a"}


def test_time_texts_are_parsed_once_each_and_only_short_ones_are_kept() -> None:
    from stream.capture import records

    records._parsed_time.cache_clear()
    texts = ["2024-03-05T14:07:31Z", "2024-03-05T14:07:31.5+05:30", "not a time"]
    first = [parse_time(text) for text in texts * 3]
    assert first[:3] == [
        datetime(2024, 3, 5, 14, 7, 31, tzinfo=UTC),
        datetime(2024, 3, 5, 8, 37, 31, 500000, tzinfo=UTC),
        None,
    ]
    assert first[3:] == first[:3] * 2
    assert records._parsed_time.cache_info().currsize == 3
    garbage = "9" * 100_000  # a poison record's time: parsed (and refused), never kept
    assert parse_time(garbage) is None and parse_time(" " * 41 + "2024-03-05") is None
    assert records._parsed_time.cache_info().currsize == 3
