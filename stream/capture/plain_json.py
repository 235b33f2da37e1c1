"""The worker's fast path for JSON payloads: a whole message of plain JSON capture records.

Endpoints that take ``application/json`` capture each request as a JSON text, most often an
array of the instance's values (``[41, 2.5, "gold"]``), and the response as a scalar or
another array. A record is plain JSON when every chosen capture part has ``encoding``
``JSON`` and a *plain* payload (:func:`add_plain_values`: a scalar, or a non-empty array of
scalars; or, as a record's only part, one instance's request as clients also send it —
``{"instances": [[...]]}``, ``[[...]]``, ``{"features": [...]}`` — of scalars; or a
non-empty object of scalars, alone or beside other parts, each then read as the per-record
path reads it when the record is one row, :func:`json_piece`, ``{"predictions": [0.9]}``
too) and the parts hold ``width`` values in all: the per-record path
(:class:`~stream.capture.rows.RowBuilder`) makes exactly one row of it. A record with an
object is named as that path names it (:class:`FeatureRow`: the object's keys, positional
parts by their place) and is plain when its row holds exactly the baseline's features, in
any order; the per-record path then keeps it positional, the features in order. Such a
message comes back as those values, row after row; any record that is not plain makes
:meth:`PlainJsonDecoder.decode` return None, and the caller takes the per-record path. An
optimisation, never a second meaning.

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
>>> keyed = {"data": '{"plan": "gold", "age": 41}', "encoding": "JSON"}
>>> record["captureData"] = {"endpointInput": keyed,
...                          "endpointOutput": {"data": "0.9", "encoding": "JSON"}}
>>> both = PlainJsonDecoder(parts=("endpointOutput", "endpointInput"), width=3,
...                         features=("p", "age", "plan"))
>>> both.decode([orjson.dumps(record)]).rows
[0.9, 41, 'gold']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import orjson

from stream.capture.payloads import is_scalar_list, json_value_rows
from stream.capture.plain_records import PlainRecords, payload_text
from stream.capture.records import CaptureError
from stream.capture.rows import RowBuilder


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
    as an object counts when its keys are ``names``, in any order (the per-record path then
    keeps it positional, ``names`` in order). False (nothing added) for any other payload:
    several rows or none, a row holding lists or objects, an object of other keys, a Clarify
    explainer response.

    >>> values = []
    >>> add_only_row({"instances": [[41, "gold"]]}, values, ("age", "plan")), values
    (True, [41, 'gold'])
    >>> add_only_row({"plan": "gold", "age": 41}, values, ("age", "plan")), values
    (True, [41, 'gold', 41, 'gold'])
    >>> add_only_row({"plan": "gold", "age": 41, "x": 1}, [], ("age", "plan"))
    False
    """
    if type(value) is dict and len(value) == len(names):
        row = _by_names(value, names)  # the usual object: its scalars are the row, as read below
        if row is not None and _SCALARS.issuperset(map(type, row)):
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
        if len(row) != len(names):
            return False
        row = _by_names(row, names)
        if row is None:
            return False
    if not is_scalar_list(row):
        return False
    values.extend(row)
    return True


def _by_names(row: dict[str, Any], names: Sequence[str]) -> list[Any] | None:
    """The row's values under ``names``, in their order; None when one is missing."""
    if tuple(row) == tuple(names):
        return list(row.values())
    try:
        return [row[name] for name in names]
    except KeyError:
        return None


_SCALARS = frozenset({str, int, float, bool, type(None)})  # what orjson decodes a scalar to


