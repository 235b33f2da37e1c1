"""decode_label and split_records: ground-truth and A2I label messages, reasons for refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ground_truth.records import GroundTruth, to_ground_truth_record
from stream.config import LabelSettings
from stream.labels import LabelError, decode_label, split_records
from stream.labels.push import label_decoder
from stream.labels.records import LABEL_DEAD_LETTER_REASONS, MAX_LABEL_BYTES

A2I = LabelSettings(a2i_answer_path="review.verdict", a2i_value_map=(("churn", "1"), ("stay", "0")))


def ground_truth(key: str, data: str, **extra: object) -> bytes:
    record = {
        "groundTruthData": {"data": data, "encoding": "CSV"},
        "eventMetadata": {"eventId": key, **extra},
        "eventVersion": "0",
    }
    return orjson.dumps(record)


def human_loop(answers: list[object], key: object = "order-7", *, pretty: bool = False) -> bytes:
    doc = {
        "flowDefinitionArn": "arn:aws:sagemaker:us-east-1:000000000000:flow-definition/f",
        "humanLoopName": "loop-7",
        "humanAnswers": [
            {
                "answerContent": {"review": {"verdict": a}},
                "workerId": f"w{i}",
                "submissionTime": f"2024-03-05T16:0{i}:00.000Z",
            }
            for i, a in enumerate(answers)
        ],
        "inputContent": {"request": {"id": key}, "inferenceId": key},
    }
    return json.dumps(doc, indent=2 if pretty else None).encode()


def test_ground_truth_record() -> None:
    when = datetime(2024, 3, 5, 16, 0, tzinfo=UTC)
    label = decode_label(
        ground_truth("order-1", "yes,37.5", inferenceTime="x"), A2I, label_time=when
    )
    assert label == GroundTruth(event_id="order-1", values=("yes", 37.5), label_time=when)


@pytest.mark.parametrize(
    ("settings", "answers", "expected"),
    [
        (A2I, ["churn", "stay", "churn"], (1.0,)),  # 2 of 3
        (LabelSettings(a2i_answer_path="review.verdict"), ["yes", "yes", "no"], ("yes",)),
        (LabelSettings(a2i_answer_path="review.verdict", a2i_tie_rule="first"), ["b", "a"], ("b",)),
        (LabelSettings(a2i_answer_path="review.verdict", a2i_tie_rule="lowest"), [7, 3], (3.0,)),
        (LabelSettings(a2i_answer_path="review.verdict", a2i_consolidation="mean"), [30, 41, "x"],
         (35.5,)),
        (LabelSettings(a2i_answer_path="review.verdict", a2i_consolidation="median"),
         [30, 41, 35, 100], (38.0,)),
        (A2I, ["churn", "maybe"], (1.0,)),  # the unmapped answer is skipped
    ],
)  # fmt: skip
def test_a2i_answers_are_consolidated_as_configured(
    settings: LabelSettings, answers: list[object], expected: tuple
) -> None:
    label = decode_label(human_loop(answers), settings)
    assert label.event_id == "order-7"
    assert label.values == expected
    # the label is complete when the last worker submitted
    assert label.label_time == datetime(2024, 3, 5, 16, len(answers) - 1, tzinfo=UTC)


def test_inference_id_path_and_pretty_printed_output() -> None:
    settings = LabelSettings(a2i_answer_path="review.verdict", a2i_inference_id_path="request.id")
    raw = human_loop(["1"], key=12345, pretty=True)
    (record,) = split_records(raw)
    assert decode_label(record, settings).event_id == "12345"


JSON_LABEL = LabelSettings(ground_truth_attribute="instances[*].label")


def json_ground_truth(data: str) -> bytes:
    return ground_truth("a", data).replace(b'"CSV"', b'"JSON"')


# a record refused for each reason, built by hand (the reference for the reasons' list)
REFUSED = [
    (b"{not json", A2I, "invalid_json"),
    (b"[1, 2]", A2I, "not_an_object"),
    (b'{"captureData": {}}', A2I, "unknown_record"),
    (human_loop(["1"]), LabelSettings(), "a2i_not_configured"),
    (human_loop(["churn", "stay"]), A2I, "tie"),
    (human_loop([]), A2I, "no_answers"),
    (human_loop(["maybe", None]), A2I, "no_usable_answers"),
    (human_loop(["churn"], key=None), A2I, "missing_inference_id"),
    (ground_truth("a", "1").replace(b'"CSV"', b'"JSON"'), A2I, "no_label_path"),
    (ground_truth("a", "1").replace(b'"CSV"', b'"BASE64"'), A2I, "bad_encoding"),
    (ground_truth("a", "1").replace(b'"0"', b"0"), A2I, "bad_event_version"),
    (ground_truth("", "1"), A2I, "empty_field"),
    (ground_truth("a", "1\n2"), A2I, "multiple_rows"),
    (ground_truth("a", "1" + " " * MAX_LABEL_BYTES), A2I, "oversized"),
    (ground_truth("a", "1").replace(b',"eventVersion":"0"', b""), A2I, "missing_field"),
    (ground_truth("a", "1").replace(b'"data":"1"', b'"data":1'), A2I, "wrong_type"),
    (ground_truth("a", ""), A2I, "empty_data"),
    (ground_truth("a", "1, ,0"), A2I, "empty_value"),
    (ground_truth("a", '"' + "x" * 200_000 + '"'), A2I, "bad_csv"),  # over csv's field limit
    (json_ground_truth("{instances"), JSON_LABEL, "bad_json_data"),
    (json_ground_truth('{"instances": [{"score": 1}]}'), JSON_LABEL, "missing_label"),
    (json_ground_truth('{"instances": [{"label": {"yes": 1}}]}'), JSON_LABEL, "wrong_type"),
    (json_ground_truth('{"instances": [{"label": [1, 0]}, {"label": [1]}]}'), LabelSettings(
        ground_truth_attribute="instances[*].label[*]"), "multiple_labels"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "settings", "reason"), REFUSED)
def test_unusable_records_say_why(raw: bytes, settings: LabelSettings, reason: str) -> None:
    with pytest.raises(LabelError) as caught:
        decode_label(raw, settings)
    assert caught.value.reason == reason
    assert "\n" not in caught.value.message


def test_the_reasons_the_metrics_count_from_zero_are_every_reason_a_label_is_refused_for():
    assert sorted(LABEL_DEAD_LETTER_REASONS) == sorted({reason for *_, reason in REFUSED})


def test_split_records() -> None:
    assert split_records(b'{"a":1}\n\n{"a":2}\r\n') == [b'{"a":1}', b'{"a":2}\r']
    assert split_records(b"   \n") == []
    pretty = json.dumps({"a": {"b": [1, 2]}}, indent=2).encode()
    assert split_records(pretty + b"\n") == [pretty]
    # a batch whose first line is broken stays a batch: the broken line is one bad record
    assert split_records(b'{"a": \n{"a": 2}') == [b'{"a": ', b'{"a": 2}']


@given(
    st.lists(
        st.dictionaries(st.text(min_size=1), st.integers(-(2**53), 2**53) | st.text(), max_size=3)
    )
)
def test_split_inverts_json_lines_batching(objects: list[dict]) -> None:
    lines = [orjson.dumps(o) for o in objects]
    assert [orjson.loads(r) for r in split_records(b"\n".join(lines))] == objects


def test_push_sends_ground_truth_as_given_and_a2i_as_its_label() -> None:
    decode = label_decoder(A2I)
    raw = ground_truth("order-1", "1", inferenceTime="2024-03-05T14:07:31Z")
    assert decode(raw) is raw  # byte for byte, extra keys included
    record = decode(human_loop(["stay", "stay", "churn"]))
    assert record == to_ground_truth_record(GroundTruth(event_id="order-7", values=(0.0,)))
