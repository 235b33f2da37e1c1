"""Comparisons the columnar readers' tests share: a chunk or a dataset's statistics, two ways.

Each test compares a fast path's result with a reference it computed independently (value
by value, or the row path over the same file); these say what "the same" means.
"""

from __future__ import annotations

import numpy as np
import pytest

from detectors.quality.column_chunk import ColumnChunk
from detectors.quality.statistics import DatasetStatistics
from detectors.sketches import ks_distance

KLL_KS_ERROR = 0.01  # NumericSketch's stated KS error at k = 400


def same_chunk(a: ColumnChunk, b: ColumnChunk) -> None:
    """Equal counts, types, numbers (in any order) and text and number counts."""
    assert (a.rows, a.missing, a.types) == (b.rows, b.missing, b.types)
    np.testing.assert_array_equal(np.sort(a.numbers), np.sort(b.numbers))
    assert dict(zip(*a.text_counts, strict=True)) == dict(zip(*b.text_counts, strict=True))
    assert b.number_counts is not None and a.number_counts is not None
    assert dict(zip(*a.number_counts, strict=True)) == dict(zip(*b.number_counts, strict=True))


def same_statistics(
    got: DatasetStatistics,
    want: DatasetStatistics,
    *,
    ks_error: float = KLL_KS_ERROR,
    type_counts: bool = False,
) -> None:
    """Equal counts and categories; moments to 1e-9; distributions within ``ks_error``.

    ``num_absent`` is left out: a key is absent from a whole batch, and batches may differ.
    """
    assert got.item_count == want.item_count and got.names == want.names
    for a, b in zip(got.features, want.features, strict=True):
        assert (a.inferred_type, a.num_present, a.num_missing) == (
            b.inferred_type,
            b.num_present,
            b.num_missing,
        ), a.name
        if type_counts:
            assert a.type_counts == b.type_counts, a.name
        assert (a.numeric is None) == (b.numeric is None), a.name
        if a.numeric is not None and b.numeric is not None:
            assert (a.numeric.min, a.numeric.max) == (b.numeric.min, b.numeric.max)
            assert a.numeric.sum == pytest.approx(b.numeric.sum, rel=1e-9, abs=1e-9)
            assert a.numeric.std_dev == pytest.approx(b.numeric.std_dev, rel=1e-9, abs=1e-9)
            assert ks_distance(a.numeric.distribution, b.numeric.distribution) <= ks_error
        assert (a.string is None) == (b.string is None), a.name
        if a.string is not None and b.string is not None:
            assert (a.string.distinct_count, a.string.buckets) == (
                b.string.distinct_count,
                b.string.buckets,
            ), a.name
