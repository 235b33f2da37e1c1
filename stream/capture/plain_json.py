"""The worker's fast path for JSON payloads: a whole message of plain JSON capture records.

Endpoints that take ``application/json`` capture each request as a JSON text, most often an
array of the instance's values (``[41, 2.5, "gold"]``), and the response as a scalar or
another array. A record is plain JSON when every chosen capture part has ``encoding``
``JSON`` and a *plain* payload (:func:`add_plain_values`: a scalar, or a non-empty array of
scalars) and the parts hold ``width`` values in all: the per-record path
(:class:`~stream.capture.rows.RowBuilder`) makes exactly one row of it, the baseline's
features in order, which it keeps positional. Such a message comes back as those values,
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

from typing import Any

import orjson

from stream.capture.payloads import is_scalar_list
from stream.capture.plain_records import PlainRecords, payload_text


def add_plain_values(payload: str, values: list[Any]) -> bool:
    """Append a plain JSON payload's values to ``values``; False (nothing added) if it is not.

    Plain: a scalar, or a non-empty array of scalars. An object, an array holding arrays or
    objects, an empty array and text that is not JSON are not: the per-record path reads
    them (named rows, rows per instance, no row, ``bad_payload``).
    """
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return False
    if type(value) is list:
        # one "[" and no "{" in the text: nothing nested (each would need its own bracket)
        nested = payload.count("[") != 1 or "{" in payload
        if not value or (nested and not is_scalar_list(value)):
            return False
        values.extend(value)
    elif type(value) is dict:
        return False
    else:
        values.append(value)
    return True


class PlainJsonDecoder(PlainRecords[list[Any]]):
    """Decode messages of plain JSON capture records whose rows have ``width`` values.

    :meth:`decode` gives every row's values, row after row (positional).
    """

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
            for payload in record:
                if not add_plain_values(payload, values):
                    return None
            if len(values) - start != self.width:
                return None
        return values


def _json_text(part: Any) -> str | None:
    return payload_text(part, "JSON")
