"""CategoricalCounts against collections.Counter, and its sketch mode within stated error."""

from __future__ import annotations

import random
from collections import Counter

import orjson
import pytest
from datasketches import frequent_strings_sketch
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.sketches import CategoricalCounts

words = st.text(alphabet="abcdef", min_size=0, max_size=3)
HLL_TOLERANCE = 0.03  # lg_k = 12: relative standard error 1.04 / 64 ≈ 1.6 %


def _expected(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


@given(values=st.lists(words, max_size=300))
@settings(max_examples=100, deadline=None)
def test_exact_mode_equals_counter(values: list[str]) -> None:
    c = CategoricalCounts()
    c.update_many(values[: len(values) // 2])
    for v in values[len(values) // 2 :]:
        c.update(v)
    ref = Counter(values)
    assert c.is_exact
    assert c.counts() == _expected(ref)
    assert c.total == len(values)
    assert c.distinct_count == float(len(ref))
    for v in ("a", "zz", ""):
        assert c.count_of(v) == ref.get(v, 0)


@given(xs=st.lists(words, max_size=200), ys=st.lists(words, max_size=200))
@settings(max_examples=100, deadline=None)
def test_exact_merge_equals_single_stream(xs: list[str], ys: list[str]) -> None:
    a, b = CategoricalCounts(max_exact=20), CategoricalCounts(max_exact=20)
    a.update_many(xs)
    b.update_many(ys)
    a.merge(b)
    both = Counter(xs + ys)
    assert a.total == len(xs) + len(ys)
    if len(both) <= 20:
        assert a.is_exact and a.counts() == _expected(both)
    else:
        assert not a.is_exact
        assert round(a.distinct_count) == len(both)  # HLL is exact at this size


def _zipf_stream(rng: random.Random, n: int, distinct: int) -> list[str]:
    heavy = [f"heavy{i}" for i in range(5)]
    out = []
    for i in range(n):
        if i % 3 == 0:
            out.append(heavy[i % 15 // 3])
        else:
            out.append(f"v{rng.randrange(distinct)}")
    return out


def _check_sketch_against_counter(c: CategoricalCounts, values: list[str]) -> None:
    ref = Counter(values)
    assert not c.is_exact
    assert c.total == len(values)
    max_error = frequent_strings_sketch.get_epsilon_for_lg_size(c.lg_max_map_size) * len(values)
    estimates = dict(c.counts())
    for value, true in ref.most_common(5):
        assert abs(estimates[value] - true) <= max_error
        assert abs(c.count_of(value) - true) <= max_error
    assert c.distinct_count == pytest.approx(len(ref), rel=HLL_TOLERANCE)


def test_overflow_to_sketch_within_stated_error() -> None:
    values = _zipf_stream(random.Random(42), 120_000, 40_000)
    c = CategoricalCounts()
    c.update_many(values)
    _check_sketch_against_counter(c, values)
    assert c.counts()[0][0].startswith("heavy")


def test_sketch_merge_within_stated_error() -> None:
    values = _zipf_stream(random.Random(7), 90_000, 30_000)
    parts = [values[:100], values[100:50_000], values[50_000:]]  # exact + sketch + sketch
    merged = CategoricalCounts()
    for part in parts:
        c = CategoricalCounts()
        c.update_many(part)
        merged.merge(c)
    _check_sketch_against_counter(merged, values)
    # A sketch absorbing an exact one, and the other way round.
    small = CategoricalCounts()
    small.update_many(["heavy0"] * 10)
    big = CategoricalCounts()
    big.update_many(values)
    big.merge(small)
    _check_sketch_against_counter(big, values + ["heavy0"] * 10)


def test_state_round_trip_exact_and_sketch() -> None:
    exact = CategoricalCounts(max_exact=5)
    exact.update_many(["a", "b", "a"])
    back = CategoricalCounts.from_state(orjson.loads(orjson.dumps(exact.to_state())))
    assert back.counts() == exact.counts() and back.total == 3 and back.is_exact

    sketch = CategoricalCounts(max_exact=5)
    sketch.update_many(_zipf_stream(random.Random(1), 5_000, 500))
    back = CategoricalCounts.from_state(orjson.loads(orjson.dumps(sketch.to_state())))
    assert not back.is_exact
    assert back.counts() == sketch.counts()
    assert back.distinct_count == sketch.distinct_count
    assert back.total == sketch.total


def test_bad_params() -> None:
    with pytest.raises(ValueError, match="max_exact"):
        CategoricalCounts(max_exact=0)
    with pytest.raises(ValueError, match="lg_hll_k"):
        CategoricalCounts(lg_hll_k=30)


def test_empty_string_is_a_distinct_value_in_sketch_mode() -> None:
    # DataSketches' HLL ignores "", so it must be counted under a stand-in key.
    c = CategoricalCounts(max_exact=2)
    c.update_many(["", "a", "b", ""])
    assert not c.is_exact
    assert round(c.distinct_count) == 3
    assert c.count_of("") == 2
