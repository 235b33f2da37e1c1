"""Read a JSON Lines data file in column batches, as ``baseline suggest`` and ``analyze`` do.

JSON Lines are decoded by orjson a chunk of :data:`CHUNK_LINES` lines at a time and taken
apart into columns at once; :func:`jsonl_batches` reads a file in one pass, with no key scan
before it (a reader that profiles every key adds each where it first appears), and
:func:`jsonl_keys` is that scan, for a reader that needs every column's name first. A line
that is not JSON, or not an object, is counted (:class:`~stream.batch.data_files.ReadCounts`)
and skipped; a blank line is skipped.

A JSON Lines value that is an array or an object is refused (:class:`DataFileError` naming
the key and line): SageMaker's analyzer reads only flat JSON (``{"features0": …,
"features1": …}``), and one text column of whole arrays would profile nothing useful.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TypeVar

import orjson

from stream.batch.data_files import ColumnBatch, DataFileError, ReadCounts, each_part, text_parts
from stream.capture.files import BOM  # the mark spreadsheet exports put first
from stream.capture.payloads import CONTAINERS
from stream.capture.text_rows import named_columns

BATCH_ROWS = 20_000
CHUNK_LINES = 500  # JSON Lines lines decoded by one call and taken apart while cache-warm


def jsonl_batches(
    path: Path, counts: ReadCounts, progress: Callable[[int], None] | None = None
) -> Iterator[ColumnBatch]:
    """A JSON Lines dataset's rows in batches of :data:`BATCH_ROWS`, with no key scan first.

    ``path`` is a file, or a folder whose part files are read in turn. Each batch has a
    column per key its rows hold, in order of first appearance; a reader that profiles every
    key adds a key's feature when it first comes (absent from the rows before). After the
    last batch, a dataset in which no object line held a key raises :class:`DataFileError`,
    as :func:`jsonl_keys` does.
    """
    parts = text_parts(path, "jsonl")
    return _jsonl_batches(path, parts, counts, progress)


def _jsonl_batches(
    path: Path, parts: list[Path], counts: ReadCounts, progress: Callable[[int], None] | None
) -> Iterator[ColumnBatch]:
    batches = each_part(
        path, parts, lambda part, shown: _part_batches(part, counts, shown), progress
    )
    return with_some_key(path, batches)


class HasColumns(Protocol):
    """A batch or block of a JSON Lines dataset: its columns by key."""

    @property
    def columns(self) -> Mapping[str, Any]:
        """The columns its rows hold, by key."""
        ...


Keyed = TypeVar("Keyed", bound=HasColumns)


def with_some_key(path: Path, batches: Iterable[Keyed]) -> Iterator[Keyed]:
    """The batches as they come; after the last, DataFileError if none held a key."""
    any_key = False
    for batch in batches:
        any_key = any_key or bool(batch.columns)
        yield batch
    if not any_key:
        raise DataFileError(no_objects(path))


def _part_batches(
    part: Path, counts: ReadCounts, progress: Callable[[int], None] | None
) -> Iterator[ColumnBatch]:
    with part.open("rb") as handle:
        for batch in line_batches(handle, counts):
            if progress is not None:
                progress(handle.tell())
            yield batch


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
    for objects in object_chunks(handle, counts, at_start=at_start):
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


def jsonl_keys(path: Path) -> tuple[str, ...]:
    """The keys of every JSON object line (of every part of a folder), in order of first appearance.

    Every line is scanned: a column that appears late in the file is still a column, with
    the rows before it counted as missing.
    """
    names: dict[str, None] = {}
    for part in text_parts(path, "jsonl"):
        with part.open("rb") as handle:
            for objects in object_chunks(handle, ReadCounts()):
                names.update(dict.fromkeys(chain.from_iterable(objects)))
    if not names:
        raise DataFileError(no_objects(path))
    return tuple(names)


def no_objects(path: Path) -> str:
    """The error of a JSON Lines file in which no object line held a key."""
    return f"{path.name} has no JSON object lines"


def object_chunks(
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
