"""Batch-transform records (``captureData.batchTransformOutput``): decoding, rows, the worker.

The record shape is the merge job's as AWS's batch-transform bias examples print it:
``eventMetadata`` holding only ``eventId``, ``captureData`` only ``batchTransformOutput``.
"""

from __future__ import annotations

import json

import pytest

from stream.capture.batch_transform import batch_transform_parts
from stream.capture.message import MessageDecoder
from stream.capture.records import CaptureError, EventData, decode_capture
from stream.capture.rows import RowBuilder
from tests.stream.cli.batch_transform_files import joined_csv_line, joined_json_line, merged_record

NOW = 1_717_243_200.0  # 2024-06-01T12:00:00Z


def test_a_joined_json_line_is_request_and_response() -> None:
    record = decode_capture(joined_json_line("bt-1", {"predicted_label": 1}, [41, 7, 0], 1))
    assert record.join_key == "bt-1"
    assert record.inference_time is None
    assert record.endpoint_input is not None and record.endpoint_output is not None
    assert json.loads(record.endpoint_input.data) == {"features": [41, 7, 0]}
    assert json.loads(record.endpoint_output.data) == {"predicted_label": 1}
    rows = RowBuilder(features=("age", "hours", "sex"), capture_index_names=("endpointInput",))
    assert rows.rows(record) == [{"age": 41, "hours": 7, "sex": 0}]


def test_inference_id_and_time_are_no_columns() -> None:
    """A transform output line read before the merge keeps GenerateInferenceId's two keys."""
    line = {"SageMakerInferenceId": "u-1", "SageMakerInferenceTime": "2024-01-21T01:29:04Z",
            "SageMakerOutput": {"score": 0.25}, "features": [3, 4]}  # fmt: skip
    request, response = batch_transform_parts(EventData(None, None, json.dumps(line), "JSON"))
    assert request is not None and response is not None
    assert json.loads(request.data) == {"features": [3, 4]}
    assert json.loads(response.data) == {"score": 0.25}
    alone = {"SageMakerInferenceId": "u-2", "predicted_label": 0}  # no join: the response
    request, response = batch_transform_parts(EventData(None, None, json.dumps(alone), "JSON"))
    assert request is None and response is not None
    assert json.loads(response.data) == {"predicted_label": 0}


def test_a_csv_line_is_one_row_whichever_parts_are_read() -> None:
    record = decode_capture(joined_csv_line("bt-2", [41, 7, 0, 0.83], 1))
    assert record.endpoint_input is record.endpoint_output
    for parts in (("endpointInput", "endpointOutput"), ("endpointOutput",), ("endpointInput",)):
        builder = RowBuilder(features=("age", "hours", "sex", "score"), capture_index_names=parts)
        assert builder.rows(record) == [{"age": "41", "hours": "7", "sex": "0", "score": "0.83"}]


@pytest.mark.parametrize(
    ("data", "encoding", "reason"),
    [('{"SageMakerOutput": 1', "JSON", "bad_payload"), ("1,2", "XML", "bad_encoding")],
)
def test_unreadable_batch_output_is_a_capture_error(data: str, encoding: str, reason: str) -> None:
    with pytest.raises(CaptureError) as error:
        decode_capture(merged_record("bt-3", data, encoding, None))
    assert error.value.reason == reason


def test_the_worker_windows_a_stamped_record_and_names_the_remedy_for_one_without() -> None:
    decoder = MessageDecoder(
        RowBuilder(features=("age", "hours", "sex"), capture_index_names=("endpointInput",))
    )
    merged = json.loads(joined_json_line("bt-4", {"predicted_label": 1}, [41, 7, 0], 1))
    unstamped = json.dumps(merged).encode()
    merged["eventMetadata"]["inferenceTime"] = "2024-06-01T11:59:00Z"  # as replay --live does
    stamped = json.dumps(merged).encode()
    decoded = decoder.decode(b"\n".join([stamped, unstamped]), now=NOW)
    assert decoded.keys == ["bt-4"] and decoded.seconds == [NOW - 60]
    assert decoded.fields() == [41, 7, 0]
    [rejected] = decoded.rejected
    assert rejected.reason == "missing_time"
    assert "batch-transform record" in rejected.message
    assert "replay --live" in rejected.message


def test_a_manifest_is_refused_with_its_own_reason() -> None:
    """Batch transform's data capture writes manifests of the transform's files, not records."""
    manifest = b'[{"prefix": "s3://acme/transform-output/"}, "part-1.csv.out", "part-2.csv.out"]'
    with pytest.raises(CaptureError) as error:
        decode_capture(manifest)
    assert error.value.reason == "batch_manifest"
    assert "s3://acme/transform-output/" in error.value.message
    assert "--data" in error.value.message
    with pytest.raises(CaptureError) as other:
        decode_capture(b'[{"prefix": 1}, "a"]')
    assert other.value.reason == "not_an_object"


def test_a_json_document_of_several_instances_pairs_them_with_the_predictions() -> None:
    """AWS's JSON (not Lines) batch example: ``instances`` beside ``SageMakerOutput``'s
    ``predictions``, one merged record for the whole document."""
    document = {
        "SageMakerOutput": {"predictions": [{"predicted_label": 1}, {"predicted_label": 0}]},
        "instances": [{"features": [30, 1]}, {"features": [52, 0]}],
    }
    record = decode_capture(merged_record("bt-5", json.dumps(document), "JSON", None))
    builder = RowBuilder(features=("age", "sex"), capture_index_names=("endpointInput",))
    assert builder.rows(record) == [{"age": 30, "sex": 1}, {"age": 52, "sex": 0}]
    both = RowBuilder(features=("predicted_label", "age", "sex"))
    assert both.rows(record) == [
        {"predicted_label": 1, "age": 30, "sex": 1},
        {"predicted_label": 0, "age": 52, "sex": 0},
    ]


def _deep_merged(key: str, levels: int) -> bytes:
    """A stamped merged record whose ``SageMakerOutput`` nests ``levels`` lists deep.

    orjson reads 1024 levels but writes 254, so 255 to 1024 parse and cannot be written back
    as the record's response part.
    """
    data = '{"SageMakerOutput": ' + "[" * levels + "]" * levels + ', "features": [1, 2, 3]}'
    record = json.loads(merged_record(key, data, "JSON", None))
    record["eventMetadata"]["inferenceTime"] = "2024-06-01T11:59:00Z"
    return json.dumps(record).encode()


@pytest.mark.parametrize("levels", [255, 1000])
def test_a_deeply_nested_record_is_too_deep_and_its_message_neighbours_are_kept(
    levels: int,
) -> None:
    """It was a TypeError out of the decoder: the worker dead-lettered the whole message."""
    decoder = MessageDecoder(
        RowBuilder(features=("age", "hours", "sex"), capture_index_names=("endpointInput",))
    )
    good = json.loads(joined_json_line("bt-5", {"predicted_label": 1}, [41, 7, 0], 1))
    good["eventMetadata"]["inferenceTime"] = "2024-06-01T11:59:00Z"
    message = b"\n".join([json.dumps(good).encode(), _deep_merged("bt-deep", levels)])
    decoded = decoder.decode(message, now=NOW)
    assert decoded.keys == ["bt-5"] and decoded.fields() == [41, 7, 0]
    [rejected] = decoded.rejected
    assert (rejected.index, rejected.reason) == (1, "too_deep")
    assert "batchTransformOutput" in rejected.message
