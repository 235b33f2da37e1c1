"""A tumbling window open in one partition: its profile, buffered rows and source offsets.

A window opened for a record of an already closed window (a *revision*) is an open window
too: it holds only the late records, and its partial revises the published window.

Rows arrive in three shapes and are buffered until :meth:`OpenWindow.flush` applies them to
the :class:`~detectors.quality.dataset_profile.DatasetProfile` in one call per column (the
profile's cost is per call, so batching matters): named rows (dicts), positional rows of
exactly the baseline's width, and flat chunks of fields, row after row, from the plain-CSV
fast path — those are classified a whole column at a time
(:func:`~stream.capture.text_columns.text_chunk`). The first and last source offsets the
window reflects travel with its partial.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain
from typing import Any

from detectors.quality.dataset_profile import DatasetProfile
from stream.capture.text_columns import text_chunk


class OpenWindow:
    """A window open in one partition: its profile plus buffered rows and offsets.

    Examples
    --------
    >>> profile = DatasetProfile(features=("age", "plan"), kinds=("numeric", "string"))
    >>> window = OpenWindow(profile, end=60.0, offset=7)
    >>> window.rows.append({"age": 41, "plan": "gold"})
    >>> window.columns.append([35, "basic"])
    >>> window.flat.append(["29", "gold", "52", "basic"]); window.flat_rows += 2
    >>> window.pending
    4
    >>> window.flush()
    >>> window.pending, window.profile.item_count
    (0, 4)
    >>> OpenWindow.from_state(window.to_state()).profile.item_count
    4
    """

    __slots__ = (
        "columns", "end", "first_offset", "flat", "flat_rows", "last_offset", "opened_at",
        "profile", "records", "rows",
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
        self.columns: list[list[Any]] = []  # positional rows of exactly the baseline width
        self.flat: list[list[str]] = []  # chunks of whole rows' fields, row after row
        self.flat_rows = 0

    @property
    def pending(self) -> int:
        """Rows buffered and not yet in the profile."""
        return len(self.rows) + len(self.columns) + self.flat_rows

    def flush(self) -> None:
        """Apply every buffered row to the profile."""
        if self.flat:
            self._flush_fields()
        if self.columns:
            names = self.profile.features
            columns = dict(zip(names, zip(*self.columns, strict=True), strict=True))
            self.profile.update_columns(columns, len(self.columns))
            self.columns = []
        if self.rows:
            self.profile.update_many(self.rows)
            self.rows = []

    def _flush_fields(self) -> None:
        """The flat chunks, column by column, classified whole (:func:`text_chunk`)."""
        profiles = self.profile.profiles
        width = len(self.profile.features)
        fields = self.flat[0] if len(self.flat) == 1 else list(chain.from_iterable(self.flat))
        chunks = {}
        for i, name in enumerate(self.profile.features):
            feature = profiles[name]
            chunks[name] = text_chunk(fields[i::width], feature.number_counting, feature.max_exact)
        self.profile.update_chunks(chunks, self.flat_rows)
        self.flat, self.flat_rows = [], 0

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


def rows_of(fields: list[str], picked: list[int], width: int) -> list[str]:
    """The fields of the picked rows, row after row.

    >>> rows_of(["a", "1", "b", "2", "c", "3"], [0, 2], width=2)
    ['a', '1', 'c', '3']
    """
    return [f for i in picked for f in fields[i * width : (i + 1) * width]]
