"""Amazon A2I human-loop output (``output.json``): workers' answers for one inference.

A2I knows nothing of inference ids: applications put the id into the loop's ``InputContent``
(spec ``sagemaker-formats.md`` §3.5), which the output repeats, parsed, as ``inputContent``.
:func:`parse_human_loop_output` takes the id from a dotted path in ``inputContent``
(default ``"inferenceId"``) and each worker's answer from a dotted path in its
``answerContent`` (e.g. ``"churned.label"``), optionally mapping answer values
(``{"yes": "1", "no": "0"}``). Path segments are mapping keys; a segment of digits also
indexes a list.

A record without the top-level keys or the inference id raises
:class:`~ground_truth.records.LabelRecordError` (reasons ``not_an_object``,
``missing_field``, ``wrong_type``, ``missing_inference_id``). A worker whose answer is
missing, not a scalar, or not in the mapping does not raise: its :class:`WorkerAnswer` has
``answer=None`` and a ``problem`` (``missing_answer``, ``not_a_scalar``, ``unmapped_value``)
so that consolidation can count it. Unreadable worker times become ``None``.

Examples
--------
>>> output = parse_human_loop_output(
...     {
...         "flowDefinitionArn": "arn:aws:sagemaker:eu-west-1:111122223333:flow-definition/f",
...         "humanLoopName": "loop-1",
...         "humanAnswers": [
...             {"answerContent": {"churned": {"label": "yes"}}, "workerId": "w1",
...              "submissionTime": "2024-03-05T15:03:02.917Z"},
...             {"answerContent": {"churned": {"label": "maybe"}}, "workerId": "w2"},
...         ],
...         "inputContent": {"inferenceId": "order-1"},
...     },
...     answer_path="churned.label",
...     value_map={"yes": "1", "no": "0"},
... )
>>> output.inference_id, [a.answer for a in output.answers]
('order-1', ['1', None])
>>> output.answers[1].problem
'unmapped_value'
>>> output.answers[0].submission_time
datetime.datetime(2024, 3, 5, 15, 3, 2, 917000, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ground_truth.json_path import MISSING, find
from ground_truth.label_errors import (
    MISSING_FIELD,
    NOT_AN_OBJECT,
    WRONG_TYPE,
    LabelRecordError,
)

__all__ = [
    "MISSING_ANSWER",
    "MISSING_INFERENCE_ID",
    "NOT_A_SCALAR",
    "UNMAPPED_VALUE",
    "HumanLoopOutput",
    "WorkerAnswer",
    "parse_human_loop_output",
]

MISSING_INFERENCE_ID = "missing_inference_id"
# Per-worker problems (counted by consolidation, never raised).
MISSING_ANSWER = "missing_answer"
NOT_A_SCALAR = "not_a_scalar"
UNMAPPED_VALUE = "unmapped_value"


@dataclass(frozen=True, slots=True)
class WorkerAnswer:
    """One worker's answer, reduced to the label text it stands for.

    ``answer`` is ``None`` when the answer could not be read; ``problem`` then says why.
    Times are timezone-aware UTC, or ``None`` when absent or unreadable.

    Examples
    --------
    >>> WorkerAnswer(worker_id="7c2e9a10b4d35f68", answer=None, problem="unmapped_value")
    WorkerAnswer(worker_id='7c2e9a10b4d35f68', answer=None, problem='unmapped_value',
                 acceptance_time=None, submission_time=None, time_spent_seconds=None)
    """

    worker_id: str | None
    answer: str | None
    problem: str | None = None
    acceptance_time: datetime | None = None
    submission_time: datetime | None = None
    time_spent_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class HumanLoopOutput:
    """One human loop's output: which inference it labels and what each worker answered.

    Examples
    --------
    >>> loop = HumanLoopOutput(
    ...     flow_definition_arn="arn:f", human_loop_name="l", inference_id="i",
    ...     answers=(WorkerAnswer(worker_id="w", answer="1"),),
    ... )
    >>> loop.last_submission_time is None
    True
    """

    flow_definition_arn: str
    human_loop_name: str
    inference_id: str
    answers: tuple[WorkerAnswer, ...]

    @property
    def last_submission_time(self) -> datetime | None:
        """The latest worker submission time, i.e. when the label became complete."""
        times = [a.submission_time for a in self.answers if a.submission_time is not None]
        return max(times) if times else None


def _answer_text(value: Any) -> str | None:
    """Return a scalar answer as text (``True`` → ``"true"``, ``1.0`` → ``"1"``), else None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() and abs(value) < 2.0**53 else repr(value)
    return None


