r"""Plain CSV rows, one per line, split into one text column per feature by pyarrow.

The plain rows of capture records (:mod:`stream.capture.plain_csv` in the worker,
``analyze``'s :mod:`stream.batch.capture_columns`) hold exactly ``width`` fields and no quote
or line break, so a CSV reader without quoting splits them exactly as ``str.split(",")``
does; an empty field is missing (null). The columns then go to
:func:`~stream.capture.arrow_columns.column_chunk` for Deequ's types, a whole column at a time.

Examples
--------
>>> columns = row_columns(2).columns(rows_text(["41,basic", ",gold"]))
>>> [column.to_pylist() for column in columns]
[['41', None], ['basic', 'gold']]
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import pyarrow as pa
import pyarrow.csv as pa_csv


def rows_text(rows: Iterable[str]) -> bytes:
    """Rows as CSV text, each ending its line."""
    return ("\n".join(rows) + "\n").encode()


def row_fields(rows: Sequence[str]) -> list[str]:
    """The rows' fields, row after row (no rows, no fields; a row ``""`` is one field).

    >>> row_fields(["41,basic", ",gold"]), row_fields([""]), row_fields([])
    (['41', 'basic', '', 'gold'], [''], [])
    """
    return ",".join(rows).split(",") if rows else []


class CsvRowColumns:
    """Split plain CSV rows of ``width`` fields into text columns (missing as null)."""

    def __init__(self, *, width: int) -> None:
        self.width = width
        self._options = (
            pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=False),
            pa_csv.ParseOptions(quote_char=False, ignore_empty_lines=False),  # "" is a row
            pa_csv.ConvertOptions(
                check_utf8=False,  # the rows come from decoded JSON strings: valid UTF-8
                null_values=[""],
                strings_can_be_null=True,
                column_types={f"f{i}": pa.string() for i in range(width)},
            ),
        )

    def columns(self, text: bytes | pa.Buffer) -> list[pa.ChunkedArray]:
        """The columns of ``text`` (whole rows, each ending its line)."""
        return pa_csv.read_csv(pa.BufferReader(text), *self._options).columns


@functools.cache
def row_columns(width: int) -> CsvRowColumns:
    """The reader of rows ``width`` fields wide (one per width, kept)."""
    return CsvRowColumns(width=width)
