"""Label messages on ``<prefix>.labels``: split a message into records, decode each into a label.

A message holds one record, or JSON Lines of them (a line may be a JSON array of records,
as AWS's batch-transform bias example writes label files) (``driftline labels push`` batches records
of one partition into one message, as capture is batched; every record's key hashes to the
message's partition). A record is either

- a SageMaker ground-truth record (``groundTruthData``, ``eventMetadata.eventId`` = the join
  key); a JSON-encoded one's label is found at the settings' ``ground_truth_attribute``, or
- an Amazon A2I human-loop output (``humanAnswers``, ``inputContent``): the inference id is
  read from ``inputContent`` and the workers' answers are consolidated into one label, as the
  monitor's :class:`~stream.config.LabelSettings` say (``a2i_*``).

A message that is one JSON object spread over several lines (a pretty-printed A2I
``output.json`` sent as it is) is one record. Anything unusable raises :class:`LabelError`
with a short ``reason`` (the dead-letter reason and counter label): ``oversized``,
``invalid_json``, ``unknown_record``, ``a2i_not_configured``, the ground-truth reasons of
:mod:`ground_truth.records` and :mod:`ground_truth.a2i`, and the consolidation outcomes
``tie``, ``no_answers`` and ``no_usable_answers``.

Examples
--------
>>> settings = LabelSettings(a2i_answer_path="churned.label",
...                          a2i_value_map=(("yes", "1"), ("no", "0")))
>>> decode_label(b'{"groundTruthData":{"data":"1","encoding":"CSV"},'
...              b'"eventMetadata":{"eventId":"order-1"},"eventVersion":"0"}', settings)
GroundTruth(event_id='order-1', values=(1.0,), encoding='CSV', event_version='0',
            label_time=None, per_instance=False)
>>> loop = (b'{"flowDefinitionArn":"arn:f","humanLoopName":"l1","inputContent":'
...         b'{"inferenceId":"order-2"},"humanAnswers":['
...         b'{"answerContent":{"churned":{"label":"yes"}}},'
...         b'{"answerContent":{"churned":{"label":"no"}}},'
...         b'{"answerContent":{"churned":{"label":"yes"}}}]}')
>>> decode_label(loop, settings).event_id, decode_label(loop, settings).values
('order-2', (1.0,))
>>> decode_label(b'{"captureData": {}}', settings)
Traceback (most recent call last):
...
stream.labels.records.LabelError: unknown_record: neither a ground-truth record ...
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from ground_truth.a2i import MISSING_INFERENCE_ID, parse_human_loop_output
from ground_truth.consolidation import (
    NO_ANSWERS,
    NO_USABLE_ANSWERS,
    TIE,
    AnswerConsolidator,
    ground_truth_from_loop,
)
from ground_truth.label_errors import LABEL_RECORD_REASONS
from ground_truth.records import GroundTruth, LabelRecordError, parse_ground_truth
from stream.config import LabelSettings

MAX_LABEL_BYTES = 4 * 1_048_576  # an A2I output repeats its InputContent (up to 3 MiB)
GROUND_TRUTH_KEY = "groundTruthData"
# reasons of LabelError (dead-letter reason and counter label), besides ground_truth's
OVERSIZED = "oversized"
INVALID_JSON = "invalid_json"
UNKNOWN_RECORD = "unknown_record"
A2I_NOT_CONFIGURED = "a2i_not_configured"
A2I_KEY = "humanAnswers"
# Every reason a label record is refused for (dead-letter reason, counted from 0 by the
# worker's metrics): the message's, the ground-truth record's, an A2I output's and its
# consolidation's (``no_label`` only where consolidation gives no label and no reason).
LABEL_DEAD_LETTER_REASONS = (
    OVERSIZED, INVALID_JSON, UNKNOWN_RECORD, A2I_NOT_CONFIGURED, *LABEL_RECORD_REASONS,
    MISSING_INFERENCE_ID, NO_ANSWERS, NO_USABLE_ANSWERS, TIE,
)  # fmt: skip


class RecordError(ValueError):
    """A label or attribution record that cannot be used; ``reason`` is a short code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class LabelError(RecordError):
    """A label record that cannot be used (see the module docstring for the reasons)."""


def split_records(message: bytes, *, arrays: bool = False) -> list[bytes]:
    r"""The records of a message: one JSON object (even over several lines), or JSON Lines.

    With ``arrays`` (labels messages), a line that is a JSON array of records is those
    records (:func:`records_of_line`).

    Examples
    --------
    >>> split_records(b'{"a": 1}\n{"a": 2}\n\n')
    [b'{"a": 1}', b'{"a": 2}']
    >>> split_records(b'{\n  "a": 1\n}\n')
    [b'{\n  "a": 1\n}']
    >>> split_records(b'[{"a": 1}, {"a": 2}]\n{"a": 3}', arrays=True)  # labels: arrays too
    [b'{"a":1}', b'{"a":2}', b'{"a": 3}']
    """
    lines = [line for line in message.split(b"\n") if line.strip()]
    if len(lines) > 1 and not lines[0].rstrip().endswith((b"}", b"]")):
        try:
            whole = orjson.loads(message)
        except orjson.JSONDecodeError:
            return _expanded(lines, arrays)
        if isinstance(whole, dict):
            return [message.strip()]
        if isinstance(whole, list) and arrays:
            return records_of_line(message.strip())
    return _expanded(lines, arrays)


