"""Named columns of a labelled validation file, for model-quality and bias baselines.

``driftline baseline suggest`` reads the data file once for the data-quality profile and,
when ``--problem-type`` or ``--bias-config`` is given, once more here for the few columns
those baselines need (label, prediction, score, facets, group). CSV fields arrive as text and
are typed like a CSV reader would (:func:`typed_column`). :func:`read_columns` reads any
data file's columns as Python values, a batch at a time.

Examples
--------
>>> typed_column(["1", "2", ""]), typed_column(["0.5", "2"]), typed_column(["a", "1"])
([1, 2, None], [0.5, 2.0], ['a', '1'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from stream.batch.csv_reader import CsvFileError
from stream.batch.data_files import (
    ColumnBatch,
    DataFileError,
    DataFormat,
    ReadCounts,
    open_csv,
    open_parquet,
)
from stream.batch.json_lines_rows import jsonl_batches, jsonl_keys
from stream.batch.parquet_files import ParquetFileError


def typed_column(values: Sequence[Any]) -> list[Any]:
    """Type a column the way pandas reads CSV: all ints, else all numbers, else as given.

    Blank text is missing (``None``). Non-text values (JSON Lines) are kept as they are.
    """
    present = [v for v in values if not (isinstance(v, str) and not v.strip()) and v is not None]
    if not all(isinstance(v, str) for v in present):
        return [None if isinstance(v, str) and not v.strip() else v for v in values]
    for cast in (int, float):
        try:
            converted = {v: cast(v) for v in present}
        except ValueError:
            continue
        return [converted.get(v) if isinstance(v, str) and v.strip() else None for v in values]
    return [v if isinstance(v, str) and v.strip() else None for v in values]


def read_selected_columns(
    path: Path,
    fmt: DataFormat,
    names: Sequence[str],
    progress: Callable[[int], None] | None = None,
    *,
    header: tuple[str, ...] | None = None,
) -> tuple[dict[str, list[Any]], ReadCounts]:
    """Read only ``names`` from a data file; raises DataFileError naming missing columns.

    ``header``: the file's names from :func:`data_file_header`, to read it only once.
    """
    counts = ReadCounts()
    header, batches = read_columns(path, fmt, counts, progress, header=header)
    wanted = list(dict.fromkeys(names))
    _require_columns(path, header, wanted)
    columns: dict[str, list[Any]] = {n: [] for n in wanted}
    for batch in batches:
        for name in wanted:
            columns[name].extend(batch.columns.get(name, [None] * batch.n_rows))
    return {n: typed_column(c) for n, c in columns.items()}, counts


def data_file_header(path: Path, fmt: DataFormat) -> tuple[str, ...]:
    """A data file's column names (CSV header, every JSON Lines key, or Parquet's schemas)."""
    header, _ = read_columns(path, fmt, ReadCounts())
    return header


def iter_row_values(
    path: Path, fmt: DataFormat, names: Sequence[str], *, header: tuple[str, ...] | None = None
) -> Iterator[tuple[Any, ...]]:
    """The values of ``names`` row by row, in the rows and order ``read_selected_columns`` reads.

    Values are as the file holds them (CSV text, JSON values), missing as ``None``; memory
    stays at one batch. ``header`` as in :func:`read_selected_columns`.
    """
    header, batches = read_columns(path, fmt, ReadCounts(), header=header)
    _require_columns(path, header, names)
    for batch in batches:
        columns = [batch.columns.get(n, [None] * batch.n_rows) for n in names]
        yield from zip(*columns, strict=True)


def _require_columns(path: Path, header: Sequence[str], names: Sequence[str]) -> None:
    missing = [n for n in names if n not in header]
    if missing:
        msg = f"{path.name} has no column {', '.join(map(repr, missing))}; columns: {list(header)}"
        raise DataFileError(msg)


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
    Parquet dataset its footers. A Clarify-shaped JSON Lines file (``fmt.clarify``) has the
    columns its config names, the features by their headers.
    """
    if fmt.clarify is not None:
        return fmt.clarify.names, fmt.clarify.batches(path, counts, progress)
    if fmt.kind == "parquet":
        parquet = open_parquet(path, progress)
        batches = parquet.batches()
        return parquet.names, _as_lists(batches, lambda batch: batch.names, counts)
    if fmt.kind == "csv":
        csv = open_csv(path, fmt, counts, progress)
        return csv.names, _as_lists(csv.batches(), lambda _: csv.names, counts)
    names = header if header is not None else jsonl_keys(path)
    return names, jsonl_batches(path, counts, progress)


def _as_lists(
    batches: Iterator[Any], names_of: Callable[[Any], Sequence[str]], counts: ReadCounts
) -> Iterator[ColumnBatch]:
    """Arrow batches (CSV's or Parquet's) as Python lists named ``names_of(batch)``, counted."""
    try:
        for batch in batches:
            counts.rows += batch.n_rows
            columns = [column.to_pylist() for column in batch.columns]
            yield ColumnBatch(dict(zip(names_of(batch), columns, strict=True)), batch.n_rows)
    except (CsvFileError, ParquetFileError) as exc:
        raise DataFileError(str(exc)) from exc