def json_piece(payload: str) -> list[Any] | dict[str, Any] | None:
    """A JSON part's one row beside other parts: its values, or its object; None if not that.

    As the per-record path reads it (:func:`~stream.capture.payloads.json_value_rows`) when
    the record makes one row: a non-empty object of scalars (nested blocks beside them are
    not columns), one row of scalars (``{"predictions": [0.9]}``, ``{"instances": [[...]]}``,
    ``[[...]]``, ``{"predictions": [{"score": 0.9}]}``), or a flat list of scalars read as
    one row. A list under ``predictions`` (or another per-instance key) of several values is
    None: beside parts without a fixed row it would be one row per value.

    >>> json_piece('{"predictions": [0.9]}'), json_piece('{"score": 0.9, "shap": {"a": 1}}')
    ([0.9], {'score': 0.9})
    >>> json_piece('{"predictions": [0.9, 0.1]}'), json_piece("{}"), json_piece("[[1], [2]]")
    (None, None, None)
    """
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    kind = type(value)
    if kind in _SCALARS:
        return [value]  # one value: one row of it, as read below
    if kind is list and value and _SCALARS.issuperset(map(type, value)):
        return value  # a flat list: one row of its values beside the other parts
    if kind is dict:
        if value and _SCALARS.issuperset(map(type, value.values())):
            return value  # the usual object: as read below, faster
        predictions = value.get("predictions")
        if len(value) == 1 and type(predictions) is list and len(predictions) == 1:
            if type(predictions[0]) in _SCALARS:
                return predictions  # the usual response of one instance, as read below
    try:
        rows = json_value_rows(value)
    except CaptureError:
        return None
    if rows is None:
        return None  # a Clarify explainer response
    if rows.flat is not None:
        if not rows.flat or (rows.per_instance and len(rows.flat) != 1):
            return None
        return list(rows.flat)
    if len(rows.rows) != 1:
        return None
    row = rows.rows[0]
    if type(row) is dict:
        scalars = bool(row) and _SCALARS.issuperset(map(type, row.values()))
    else:
        scalars = bool(row) and is_scalar_list(row)
    return row if scalars else None


class FeatureRow:
    """A record's parts named as the per-record path names them; its values if they are the row.

    ``pieces`` are the record's parts in column order: an object of scalars (its keys name
    its values), or where a positional part's values end in ``values`` (named by their
    place, :meth:`~stream.capture.rows.RowBuilder.named`). The record is one plain row when
    the named row holds exactly the baseline's ``features``, in any order.

    >>> FeatureRow(("p", "age", "plan")).values([1, {"plan": "gold", "age": 41}], [0.9])
    [0.9, 41, 'gold']
    >>> FeatureRow(("p", "age", "plan")).values([{"age": 41, "plan": "gold"}], []) is None
    True
    """

    def __init__(self, features: Sequence[str]) -> None:
        self.features = tuple(features)
        self._names = RowBuilder(features=self.features)
        self._take = _getter(self.features)
        # the features from a position on, for an object after positional parts (made once)
        self._tails: dict[int, Callable[[dict[str, Any]], Sequence[Any]]] = {}
        self._heads: dict[int, Callable[[dict[str, Any]], Sequence[Any]]] = {}  # likewise, before
        self._unique = len(set(self.features)) == len(self.features)

    def values(self, pieces: Sequence[int | dict[str, Any]], values: list[Any]) -> list[Any] | None:
        """The row's values, the features in order; None unless its keys are the features."""
        first, last = pieces[0], pieces[-1]
        if len(pieces) == 1 and type(first) is dict:
            row = first  # the usual record: the object alone is the row
        else:
            if len(pieces) == 2 and type(first) is int and type(last) is dict:
                fast = self._after_positional(first, last, values)
                if fast is not None:
                    return fast
            elif len(pieces) == 2 and type(first) is dict and type(last) is int:
                fast = self._before_positional(first, last, values)
                if fast is not None:
                    return fast
            row = self._names.named(_part_rows(pieces, values))
        if len(row) != len(self.features):
            return None  # a feature absent, or an extra column: the per-record path counts them
        try:
            return list(self._take(row))  # as many keys, each a feature: the features
        except KeyError:
            return None

    def _after_positional(
        self, k: int, named: dict[str, Any], values: list[Any]
    ) -> list[Any] | None:
        """The row of ``k`` positional values then an object, when its keys are the rest.

        The values are named ``features[:k]``; the row is the features when the object's keys
        are exactly the other features. None: name them the general way.
        """
        if not self._unique or k + len(named) != len(self.features):
            return None
        tail = self._tails.get(k)
        if tail is None:
            tail = self._tails[k] = _getter(self.features[k:])
        try:
            return values[:k] + list(tail(named))
        except KeyError:
            return None

    def _before_positional(
        self, named: dict[str, Any], end: int, values: list[Any]
    ) -> list[Any] | None:
        """The row of an object then ``end`` positional values, when its keys come first.

        The values are named after the object's place (``features[len(named):]``); the row
        is the features when the object's keys are exactly the features before them (an
        output object of scores, then the request's values). None: name them the general way.
        """
        k = len(named)
        if not self._unique or k + end != len(self.features):
            return None
        head = self._heads.get(k)
        if head is None:
            head = self._heads[k] = _getter(self.features[:k])
        try:
            return list(head(named)) + values[:end]
        except KeyError:
            return None


