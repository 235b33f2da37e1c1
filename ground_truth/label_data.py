"""The ``groundTruthData.data`` text: one CSV row of label values, read and written.

``data`` is read as CSV is: a carriage return, alone or before a newline, ends a row, and a
quoted field may hold either. Fields that read as finite numbers become ``float``; anything
else (``"yes"``, ``"nan"``) stays a ``str``, so label values are always JSON-safe. Writing
drops an integral float's ``.0`` (``1.0`` → ``"1"``) and quotes what CSV must.

Examples
--------
>>> parse_label_row("1"), write_label_row((1.0, "a,b"))
((1.0,), '1,"a,b"')
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable

from ground_truth.label_errors import (
    BAD_CSV,
    EMPTY_DATA,
    EMPTY_VALUE,
    MULTIPLE_ROWS,
    LabelRecordError,
)

LabelValue = str | float

_CSV_MARKS = ('"', "\r", "\n")  # data without them is one row of comma-separated fields


def parse_label_value(field: str) -> LabelValue:
    """Return a CSV field as a ``float`` if it reads as a finite number, else as text.

    A number is written in ASCII, as Java's number parser (SageMaker's side) reads it:
    Python's ``float`` also takes other scripts' digits (``"١"``) and digit-group
    underscores (``"1_0"`` is 10.0), which stay text here.

    Examples
    --------
    >>> parse_label_value(" 37.5 "), parse_label_value("yes"), parse_label_value("nan")
    (37.5, 'yes', 'nan')
    >>> parse_label_value("\u0661"), parse_label_value("1_0")
    ('١', '1_0')
    """
    text = field.strip()
    if not text.isascii() or "_" in text:
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def format_label_value(value: LabelValue) -> str:
    """Write a label value as CSV text; integral floats lose their ``.0`` (``1.0`` → ``"1"``).

    Examples
    --------
    >>> format_label_value(1.0), format_label_value(37.5), format_label_value("no")
    ('1', '37.5', 'no')
    """
    if isinstance(value, str):
        return value
    if value.is_integer() and abs(value) < 2.0**53:
        return str(int(value))
    return repr(value)


def write_label_row(values: Iterable[LabelValue]) -> str:
    """The values as one CSV row without a line ending (what :func:`parse_label_row` reads)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(format_label_value(v) for v in values)
    return out.getvalue()


def parse_label_row(data: str) -> tuple[LabelValue, ...]:
    """The label values of ``groundTruthData.data``: exactly one CSV row, no field empty.

    Examples
    --------
    >>> parse_label_row("0.2,yes"), parse_label_row('"a,b",2' + chr(10))
    ((0.2, 'yes'), ('a,b', 2.0))
    """
    rows = _csv_rows(data)
    if not rows:
        msg = "groundTruthData.data holds no label"
        raise LabelRecordError(EMPTY_DATA, msg)
    if len(rows) > 1:
        msg = f"groundTruthData.data must be one CSV row, got {len(rows)}"
        raise LabelRecordError(MULTIPLE_ROWS, msg)
    if any(not field.strip() for field in rows[0]):
        msg = f"groundTruthData.data has an empty field: {data!r}"
        raise LabelRecordError(EMPTY_VALUE, msg)
    return tuple(parse_label_value(field) for field in rows[0])


def _csv_rows(data: str) -> list[list[str]]:
    r"""The non-empty rows of ``data``: split on commas when it has no quote or line break.

    >>> _csv_rows("1"), _csv_rows("0.2,yes"), _csv_rows(""), _csv_rows('"a,b"\r\n')
    ([['1']], [['0.2', 'yes']], [], [['a,b']])
    """
    if not any(mark in data for mark in _CSV_MARKS):
        return [data.split(",")] if data else []
    try:
        return [row for row in csv.reader(io.StringIO(data, newline="")) if row]
    except csv.Error as exc:
        msg = f"groundTruthData.data is not readable CSV: {exc}"
        raise LabelRecordError(BAD_CSV, msg) from exc
