"""Mergeable data-quality statistics of a whole dataset or window: one profile per feature.

Rows are mappings from column name to value. A baseline feature missing from a row is
*absent* (and counted missing); a column that is not a baseline feature is *extra*. The
first ``max_extra_columns`` extra columns are profiled like features and listed in the
statistics after them (:mod:`~detectors.quality.extra_columns`, which also says their
order); past that bound an extra column is only counted (``extra_overflow``): it gets no
statistics entry and no ``extra_column_check``.

Examples
--------
>>> p = DatasetProfile(features=("age", "plan"), kinds=("numeric", "string"))
>>> p.update_many([{"age": "41", "plan": "basic"}, {"age": "", "plan": "premium", "zip": "1"}])
>>> p.update({"plan": "basic"})
>>> p.item_count, p.profiles["age"].missing, p.profiles["age"].absent, dict(p.extra_columns)
(3, 2, 1, {'zip': 1})
>>> stats = p.statistics()
>>> [(f.name, f.inferred_type, f.num_present, f.num_missing) for f in stats.features]
[('age', 'Integral', 1, 2), ('plan', 'String', 3, 0), ('zip', 'Integral', 1, 2)]
>>> stats.extra_columns
('zip',)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from detectors.base import make_state, open_state
from detectors.quality.column_chunk import ColumnChunk
from detectors.quality.extra_columns import ExtraColumns
from detectors.quality.feature_profile import FeatureProfile
from detectors.quality.statistics import DatasetStatistics


class DatasetProfile:
    """Profiles of named features plus row count and extra columns; empty until updated."""

    _KIND = "dataset_profile"
    _VERSION = 2  # 2: extra columns' profiles; version 1 states are upgraded

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
        self.extras = ExtraColumns(  # merge: ExtraColumns.merge (counts add, profiles merge)
            max_columns=max_extra_columns, k=k, max_exact=max_exact
        )
        self.profiles = {  # merge: per-feature profile merge
            name: FeatureProfile(name=name, kind=kind, k=k, max_exact=max_exact)
            for name, kind in zip(self.features, self.kinds, strict=True)
        }

    def __repr__(self) -> str:
        return f"DatasetProfile(features={len(self.features)}, item_count={self.item_count})"

    @property
    def extra_columns(self) -> Counter[str]:
        """Rows each extra column (within the bound) appeared in."""
        return self.extras.sightings

    @property
    def extra_overflow(self) -> int:
        """Sightings of extra columns past ``max_extra_columns``."""
        return self.extras.overflow

    def column_profile(self, name: str) -> FeatureProfile | None:
        """The profile a column's values go to: a feature's, an extra column's, or None.

        For a reader that classifies a column before adding it; a new extra column gets a
        fresh profile that is kept only once values are added (None past the bound).
        """
        feature = self.profiles.get(name)
        return feature if feature is not None else self.extras.profile_for(name)

    def update(self, row: Mapping[str, Any]) -> None:
        """Add one row."""
        self.update_many((row,))

    def update_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add a batch of rows, column by column."""
        if not rows:
            return
        rows_before = self.item_count
        self.item_count += len(rows)
        shapes = Counter(tuple(row) for row in rows)
        absent: Counter[str] = Counter()
        extra: Counter[str] = Counter()
        known = self.profiles.keys()
        for shape, times in shapes.items():
            keys = set(shape)
            for name in self.features:
                if name not in keys:
                    absent[name] += times
            for name in keys - known:
                extra[name] += times
        self.extras.add_rows(rows, extra, rows_before=rows_before)
        if len(shapes) == 1:  # every row has the same keys in the same order: transpose at once
            (shape,) = shapes
            columns = zip(*(row.values() for row in rows), strict=True)
            by_name = dict(zip(shape, map(list, columns), strict=True))
            for name, profile in self.profiles.items():
                values = by_name[name] if name in by_name else [None] * len(rows)
                profile.update_many(values, absent=absent.get(name, 0))
            return
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
        rows_before = self.item_count
        self.item_count += n_rows
        self.extras.add_columns(
            {name: columns[name] for name in columns.keys() - self.profiles.keys()},
            n_rows,
            rows_before=rows_before,
            feed=lambda profile, values: profile.update_many(values),
        )
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
        A column profiled as extra so far becomes the feature with its profile.
        """
        if name in self.profiles:
            msg = f"{name!r} is a feature already"
            raise ValueError(msg)
        profile = self.extras.pop(name)  # an extra column so far: its profile goes on
        if profile is None:
            profile = FeatureProfile(name=name, kind="auto", k=self.k, max_exact=self.max_exact)
            if self.item_count:
                missing = ColumnChunk.all_missing(self.item_count)
                profile.update_chunk(missing, absent=self.item_count)
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
        rows_before = self.item_count
        self.item_count += n_rows
        self.extras.add_columns(
            {name: chunks[name] for name in chunks.keys() - self.profiles.keys()},
            n_rows,
            rows_before=rows_before,
            feed=lambda profile, chunk: profile.update_chunk(chunk),
        )
        for name, profile in self.profiles.items():
            if name in chunks:
                profile.update_chunk(chunks[name])
            else:
                profile.update_chunk(ColumnChunk.all_missing(n_rows), absent=n_rows)

    def merge(self, other: DatasetProfile) -> None:
        """Absorb another partition's profile of the same features."""
        if other.features != self.features or other.kinds != self.kinds:
            msg = "cannot merge profiles of different feature lists"
            raise ValueError(msg)
        self.extras.merge(other.extras, rows_before=self.item_count, other_rows=other.item_count)
        self.item_count += other.item_count
        for name, profile in self.profiles.items():
            profile.merge(other.profiles[name])

    def statistics(self) -> DatasetStatistics:
        """Statistics of every feature, in column order, then of the profiled extra columns."""
        features = tuple(self.profiles[name].statistics() for name in self.features)
        return DatasetStatistics(
            item_count=self.item_count,
            features=features + self.extras.statistics(),
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
                "profiles": [self.profiles[name].to_state() for name in self.features],
                **self.extras.to_state(),
            },
        )

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> DatasetProfile:
        """Rebuild from :meth:`to_state` output (version 1 states are upgraded)."""
        if state.get("kind") == cls._KIND and state.get("version") == 1:
            state = _upgrade_v1(state)
        params, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        p = cls(
            features=tuple(params["features"]),
            kinds=tuple(params["kinds"]),
            k=int(params["k"]),
            max_exact=int(params["max_exact"]),
            max_extra_columns=int(params["max_extra_columns"]),
        )
        p.item_count = int(s["item_count"])
        p.extras.restore(s)
        for name, profile_state in zip(p.features, s["profiles"], strict=True):
            p.profiles[name] = FeatureProfile.from_state(profile_state)
        return p


def _upgrade_v1(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """Version 1 counted extra columns without profiling them: they stay unprofiled."""
    return {**envelope, "version": 2, "state": {**envelope["state"], "extra_profiles": []}}