def _time(value: Any) -> datetime | None:
    """A worker's ISO-8601 time as UTC, else None.

    None also when its offset moves it out of years 1..9999 (``0001-01-01T00:30:00+01:00``),
    which ``astimezone`` cannot hold.
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _worker_answer(
    item: Any, answer_path: str, value_map: Mapping[str, str] | None
) -> WorkerAnswer:
    if not isinstance(item, Mapping):
        return WorkerAnswer(worker_id=None, answer=None, problem=MISSING_ANSWER)
    worker_id = item.get("workerId")
    common: dict[str, Any] = {
        "worker_id": worker_id if isinstance(worker_id, str) else None,
        "acceptance_time": _time(item.get("acceptanceTime")),
        "submission_time": _time(item.get("submissionTime")),
        "time_spent_seconds": _seconds(item.get("timeSpentInSeconds")),
    }
    raw = find(item.get("answerContent"), answer_path)
    if raw is MISSING or raw is None:
        return WorkerAnswer(answer=None, problem=MISSING_ANSWER, **common)
    text = _answer_text(raw)
    if text is None:
        return WorkerAnswer(answer=None, problem=NOT_A_SCALAR, **common)
    if value_map is not None:
        if text not in value_map:
            return WorkerAnswer(answer=None, problem=UNMAPPED_VALUE, **common)
        text = value_map[text]
    return WorkerAnswer(answer=text, **common)


def _required_text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None:
        msg = f"{key} is missing"
        raise LabelRecordError(MISSING_FIELD, msg)
    if not isinstance(value, str):
        msg = f"{key} must be a string, got {type(value).__name__}"
        raise LabelRecordError(WRONG_TYPE, msg)
    return value


def _check_paths(**paths: str) -> None:
    """ValueError when a dotted path is empty or has an empty segment."""
    for name, path in paths.items():
        if not path or any(not segment for segment in path.split(".")):
            msg = f"{name} must be a dotted path like 'churned.label', got {path!r}"
            raise ValueError(msg)


def parse_human_loop_output(
    obj: Any,
    *,
    answer_path: str,
    inference_id_path: str = "inferenceId",
    value_map: Mapping[str, str] | None = None,
) -> HumanLoopOutput:
    """Read a decoded A2I ``output.json``.

    Parameters
    ----------
    obj
        The decoded JSON object.
    answer_path
        Dotted path of the answer inside each ``answerContent``, e.g. ``"churned.label"``.
    inference_id_path
        Dotted path of the inference id inside ``inputContent``.
    value_map
        Optional mapping from answer text to label text; answers outside it are unusable.

    Raises
    ------
    LabelRecordError
        When the loop itself cannot be used (see the module docstring for reasons).
    ValueError
        When a path is empty (a programming error).
    """
    _check_paths(answer_path=answer_path, inference_id_path=inference_id_path)
    if not isinstance(obj, Mapping):
        msg = f"an A2I output must be an object, got {type(obj).__name__}"
        raise LabelRecordError(NOT_AN_OBJECT, msg)
    arn = _required_text(obj, "flowDefinitionArn")
    loop_name = _required_text(obj, "humanLoopName")
    answers = obj.get("humanAnswers")
    if answers is None:
        msg = "humanAnswers is missing"
        raise LabelRecordError(MISSING_FIELD, msg)
    if not isinstance(answers, list):
        msg = f"humanAnswers must be an array, got {type(answers).__name__}"
        raise LabelRecordError(WRONG_TYPE, msg)
    content = obj.get("inputContent")
    if content is None:
        msg = "inputContent is missing"
        raise LabelRecordError(MISSING_FIELD, msg)
    if not isinstance(content, Mapping):
        msg = f"inputContent must be an object, got {type(content).__name__}"
        raise LabelRecordError(WRONG_TYPE, msg)
    inference_id = find(content, inference_id_path)
    if isinstance(inference_id, int) and not isinstance(inference_id, bool):
        inference_id = str(inference_id)
    if not isinstance(inference_id, str) or not inference_id.strip():
        msg = f"inputContent.{inference_id_path} holds no inference id"
        raise LabelRecordError(MISSING_INFERENCE_ID, msg)
    return HumanLoopOutput(
        flow_definition_arn=arn,
        human_loop_name=loop_name,
        inference_id=inference_id,
        answers=tuple(_worker_answer(item, answer_path, value_map) for item in answers),
    )
