r"""A capture payload's rows: CSV lines of values, or JSON rows (lists or objects).

CSV payloads are cut into records at ``\n`` only (SageMaker's record delimiter; a ``\r``
before it is dropped), never at form feeds or other Unicode line breaks; quoted fields may
hold commas, quotes and line breaks of any length.

JSON payloads are read the way SageMaker's analyzer reads ``instances`` / ``predictions``
lists: one row per element. A flat list of scalars is ambiguous — one instance's values
(``[41, 3.2]`` as a request body) or one value per instance (``{"predictions": [0.9,
0.2]}``) — so :func:`parse_payload` returns its default reading together with the flat
list, and :class:`~stream.capture.rows.RowBuilder` picks the reading whose row count pairs
with the other capture part.

Examples
--------
>>> from stream.capture.records import EventData
>>> payload_rows(EventData("text/csv", "INPUT", "41,basic\n35,gold", "CSV"))
[['41', 'basic'], ['35', 'gold']]
>>> payload_rows(EventData("application/json", "OUTPUT", '{"predictions": [0.9, 0.2]}', "JSON"))
[[0.9], [0.2]]
>>> payload_rows(EventData("application/json", "INPUT", '{"instances": [41, 35]}', "JSON"))
[[41], [35]]
>>> payload_rows(EventData("application/jsonlines", "INPUT",
...                       '{"features": [41, 2]}\n{"features": [35, 1]}', "JSON"))
[[41, 2], [35, 1]]
>>> payload_rows(EventData("text/csv", "INPUT", "41,a\fb", "CSV"))
[['41', 'a\x0cb']]
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from stream.capture.explainer_response import explainer_response
from stream.capture.json_lines import read_json_payload
from stream.capture.records import CaptureError, EventData

Row = list[Any] | dict[str, Any]

# Keys under which JSON payloads commonly carry their rows.
_JSON_ROW_KEYS = ("instances", "inputs", "features", "data", "predictions", "outputs", "scores")
# Under these keys a list holds one element per instance, scalars included.
_PER_INSTANCE_KEYS = ("instances", "inputs", "predictions", "outputs", "scores")
# What a JSON value nests in: a tuple, where ``list | dict`` would build a union every call.
CONTAINERS = (list, dict)
# A quoted field runs to its closing quote ("" is a quote inside it); it must end the field.
_QUOTED = re.compile(r'"((?:[^"]|"")*)"(?=,|\r?\n|\Z)')


class PayloadRows(NamedTuple):
    """A payload's rows in their default reading, and the flat scalar list if it was one.

    ``per_instance`` says the default reading of ``flat`` is one row per value (a keyed list
    such as ``predictions``) rather than one row holding every value (a bare list).
    """

    rows: list[Row]
    flat: list[Any] | None = None
    per_instance: bool = False

    def reading(self, count: int) -> list[Row] | None:
        """Rows in the reading that gives ``count`` rows, or None when none does."""
        if len(self.rows) == count:
            return self.rows
        if self.flat is None:
            return None
        if count == 1:
            return [list(self.flat)]
        if count == len(self.flat):
            return [[value] for value in self.flat]
        return None


def payload_rows(event: EventData) -> list[Row]:
    """The payload's rows in their default reading (see :func:`parse_payload`)."""
    return parse_payload(event).rows


def parse_payload(event: EventData) -> PayloadRows:
    """The payload as rows: CSV lines of values, or JSON rows (lists or objects).

    JSON payloads may be a scalar, a list of scalars (one row), a list of rows, an object of
    scalars (one named row; nested blocks beside them, such as a ``shap`` object, are not
    columns), or an object holding rows under a common key such as ``instances``,
    ``inputs``, ``features`` or ``predictions``. Under ``instances``, ``inputs``,
    ``predictions``, ``outputs`` and ``scores`` a list holds one element per instance, so
    a flat list there is one single-value row per element. An instance written as
    ``{"features": [...]}`` (SageMaker's built-in algorithms) is the list of its values.
    A SageMaker Clarify online explainability response gives the rows of the model's own
    response inside it (:mod:`stream.capture.explainer_response`). A JSON Lines payload of
    several lines is one row per line (:mod:`stream.capture.json_lines`).
    """
    if event.is_csv:
        return PayloadRows(csv_rows(event.text()))
    value, by_lines = read_json_payload(event, "JSON payload")
    if by_lines:  # one instance per line, whatever each line holds
        return PayloadRows([_line_row(line) for line in value])
    response = explainer_response(value)
    if response is not None:  # the model's own response is inside, of its own content type
        return parse_payload(response.predictions)
    return _json_rows(value)


