"""Training/validation data (CSV, JSON Lines, Parquet; a file or a folder): format, checks, readers.

Used by ``driftline baseline suggest`` and ``driftline analyze --data``. This module says
which format a dataset is (:func:`detect_format`), refuses one that cannot be used
(:class:`DataFileError`) and opens it: CSV is read by pyarrow
(:mod:`stream.batch.csv_reader`: Spark's column names, ``header=False`` for ``_c0, _c1, …``),
JSON Lines by pyarrow and orjson (:mod:`stream.batch.json_lines_blocks`,
:mod:`stream.batch.json_lines_rows`), Parquet by :mod:`stream.batch.parquet_files`, its
columns keeping their Parquet types as JSON values do. The data-quality profile takes the
batches as Arrow columns (:mod:`stream.batch.columnar_profile`); the labelled baselines as
Python lists (:func:`~stream.batch.validation_columns.read_columns`).

A dataset is a file or a folder of part files, as Spark writes one and SageMaker's
``baseline_dataset`` prefix often is (``part-00000-<uuid>-c000.csv``, …): the parts are read
in name order as one dataset, by the same readers as a file, skipping names that start with
``_`` or ``.`` (``_SUCCESS``, ``.crc`` checksums); a subfolder or a file of another format
is refused by name (:mod:`stream.batch.part_folders`), and the format is told by the parts'
suffixes (:data:`PART_SUFFIXES`). Each part of a CSV folder has the first part's header
(:mod:`stream.batch.csv_parts`); a 0-byte part is empty. Counts, and the bytes a progress
bar counts (:func:`data_size`), are over all parts.

Lines that cannot be read are counted, never fatal: a CSV row with too few fields is padded
with missing values and one with too many is counted as malformed and cut to the header's
width; an undecodable JSON line is counted and skipped. A file that is not text at all (a
NUL byte near its start: binary, compressed, UTF-16) or a CSV header line that is not UTF-8
is refused, as is a path that is not a regular file (a pipe or device is never opened:
:mod:`stream.capture.file_kinds`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from stream.batch.csv_parts import CsvParts
from stream.batch.csv_reader import CsvFileError
from stream.batch.parquet_files import (
    PARQUET_MAGIC,
    PARQUET_SUFFIX,
    ParquetColumns,
    ParquetFileError,
    is_parquet_dataset,
)
from stream.batch.part_folders import (
    PartFolderError,
    describe_suffixes,
    folder_parts,
    has_suffix,
    is_part_file,
    visible_entries,
)
from stream.capture.file_kinds import not_a_file

FORMATS = ("csv", "jsonl", "parquet")
FORMAT_NAMES = {"csv": "CSV", "jsonl": "JSON Lines", "parquet": "Parquet"}
FILE_SUFFIXES = {"csv": (".csv", ".txt"), "jsonl": (".jsonl", ".json", ".ndjson")}
# A folder's part files by suffix: Spark writes .csv, .json and .parquet (a compressed part,
# .csv.gz, is refused as a compressed file is)
PART_SUFFIXES = {**FILE_SUFFIXES, "parquet": (PARQUET_SUFFIX,)}  # .txt: CSV, as one file is
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
class ColumnBatch:
    """``n_rows`` rows as columns named by the file's header."""

    columns: dict[str, list[Any]]
    n_rows: int


class FeaturesReading(Protocol):
    """A JSON Lines dataset read by a path to each line's features, named by headers.

    :class:`~stream.batch.clarify_json_lines.ClarifyJsonLines` (a Clarify config's
    ``features`` JMESPath and ``headers``) is the one kind; it reads a Clarify JSON
    document (``application/json``, the paths over the whole document) too.
    """

    features_path: str
    features: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Every column a batch holds: the features, then the model outputs read."""
        ...

    def batches(
        self, path: Path, counts: ReadCounts, progress: Callable[[int], None] | None = None
    ) -> Iterator[ColumnBatch]:
        """The dataset's usable lines as column batches."""
        ...


@dataclass(frozen=True)
class DataFormat:
    """How to read a data file (``csv``, ``jsonl``, ``parquet``); whether a CSV has a header.

    ``clarify``: a JSON Lines file read as a Clarify config with ``features`` reads it (each
    line's features at that path, named by the config's headers), else None.
    """

    kind: str
    header: bool = True
    clarify: FeaturesReading | None = None


def detect_format(path: Path, given: str | None, *, header: bool = True) -> DataFormat:
    """``csv``, ``jsonl`` or ``parquet`` from ``--format``, the file suffix, or a folder's parts.

    ``header`` is a CSV's only, so a Parquet dataset read with ``header=False`` is refused.
    A folder's parts are listed (and a foreign file refused) when the dataset is read.
    """
    fmt = DataFormat(given, header) if given else _format_of(path, header)
    if fmt.kind == "parquet" and not header:
        msg = "--no-header is for CSV files; a Parquet file names its columns"
        raise DataFileError(msg)
    return fmt


