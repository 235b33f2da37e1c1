"""A tumbling window open in one partition: its profile, buffered rows and source offsets.

A window opened for a record of an already closed window (a *revision*) is an open window
too: it holds only the late records, and its partial revises the published window.

Rows arrive in three shapes and are buffered until :meth:`OpenWindow.flush` applies them to
the :class:`~detectors.quality.dataset_profile.DatasetProfile` in one call per column (the
profile's cost is per call, so batching matters): named rows (dicts), positional rows of
exactly the baseline's width (in row-major chunks: a column is a slice of their values),
and the plain-CSV fast path's rows as CSV texts — those are
classified a whole column at a time. A large flush (:data:`ARROW_ROWS` rows or more: a full
buffer always) is split into columns by pyarrow (:mod:`stream.capture.csv_rows`) and
classified as ``analyze`` classifies (:func:`~stream.capture.arrow_columns.column_chunks`). A
small one — a window closing with a few hundred rows — is split with ``str.split`` and
classified by :func:`~stream.capture.text_columns.text_chunk`: pyarrow's fixed cost per call,
and the GIL it gives up on every call to whichever thread wants it, would cost more than the
rows do and delay the result (measured: +40 ms median detection latency when every flush
went through pyarrow). Both give what Deequ's value-by-value typing gives. A large flush of
named rows that are all text (a preprocessor splitting CSV payloads) is classified as a
large flush of plain rows is (:func:`~stream.capture.text_rows.text_columns`). The first and
last source offsets the window reflects travel with its partial.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

from detectors.quality.dataset_profile import DatasetProfile
from stream.capture.arrow_columns import ChunksClassifier, column_chunks, each_column
from stream.capture.csv_rows import row_columns, row_fields, rows_text
from stream.capture.text_columns import text_chunk
from stream.capture.text_rows import text_columns, writable_rows

ARROW_ROWS = 2_000  # plain rows from which a flush is split and classified by pyarrow


class OpenWindow:
    """A window open in one partition: its profile plus buffered rows and offsets.

    Examples
    --------
    >>> profile = DatasetProfile(features=("age", "plan"), kinds=("numeric", "string"))
    >>> window = OpenWindow(profile, end=60.0, offset=7)
    >>> window.rows.append({"age": 41, "plan": "gold"})
    >>> window.columns.append([35, "basic"]); window.column_rows += 1
    >>> window.lines.append(["29,gold", "52,basic"]); window.line_rows += 2
    >>> window.pending
    4
    >>> window.flush()
    >>> window.pending, window.profile.item_count
    (0, 4)
    >>> OpenWindow.from_state(window.to_state()).profile.item_count
    4
    """

    __slots__ = (
        "column_rows", "columns", "end", "first_offset", "last_offset", "line_rows", "lines",
        "opened_at", "profile", "records", "rows",
    )  # fmt: skip

    def __init__(
        self, profile: DatasetProfile, end: float, offset: int, opened_at: float = 0.0
    ) -> None:
        self.profile = profile
        self.end = end
        self.first_offset = offset
        self.last_offset = offset
        self.opened_at = opened_at  # wall clock, POSIX seconds
        self.records = 0
        self.rows: list[Mapping[str, Any]] = []  # named rows waiting for the profile
        self.columns: list[list[Any]] = []  # chunks of positional rows, values row after row
        self.column_rows = 0
        self.lines: list[list[str]] = []  # chunks of plain rows, one CSV text each
        self.line_rows = 0

    @property
    def pending(self) -> int:
        """Rows buffered and not yet in the profile."""
        return len(self.rows) + self.column_rows + self.line_rows

    def flush(self) -> None:
        """Apply every buffered row to the profile."""
        if self.lines:
            self._flush_lines()
        if self.columns:
            names, chunks = self.profile.features, self.columns
            values = chunks[0] if len(chunks) == 1 else list(chain.from_iterable(chunks))
            assert len(values) == len(names) * self.column_rows, "a row of another width"
            columns = {name: values[i :: len(names)] for i, name in enumerate(names)}
            self.profile.update_columns(columns, self.column_rows)
            self.columns, self.column_rows = [], 0
        if self.rows:
            self._flush_rows()
            self.rows = []

    def _flush_lines(self) -> None:
        """The plain rows split into columns, each classified whole."""
        features = self.profile.features
        lines = list(chain.from_iterable(self.lines))
        if self.line_rows >= ARROW_ROWS:
            columns = row_columns(len(features)).columns(rows_text(lines))
            self._add_columns(columns, column_chunks, self.line_rows)
        else:
            fields, width = row_fields(lines), len(features)
            by_feature = [fields[i::width] for i in range(width)]
            self._add_columns(by_feature, each_column(text_chunk), self.line_rows)
        self.lines, self.line_rows = [], 0

    def _flush_rows(self) -> None:
        """Named rows: a large flush of rows of text is classified a column at a time."""
        features = self.profile.features
        columns = text_columns(self.rows, features) if len(self.rows) >= ARROW_ROWS else None
        if columns is None:
            self.profile.update_many(writable_rows(self.rows))
        else:
            self._add_columns(columns, column_chunks, len(self.rows))

    def _add_columns(self, columns: Sequence[Any], classify: ChunksClassifier, n_rows: int) -> None:
        """Classify one text column per feature, in feature order, and add them at once."""
        features = [self.profile.profiles[name] for name in self.profile.features]
        chunks = classify(
            columns,
            [feature.number_counting for feature in features],
            [feature.max_exact for feature in features],
        )
        self.profile.update_chunks(dict(zip(self.profile.features, chunks, strict=True)), n_rows)

    def to_state(self) -> dict[str, Any]:
        """JSON-safe state, buffered rows applied first."""
        self.flush()
        return {
            "profile": self.profile.to_state(),
            "end": self.end,
            "first_offset": self.first_offset,
            "last_offset": self.last_offset,
            "opened_at": self.opened_at,
            "records": self.records,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> OpenWindow:
        """Rebuild from :meth:`to_state` output."""
        window = cls(
            DatasetProfile.from_state(state["profile"]),
            float(state["end"]),
            int(state["first_offset"]),
            float(state["opened_at"]),
        )
        window.last_offset = int(state["last_offset"])
        window.records = int(state["records"])
        return window