def json_value_rows(value: Any) -> PayloadRows | None:
    """A decoded JSON payload's rows, as :func:`parse_payload` reads a payload of one value.

    None for a Clarify explainability response (its rows are in the response inside it).
    """
    if explainer_response(value) is not None:
        return None
    return _json_rows(value)


def csv_rows(text: str) -> list[Row]:
    r"""CSV rows of a payload; blank lines skipped, quoted fields may hold commas and newlines.

    >>> csv_rows('1,2\r\n\n3,"a,\nb"\n')
    [['1', '2'], ['3', 'a,\nb']]
    >>> csv_rows('1,"a ""b"" c",2')
    [['1', 'a "b" c', '2']]
    """
    if '"' not in text:
        lines = (line.removesuffix("\r") for line in text.split("\n"))
        return [line.split(",") for line in lines if line.strip()]
    return [row for row in _quoted_csv_rows(text) if any(f.strip() for f in row)]


def _quoted_csv_rows(text: str) -> list[list[str]]:
    """RFC 4180 rows (quotes only special at a field's start); no field size limit."""
    rows: list[list[str]] = []
    row: list[str] = []
    pos, end = 0, len(text)
    while True:
        if text.startswith('"', pos):
            match = _QUOTED.match(text, pos)
            if match is None:
                msg = "bad_payload"
                raise CaptureError(msg, f"CSV payload has a malformed quoted field at {pos}")
            row.append(match.group(1).replace('""', '"'))
            pos = match.end()
        else:
            stop = _next_break(text, pos)
            field = text[pos:stop]
            row.append(field.removesuffix("\r") if text.startswith("\n", stop) else field)
            pos = stop
        if pos >= end:
            rows.append(row)
            return rows
        if text[pos] == ",":
            pos += 1
            continue
        pos += 2 if text.startswith("\r\n", pos) else 1  # the record ends here
        rows.append(row)
        row = []
        if pos >= end:
            return rows


def _next_break(text: str, pos: int) -> int:
    comma, newline = text.find(",", pos), text.find("\n", pos)
    candidates = [i for i in (comma, newline) if i >= 0]
    return min(candidates) if candidates else len(text)


def _json_rows(value: Any) -> PayloadRows:
    if isinstance(value, dict):
        for key in _JSON_ROW_KEYS:
            if key in value and isinstance(value[key], CONTAINERS):
                inner = value[key]
                if key in _PER_INSTANCE_KEYS and is_scalar_list(inner):
                    return PayloadRows([[v] for v in inner], list(inner), per_instance=True)
                return _json_rows(inner)
        if is_scalar_list(list(value.values())):
            scalars = dict(value)  # the usual object: no list or dict, every value a column
        else:
            scalars = {k: v for k, v in value.items() if not isinstance(v, CONTAINERS)}
        if scalars:
            # Nested blocks beside the scalars (e.g. a "shap" object) are not columns.
            return PayloadRows([scalars])
        msg = f"JSON object with keys {sorted(value)[:5]} holds no rows"
        msg_0 = "bad_payload"
        raise CaptureError(msg_0, msg)
    if isinstance(value, list):
        if not value:
            return PayloadRows([])
        nested = [issubclass(kind, CONTAINERS) for kind in set(map(type, value))]
        if all(nested):
            return PayloadRows([_instance(v) for v in value])
        if any(nested):
            msg_0 = "bad_payload"
            raise CaptureError(msg_0, "JSON list mixes rows and scalars")
        return PayloadRows([value], list(value))
    return PayloadRows([[value]])


def _line_row(value: Any) -> Row:
    """A JSON Lines line's instance: an object or list as a JSON row is, a scalar its one value."""
    return _instance(value) if isinstance(value, CONTAINERS) else [value]


def _instance(value: list[Any] | dict[str, Any]) -> Row:
    if isinstance(value, dict):
        features = value.get("features")
        if len(value) == 1 and is_scalar_list(features):
            return list(features)
        return value
    return list(value)


def is_scalar_list(value: Any) -> bool:
    """A list without a list or an object in it (its distinct types are checked, not each value).

    >>> is_scalar_list([1, "a", None]), is_scalar_list([1, [2]]), is_scalar_list({"a": 1})
    (True, False, False)
    """
    if not isinstance(value, list):
        return False
    for kind in set(map(type, value)):
        if issubclass(kind, CONTAINERS):
            return False
    return True
