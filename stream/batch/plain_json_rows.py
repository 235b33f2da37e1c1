r"""``analyze``'s fast path for capture records with JSON payloads: one row of values each.

Endpoints that take ``application/json`` capture each request as a JSON text: most often an
array of the instance's values (``[41, 2.5, "gold"]``), and the response as a scalar or
another array. A record is *plain JSON* when the general path
(:func:`~stream.capture.records.decode_capture`,
:func:`~stream.capture.payloads.parse_payload`, :class:`~stream.capture.rows.RowBuilder`)
would make exactly one row of it with every baseline feature and nothing else: a non-empty
``eventId``, each chosen capture part absent (left out, as the general path leaves it out)
or with a payload that is plain (``JSON``, or ``BASE64`` of JSON text)
(:func:`~stream.capture.plain_json.add_plain_values`: a scalar or a non-empty array of
scalars), ``len(features)`` values in all, and every other part absent or
well-formed (the worker's :mod:`stream.capture.plain_json` rule, a record at a time).
A payload may also be a non-empty object of scalars (``{"age": 41, "plan": "gold"}``,
``application/json`` requests keyed by feature name): its keys name its values, in any
order, and positional parts beside it are named as
:meth:`~stream.capture.rows.RowBuilder.named` names them; the record is plain when that row
holds exactly the baseline's features (a key missing, an extra key, or a value that is a
list or an object: the general path, for its absent and extra columns). A payload may also
hold its one row in another shape, read as the worker reads it
(:func:`~stream.capture.plain_json.json_piece`): ``{"predictions": [0.9]}`` (SageMaker's
JSON response for one instance), scores with a nested block beside them (``{"score": 0.9,
"shap": {...}}``: the block is no column), ``{"instances": [[...]]}``; a list of several
values under ``predictions`` is one row per value and goes to the general path. Its
row is then those values, the features in order, made with two orjson calls; the caller
keeps rows of values flat and hands them to the profile a column at a time, as the worker
does, with no dict per row. Every other line goes back to the general path, which gives it
the same row or its error reason: an optimisation, never a second meaning.

Examples
--------
>>> rows = PlainJsonRows(parts=("endpointOutput", "endpointInput"), features=("p", "age", "plan"))
>>> line = (b'{"captureData":{"endpointInput":{"data":"[41, \\"gold\\"]","encoding":"JSON"},'
...         b'"endpointOutput":{"data":"0.9","encoding":"JSON"}},"eventMetadata":{"eventId":"e"}}')
>>> rows.values(line)
[0.9, 41, 'gold']
>>> rows.values(line.replace(b"41, ", b"")) is None  # a value short: the general path decides
True
>>> keyed = (b'{"captureData":{"endpointInput":{"data":"{\\"plan\\": \\"gold\\", \\"age\\": 41}",'
...          b'"encoding":"JSON"},"endpointOutput":{"data":"0.9","encoding":"JSON"}},'
...          b'"eventMetadata":{"eventId":"e"}}')
>>> rows.values(keyed)
[0.9, 41, 'gold']
>>> rows.values(keyed.replace(b'"data":"0.9"', b'"data":"{\\"predictions\\": [0.9]}"'))
[0.9, 41, 'gold']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from stream.batch.capture_columns import others_well_formed
from stream.capture.plain_json import FeatureRow, add_plain_values, json_piece
from stream.capture.plain_records import payload_text
from stream.capture.records import MAX_RECORD_BYTES, other_parts


class PlainJsonRows:
    """The row of a plain JSON capture record (its values, features in order), or None.

    ``parts`` are the capture parts that become columns, in column order (output first, as
    SageMaker does); ``features`` the baseline's names, in order.
    """

    def __init__(self, *, parts: Sequence[str], features: Sequence[str]) -> None:
        self.parts = tuple(parts)
        self.features = tuple(features)
        self._others = other_parts(parts)
        self._row = FeatureRow(self.features)  # names a row's pieces, as the general path does

    def values(self, line: bytes) -> list[Any] | None:
        """The record's one row of values (``line`` as the general path gets it), or None."""
        if len(line) > MAX_RECORD_BYTES:
            return None
        values: list[Any] = []
        pieces: list[int | dict[str, Any]] = []  # each part: its values' end, or its object
        keyed = False  # whether a part is an object, named by its keys
        try:
            record = orjson.loads(line)
            if not record["eventMetadata"]["eventId"]:
                return None
            capture = record["captureData"]
            for name in self.parts:
                part = capture.get(name)
                if part is None:  # absent (or null): the general path leaves it out
                    continue
                data = payload_text(part, "JSON")
                if data is None:
                    return None
                if not data.startswith("{") and add_plain_values(data, values):
                    pieces.append(len(values))
                    continue
                piece = json_piece(data)  # an object, or one row in another shape
                if piece is None:
                    return None
                if type(piece) is dict:
                    pieces.append(piece)
                    keyed = True
                else:
                    values += piece
                    pieces.append(len(values))
            if len(capture) > len(self.parts) and not others_well_formed(capture, self._others):
                return None
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            return None  # not JSON, not a mapping where one is needed, or a field missing
        except RecursionError:
            return None  # a payload nested past Python's stack: the general path says why
        if keyed:
            return self._row.values(pieces, values)
        return values if len(values) == len(self.features) else None
