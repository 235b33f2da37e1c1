"""Mergeable data-quality statistics of a whole dataset or window: one profile per feature.

Rows are mappings from column name to value. A baseline feature missing from a row is
*absent* (and counted missing); a column that is not a baseline feature is *extra*.
Extra column names are kept up to ``max_extra_columns`` (the rest are counted).

Examples
--------
>>> p = DatasetProfile(features=("age", "plan"), kinds=("numeric", "string"))
>>> p.update_many([{"age": "41", "plan": "basic"}, {"age": "", "plan": "premium", "zip": "1"}])
>>> p.update({"plan": "basic"})
>>> p.item_count, p.profiles["age"].missing, p.profiles["age"].absent, dict(p.extra_columns)
(3, 2, 1, {'zip': 1})
>>> stats = p.statistics()
>>> [(f.name, f.inferred_type, f.num_present) for f in stats.features]
[('age', 'Integral', 1), ('plan', 'String', 3)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from detectors.base import make_state, open_state
from detectors.quality.column_chunk import ColumnChunk
from detectors.quality.feature_profile import FeatureProfile
from detectors.quality.statistics import DatasetStatistics


class DatasetProfile:
    """Profiles of named features plus row count and extra columns; empty until updated."""

    _KIND = "dataset_profile"
    _VERSION = 1

    def __init__(
        self,
        *,
        features: tuple[str, ...],
        kinds: tuple[str, ...] | None = None,
        k: int = 400,
        max_exact: int = 1000,
        max_extra_columns: int = 100,
    ) -> None:
        if len(set(features)) != len(features):
            msg = f"feature names must be unique, got {features}"
            raise ValueError(msg)
        kinds = kinds if kinds is not None else ("auto",) * len(features)
        if len(kinds) != len(features):
            msg = f"kinds has {len(kinds)} entries for {len(features)} features"
            raise ValueError(msg)
        self.features = tuple(features)
        self.kinds = tuple(kinds)
        self.k = k
        self.max_exact = max_exact
        self.max_extra_columns = max_extra_columns
        self.item_count = 0  # merge: sum
        self.extra_columns: Counter[str] = Counter()  # merge: add, capped at max_extra_columns
        self.extra_overflow = 0  # merge: sum — extra-column sightings past the cap
        self.profiles = {  # merge: per-feature profile merge
            name: FeatureProfile(name=name, kind=kind, k=k, max_exact=max_exact)
            for name, kind in zip(self.features, self.kinds, strict=True)
        }

    def __repr__(self) -> str:
        return f"DatasetProfile(features={len(self.features)}, item_count={self.item_count})"

    def update(self, row: Mapping[str, Any]) -> None:
        """Add one row."""
        self.update_many((row,))

    def update_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add a batch of rows, column by column."""
        if not rows:
            return
        self.item_count += len(rows)
        shapes = Counter(tuple(row) for row in rows)
        absent: Counter[str] = Counter()
        known = self.profiles.keys()
        for shape, times in shapes.items():
            keys = set(shape)
            for name in self.features:
                if name not in keys:
                    absent[name] += times
            for name in keys - known:
                self._count_extra(name, times)
        for name, profile in self.profiles.items():
            profile.update_many([row.get(name) for row in rows], absent=absent.get(name, 0))

    def update_columns(self, columns: Mapping[str, Sequence[Any]], n_rows: int) -> None:
        """Add ``n_rows`` rows given column by column (faster than rows for wide files).

        A baseline feature without a column is absent from every row; a column that is not a
        baseline feature is extra. Every column must hold ``n_rows`` values.
        """
        if n_rows == 0:
            return
        for name, values in columns.items():
            if len(values) != n_rows:
                msg = f"column {name!r} has {len(values)} values, expected {n_rows}"
                raise ValueError(msg)
        self.item_count += n_rows
        for name in columns.keys() - self.profiles.keys():
            self._count_extra(name, n_rows)
        missing_column = (None,) * n_rows
        for name, profile in self.profiles.items():
            if name in columns:
                profile.update_many(columns[name])
            else:
                profile.update_many(missing_column, absent=n_rows)

    def add_feature(self, name: str) -> None:
        """Profile one more feature (kind ``auto``), absent from every row added so far.

        For a reader that learns the columns as it goes (JSON Lines keys): the profile ends
        as if the feature had been known from the start and absent from the earlier batches.
        """
        if name in self.profiles:
            msg = f"{name!r} is a feature already"
            raise ValueError(msg)
        profile = FeatureProfile(name=name, kind="auto", k=self.k, max_exact=self.max_exact)
        if self.item_count:
            profile.update_chunk(ColumnChunk.all_missing(self.item_count), absent=self.item_count)
        self.features += (name,)
        self.kinds += ("auto",)
        self.profiles[name] = profile

    def update_chunks(self, chunks: Mapping[str, ColumnChunk], n_rows: int) -> None:
        """Add ``n_rows`` rows given as classified column chunks (a columnar reader's batch).

        Equals :meth:`update_columns` over the same values: a baseline feature without a
        chunk is absent from every row, a chunk that is not a baseline feature is extra.
        """
        if n_rows == 0:
            return
        for name, chunk in chunks.items():
            if chunk.rows != n_rows:
                msg = f"column {name!r} has {chunk.rows} values, expected {n_rows}"
                raise ValueError(msg)
        self.item_count += n_rows
        for name in chunks.keys() - self.profiles.keys():
            self._count_extra(name, n_rows)
        for name, profile in self.profiles.items():
            if name in chunks:
                profile.update_chunk(chunks[name])
            else:
                profile.update_chunk(ColumnChunk.all_missing(n_rows), absent=n_rows)

    def _count_extra(self, name: str, times: int) -> None:
        if name in self.extra_columns or len(self.extra_columns) < self.max_extra_columns:
            self.extra_columns[name] += times
        else:
            self.extra_overflow += times

    def merge(self, other: DatasetProfile) -> None:
        """Absorb another partition's profile of the same features."""
        if other.features != self.features or other.kinds != self.kinds:
            msg = "cannot merge profiles of different feature lists"
            raise ValueError(msg)
        self.item_count += other.item_count
        for name, times in other.extra_columns.items():
            self._count_extra(name, times)
        self.extra_overflow += other.extra_overflow
        for name, profile in self.profiles.items():
            profile.merge(other.profiles[name])

    def statistics(self) -> DatasetStatistics:
        """Statistics of every feature, in column order."""
        return DatasetStatistics(
            item_count=self.item_count,
            features=tuple(self.profiles[name].statistics() for name in self.features),
            extra_columns=tuple(sorted(self.extra_columns)),
        )

    def to_state(self) -> dict[str, Any]:
        """Return JSON-safe state."""
        return make_state(
            self._KIND,
            self._VERSION,
            {
                "features": list(self.features),
                "kinds": list(self.kinds),
                "k": self.k,
                "max_exact": self.max_exact,
                "max_extra_columns": self.max_extra_columns,
            },
            {
                "item_count": self.item_count,
                "extra_columns": dict(self.extra_columns),
                "extra_overflow": self.extra_overflow,
                "profiles": [self.profiles[name].to_state() for name in self.features],
            },
        )

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> DatasetProfile:
        """Rebuild from :meth:`to_state` output."""
        params, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        p = cls(
            features=tuple(params["features"]),
            kinds=tuple(params["kinds"]),
            k=int(params["k"]),
            max_exact=int(params["max_exact"]),
            max_extra_columns=int(params["max_extra_columns"]),
        )
        p.item_count = int(s["item_count"])
        p.extra_columns = Counter({str(k): int(v) for k, v in s["extra_columns"].items()})
        p.extra_overflow = int(s["extra_overflow"])
        for name, profile_state in zip(p.features, s["profiles"], strict=True):
            p.profiles[name] = FeatureProfile.from_state(profile_state)
        return p
