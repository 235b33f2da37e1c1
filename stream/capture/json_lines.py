r"""A captured JSON Lines payload of several lines: one instance per line.

A model served in SageMaker's JSON Lines format (``application/jsonlines``) takes a request of
one or more lines, one JSON object per instance, and answers one line per instance; data
capture keeps both payloads as they were sent, so a part's ``data`` may be
``{"features":[28,2]}\n{"features":[43,2]}`` and the answer's
``{"predicted_label":1,"score":0.98}\n{"predicted_label":1,"score":0.50}\n`` (AWS's JSON
Lines bias and explainability monitor examples capture exactly that, and the monitors read
such records, locating ``features`` and ``predicted_label`` in each line).

:func:`json_payload` parses a JSON capture part: the one JSON value its text holds, as
before, or — when that does not parse and the part is JSON Lines of more than one line —
each line's value in a list, one per instance. Blank lines (the line break ending the last
line) are skipped. A line that does not parse makes the whole part ``bad_payload``, the
message naming the line: such a record is refused whole, never partly read.
:func:`json_lines_values` says whether a part was read line by line, for the readers that
locate a path in each line (the ``features`` path, ``inference_attribute``).

>>> from stream.capture.records import EventData
>>> two = EventData("application/jsonlines", "INPUT", '{"f":[1]}\n{"f":[2]}\n', "JSON")
>>> json_payload(two, "the request")
[{'f': [1]}, {'f': [2]}]
>>> json_lines_values(EventData("application/jsonlines", "INPUT", '{"f":[1]}\n', "JSON"))
>>> try:
...     json_payload(EventData("application/jsonlines", "INPUT", '{"f":1}\n{"f":', "JSON"), "x")
... except CaptureError as error:
...     print(error.reason, "-", error.message.split(":")[0])
bad_payload - line 2 of the JSON Lines payload does not parse
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from stream.capture.event_data import CaptureError, EventData

BAD_PAYLOAD = "bad_payload"


def names_json_lines(content_type: object) -> bool:
    """Whether a content type names JSON Lines (``application/jsonlines``, ``.../jsonl``).

    >>> names_json_lines("application/jsonlines"), names_json_lines("application/json")
    (True, False)
    """
    return isinstance(content_type, str) and "jsonl" in content_type.lower()


class JsonPayload(NamedTuple):
    """A JSON part parsed: its value, and whether that is the list of its lines' values."""

    value: Any
    by_lines: bool


def json_payload(event: EventData, what: str) -> Any:
    """A JSON part's value, or its lines' values when it is JSON Lines of several lines.

    ``what`` names the part in the ``bad_payload`` message of one that does not parse.
    """
    return read_json_payload(event, what).value


def read_json_payload(event: EventData, what: str) -> JsonPayload:
    """:func:`json_payload`, saying whether the part was read line by line."""
    text = event.text()
    try:
        return JsonPayload(orjson.loads(text), by_lines=False)
    except orjson.JSONDecodeError as exc:
        values = _line_values(event, text)
        if values is None:
            raise CaptureError(BAD_PAYLOAD, f"{what} does not parse: {exc}") from exc
        return JsonPayload(values, by_lines=True)


def json_lines_values(event: EventData) -> list[Any] | None:
    """Each line's value of a JSON Lines part of several lines; None for any other part.

    A part whose whole text is one JSON value (one line, or one value over several lines) is
    not read line by line; a line that does not parse is CaptureError ``bad_payload``.
    """
    if not _may_hold_lines(event):
        return None
    text = event.text()
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return _line_values(event, text)
    return None


def _may_hold_lines(event: EventData) -> bool:
    return not event.is_csv and names_json_lines(event.observed_content_type)


def _line_values(event: EventData, text: str) -> list[Any] | None:
    """The values of the non-blank lines, when there are several of a JSON Lines part."""
    if not _may_hold_lines(event):
        return None
    lines = [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()]
    if len(lines) < 2:
        return None
    values = []
    for number, line in lines:
        try:
            values.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            msg = f"line {number} of the JSON Lines payload does not parse: {exc}"
            raise CaptureError(BAD_PAYLOAD, msg) from exc
    return values
