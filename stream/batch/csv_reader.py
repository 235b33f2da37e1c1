r"""CSV files in large column batches, read by pyarrow's streaming CSV reader.

Every field arrives as text (typing is Deequ's, per column, afterwards) and an empty field is
missing. Line endings may be ``\n``, ``\r\n`` or a bare ``\r``; quoted fields may hold
separators and line breaks of any length; a UTF-8 byte-order mark is skipped. Bytes that
are not UTF-8 become U+FFFD and each field holding them is counted (``invalid_utf8_fields``),
in rows of any width (:mod:`stream.batch.utf8_guard`); a header line holding them is refused
(:class:`CsvFileError`): its names are the baseline's feature names, and garbled they match
no live column.

Column names follow Spark's CSV reader, which SageMaker's analyzer uses: with a header, an
empty name becomes ``_c<i>`` and names that repeat (ignoring case) get their position
appended (``a,b,A`` → ``a0, b, A2``); without one (``header=False``) every column is
``_c<i>``, ``i`` counting from 0, and the first row is data.

A row with fewer fields than the first row is padded with missing values; one with more is
cut to that width and counted malformed (``too_many_fields``); a row that does not parse at
all (an unterminated quote) is counted and left out (``unreadable_row``). Batches hold
their columns as chunked arrays, as pyarrow's blocks gave them (no copy).

Examples
--------
>>> spark_names(["age", "", "Plan", "plan", "age"])
('age0', '_c1', 'Plan2', 'plan3', 'age4')
>>> positional_names(3)
('_c0', '_c1', '_c2')
"""

from __future__ import annotations

import contextlib
import csv
import io
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pa_csv

from stream.batch.utf8_guard import MARKER, Utf8Guard, unmark

# pyarrow parses ahead of the consumer (dozens of blocks): small blocks keep memory flat, and
# blocks are joined into batches of BATCH_ROWS so that per-batch work stays rare; a wide file's
# batch ends at BATCH_VALUES instead (300 columns: 4,369 rows), so its memory stays that of
# a narrow one's.
BLOCK_BYTES = 1 << 20
MAX_BLOCK_BYTES = 1 << 30
BATCH_ROWS = 65_536
BATCH_VALUES = BATCH_ROWS * 20
_STRADDLING = "straddling"  # pyarrow's message for a row longer than a block


class CsvFileError(Exception):
    """A CSV file that cannot be read at all (empty, a header that is not UTF-8, a row > 1 GiB)."""


@dataclass(frozen=True)
class CsvBatch:
    """``n_rows`` rows as text columns (string arrays, chunked or not; missing as null)."""

    columns: tuple[pa.Array | pa.ChunkedArray, ...]
    n_rows: int


def spark_names(header: Sequence[str]) -> tuple[str, ...]:
    """Spark's column names for a header row (case-insensitive duplicates, empty names)."""
    lowered = [name.lower() for name in header]
    repeated = {name for name in lowered if lowered.count(name) > 1}
    return tuple(
        f"_c{i}" if not name else f"{name}{i}" if name.lower() in repeated else name
        for i, name in enumerate(header)
    )


def positional_names(width: int) -> tuple[str, ...]:
    """Spark's names for a header-less CSV: ``_c0``, ``_c1`` and so on."""
    return tuple(f"_c{i}" for i in range(width))