def _expanded(lines: list[bytes], arrays: bool) -> list[bytes]:
    """The lines, each array of records as its records when ``arrays``."""
    if not arrays:
        return lines
    return [record for line in lines for record in records_of_line(line)]


def records_of_line(line: bytes) -> list[bytes]:
    """A line's records: the line, or each record of a JSON array of records, re-encoded.

    AWS's batch-transform bias example writes each label file as a JSON array of records
    (``json.dumps([record])``). An array that is empty, holds anything but objects, or does
    not parse stays the one line it is, for the decoder to refuse with its reason
    (``not_an_object``, ``invalid_json``) — never dropped unseen.

    >>> records_of_line(b'[{"a": 1}, {"a": 2}]'), records_of_line(b'{"a": 1}')
    ([b'{"a":1}', b'{"a":2}'], [b'{"a": 1}'])
    >>> records_of_line(b'[]'), records_of_line(b'[{"a": '), records_of_line(b'[{"a": 1}, 2]')
    ([b'[]'], [b'[{"a": '], [b'[{"a": 1}, 2]'])
    """
    if not line.lstrip().startswith(b"["):
        return [line]
    try:
        found = orjson.loads(line)
    except orjson.JSONDecodeError:
        return [line]
    if not isinstance(found, list) or not found or not all(type(r) is dict for r in found):
        return [line]
    try:
        return [orjson.dumps(record) for record in found]
    except TypeError:  # nested deeper than orjson writes: the decoder refuses the line
        return [line]


def parse_json(raw: bytes, limit: int, error: type[RecordError]) -> Any:
    """Decode one record's JSON, refusing what is over ``limit`` bytes or not JSON."""
    if len(raw) > limit:
        msg = f"record of {len(raw)} bytes exceeds {limit}"
        raise error(OVERSIZED, msg)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise error(INVALID_JSON, str(exc)) from exc


def decode_label(
    raw: bytes, settings: LabelSettings, *, label_time: datetime | None = None
) -> GroundTruth:
    """Decode one label record (ground truth or A2I output) into its label.

    ``label_time`` (e.g. the Kafka timestamp) is kept on a ground-truth label; an A2I label
    takes the latest worker submission time instead.
    """
    return label_from_object(parse_json(raw, MAX_LABEL_BYTES, LabelError), settings, label_time)


def is_human_loop(obj: Any) -> bool:
    """Whether a decoded label record is an A2I output rather than a ground-truth record."""
    return isinstance(obj, dict) and A2I_KEY in obj and GROUND_TRUTH_KEY not in obj


def label_from_object(
    obj: Any, settings: LabelSettings, label_time: datetime | None = None
) -> GroundTruth:
    """The label of an already decoded record (see :func:`decode_label`)."""
    try:
        if is_human_loop(obj):
            return _from_human_loop(obj, settings)
        if isinstance(obj, dict) and GROUND_TRUTH_KEY not in obj:
            msg = "neither a ground-truth record (groundTruthData) nor an A2I output (humanAnswers)"
            raise LabelError(UNKNOWN_RECORD, msg)
        return parse_ground_truth(
            obj, label_time=label_time, label_path=settings.ground_truth_attribute
        )
    except LabelRecordError as exc:
        raise LabelError(exc.reason, exc.message) from exc


def _from_human_loop(obj: dict[str, Any], settings: LabelSettings) -> GroundTruth:
    if settings.a2i_answer_path is None:
        msg = "an A2I output, but the monitor sets no labels.a2i_answer_path"
        raise LabelError(A2I_NOT_CONFIGURED, msg)
    value_map = settings.a2i_value_map
    loop = parse_human_loop_output(
        obj,
        answer_path=settings.a2i_answer_path,
        inference_id_path=settings.a2i_inference_id_path,
        value_map=None if value_map is None else dict(value_map),
    )
    consolidator = AnswerConsolidator(
        method=settings.a2i_consolidation, tie_rule=settings.a2i_tie_rule
    )
    result = consolidator.consolidate(loop.answers)
    label = ground_truth_from_loop(loop, result)
    if label is None:
        reason = result.reason or "no_label"
        msg = (
            f"human loop {loop.human_loop_name!r} gives no label ({reason}, "
            f"{result.answers_used} of {len(loop.answers)} answers usable)"
        )
        raise LabelError(reason, msg)
    return label


__all__ = [
    "LABEL_DEAD_LETTER_REASONS",
    "MAX_LABEL_BYTES",
    "LabelError",
    "RecordError",
    "decode_label",
    "is_human_loop",
    "label_from_object",
    "parse_json",
    "split_records",
]
