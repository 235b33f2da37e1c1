from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ground_truth.a2i import parse_human_loop_output
from ground_truth.consolidation import AnswerConsolidator, ground_truth_from_loop
from ground_truth.records import LabelRecordError, to_ground_truth_record

# Spec sagemaker-formats.md §3.5, verbatim.
SPEC_OUTPUT = json.loads("""
{
  "flowDefinitionArn": "arn:aws:sagemaker:eu-west-1:111122223333:flow-definition/churn-review",
  "humanLoopName": "c6f0a2d4-5b1e-4f3a-9c7d-2e8b1a0f4d63",
  "humanAnswers": [
    {
      "acceptanceTime": "2024-03-05T15:02:11.402Z",
      "answerContent": {"churned": {"label": "yes"}, "reviewer_note": "cancelled by phone"},
      "submissionTime": "2024-03-05T15:03:02.917Z",
      "timeSpentInSeconds": 51.515,
      "workerId": "7c2e9a10b4d35f68",
      "workerMetadata": {
        "identityData": {
          "identityProviderType": "Cognito",
          "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34E",
          "sub": "5d9e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"
        }
      }
    }
  ],
  "inputContent": {
    "inferenceId": "order-20240305-000187",
    "endpointName": "churn-prod",
    "features": {"tenure_months": 41, "plan": "basic", "monthly_charges": 118.5},
    "prediction": {"score": 0.8731, "label": 1}
  }
}
""")
# The derived ground-truth line of §3.5, verbatim.
SPEC_DERIVED = (
    '{"groundTruthData":{"data":"1","encoding":"CSV"},'
    '"eventMetadata":{"eventId":"order-20240305-000187"},"eventVersion":"0"}'
)
YES_NO = {"yes": "1", "no": "0"}


def test_spec_example_gives_label_1_for_the_inference() -> None:
    loop = parse_human_loop_output(SPEC_OUTPUT, answer_path="churned.label", value_map=YES_NO)
    assert loop.inference_id == "order-20240305-000187"
    assert loop.human_loop_name == "c6f0a2d4-5b1e-4f3a-9c7d-2e8b1a0f4d63"
    assert loop.flow_definition_arn.endswith("flow-definition/churn-review")
    (answer,) = loop.answers
    assert answer.answer == "1" and answer.problem is None
    assert answer.worker_id == "7c2e9a10b4d35f68"
    assert answer.acceptance_time == datetime(2024, 3, 5, 15, 2, 11, 402000, tzinfo=UTC)
    assert answer.submission_time == datetime(2024, 3, 5, 15, 3, 2, 917000, tzinfo=UTC)
    assert answer.time_spent_seconds == 51.515

    result = AnswerConsolidator(method="majority").consolidate(loop.answers)
    assert (result.label, result.answers_used, result.agreement) == ("1", 1, 1.0)
    label = ground_truth_from_loop(loop, result)
    assert label is not None
    assert json.dumps(to_ground_truth_record(label), separators=(",", ":")) == SPEC_DERIVED
    assert label.label_time == datetime(2024, 3, 5, 15, 3, 2, 917000, tzinfo=UTC)


def test_without_mapping_the_raw_answer_is_kept() -> None:
    loop = parse_human_loop_output(SPEC_OUTPUT, answer_path="churned.label")
    assert loop.answers[0].answer == "yes"


def test_parser_does_not_modify_its_input() -> None:
    before = copy.deepcopy(SPEC_OUTPUT)
    parse_human_loop_output(SPEC_OUTPUT, answer_path="churned.label", value_map=YES_NO)
    assert before == SPEC_OUTPUT


def with_changes(**changes: Any) -> dict[str, Any]:
    obj = copy.deepcopy(SPEC_OUTPUT)
    obj.update(changes)
    return obj


def test_inference_id_from_a_configured_nested_path() -> None:
    obj = with_changes(inputContent={"meta": {"ids": [{"inference": "abc"}]}})
    loop = parse_human_loop_output(
        obj, answer_path="churned.label", inference_id_path="meta.ids.0.inference"
    )
    assert loop.inference_id == "abc"


