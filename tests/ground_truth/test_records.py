from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest

from ground_truth.records import (
    GroundTruth,
    LabelRecordError,
    parse_ground_truth,
    to_ground_truth_record,
    to_merged_record,
)

# Spec sagemaker-formats.md §2.1, verbatim.
SPEC_LINE = (
    '{"groundTruthData":{"data":"1","encoding":"CSV"},'
    '"eventMetadata":{"eventId":"order-20240305-000187"},"eventVersion":"0"}'
)
# Spec §1.3 (capture) and §2.5 (merged record), verbatim.
CAPTURE_LINE = (
    '{"captureData":{"endpointOutput":{"observedContentType":"text/csv; charset=utf-8",'
    '"mode":"OUTPUT","data":"0.8731","encoding":"CSV"}},"eventMetadata":{"eventId":'
    '"6f1d2c4e-9a0b-4c55-8e1f-2b7a9d3c4e10","inferenceId":"order-20240305-000187",'
    '"inferenceTime":"2024-03-05T14:07:31Z"},"eventVersion":"0"}'
)
MERGED_LINE = (
    '{"captureData":{"endpointOutput":{"observedContentType":"text/csv; charset=utf-8",'
    '"mode":"OUTPUT","data":"0.8731","encoding":"CSV"}},"eventMetadata":{"eventId":'
    '"6f1d2c4e-9a0b-4c55-8e1f-2b7a9d3c4e10","inferenceId":"order-20240305-000187",'
    '"inferenceTime":"2024-03-05T14:07:31Z"},"eventVersion":"0",'
    '"groundTruthData":{"data":"1","encoding":"CSV"}}'
)