def _format_of(path: Path, header: bool) -> DataFormat:
    if path.is_dir():
        return DataFormat(_folder_format(path), header)
    if is_parquet_dataset(path):
        return DataFormat("parquet", header)
    for kind, suffixes in FILE_SUFFIXES.items():
        if has_suffix(path, suffixes):
            return DataFormat(kind, header)
    msg = f"cannot tell the format of {path.name}; pass --format csv, jsonl or parquet"
    raise DataFileError(msg)


def _folder_format(folder: Path) -> str:
    """The one format of a folder's part files (a ``key=value`` subfolder: Parquet's)."""
    first_of: dict[str, str] = {}  # a format, and the name of its first part
    for entry in sorted(visible_entries(folder)):
        for kind, suffixes in PART_SUFFIXES.items():
            if (entry.is_file() and has_suffix(entry, suffixes)) or (
                kind == "parquet" and entry.is_dir() and "=" in entry.name
            ):
                first_of.setdefault(kind, entry.name)
    if len(first_of) > 1:
        (one, one_part), (other, other_part) = list(first_of.items())[:2]
        msg = (
            f"{folder} holds {FORMAT_NAMES[one]} ({one_part}) and {FORMAT_NAMES[other]} "
            f"({other_part}) part files: a folder is one dataset, in one format"
        )
        raise DataFileError(msg)
    if not first_of:
        unnamed = [e for e in sorted(visible_entries(folder)) if is_part_file(e, ())]
        if unnamed:
            with unnamed[0].open("rb") as handle:
                if handle.read(len(PARQUET_MAGIC)) == PARQUET_MAGIC:
                    return "parquet"
            msg = (
                f"cannot tell the format of {folder}'s part files ({unnamed[0].name} has no "
                "suffix); pass --format csv, jsonl or parquet"
            )
            raise DataFileError(msg)
        kinds = ", ".join(
            f"{FORMAT_NAMES[kind]} ({describe_suffixes(suffixes)})"
            for kind, suffixes in PART_SUFFIXES.items()
        )
        msg = f"{folder} holds no part files of a data format: {kinds}"
        raise DataFileError(msg)
    return next(iter(first_of))


def data_parts(path: Path, kind: str) -> list[Path]:
    """A data file itself, or a ``kind`` folder's part files in name order.

    DataFileError for a folder that is not one dataset (a subfolder, another file, no parts).
    """
    if not path.is_dir():
        return [path]
    try:
        return folder_parts(path, PART_SUFFIXES[kind], FORMAT_NAMES[kind])
    except PartFolderError as exc:
        raise DataFileError(str(exc)) from exc


def text_parts(path: Path, kind: str) -> list[Path]:
    """A CSV or JSON Lines dataset's files, each checked by :func:`require_text_file`."""
    parts = data_parts(path, kind)
    for part in parts:
        require_text_file(part)
    return parts


T = TypeVar("T")


def each_part(
    path: Path,
    parts: list[Path],
    read: Callable[[Path, Callable[[int], None] | None], Iterator[T]],
    progress: Callable[[int], None] | None,
) -> Iterator[T]:
    """``read(part, part_progress)`` over every part in turn, as one file's reading.

    ``progress`` gets the bytes of every part read so far; a folder's DataFileError names the
    part it came from.
    """
    done = 0
    for part in parts:
        shifted = None if progress is None else _shifted(progress, done)
        try:
            yield from read(part, shifted)
        except DataFileError as exc:
            if path.is_dir() and part.name not in str(exc):
                msg = f"{part.name}: {exc}"
                raise DataFileError(msg) from exc
            raise
        done += part.stat().st_size


def _shifted(progress: Callable[[int], None], done: int) -> Callable[[int], None]:
    return lambda read: progress(done + read)


def open_csv(
    path: Path, fmt: DataFormat, counts: ReadCounts, progress: Callable[[int], None] | None
) -> CsvParts:
    """A CSV dataset's names and Arrow batches; DataFileError when it cannot be read at all."""
    parts = text_parts(path, "csv")
    try:
        return CsvParts(
            parts,
            folder=path if path.is_dir() else None,
            header=fmt.header,
            on_malformed=counts.count,
            progress=progress,
        )
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
    """The bytes a progress bar over ``path`` counts: a file's, or a folder's parts'."""
    if not path.is_dir():
        return path.stat().st_size
    try:
        return sum(part.stat().st_size for part in data_parts(path, _folder_format(path)))
    except DataFileError:
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