def answers_of(*contents: Any) -> dict[str, Any]:
    return with_changes(
        humanAnswers=[{"answerContent": c, "workerId": f"w{i}"} for i, c in enumerate(contents)]
    )


def test_worker_answer_problems_are_recorded_not_raised() -> None:
    obj = answers_of(
        {"churned": {"label": "no"}},
        {"churned": {"label": "maybe"}},
        {"churned": {}},
        {"churned": {"label": ["yes"]}},
        {"churned": {"label": None}},
        "not an object",
    )
    loop = parse_human_loop_output(obj, answer_path="churned.label", value_map=YES_NO)
    assert [(a.answer, a.problem) for a in loop.answers] == [
        ("0", None),
        (None, "unmapped_value"),
        (None, "missing_answer"),
        (None, "not_a_scalar"),
        (None, "missing_answer"),
        (None, "missing_answer"),
    ]
    assert loop.answers[0].worker_id == "w0"


def test_scalar_answers_become_text() -> None:
    obj = answers_of({"v": True}, {"v": 3}, {"v": 2.0}, {"v": 37.5}, {"v": float("nan")})
    loop = parse_human_loop_output(obj, answer_path="v")
    assert [a.answer for a in loop.answers] == ["true", "3", "2", "37.5", None]


def test_unreadable_worker_metadata_becomes_none() -> None:
    obj = with_changes(
        humanAnswers=[
            {
                "answerContent": {"v": "1"},
                "submissionTime": "yesterday",
                "acceptanceTime": 5,
                "timeSpentInSeconds": "51",
            }
        ]
    )
    (answer,) = parse_human_loop_output(obj, answer_path="v").answers
    assert answer.answer == "1"
    assert answer.worker_id is None
    assert answer.submission_time is None and answer.acceptance_time is None
    assert answer.time_spent_seconds is None


@pytest.mark.parametrize("when", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_a_worker_time_whose_offset_leaves_years_1_to_9999_becomes_none(when: str) -> None:
    """In UTC these are 0000-12-31T23:30 and 10000-01-01T00:30: no datetime holds them. The
    answer is read all the same (it raised OverflowError, which stopped ``labels push`` as
    "a bug in driftline" and made the worker dead-letter the whole message)."""
    obj = with_changes(
        humanAnswers=[{"answerContent": {"v": "1"}, "submissionTime": when, "acceptanceTime": when}]
    )
    loop = parse_human_loop_output(obj, answer_path="v")
    (answer,) = loop.answers
    assert answer.answer == "1"
    assert answer.submission_time is None and answer.acceptance_time is None
    assert loop.last_submission_time is None


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ("output.json", "not_an_object"),
        ({k: v for k, v in SPEC_OUTPUT.items() if k != "flowDefinitionArn"}, "missing_field"),
        ({k: v for k, v in SPEC_OUTPUT.items() if k != "humanLoopName"}, "missing_field"),
        ({k: v for k, v in SPEC_OUTPUT.items() if k != "humanAnswers"}, "missing_field"),
        ({k: v for k, v in SPEC_OUTPUT.items() if k != "inputContent"}, "missing_field"),
        (with_changes(humanLoopName=7), "wrong_type"),
        (with_changes(humanAnswers={"a": 1}), "wrong_type"),
        (with_changes(inputContent='{"inferenceId": "x"}'), "wrong_type"),
        (with_changes(inputContent={"endpointName": "churn-prod"}), "missing_inference_id"),
        (with_changes(inputContent={"inferenceId": ""}), "missing_inference_id"),
        (with_changes(inputContent={"inferenceId": {"id": "x"}}), "missing_inference_id"),
    ],
)
def test_unusable_loops_name_their_reason(obj: Any, reason: str) -> None:
    with pytest.raises(LabelRecordError) as info:
        parse_human_loop_output(obj, answer_path="churned.label")
    assert info.value.reason == reason


@pytest.mark.parametrize("path", ["", "a..b", ".a"])
def test_empty_paths_are_programming_errors(path: str) -> None:
    with pytest.raises(ValueError, match="dotted path"):
        parse_human_loop_output(SPEC_OUTPUT, answer_path=path)
