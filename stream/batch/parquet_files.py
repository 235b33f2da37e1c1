"""Parquet data files — one file, or a folder of Spark's part files — in bounded column batches.

SageMaker's analyzer reads a Parquet dataset with Spark and profiles it with Deequ, whose
column profiler takes a non-text column's type from the schema (``ColumnProfiler``'s known
types: short, int and long are Integral; float, double and decimal Fractional; boolean
Boolean; timestamp String) and types only text columns value by value, with the patterns a
CSV field gets. So a column keeps its Parquet type here, as a JSON Lines value keeps its JSON
type: :func:`flat_column` turns each into one of the types
:func:`~stream.batch.json_columns.json_column_chunk` classifies (integers of any width,
float64, boolean, text, null). Decimals and half floats become float64; a float NaN is
missing, as it is everywhere else in driftline; dictionary-encoded columns are decoded;
dates, times and timestamps become their ISO text (String). A nested column (list, struct,
map), a binary one or a duration has no flat value to profile and is refused by name.

A folder is read as Spark reads an unpartitioned one: every ``*.parquet`` file in it, in name
order, skipping names that start with ``_`` or ``.`` (``_SUCCESS``, ``.crc`` checksums; the
rule of CSV and JSON Lines folders too, :mod:`stream.batch.part_folders`). The columns are
the union of the parts' schemas in order of first appearance (a part without a column has
it missing, as Spark's schema merge gives null). A subfolder (``key=value`` partitions) or
another file is refused rather than left out silently.

Every part's footer is read before the first batch, so a truncated or foreign file stops the
run before any output; batches are at most :data:`BATCH_ROWS` rows and
:data:`BATCH_VALUES` values, read a row group at a time (memory stays bounded).

Examples
--------
>>> import pyarrow as pa
>>> flat_column(pa.array([1.5, float("nan"), None])).to_pylist()
[1.5, None, None]
>>> flat_column(pa.array(["b", "a", "b"]).dictionary_encode()).to_pylist()
['b', 'a', 'b']
>>> from decimal import Decimal
>>> flat_column(pa.array([Decimal("3.30"), None], pa.decimal128(10, 2))).to_pylist()
[3.3, None]
>>> unsupported_type(pa.list_(pa.int64())), unsupported_type(pa.int8())
('a list<item: int64> (nested)', None)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pyarrow.compute as pc

from stream.batch.part_folders import PartFolderError, folder_parts, has_suffix, visible_entries

PARQUET_SUFFIX = ".parquet"
PARQUET_MAGIC = b"PAR1"  # the four bytes a Parquet file begins (and ends) with
BATCH_ROWS = 65_536
BATCH_VALUES = BATCH_ROWS * 20  # a wide file's batch holds as many values as a narrow one's


class ParquetFileError(Exception):
    """A Parquet dataset that cannot be read: not Parquet, truncated, or a column not flat."""


@dataclass(frozen=True)
class ParquetBatch:
    """``n_rows`` rows of one part file: its columns named ``names``, each flat."""

    names: tuple[str, ...]
    columns: tuple[pa.Array, ...]
    n_rows: int


def is_parquet_dataset(path: Path) -> bool:
    """Whether ``path`` is a ``.parquet`` file, or a folder of part files or partitions."""
    if path.is_dir():
        return any(
            has_suffix(p, (PARQUET_SUFFIX,)) or (p.is_dir() and "=" in p.name)
            for p in visible_entries(path)
        )
    return path.suffix.lower() == PARQUET_SUFFIX


def parquet_parts(path: Path) -> list[Path]:
    """The files of a Parquet dataset: ``path`` itself, or a folder's part files by name."""
    if not path.is_dir():
        return [path]
    try:
        return folder_parts(path, (PARQUET_SUFFIX,), "Parquet")
    except PartFolderError as exc:
        raise ParquetFileError(str(exc)) from exc