class CsvColumns:
    """A CSV file's column names and its batches (one pass; iterate :meth:`batches` once).

    ``on_malformed(reason)`` is called once per row that had to be fixed or left out;
    ``progress(bytes_read)`` after each batch. ``head_only`` reads the file's first block
    alone (:func:`csv_names`).
    """

    def __init__(
        self,
        path: Path,
        *,
        header: bool = True,
        on_malformed: Callable[[str], None] = lambda reason: None,
        progress: Callable[[int], None] | None = None,
        block_bytes: int = BLOCK_BYTES,
        head_only: bool = False,
    ) -> None:
        self.path = path
        self.head_only = head_only
        self.header = header
        self.on_malformed = on_malformed
        self.progress = progress
        self.block_bytes = block_bytes
        self._bad_rows: list[str] = []
        self._rows_done = 0  # valid rows already handed out: skipped when reading again
        self._bad_rows_done = 0
        if _is_blank(path):  # refused before pyarrow, whose empty-file error can abort the exit
            msg = f"{path.name} is empty or has no header line"
            raise CsvFileError(msg)
        self._text_columns = _text_columns_options(_first_row_width(path))
        self._guard: Utf8Guard | None = None
        self._handle, self._reader, first = self._open()
        if first is None:
            msg = f"{path.name} is empty or has no header line"
            raise CsvFileError(msg)
        width = first.num_columns
        if header:
            texts = [_text(first.column(i)[0].as_py()) for i in range(width)]
            if any(MARKER in text for text in texts):
                self._handle.close()
                msg = (
                    f"{path.name}: the header line is not UTF-8 text, so its column names "
                    "would match no feature; save the file as UTF-8 (or pass --no-header)"
                )
                raise CsvFileError(msg)
            self.names = spark_names([t.strip() for t in texts])
            first = first.slice(1)
        else:
            self.names = positional_names(width)
        self._first: pa.RecordBatch | None = first

    def _open(self) -> tuple[pa.NativeFile, pa_csv.CSVStreamingReader, pa.RecordBatch | None]:
        raw: BinaryIO = self.path.open("rb")
        whole = not self.head_only or self.path.stat().st_size <= self.block_bytes
        if self.head_only:
            with raw:
                raw = io.BytesIO(raw.read(self.block_bytes))
        if whole and not _ends_with_line_break(self.path):
            raw = _LineEnded(raw)  # type: ignore[assignment]
        self._guard = Utf8Guard(raw)
        handle = pa.PythonFile(self._guard, mode="r")
        try:
            reader = pa_csv.open_csv(
                handle,
                read_options=pa_csv.ReadOptions(
                    block_size=self.block_bytes, autogenerate_column_names=True
                ),
                parse_options=pa_csv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=self._keep_bad_row
                ),
                convert_options=self._text_columns,
            )
            return handle, reader, _next_batch(reader)
        except pa.ArrowInvalid as exc:
            handle.close()
            # pyarrow calls a first row longer than a block "Empty CSV file or block"
            too_long = _STRADDLING in str(exc) or "Empty CSV file" in str(exc)
            if too_long and self.block_bytes < MAX_BLOCK_BYTES:
                self.block_bytes *= 16
                return self._open()
            if "Empty CSV file" in str(exc):
                return handle, None, None  # type: ignore[return-value]
            raise CsvFileError(_arrow_message(self.path, exc)) from exc

    def _keep_bad_row(self, row: pa_csv.InvalidRow) -> str:
        """Keep a row of another width to fit after the read (its text is valid UTF-8)."""
        self._bad_rows.append(row.text)
        return "skip"

    def close(self) -> None:
        """Close the file without reading its rows (:meth:`batches` closes it when done)."""
        self._handle.close()

    def batches(self) -> Iterator[CsvBatch]:
        """Every row once, in batches of about :data:`BATCH_ROWS` rows (fewer when wide)."""
        width = len(self.names)
        batch_rows = max(1, min(BATCH_ROWS, BATCH_VALUES // max(width, 1)))
        pending: list[pa.RecordBatch] = []
        pending_rows = 0
        with self._handle:
            while True:
                batch, self._first = self._first, None
                if batch is None:
                    batch = self._next()
                if batch is not None and batch.num_rows:
                    pending.append(batch)
                    pending_rows += batch.num_rows
                    self._rows_done += batch.num_rows
                if pending and (batch is None or pending_rows >= batch_rows):
                    yield self._joined(pending, pending_rows)
                    pending, pending_rows = [], 0
                    if self.progress is not None:
                        self.progress(self._handle.tell())
                fixed = self._fixed_rows(width)
                if fixed is not None:
                    yield fixed
                if batch is None:
                    break

    def _joined(self, batches: list[pa.RecordBatch], n_rows: int) -> CsvBatch:
        columns = (
            pa.chunked_array([_as_text(b.column(i)) for b in batches], pa.string())
            for i in range(len(self.names))
        )
        return CsvBatch(tuple(map(self._unmarked, columns)), n_rows)

    def _unmarked(self, column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """The column with invalid UTF-8 as U+FFFD, each field holding some counted."""
        if self._guard is None or not self._guard.marked:
            return column
        column, fields = unmark(column)
        for _ in range(fields):
            self.on_malformed("invalid_utf8_fields")
        return column

    def _next(self) -> pa.RecordBatch | None:
        """The next batch; a row longer than a block reopens with larger blocks and skips on."""
        skip: tuple[int, int] | None = None
        while True:
            try:
                return _next_batch(self._reader) if skip is None else self._skip(*skip)
            except pa.ArrowInvalid as exc:
                if _STRADDLING not in str(exc) or self.block_bytes >= MAX_BLOCK_BYTES:
                    raise CsvFileError(_arrow_message(self.path, exc)) from exc
            self._handle.close()
            self.block_bytes *= 16
            skip = (self._rows_done + (1 if self.header else 0), self._bad_rows_done)
            self._bad_rows, self._bad_rows_done = [], 0
            self._handle, self._reader, self._first = self._open()

    def _skip(self, rows: int, bad_rows: int) -> pa.RecordBatch | None:
        """Read again up to where the last reader stopped: ``rows`` rows, ``bad_rows`` bad."""
        batch, self._first = self._first, None
        while batch is not None and rows >= batch.num_rows:
            rows -= batch.num_rows
            batch = _next_batch(self._reader)
        self._bad_rows = self._bad_rows[bad_rows:]
        self._bad_rows_done = bad_rows
        return batch.slice(rows) if batch is not None else None

    def _fixed_rows(self, width: int) -> CsvBatch | None:
        """Rows pyarrow skipped for their field count, re-read and fitted to ``width``."""
        if not self._bad_rows:
            return None
        texts, self._bad_rows = self._bad_rows, []
        self._bad_rows_done += len(texts)
        rows: list[list[str]] = []
        for text in texts:
            rows.extend(self._fit(row, width) for row in _parse_rows(text, self.on_malformed))
        if not rows:
            return None
        columns = tuple(
            self._unmarked(pa.array([row[i] or None for row in rows], pa.string()))
            for i in range(width)
        )
        return CsvBatch(columns, len(rows))

    def _fit(self, row: list[str], width: int) -> list[str]:
        if len(row) > width:
            self.on_malformed("too_many_fields")
            return row[:width]
        return row + [""] * (width - len(row))


def csv_names(path: Path, *, header: bool = True) -> tuple[str, ...]:
    """The column names :class:`CsvColumns` gives ``path``, from its first block alone.

    The block is read into memory and parsed to its end, so no reader is left with reads
    ahead pending: pyarrow's reader of a Python file that is dropped unfinished may still
    be reading when the interpreter exits, which then hangs or aborts.
    """
    columns = CsvColumns(path, header=header, head_only=True)
    with contextlib.suppress(CsvFileError):  # the block's rows are not this call's concern
        for _ in columns.batches():
            pass
    return columns.names


def _text_columns_options(width: int) -> pa_csv.ConvertOptions:
    """Every column as text, only an empty field missing (UTF-8 is the guard's concern)."""
    return pa_csv.ConvertOptions(
        check_utf8=False,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        column_types={f"f{i}": pa.string() for i in range(width)},
    )


def _first_row_width(path: Path) -> int:
    """Fields in the file's first row (pyarrow must be told every column's type up front)."""
    size = 1 << 16
    with path.open("rb") as handle:
        while True:
            head = handle.read(size)
            at_end = len(head) < size
            handle.seek(0)
            text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
            reader = csv.reader(io.StringIO(text, newline=""))
            try:
                rows = [row for row, _ in zip(reader, range(2), strict=False) if row]
            except csv.Error:
                rows = []
            if len(rows) > 1 or at_end:
                return len(rows[0]) if rows else 0
            size *= 4


def _is_blank(path: Path) -> bool:
    """Whether the file holds nothing but a byte-order mark and white space (a small file)."""
    with path.open("rb") as handle:
        head = handle.read((1 << 16) + 1)
    return len(head) <= 1 << 16 and not head.removeprefix(b"\xef\xbb\xbf").strip()


def _ends_with_line_break(path: Path) -> bool:
    """Whether the file is empty or its last byte ends a line."""
    with path.open("rb") as handle:
        if handle.seek(0, io.SEEK_END) == 0:
            return True
        handle.seek(-1, io.SEEK_END)
        return handle.read(1) in (b"\n", b"\r")


class _LineEnded:
    """A binary file read as if a line break followed its last byte.

    pyarrow finds no row in a file of one line without a line break ("Empty CSV file"):
    a header-less file of one row, or a header alone, saved without a final newline.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._ended = False

    @property
    def closed(self) -> bool:
        """Whether the underlying file is closed."""
        return bool(self._raw.closed)

    def close(self) -> None:
        """Close the underlying file."""
        self._raw.close()

    def tell(self) -> int:
        """Bytes read from the underlying file."""
        return self._raw.tell()

    def read(self, size: int = -1) -> bytes:
        """The file's bytes, then one line break."""
        data = self._raw.read(size)
        if (size < 0 or not data) and not self._ended:
            self._ended = True
            data += b"\n"
        return data


def _next_batch(reader: pa_csv.CSVStreamingReader) -> pa.RecordBatch | None:
    try:
        return reader.read_next_batch()
    except StopIteration:
        return None


def _parse_rows(text: str, on_malformed: Callable[[str], None]) -> list[list[str]]:
    """Rows of a text pyarrow could not fit (Python's csv, no field-size limit)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    except csv.Error:
        on_malformed("unreadable_row")
        return []
    finally:
        csv.field_size_limit(limit)
    return rows


def _as_text(column: pa.Array) -> pa.Array:
    """A column pyarrow typed itself (beyond the first row's width, so not declared) as text."""
    return column if pa.types.is_string(column.type) else column.cast(pa.string())


def _text(value: str | None) -> str:
    """A header field as parsed (invalid UTF-8 marked by :data:`MARKER`)."""
    return "" if value is None else value


def _arrow_message(path: Path, exc: pa.ArrowInvalid) -> str:
    return f"{path.name} cannot be read as CSV: {str(exc).splitlines()[0]}"
