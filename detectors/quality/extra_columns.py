"""Columns of the analysed data that are not baseline features: counted and profiled.

SageMaker's analyzer profiles every column of the current dataset, so its ``statistics.json``
describes a column the baseline does not have (an *extra* column: a JSON key, a CSV value
past the baseline's width named ``_c<i>``) like any other, and ``extra_column_check`` names
it. :class:`ExtraColumns` keeps, for the first ``max_columns`` extra column names seen, how
many rows each appeared in and a :class:`~detectors.quality.feature_profile.FeatureProfile`
of its values (kind ``auto``): a row without the column counts as missing (and absent), as
Spark's reader gives ``null`` for a key a JSON row lacks. Columns past the bound are neither
profiled nor named: their sightings are only counted (``overflow``), so they have no
statistics entry and no ``extra_column_check`` violation. Which columns are kept: those of
the earliest rows, in :func:`column_order` within a batch (and, in a merge, the receiving
side's first). Memory is bounded by ``max_columns`` profiles.

A column counted by a profile state written before extra columns were profiled (a version 1
:class:`~detectors.quality.dataset_profile.DatasetProfile`) has no profile of its values;
it stays *unprofiled* (no statistics entry) in every merge, since its counts would be wrong.

Examples
--------
>>> extra = ExtraColumns(max_columns=10, k=400, max_exact=1000)
>>> extra.add_rows([{"zip": "10115"}, {}], {"zip": 1}, rows_before=0)
>>> dict(extra.sightings), extra.profiles["zip"].present, extra.profiles["zip"].absent
({'zip': 1}, 1, 1)
>>> [f.name for f in ExtraColumns.ordered([extra.profiles["zip"]])]
['zip']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from detectors.quality.column_chunk import ColumnChunk
from detectors.quality.feature_profile import FeatureProfile
from detectors.quality.statistics import FeatureStatistics

V = TypeVar("V")


def column_order(name: str) -> tuple[tuple[Any, ...], str]:
    """Sort key of extra columns: digit runs compare as numbers (``_c2`` before ``_c10``).

    Positional ``_c<i>`` columns so come in their position's order; named ones (JSON keys)
    in name order, as Spark's JSON reader orders the fields it infers. The key does not
    depend on which partition saw a column first, so merged windows list them alike.

    >>> sorted(["_c10", "b", "_c2", "a"], key=column_order)
    ['_c2', '_c10', 'a', 'b']
    """
    parts = re.split(r"(\d+)", name)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), name


class ExtraColumns:
    """Extra columns' row counts and value profiles, the first ``max_columns`` names."""

    def __init__(self, *, max_columns: int, k: int, max_exact: int) -> None:
        self.max_columns = max_columns
        self.k = k
        self.max_exact = max_exact
        self.sightings: Counter[str] = Counter()  # merge: add, capped at max_columns names
        self.overflow = 0  # merge: sum — sightings of columns past the cap
        # merge: per-column profile merge; a column one side never saw is absent from all of
        # that side's rows; a column one side counted without a profile stays unprofiled
        self.profiles: dict[str, FeatureProfile] = {}

    def profile_for(self, name: str) -> FeatureProfile | None:
        """The profile a batch of ``name`` values would go to, for classifying them first.

        The column's profile, a fresh one when ``name`` is new and within the bound (not
        kept until values are added), or None when they would not be profiled.
        """
        if name in self.sightings:
            return self.profiles.get(name)
        if len(self.sightings) < self.max_columns:
            return self._new_profile(name)
        return None

    def add_rows(
        self, rows: Sequence[Mapping[str, Any]], seen: Mapping[str, int], *, rows_before: int
    ) -> None:
        """Add a batch of named rows; ``seen`` counts the rows each extra column is in."""

        def values(name: str) -> list[Any]:
            return [row.get(name) for row in rows]

        self._add(
            seen,
            len(rows),
            rows_before,
            lambda profile, name: profile.update_many(values(name), absent=len(rows) - seen[name]),
        )

    def add_columns(
        self,
        columns: Mapping[str, V],
        n_rows: int,
        *,
        rows_before: int,
        feed: Callable[[FeatureProfile, V], None],
    ) -> None:
        """Add ``n_rows`` rows of extra columns each in every row; ``feed`` adds one's values."""
        self._add(
            dict.fromkeys(columns, n_rows),
            n_rows,
            rows_before,
            lambda profile, name: feed(profile, columns[name]),
        )

    def _add(
        self,
        seen: Mapping[str, int],
        n_rows: int,
        rows_before: int,
        feed: Callable[[FeatureProfile, str], None],
    ) -> None:
        for name in sorted(seen, key=column_order):  # which are kept: not the hash order
            self._sight(name, seen[name], rows_before)
        for name, profile in self.profiles.items():
            if name in seen:
                feed(profile, name)
            else:
                profile.update_chunk(ColumnChunk.all_missing(n_rows), absent=n_rows)

    def _sight(self, name: str, times: int, rows_before: int) -> None:
        """Count ``name`` in ``times`` rows; a new column within the bound gets a profile."""
        if name in self.sightings:
            self.sightings[name] += times
        elif len(self.sightings) < self.max_columns:
            self.sightings[name] += times
            self.profiles[name] = self._backfilled(name, rows_before)
        else:
            self.overflow += times

    def _new_profile(self, name: str) -> FeatureProfile:
        return FeatureProfile(name=name, kind="auto", k=self.k, max_exact=self.max_exact)

    def _backfilled(self, name: str, rows_before: int) -> FeatureProfile:
        """A new column's profile, absent from the ``rows_before`` rows added before it."""
        profile = self._new_profile(name)
        if rows_before:
            profile.update_chunk(ColumnChunk.all_missing(rows_before), absent=rows_before)
        return profile

    def pop(self, name: str) -> FeatureProfile | None:
        """Stop treating ``name`` as extra (it became a feature); its profile, if any."""
        self.sightings.pop(name, None)
        return self.profiles.pop(name, None)

    def merge(self, other: ExtraColumns, *, rows_before: int, other_rows: int) -> None:
        """Absorb another partition's extra columns; ``*_rows``: each side's row count."""
        for name, mine in self.profiles.items():
            if name not in other.sightings:
                mine.update_chunk(ColumnChunk.all_missing(other_rows), absent=other_rows)
        for name, times in other.sightings.items():
            known = name in self.sightings
            if not known and len(self.sightings) >= self.max_columns:
                self.overflow += times
                continue
            self.sightings[name] += times
            theirs = other.profiles.get(name)
            if theirs is None:  # counted there without a profile: no true statistics
                self.profiles.pop(name, None)
            elif not known:
                self.profiles[name] = self._backfilled(name, rows_before)
                self.profiles[name].merge(theirs)
            elif name in self.profiles:
                self.profiles[name].merge(theirs)
        self.overflow += other.overflow

    def statistics(self) -> tuple[FeatureStatistics, ...]:
        """Statistics of the profiled extra columns, in :func:`column_order`."""
        return tuple(p.statistics() for p in self.ordered(self.profiles.values()))

    @staticmethod
    def ordered(profiles: Iterable[FeatureProfile]) -> list[FeatureProfile]:
        """``profiles`` in :func:`column_order` of their names."""
        return sorted(profiles, key=lambda p: column_order(p.name))

    def to_state(self) -> dict[str, Any]:
        """JSON-safe state (part of the dataset profile's state)."""
        return {
            "extra_columns": dict(self.sightings),
            "extra_overflow": self.overflow,
            "extra_profiles": [p.to_state() for p in self.ordered(self.profiles.values())],
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take the counts and profiles of :meth:`to_state` output."""
        self.sightings = Counter({str(k): int(v) for k, v in state["extra_columns"].items()})
        self.overflow = int(state["extra_overflow"])
        profiles = (FeatureProfile.from_state(s) for s in state["extra_profiles"])
        self.profiles = {p.name: p for p in profiles}