def unsupported_type(kind: pa.DataType) -> str | None:
    """Why a column of Arrow type ``kind`` cannot be profiled, or None when it can."""
    if pa.types.is_dictionary(kind):
        return unsupported_type(kind.value_type)
    if pa.types.is_nested(kind):
        return f"a {kind} (nested)"
    if pa.types.is_duration(kind) or pa.types.is_interval(kind):
        return f"of type {kind} (a duration)"
    flat = (
        pa.types.is_null(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_string_view(kind)
        or pa.types.is_temporal(kind)
    )
    return None if flat else f"of type {kind}"


def flat_column(values: pa.Array) -> pa.Array:
    """A column as :func:`~stream.batch.json_columns.json_column_chunk` classifies it.

    Integers, float64, booleans, strings and nulls stay as they are; dictionaries are
    decoded; decimals and other floats become float64, NaN missing; temporal values their
    ISO text. The type must be one :func:`unsupported_type` accepts.
    """
    kind = values.type
    if pa.types.is_dictionary(kind):
        return flat_column(values.dictionary_decode())
    if pa.types.is_decimal(kind):  # through its text: Arrow's own cast rounds 3.30 up
        return pc.cast(pc.cast(values, pa.string()), pa.float64())
    if pa.types.is_floating(kind):
        floats = pc.cast(values, pa.float64())
        nan = pc.is_nan(floats)
        if not pc.any(nan).as_py():
            return floats
        return pc.if_else(nan, pa.scalar(None, pa.float64()), floats)
    if pa.types.is_temporal(kind) or pa.types.is_string_view(kind):
        return pc.cast(values, pa.string())
    return values


class ParquetColumns:
    """A Parquet dataset's column names and its batches (one pass; iterate once).

    ``progress`` is called after each batch with the bytes of the parts read so far (the
    current part's share by rows). ParquetFileError, naming the file, for a part that is
    not Parquet, is truncated or corrupt, or holds a column that is not flat.
    """

    def __init__(self, path: Path, progress: Callable[[int], None] | None = None) -> None:
        self.path = path
        self.parts = parquet_parts(path)
        self.progress = progress
        names: dict[str, None] = {}
        for part in self.parts:
            names.update(dict.fromkeys(_flat_names(part)))
        self.names = tuple(names)

    def batches(self) -> Iterator[ParquetBatch]:
        """Every part's rows, a bounded batch at a time."""
        done = 0
        for part in self.parts:
            size = part.stat().st_size
            try:
                # pyarrow's pre-buffering reads ahead without bound (459 MiB of a 3 M-row
                # file's 144 MB against 61 MiB without it, in pyarrow 26)
                with _parquet().ParquetFile(part, pre_buffer=False) as reader:
                    rows = max(reader.metadata.num_rows, 1)
                    width = max(reader.metadata.num_columns, 1)
                    size_rows = max(1, min(BATCH_ROWS, BATCH_VALUES // width))
                    read = 0
                    for batch in reader.iter_batches(batch_size=size_rows):
                        read += batch.num_rows
                        columns = tuple(map(flat_column, batch.columns))
                        yield ParquetBatch(tuple(batch.schema.names), columns, batch.num_rows)
                        if self.progress is not None:
                            self.progress(done + size * read // rows)
            except (pa.ArrowException, OSError) as exc:
                raise ParquetFileError(_unreadable(part, exc)) from exc
            done += size


def _flat_names(part: Path) -> list[str]:
    """A part's column names, from its footer; ParquetFileError for a column not flat."""
    try:
        schema = _parquet().read_schema(part)
    except (pa.ArrowException, OSError) as exc:
        raise ParquetFileError(_unreadable(part, exc)) from exc
    seen: set[str] = set()
    for field in schema:
        if field.name in seen:
            msg = f"{part.name} has two columns named {field.name!r}"
            raise ParquetFileError(msg)
        seen.add(field.name)
        why = unsupported_type(field.type)
        if why is not None:
            msg = (
                f"{part.name}: column {field.name!r} is {why}; SageMaker's analyzer profiles "
                "flat columns only (numbers, booleans, text, dates): flatten or cast it, or "
                "drop it"
            )
            raise ParquetFileError(msg)
    return list(schema.names)


def _unreadable(part: Path, exc: Exception) -> str:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{part.name} is not a readable Parquet file ({detail})"


def _parquet() -> ModuleType:
    """``pyarrow.parquet``, imported only when a Parquet dataset is read.

    It brings pyarrow's file systems and ssl (~9 MiB, ~15 modules) that ``analyze
    --capture`` and the worker never use.
    """
    import pyarrow.parquet as pq

    return pq
