"""Typed data-quality statistics: what SageMaker's ``statistics.json`` holds, and a bit more.

The same types describe a baseline read from a file and a live window built from
:class:`~detectors.quality.dataset_profile.DatasetProfile`; live statistics also carry the
value-type counts, absent-column counts and extra columns that the checks need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from detectors.quality.value_types import FRACTIONAL, INTEGRAL, STRING, TypeCounts
from detectors.sketches import Moments, WeightedCdf
from detectors.sketches.weighted_cdf import bucket_edges

KLL_SHRINKING_FACTOR = 0.64


@dataclass(frozen=True, slots=True)
class Bucket:
    """One KLL histogram bucket: ``[lower_bound, upper_bound)`` (the last one closed)."""

    lower_bound: float
    upper_bound: float
    count: float


@dataclass(frozen=True, slots=True, eq=False)
class NumericStatistics:
    """Moments, ten equal-width buckets and the KLL sketch of a numeric feature."""

    mean: float
    sum: float
    std_dev: float
    min: float
    max: float
    buckets: tuple[Bucket, ...]
    distribution: WeightedCdf
    sketch_k: float
    sketch_c: float = KLL_SHRINKING_FACTOR

    @classmethod
    def from_moments(cls, m: Moments, cdf: WeightedCdf, k: int) -> NumericStatistics:
        """Moments plus ten equal-width buckets of ``cdf`` over ``[m.min, m.max]``."""
        edges = bucket_edges(m.min, m.max)
        counts = cdf.bucket_counts(m.min, m.max)
        buckets = tuple(
            Bucket(lo, hi, c) for lo, hi, c in zip(edges[:-1], edges[1:], counts, strict=True)
        )
        return cls(m.mean, m.sum, m.std_dev, m.min, m.max, buckets, cdf, float(k))


@dataclass(frozen=True, slots=True)
class StringStatistics:
    """Distinct count and value frequencies of a categorical feature."""

    distinct_count: float
    buckets: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        """Sum of the bucket counts."""
        return sum(count for _, count in self.buckets)


@dataclass(frozen=True, slots=True, eq=False)
class FeatureStatistics:
    """One feature's statistics; ``type_counts`` and ``num_absent`` exist for live data only."""

    name: str
    inferred_type: str
    num_present: int
    num_missing: int
    numeric: NumericStatistics | None = None
    string: StringStatistics | None = None
    type_counts: TypeCounts | None = None
    num_absent: int | None = None

    @property
    def completeness(self) -> float:
        """``num_present / (num_present + num_missing)``; 1.0 when there were no rows."""
        total = self.num_present + self.num_missing
        return self.num_present / total if total else 1.0

    @property
    def is_numeric(self) -> bool:
        """Whether the feature's type is Integral or Fractional."""
        return self.inferred_type in (INTEGRAL, FRACTIONAL)

    @property
    def is_string(self) -> bool:
        """Whether the feature's type is String."""
        return self.inferred_type == STRING


@dataclass(frozen=True, slots=True, eq=False)
class DatasetStatistics:
    """All features of one dataset or window, in column order.

    A live window lists its profiled extra columns (also named in ``extra_columns``) after
    the baseline's features.
    """

    item_count: int
    features: tuple[FeatureStatistics, ...]
    extra_columns: tuple[str, ...] = field(default=())
    _by_name: dict[str, FeatureStatistics] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # each name's first entry, so that a lookup by name is not a scan of every feature
        object.__setattr__(self, "_by_name", {f.name: f for f in reversed(self.features)})

    def feature(self, name: str) -> FeatureStatistics | None:
        """The named feature's statistics (its first entry), or None."""
        return self._by_name.get(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Feature names in order."""
        return tuple(f.name for f in self.features)
