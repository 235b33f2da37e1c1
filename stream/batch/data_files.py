"""Read training/validation data files (CSV, JSON Lines, Parquet) in column batches.

Used by ``driftline baseline suggest`` and ``driftline analyze --data``. CSV files are read
by pyarrow (:mod:`stream.batch.csv_reader`: Spark's column names, ``header=False`` for
``_c0, _c1, …``); :func:`read_columns` hands their batches out as Python lists for the
labelled baselines, while the data-quality profile takes them as Arrow columns
(:mod:`stream.batch.columnar_profile`). Lines that cannot be read are counted, never fatal:
a CSV row with too few fields is padded with missing values and one with too many is counted
as malformed and cut to the header's width; an undecodable JSON line is counted and skipped.
A file that is not text at all (a NUL byte near its start: binary, compressed, UTF-16) or a
CSV header line that is not UTF-8 is refused (:class:`DataFileError`), as is a path that is
not a regular file (a pipe or device is never opened: :mod:`stream.file_kinds`).

JSON Lines are decoded by orjson a chunk of :data:`CHUNK_LINES` lines at a time and taken
apart into columns at once; :func:`jsonl_batches` reads a file in one pass, with no key scan
before it (a reader that profiles every key adds each where it first appears).

A JSON Lines value that is an array or an object is refused (:class:`DataFileError` naming
the key and line): SageMaker's analyzer reads only flat JSON (``{"features0": …,
"features1": …}``), and one text column of whole arrays would profile nothing useful.

A Parquet dataset (a ``.parquet`` file, or a folder of Spark's part files) is read by
:mod:`stream.batch.parquet_files`: its columns keep their Parquet types, as JSON values do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from stream.batch.csv_reader import CsvColumns, CsvFileError
from stream.batch.parquet_files import (
    ParquetColumns,
    ParquetFileError,
    is_parquet_dataset,
    parquet_parts,
)
from stream.capture.file_kinds import not_a_file
from stream.capture.files import BOM  # the mark spreadsheet exports put first
from stream.capture.payloads import CONTAINERS
from stream.capture.text_rows import named_columns

FORMATS = ("csv", "jsonl", "parquet")
BATCH_ROWS = 20_000
CHUNK_LINES = 500  # JSON Lines lines decoded by one call and taken apart while cache-warm
BINARY_SNIFF_BYTES = 8000  # a NUL byte among the first this many marks a binary file (git's)


class DataFileError(Exception):
    """A data file that cannot be used at all (missing, not text, empty, no header, nested)."""


@dataclass
class ReadCounts:
    """What reading a data file saw."""

    rows: int = 0
    malformed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def count(self, reason: str) -> None:
        """Count one malformed line."""
        self.malformed += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


@dataclass(frozen=True)
class DataFormat:
    """How to read a data file (``csv``, ``jsonl``, ``parquet``); whether a CSV has a header."""

    kind: str
    header: bool = True


@dataclass(frozen=True)
class ColumnBatch:
    """``n_rows`` rows as columns named by the file's header."""

    columns: dict[str, list[Any]]
    n_rows: int


def detect_format(path: Path, given: str | None, *, header: bool = True) -> DataFormat:
    """``csv``, ``jsonl`` or ``parquet`` from ``--format``, the file suffix, or a folder's parts.

    A folder is a dataset only as Parquet part files (Spark's output folder); ``header`` is
    a CSV's only, so a Parquet dataset read with ``header=False`` is refused.
    """
    fmt = DataFormat(given, header) if given else _format_of(path, header)
    if fmt.kind == "parquet" and not header:
        msg = "--no-header is for CSV files; a Parquet file names its columns"
        raise DataFileError(msg)
    if path.is_dir() and fmt.kind != "parquet":
        msg = f"{path} is a folder: only a Parquet dataset may be one (Spark's part files)"
        raise DataFileError(msg)
    return fmt


def _format_of(path: Path, header: bool) -> DataFormat:
    if path.is_dir() or is_parquet_dataset(path):
        return DataFormat("parquet", header)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return DataFormat("csv", header)
    if suffix in (".jsonl", ".json", ".ndjson"):
        return DataFormat("jsonl", header)
    msg = f"cannot tell the format of {path.name}; pass --format csv, jsonl or parquet"
    raise DataFileError(msg)


def open_csv(
    path: Path, fmt: DataFormat, counts: ReadCounts, progress: Callable[[int], None] | None
) -> CsvColumns:
    """A CSV file's names and Arrow batches; DataFileError when it cannot be read at all."""
    require_text_file(path)
    try:
        return CsvColumns(path, header=fmt.header, on_malformed=counts.count, progress=progress)
    except (CsvFileError, OSError) as exc:
        raise DataFileError(str(exc)) from exc


