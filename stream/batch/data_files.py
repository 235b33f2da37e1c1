"""Training/validation data files (CSV, JSON Lines, Parquet): format, checks, readers.

Used by ``driftline baseline suggest`` and ``driftline analyze --data``. This module says
which format a file is (:func:`detect_format`), refuses one that cannot be used
(:class:`DataFileError`) and opens it: CSV files are read by pyarrow
(:mod:`stream.batch.csv_reader`: Spark's column names, ``header=False`` for ``_c0, _c1, …``),
JSON Lines by orjson (:mod:`stream.batch.json_lines_rows`), a Parquet dataset (a
``.parquet`` file, or a folder of Spark's part files) by :mod:`stream.batch.parquet_files`,
its columns keeping their Parquet types as JSON values do. The data-quality profile takes
the batches as Arrow columns (:mod:`stream.batch.columnar_profile`); the labelled baselines
as Python lists (:func:`~stream.batch.validation_columns.read_columns`).

Lines that cannot be read are counted, never fatal: a CSV row with too few fields is padded
with missing values and one with too many is counted as malformed and cut to the header's
width; an undecodable JSON line is counted and skipped. A file that is not text at all (a
NUL byte near its start: binary, compressed, UTF-16) or a CSV header line that is not UTF-8
is refused, as is a path that is not a regular file (a pipe or device is never opened:
:mod:`stream.capture.file_kinds`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stream.batch.csv_reader import CsvColumns, CsvFileError
from stream.batch.parquet_files import (
    PARQUET_MAGIC,
    ParquetColumns,
    ParquetFileError,
    is_parquet_dataset,
    parquet_parts,
)
from stream.capture.file_kinds import not_a_file

if TYPE_CHECKING:
    from stream.batch.clarify_json_lines import ClarifyJsonLines

FORMATS = ("csv", "jsonl", "parquet")
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
    """How to read a data file (``csv``, ``jsonl``, ``parquet``); whether a CSV has a header.

    ``clarify``: a JSON Lines file read as a Clarify config with ``features`` reads it (each
    line's features at that path, named by the config's headers), else None.
    """

    kind: str
    header: bool = True
    clarify: ClarifyJsonLines | None = None


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


def require_text_file(path: Path) -> None:
    """DataFileError when ``path`` is not a regular file, or is not text at all.

    Not text: a NUL byte in the first :data:`BINARY_SNIFF_BYTES` bytes, git's test for a
    binary file. No CSV or JSON Lines text holds one, while a binary, compressed or UTF-16
    file (Excel's "Unicode text") nearly always does; read as CSV it made a baseline of
    garbled column names. A Parquet file read as text (named ``.csv``, or ``--format csv``)
    is told to be read as Parquet.
    """
    problem = not_a_file(path, "a data file (CSV or JSON Lines)")
    if problem is not None:
        raise DataFileError(problem)
    with path.open("rb") as handle:
        head = handle.read(BINARY_SNIFF_BYTES)
    if head.startswith(PARQUET_MAGIC):
        msg = f"{path.name} is a Parquet file, not CSV or JSON Lines text: pass --format parquet"
        raise DataFileError(msg)
    if b"\0" in head:
        at = head.index(b"\0")
        msg = (
            f"{path.name} is not a text file (a NUL byte at offset {at}): give CSV or JSON "
            "Lines as UTF-8 text, not a binary, compressed or UTF-16 file"
        )
        raise DataFileError(msg)