def _getter(names: Sequence[str]) -> Callable[[dict[str, Any]], Sequence[Any]]:
    """A row's values under ``names`` as a sequence (KeyError when one is missing)."""
    if len(names) > 1:
        return itemgetter(*names)
    if names:
        name = names[0]
        return lambda row: (row[name],)
    return lambda row: ()


def _part_rows(pieces: Sequence[int | dict[str, Any]], values: list[Any]) -> list[Any]:
    """Each part's row: its object, or its slice of ``values`` (``pieces`` hold where it ends)."""
    rows: list[Any] = []
    start = 0
    for piece in pieces:
        if type(piece) is int:
            rows.append(values[start:piece])
            start = piece
        else:
            rows.append(piece)
    return rows


class PlainJsonDecoder(PlainRecords[list[Any]]):
    """Decode messages of plain JSON capture records whose rows have ``width`` values.

    :meth:`decode` gives every row's values, row after row (positional). Given the
    baseline's ``features`` (``width`` of them), a record whose one capture part holds one
    instance of scalars in another request shape is plain too (:func:`add_only_row`), and
    so is one whose parts hold an object of scalars beside positional parts, when the row
    they make holds exactly the features (:class:`FeatureRow`).
    """

    def __init__(self, *, parts: tuple[str, ...], width: int, features: Sequence[str] = (),
                 keep_outputs: bool = False) -> None:  # fmt: skip
        super().__init__(parts=parts, width=width, keep_outputs=keep_outputs)
        self.features = tuple(features)
        self._row = FeatureRow(self.features) if self.features else None

    def payload_rows(self, captures: list[Any]) -> list[Any] | None:
        """Every record's values (chosen parts in order), row after row; None if one is not."""
        payloads = self.part_data(captures, "JSON")
        if payloads is None:
            payloads = self.part_texts(captures, _json_text)
            if payloads is None:
                return None
        values: list[Any] = []
        names = self.features if len(payloads) == 1 else ()  # its object is the whole row
        if names or self._row is None:
            for record in zip(*payloads, strict=True):
                start = len(values)
                for payload in record:
                    if not add_plain_values(payload, values, names):
                        return None
                if len(values) - start != self.width:
                    return None
            return values
        return self._named_rows(payloads, values)

    def _named_rows(self, payloads: list[list[str]], values: list[Any]) -> list[Any] | None:
        """:meth:`payload_rows` of records of several parts, each one row (:func:`json_piece`).

        A part may be an object of scalars: the parts are then named as the per-record path
        names them (:class:`FeatureRow`).
        """
        for record in zip(*payloads, strict=True):
            start = len(values)
            for payload in record:
                if not add_plain_values(payload, values):
                    break  # an object, or another shape: the record read part by part
            else:
                if len(values) - start != self.width:
                    return None
                continue
            del values[start:]
            if not self._add_pieces(record, values):
                return None
        return values

    def _add_pieces(self, record: tuple[str, ...], values: list[Any]) -> bool:
        """Append the record's one row, its parts read by :func:`json_piece`; False if not."""
        assert self._row is not None
        flat: list[Any] = []
        pieces: list[int | dict[str, Any]] = []  # each part: its values' end, or its object
        keyed = False
        for payload in record:
            piece = json_piece(payload)
            if piece is None:
                return False
            if type(piece) is dict:
                pieces.append(piece)
                keyed = True
            else:
                flat.extend(piece)
                pieces.append(len(flat))
        if not keyed:
            row: list[Any] | None = flat if len(flat) == self.width else None
        else:
            row = self._row.values(pieces, flat)
        if row is None:
            return False
        values.extend(row)
        return True


def _json_text(part: Any) -> str | None:
    return payload_text(part, "JSON")