def open_parquet(path: Path, progress: Callable[[int], None] | None) -> ParquetColumns:
    """A Parquet dataset's names and batches; DataFileError when it cannot be read at all."""
    if not path.exists():
        msg = f"no such file: {path}"
        raise DataFileError(msg)
    try:
        return ParquetColumns(path, progress)
    except (ParquetFileError, OSError) as exc:
        raise DataFileError(str(exc)) from exc


def data_size(path: Path) -> int:
    """The bytes a progress bar over ``path`` counts: a file's, or a Parquet folder's parts'."""
    if not path.is_dir():
        return path.stat().st_size
    try:
        return sum(part.stat().st_size for part in parquet_parts(path))
    except ParquetFileError:
        return 0  # the read that follows says why


def read_columns(
    path: Path,
    fmt: DataFormat,
    counts: ReadCounts,
    progress: Callable[[int], None] | None = None,
    *,
    header: tuple[str, ...] | None = None,
) -> tuple[tuple[str, ...], Iterator[ColumnBatch]]:
    """The file's column names and an iterator of column batches (Python values).

    ``header``, the names an earlier read of the same file returned, spares a JSON Lines file
    its key scan (a pass over every line); a CSV file reads its header line regardless, a
    Parquet dataset its footers.
    """
    if fmt.kind == "parquet":
        return _read_parquet(path, counts, progress)
    require_text_file(path)
    if fmt.kind == "csv":
        return _read_csv(path, fmt, counts, progress)
    names = header if header is not None else _jsonl_keys(path)
    return names, _jsonl_batches(path, counts, progress)


def require_text_file(path: Path) -> None:
    """DataFileError when ``path`` is not a regular file, or is not text at all.

    Not text: a NUL byte in the first :data:`BINARY_SNIFF_BYTES` bytes, git's test for a
    binary file. No CSV or JSON Lines text holds one, while a binary, compressed or UTF-16
    file (Excel's "Unicode text") nearly always does; read as CSV it made a baseline of
    garbled column names.
    """
    problem = not_a_file(path, "a data file (CSV or JSON Lines)")
    if problem is not None:
        raise DataFileError(problem)
    with path.open("rb") as handle:
        head = handle.read(BINARY_SNIFF_BYTES)
    if b"\0" in head:
        at = head.index(b"\0")
        msg = (
            f"{path.name} is not a text file (a NUL byte at offset {at}): give CSV or JSON "
            "Lines as UTF-8 text, not a binary, compressed or UTF-16 file"
        )
        raise DataFileError(msg)


def _read_csv(
    path: Path, fmt: DataFormat, counts: ReadCounts, progress: Callable[[int], None] | None
) -> tuple[tuple[str, ...], Iterator[ColumnBatch]]:
    reader = open_csv(path, fmt, counts, progress)

    def batches() -> Iterator[ColumnBatch]:
        try:
            for batch in reader.batches():
                counts.rows += batch.n_rows
                columns = [column.to_pylist() for column in batch.columns]
                yield ColumnBatch(dict(zip(reader.names, columns, strict=True)), batch.n_rows)
        except CsvFileError as exc:
            raise DataFileError(str(exc)) from exc

    return reader.names, batches()


def _read_parquet(
    path: Path, counts: ReadCounts, progress: Callable[[int], None] | None
) -> tuple[tuple[str, ...], Iterator[ColumnBatch]]:
    reader = open_parquet(path, progress)

    def batches() -> Iterator[ColumnBatch]:
        try:
            for batch in reader.batches():
                counts.rows += batch.n_rows
                columns = [column.to_pylist() for column in batch.columns]
                yield ColumnBatch(dict(zip(batch.names, columns, strict=True)), batch.n_rows)
        except ParquetFileError as exc:
            raise DataFileError(str(exc)) from exc

    return reader.names, batches()


def jsonl_batches(
    path: Path, counts: ReadCounts, progress: Callable[[int], None] | None = None
) -> Iterator[ColumnBatch]:
    """A JSON Lines file's rows in batches of :data:`BATCH_ROWS`, with no key scan first.

    Each batch has a column per key its rows hold, in order of first appearance; a reader
    that profiles every key adds a key's feature when it first comes (absent from the rows
    before). After the last batch, a file in which no object line held a key raises
    :class:`DataFileError`, as :func:`read_columns` does before its first.
    """
    require_text_file(path)
    return _jsonl_batches(path, counts, progress)


def _jsonl_batches(
    path: Path, counts: ReadCounts, progress: Callable[[int], None] | None
) -> Iterator[ColumnBatch]:
    any_key = False
    with path.open("rb") as handle:
        for batch in line_batches(handle, counts):
            any_key = any_key or bool(batch.columns)
            if progress is not None:
                progress(handle.tell())
            yield batch
    if not any_key:
        raise DataFileError(no_objects(path))


