"""Read training/validation data files (CSV with header, JSON Lines) in column batches.

Used by ``driftline baseline suggest``. Lines that cannot be read are counted, never fatal:
a CSV row with too few fields is padded with missing values and one with too many is
counted as malformed and cut to the header's width; an undecodable JSON line is counted
and skipped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

FORMATS = ("csv", "jsonl")
BATCH_ROWS = 20_000
BATCH_BYTES = 4_000_000
_BOM = b"\xef\xbb\xbf"  # UTF-8 byte-order mark that spreadsheet exports put first


class DataFileError(Exception):
    """A data file that cannot be used at all (missing, empty, no header)."""


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


def detect_format(path: Path, given: str | None) -> str:
    """``csv`` or ``jsonl`` from ``--format`` or the file suffix."""
    if given:
        return given
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    msg = f"cannot tell the format of {path.name}; pass --format csv or --format jsonl"
    raise DataFileError(msg)


def read_columns(
    path: Path,
    fmt: str,
    counts: ReadCounts,
    progress: Callable[[int], None] | None = None,
    *,
    header: tuple[str, ...] | None = None,
) -> tuple[tuple[str, ...], Iterator[ColumnBatch]]:
    """The file's column names and an iterator of column batches.

    ``header``, the names an earlier read of the same file returned, spares a JSON Lines file
    its key scan (a pass over every line); a CSV file reads its header line regardless.
    """
    if not path.is_file():
        msg = f"no such file: {path}"
        raise DataFileError(msg)
    if fmt == "csv":
        return _read_csv(path, counts, progress)
    return _read_jsonl(path, counts, progress, header)


def _read_csv(
    path: Path, counts: ReadCounts, progress: Callable[[int], None] | None
) -> tuple[tuple[str, ...], Iterator[ColumnBatch]]:
    handle = path.open("rb")
    # utf-8-sig: a byte-order mark (spreadsheet exports) must not stick to the first name.
    header_line = handle.readline().decode("utf-8-sig", errors="replace")
    header = next(csv.reader([header_line]), None)
    if not header:
        handle.close()
        msg = f"{path.name} is empty or has no header line"
        raise DataFileError(msg)
    names = tuple(h.strip() for h in header)
    width = len(names)

    def batches() -> Iterator[ColumnBatch]:
        with handle:
            while True:
                lines = handle.readlines(BATCH_BYTES)
                if not lines:
                    break
                text = b"".join(lines).decode("utf-8", errors="replace")
                if '"' in text:
                    rows = [row for row in csv.reader(io.StringIO(text)) if row]
                else:
                    rows = [line.split(",") for line in text.splitlines() if line]
                if rows and not (min(map(len, rows)) == max(map(len, rows)) == width):
                    rows = [_fit(row, width, counts) for row in rows]
                if rows:
                    yield _columns(names, rows, counts, progress, handle)

    return names, batches()


def _fit(row: list[str], width: int, counts: ReadCounts) -> list[str]:
    """Pad a short row with missing values; cut a long one and count it malformed."""
    if len(row) > width:
        counts.count("too_many_fields")
        return row[:width]
    return row + [""] * (width - len(row))


def _columns(
    names: tuple[str, ...],
    rows: list[list[str]],
    counts: ReadCounts,
    progress: Callable[[int], None] | None,
    handle: Any,
) -> ColumnBatch:
    counts.rows += len(rows)
    if progress is not None:
        progress(handle.tell())
    columns = {name: list(col) for name, col in zip(names, zip(*rows, strict=True), strict=True)}
    return ColumnBatch(columns, len(rows))


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
    return ColumnBatch({k: [row.get(k) for row in rows] for k in keys}, len(rows))
