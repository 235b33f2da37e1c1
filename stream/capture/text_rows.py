r"""Named rows of text as pyarrow text columns, for the columnar profile.

A preprocessor that splits CSV payloads returns rows of text (``{"age": "41", ...}``): as
text columns they are classified a whole column at a time
(:func:`~stream.capture.arrow_columns.column_chunk`), as ``analyze`` and the worker classify
plain CSV records, instead of value by value on the row path. Both give Deequ's types; an
empty text is missing in both, as an empty CSV field is.

Text with a lone surrogate (``"\ud800"``: a handler that decoded bytes with
``surrogateescape``) cannot be written as UTF-8, so no JSON writer writes it: rows on the row
path go through :func:`writable_rows` first, which puts U+FFFD in its place, as the CSV
reader does for bytes that are not UTF-8.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

_TEXT = frozenset({str, type(None)})
_SURROGATE = re.compile(r"[\ud800-\udfff]")
log = logging.getLogger("driftline.capture")


def text_columns(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> list[pa.Array] | None:
    """Rows as text columns ``names`` (``""`` missing), or None when the row path must take them.

    None unless every row holds exactly ``names`` (no feature absent, no extra column) and
    every value is a ``str`` (exactly) or None: other values keep their Python types (an int is
    Integral as it is), which only the row path reads.

    >>> [c.to_pylist() for c in text_columns([{"a": "1", "b": ""}, {"b": "x", "a": None}], "ab")]
    [['1', None], [None, 'x']]
    >>> [text_columns(rows, "ab") for rows in ([{"a": 0, "b": "x"}], [{"a": b"", "b": "x"}])]
    [None, None]
    >>> text_columns([{"a": "1"}], "ab"), text_columns([{"a": "1", "c": "2"}], "ab")
    (None, None)
    """
    if not rows or not _TEXT.issuperset(map(type, rows[0].values())):
        return None  # typed rows (JSON payloads' objects) say so at once
    transposed = named_columns(rows, names)
    if transposed is None:
        return None
    columns = []
    for values in transposed:
        if not _TEXT.issuperset(map(type, values)):
            return None
        try:
            column = pa.array(values, pa.string())
        except UnicodeEncodeError:  # a lone surrogate ("\ud800"): text Python holds, UTF-8 not
            return None
        empty = pc.equal(column, "")
        if pc.any(empty).as_py():
            column = pc.if_else(empty, pa.scalar(None, pa.string()), column)
        columns.append(column)
    return columns


def named_columns(
    rows: Sequence[Mapping[str, Any]], names: Sequence[str]
) -> list[tuple[Any, ...]] | None:
    """Each name's values in row order, when every row holds exactly ``names``; else None.

    One C call per row takes its values, and ``zip`` turns the rows into columns.

    >>> named_columns([{"a": 1, "b": 2}, {"b": 4, "a": 3}], "ab"), named_columns([{"a": 1}], "b")
    ([(1, 3), (2, 4)], None)
    """
    if not rows or set(map(len, rows)) != {len(names)}:
        return None
    if not names:
        return []  # rows of no keys: no columns
    take = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    try:
        return list(zip(*map(take, rows), strict=True))
    except KeyError:  # a row without one of the names (and, being as long, with another)
        return None


def writable_rows(rows: list[Mapping[Any, Any]]) -> list[Mapping[Any, Any]]:
    r"""The rows, with U+FFFD for each lone surrogate in their text keys and values.

    One orjson pass vouches for the usual batch (it refuses a lone surrogate); a batch it
    cannot write (other types too: ``Decimal``, ``object()``) is looked at text by text.

    >>> writable_rows([{"a": "ok"}])
    [{'a': 'ok'}]
    >>> writable_rows([{"a": "x\udcff", "\ud800": 1}]) == [{"a": "x\ufffd", "\ufffd": 1}]
    True
    """
    try:
        orjson.dumps(rows)
        return rows
    except TypeError:
        pass
    if not any(_surrogate(x) for row in rows for item in row.items() for x in item):
        return rows
    log.warning("rows hold text with a lone surrogate: profiled with U+FFFD in its place")
    return [{_replaced(k): _replaced(v) for k, v in row.items()} for row in rows]


def _surrogate(value: Any) -> bool:
    return type(value) is str and not value.isascii() and bool(_SURROGATE.search(value))


def _replaced(value: Any) -> Any:
    return _SURROGATE.sub("\ufffd", value) if _surrogate(value) else value
