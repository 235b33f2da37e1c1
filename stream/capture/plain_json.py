"""The worker's fast path for JSON payloads: a whole message of plain JSON capture records.

Endpoints that take ``application/json`` capture each request as a JSON text, most often an
array of the instance's values (``[41, 2.5, "gold"]``), and the response as a scalar or
another array. A record is plain JSON when every chosen capture part has ``encoding``
``JSON`` and a *plain* payload (:func:`add_plain_values`: a scalar, or a non-empty array of
scalars; or, as a record's only part, one instance's request as clients also send it — an
object keyed by the baseline's features in order, ``{"instances": [[...]]}``, ``[[...]]``,
``{"features": [...]}`` — of scalars) and the parts hold ``width`` values in all: the
per-record path (:class:`~stream.capture.rows.RowBuilder`) makes exactly one row of it, the
baseline's features in order, which it keeps positional. Such a message comes back as those values,
row after row; any record that is not plain makes :meth:`PlainJsonDecoder.decode` return
None, and the caller takes the per-record path. An optimisation, never a second meaning.

Examples
--------
>>> import orjson
>>> record = {"captureData": {"endpointInput": {"data": '[41, "gold"]', "encoding": "JSON"}},
...           "eventMetadata": {"eventId": "e1", "inferenceTime": "2024-03-05T14:07:31Z"}}
>>> decoder = PlainJsonDecoder(parts=("endpointInput",), width=2)
>>> decoder.decode([orjson.dumps(record)])
PlainMessage(keys=['e1'], seconds=[1709647651.0], rows=[41, 'gold'], outputs=None)
>>> values = []
>>> add_plain_values("0.9", values), add_plain_values("[[1, 2]]", values), values
(True, False, [0.9])
>>> add_plain_values('["[", "{"]', values), add_plain_values('[1, {"a": 2}]', values), values
(True, False, [0.9, '[', '{'])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from stream.capture.payloads import is_scalar_list, json_value_rows
from stream.capture.plain_records import PlainRecords, payload_text
from stream.capture.records import CaptureError


def add_plain_values(payload: str, values: list[Any], names: Sequence[str] = ()) -> bool:
    """Append a plain JSON payload's values to ``values``; False (nothing added) if it is not.

    Plain: a scalar, or a non-empty array of scalars. When ``names`` are given (the
    baseline's features, for a record whose only capture part this is), also any payload
    the per-record path reads as exactly one row of scalars (:func:`add_only_row`). Anything
    else (other objects, arrays holding arrays or objects, an empty array, text that is not
    JSON) is not: the per-record path reads it (named rows, rows per instance, no row,
    ``bad_payload``).
    """
    if not names and payload.lstrip().startswith("{"):
        return False  # an object (or not JSON): not worth decoding only to say so
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return False
    if type(value) is list:
        # one "[" and no "{" in the text: nothing nested (each would need its own bracket)
        nested = payload.count("[") != 1 or "{" in payload
        if value and (not nested or is_scalar_list(value)):
            values.extend(value)
            return True
        return bool(names) and add_only_row(value, values, names)
    if type(value) is dict:
        return bool(names) and add_only_row(value, values, names)
    values.append(value)
    return True


def add_only_row(value: Any, values: list[Any], names: Sequence[str]) -> bool:
    """Append the one row of scalars the per-record path reads from a decoded JSON payload.

    It reads the payload with :func:`~stream.capture.payloads.json_value_rows`; a row given
    as an object counts when its keys are ``names`` in order (the per-record path then keeps
    it positional). False (nothing added) for any other payload: several rows or none, a
    row holding lists or objects, an object of other keys, a Clarify explainer response.

    >>> values = []
    >>> add_only_row({"instances": [[41, "gold"]]}, values, ("age", "plan")), values
    (True, [41, 'gold'])
    >>> add_only_row({"plan": "gold", "age": 41}, [], ("age", "plan"))
    False
    """
    if type(value) is dict and tuple(value) == tuple(names):
        row = list(value.values())  # the usual object: its scalars are the row, as read below
        if not is_scalar_list(row):
            return False
        values.extend(row)
        return True
    try:
        rows = json_value_rows(value)
    except CaptureError:
        return False
    if rows is None or len(rows.rows) != 1:
        return False
    row = rows.rows[0]
    if type(row) is dict:
        if tuple(row) != tuple(names):
            return False
        row = list(row.values())
    if not is_scalar_list(row):
        return False
    values.extend(row)
    return True


class PlainJsonDecoder(PlainRecords[list[Any]]):
    """Decode messages of plain JSON capture records whose rows have ``width`` values.

    :meth:`decode` gives every row's values, row after row (positional). Given the
    baseline's ``features`` (``width`` of them), a record whose one capture part holds one
    instance of scalars in another request shape is plain too (:func:`add_only_row`).
    """

    def __init__(self, *, parts: tuple[str, ...], width: int, features: Sequence[str] = (),
                 keep_outputs: bool = False) -> None:  # fmt: skip
        super().__init__(parts=parts, width=width, keep_outputs=keep_outputs)
        self.features = tuple(features)

    def payload_rows(self, captures: list[Any]) -> list[Any] | None:
        """Every record's values (chosen parts in order), row after row; None if one is not."""
        payloads = self.part_data(captures, "JSON")
        if payloads is None:
            payloads = self.part_texts(captures, _json_text)
            if payloads is None:
                return None
        values: list[Any] = []
        for record in zip(*payloads, strict=True):
            start = len(values)
            names = self.features if len(record) == 1 else ()  # its object is the whole row
            for payload in record:
                if not add_plain_values(payload, values, names):
                    return None
            if len(values) - start != self.width:
                return None
        return values


def _json_text(part: Any) -> str | None:
    return payload_text(part, "JSON")
