"""Read training/validation data files (CSV, JSON Lines) in column batches.

Used by ``driftline baseline suggest`` and ``driftline analyze --data``. CSV files are read
by pyarrow (:mod:`stream.batch.csv_reader`: Spark's column names, ``header=False`` for
``_c0, _c1, …``); :func:`read_columns` hands their batches out as Python lists for the
labelled baselines, while the data-quality profile takes them as Arrow columns
(:mod:`stream.batch.columnar_profile`). Lines that cannot be read are counted, never fatal:
a CSV row with too few fields is padded with missing values and one with too many is counted
as malformed and cut to the header's width; an undecodable JSON line is counted and skipped.

A JSON Lines value that is an array or an object is refused (:class:`DataFileError` naming
the key and line): SageMaker's analyzer reads only flat JSON (``{"features0": …,
"features1": …}``), and one text column of whole arrays would profile nothing useful.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from stream.batch.csv_reader import CsvColumns, CsvFileError

FORMATS = ("csv", "jsonl")
BATCH_ROWS = 20_000
_BOM = b"\xef\xbb\xbf"  # UTF-8 byte-order mark that spreadsheet exports put first


class DataFileError(Exception):
    """A data file that cannot be used at all (missing, empty, no header, nested values)."""


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
    """How to read a data file: ``csv`` or ``jsonl``; whether a CSV's first line names it."""

    kind: str
    header: bool = True


@dataclass(frozen=True)
class ColumnBatch:
    """``n_rows`` rows as columns named by the file's header."""

    columns: dict[str, list[Any]]
    n_rows: int


def detect_format(path: Path, given: str | None, *, header: bool = True) -> DataFormat:
    """``csv`` or ``jsonl`` from ``--format`` or the file suffix."""
    if given:
        return DataFormat(given, header)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return DataFormat("csv", header)
    if suffix in (".jsonl", ".json", ".ndjson"):
        return DataFormat("jsonl", header)
    msg = f"cannot tell the format of {path.name}; pass --format csv or --format jsonl"
    raise DataFileError(msg)


def open_csv(
    path: Path, fmt: DataFormat, counts: ReadCounts, progress: Callable[[int], None] | None
) -> CsvColumns:
    """A CSV file's names and Arrow batches; DataFileError when it cannot be read at all."""
    _require_file(path)
    try:
        return CsvColumns(path, header=fmt.header, on_malformed=counts.count, progress=progress)
    except (CsvFileError, OSError) as exc:
        raise DataFileError(str(exc)) from exc


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
    its key scan (a pass over every line); a CSV file reads its header line regardless.
    """
    _require_file(path)
    if fmt.kind == "csv":
        return _read_csv(path, fmt, counts, progress)
    return _read_jsonl(path, counts, progress, header)


def _require_file(path: Path) -> None:
    if not path.is_file():
        msg = f"no such file: {path}"
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


def _read_jsonl(
    path: Path,
    counts: ReadCounts,
    progress: Callable[[int], None] | None,
    known_header: tuple[str, ...] | None,
) -> tuple[tuple[str, ...], Iterator[ColumnBatch]]:
    header = known_header if known_header is not None else _jsonl_keys(path)

    def batches() -> Iterator[ColumnBatch]:
        with path.open("rb") as handle:
            rows: list[dict[str, Any]] = []
            for i, line in enumerate(handle):
                if not line.strip():
                    continue
                try:
                    obj = orjson.loads(line.removeprefix(_BOM) if i == 0 else line)
                except orjson.JSONDecodeError:
                    counts.count("invalid_json")
                    continue
                if not isinstance(obj, dict):
                    counts.count("not_an_object")
                    continue
                rows.append(obj)
                if len(rows) == BATCH_ROWS:
                    yield _dict_columns(rows, counts, progress, handle)
                    rows = []
            if rows:
                yield _dict_columns(rows, counts, progress, handle)

    return header, batches()


def _jsonl_keys(path: Path) -> tuple[str, ...]:
    """The keys of every JSON object line, in order of first appearance.

    Every line is scanned: a column that appears late in the file is still a column, with
    the rows before it counted as missing.
    """
    names: dict[str, None] = {}
    with path.open("rb") as handle:
        for i, line in enumerate(handle):
            try:
                obj = orjson.loads(line.removeprefix(_BOM) if i == 0 else line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                names.update(dict.fromkeys(obj))
    if not names:
        msg = f"{path.name} has no JSON object lines"
        raise DataFileError(msg)
    return tuple(names)


def _dict_columns(
    rows: list[dict[str, Any]],
    counts: ReadCounts,
    progress: Callable[[int], None] | None,
    handle: Any,
) -> ColumnBatch:
    counts.rows += len(rows)
    if progress is not None:
        progress(handle.tell())
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    columns = {k: [row.get(k) for row in rows] for k in keys}
    for name, values in columns.items():
        if not set(map(type, values)).isdisjoint((list, dict)):
            line = counts.rows - len(rows) + next(i for i, v in enumerate(values) if _nested(v))
            msg = (
                f"{name!r} holds nested JSON (an array or object) in data row {line + 1}: "
                f"flatten it into one key per value ({name}0, {name}1, …), as SageMaker's "
                "analyzer needs"
            )
            raise DataFileError(msg)
    return ColumnBatch(columns, len(rows))


def _nested(value: Any) -> bool:
    return isinstance(value, list | dict)