def record(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = json.loads(SPEC_LINE)
    base.update(changes)
    return base


def test_spec_example_parses() -> None:
    label = parse_ground_truth(json.loads(SPEC_LINE))
    assert label == GroundTruth(event_id="order-20240305-000187", values=(1.0,))
    assert label.encoding == "CSV" and label.event_version == "0" and label.label_time is None


def test_spec_example_writes_back_identically() -> None:
    label = parse_ground_truth(json.loads(SPEC_LINE))
    assert json.dumps(to_ground_truth_record(label), separators=(",", ":")) == SPEC_LINE


def test_any_mapping_is_an_object() -> None:
    """A record need not be a dict (a dict only skips the ABC check): any Mapping reads alike."""
    obj = {key: MappingProxyType(value) for key, value in json.loads(SPEC_LINE).items()
           if isinstance(value, dict)} | {"eventVersion": "0"}  # fmt: skip
    label = parse_ground_truth(MappingProxyType(obj))
    assert label == GroundTruth(event_id="order-20240305-000187", values=(1.0,))


def test_extra_keys_are_ignored() -> None:
    obj = record(eventMetadata={"eventId": "e1", "inferenceTime": "2024-03-05T14:07:31Z"})
    obj["somethingElse"] = {"x": 1}
    assert parse_ground_truth(obj).event_id == "e1"


def test_label_time_is_carried() -> None:
    t = datetime(2024, 3, 5, 15, 3, 2, tzinfo=UTC)
    assert parse_ground_truth(json.loads(SPEC_LINE), label_time=t).label_time == t


@pytest.mark.parametrize(
    ("values", "data"),
    [((1.0,), "1"), ((37.5,), "37.5"), (("a,b", 2.0), '"a,b",2'), ((-0.25, "no"), "-0.25,no")],
)
def test_data_written_as_csv(values: tuple[str | float, ...], data: str) -> None:
    label = GroundTruth(event_id="e", values=values)
    assert label.data == data
    # and it reads back to the same values
    again = parse_ground_truth(to_ground_truth_record(label))
    assert again.values == values


BAD_INPUTS: list[tuple[Any, str]] = [
    ("not a dict", "not_an_object"),
    ([SPEC_LINE], "not_an_object"),
    ({"eventMetadata": {"eventId": "e"}, "eventVersion": "0"}, "missing_field"),
    (record(groundTruthData={"data": "1"}), "missing_field"),
    (record(groundTruthData={"encoding": "CSV"}), "missing_field"),
    (record(groundTruthData={"data": None, "encoding": "CSV"}), "missing_field"),
    (record(eventMetadata={}), "missing_field"),
    (record(eventMetadata={"inferenceId": "e"}), "missing_field"),
    ({k: v for k, v in json.loads(SPEC_LINE).items() if k != "eventMetadata"}, "missing_field"),
    ({k: v for k, v in json.loads(SPEC_LINE).items() if k != "eventVersion"}, "missing_field"),
    (record(groundTruthData="1"), "wrong_type"),
    (record(groundTruthData={"data": 1, "encoding": "CSV"}), "wrong_type"),
    (record(groundTruthData={"data": "1", "encoding": 0}), "wrong_type"),
    (record(eventMetadata=["e"]), "wrong_type"),
    (record(eventMetadata={"eventId": True}), "wrong_type"),
    (record(eventMetadata={"eventId": {"id": 187}}), "wrong_type"),
    (record(eventMetadata={"eventId": "  "}), "empty_field"),
    (record(groundTruthData={"data": "1", "encoding": "JSON"}), "no_label_path"),
    (record(groundTruthData={"data": "MQ==", "encoding": "BASE64"}), "bad_encoding"),
    (record(groundTruthData={"data": "1", "encoding": "csv"}), "bad_encoding"),
    (record(eventVersion=0), "bad_event_version"),
    (record(eventVersion="1"), "bad_event_version"),
    (record(groundTruthData={"data": "", "encoding": "CSV"}), "empty_data"),
    (record(groundTruthData={"data": "\n", "encoding": "CSV"}), "empty_data"),
    (record(groundTruthData={"data": "1\n0", "encoding": "CSV"}), "multiple_rows"),
    (record(groundTruthData={"data": "1\r0", "encoding": "CSV"}), "multiple_rows"),
    (record(groundTruthData={"data": '"' + "x" * 200_000 + '"', "encoding": "CSV"}), "bad_csv"),
    (record(groundTruthData={"data": "1,,0", "encoding": "CSV"}), "empty_value"),
    (record(groundTruthData={"data": " ", "encoding": "CSV"}), "empty_value"),
]


def test_a_numeric_event_id_is_keyed_as_the_capture_side_keys_it() -> None:
    """A capture whose eventId is the number 187 is joined under "187" (join_key's rule)."""
    from stream.capture.records import join_key

    label = parse_ground_truth(record(eventMetadata={"eventId": 187}))
    assert label.event_id == "187" == join_key({"eventId": 187})


@pytest.mark.parametrize(("obj", "reason"), BAD_INPUTS)
def test_bad_inputs_name_their_reason(obj: Any, reason: str) -> None:
    with pytest.raises(LabelRecordError) as info:
        parse_ground_truth(obj)
    assert info.value.reason == reason
    assert str(info.value).startswith(f"{reason}: ")
    assert isinstance(info.value, ValueError)


def test_every_reason_is_exercised() -> None:
    reasons = {
        "not_an_object",
        "missing_field",
        "wrong_type",
        "empty_field",
        "bad_encoding",
        "no_label_path",
        "bad_event_version",
        "empty_data",
        "multiple_rows",
        "empty_value",
        "bad_csv",
    }
    assert {reason for _, reason in BAD_INPUTS} == reasons


def test_merged_record_matches_spec_and_leaves_capture_alone() -> None:
    capture = json.loads(CAPTURE_LINE)
    before = copy.deepcopy(capture)
    merged = to_merged_record(capture, parse_ground_truth(json.loads(SPEC_LINE)))
    assert json.dumps(merged, separators=(",", ":")) == MERGED_LINE
    assert capture == before