def line_batches(
    handle: BinaryIO, counts: ReadCounts, *, rows_before: int = 0, at_start: bool = True
) -> Iterator[ColumnBatch]:
    """Batches of :data:`BATCH_ROWS` object rows (the last one shorter) from ``handle``'s lines.

    Each chunk of lines is taken apart into columns as soon as it is decoded, while its
    objects are still in the CPU's cache (twice as fast as a whole batch of them at once);
    a batch joins its chunks' columns. ``rows_before`` object rows came before the handle's
    (a nested value's error names its row in the file); only a handle ``at_start`` of the
    file may begin with a byte-order mark.
    """
    pending: list[tuple[dict[str, list[Any]], int]] = []
    pending_rows = 0
    for objects in _object_chunks(handle, counts, at_start=at_start):
        while objects:
            room = BATCH_ROWS - pending_rows
            head, objects = objects[:room], objects[room:]
            columns = _columns_of(head)
            _refuse_nested(columns, rows_before)
            rows_before += len(head)
            pending.append((columns, len(head)))
            pending_rows += len(head)
            if pending_rows == BATCH_ROWS:
                yield _joined(pending, pending_rows, counts)
                pending, pending_rows = [], 0
    if pending:
        yield _joined(pending, pending_rows, counts)


def _jsonl_keys(path: Path) -> tuple[str, ...]:
    """The keys of every JSON object line, in order of first appearance.

    Every line is scanned: a column that appears late in the file is still a column, with
    the rows before it counted as missing.
    """
    names: dict[str, None] = {}
    with path.open("rb") as handle:
        for objects in _object_chunks(handle, ReadCounts()):
            names.update(dict.fromkeys(chain.from_iterable(objects)))
    if not names:
        raise DataFileError(no_objects(path))
    return tuple(names)


def no_objects(path: Path) -> str:
    """The error of a JSON Lines file in which no object line held a key."""
    return f"{path.name} has no JSON object lines"


def _object_chunks(
    handle: BinaryIO, counts: ReadCounts, *, at_start: bool = True
) -> Iterator[list[dict[str, Any]]]:
    """The handle's JSON objects, a chunk of lines at a time; other lines counted, blank skipped.

    A chunk of good lines is decoded by one ``map`` in C; a chunk holding a line that is
    blank, not JSON or not an object is decoded again line by line, to count each such line.
    """
    first = at_start
    while lines := list(islice(handle, CHUNK_LINES)):
        if first:
            lines[0] = lines[0].removeprefix(BOM)
            first = False
        try:
            objects = list(map(orjson.loads, lines))
        except orjson.JSONDecodeError:
            objects = []
        if len(objects) == len(lines) and set(map(type, objects)) == {dict}:
            yield objects
        else:
            yield _objects_one_by_one(lines, counts)


def _objects_one_by_one(lines: list[bytes], counts: ReadCounts) -> list[dict[str, Any]]:
    objects = []
    for line in lines:
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            counts.count("invalid_json")
            continue
        if not isinstance(obj, dict):
            counts.count("not_an_object")
            continue
        objects.append(obj)
    return objects


def _joined(
    chunks: list[tuple[dict[str, list[Any]], int]], n_rows: int, counts: ReadCounts
) -> ColumnBatch:
    """One batch of the chunks' columns: a key any of its rows holds, None where one lacks it."""
    counts.rows += n_rows
    if len(chunks) == 1:
        return ColumnBatch(chunks[0][0], n_rows)
    columns: dict[str, list[Any]] = {}
    for key in dict.fromkeys(chain.from_iterable(c for c, _ in chunks)):
        values: list[Any] = []
        for chunk, rows in chunks:
            values.extend(chunk[key] if key in chunk else [None] * rows)
        columns[key] = values
    return ColumnBatch(columns, n_rows)


def _refuse_nested(columns: dict[str, list[Any]], rows_before: int) -> None:
    """DataFileError naming the first value that is an array or an object, if any."""
    for name, values in columns.items():
        if not set(map(type, values)).isdisjoint((list, dict)):
            row = rows_before + next(i for i, v in enumerate(values) if isinstance(v, CONTAINERS))
            msg = (
                f"{name!r} holds nested JSON (an array or object) in data row {row + 1}: "
                f"flatten it into one key per value ({name}0, {name}1, …), as SageMaker's "
                "analyzer needs"
            )
            raise DataFileError(msg)


def _columns_of(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Each key's values in row order (None where a row lacks the key), first key first.

    Rows usually share one set of keys: if every row holds as many keys as the first and
    each of the first row's keys (no KeyError), every row holds exactly those.
    """
    keys = tuple(rows[0])
    columns = named_columns(rows, keys)
    if columns is not None:
        return {k: list(values) for k, values in zip(keys, columns, strict=True)}
    union = dict.fromkeys(chain.from_iterable(rows))
    return {k: [row.get(k) for row in rows] for k in union}
