"""FeatureProfile: the whole-column fast paths equal feeding values one at a time."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.quality import value_types as vt
from detectors.quality.dataset_profile import DatasetProfile
from detectors.quality.feature_profile import FeatureProfile
from detectors.quality.statistics import DatasetStatistics
from detectors.quality.statistics_json import statistics_to_json

numeric_text = st.one_of(
    st.integers(-10_000, 10_000).map(str),
    st.floats(-1e4, 1e4, allow_nan=False).map(lambda x: f"{x:.3f}"),
    st.floats(-1e4, 1e4, allow_nan=False).map(lambda x: f"{x:.2e}"),
    st.sampled_from(["+ 7", "- 3", "1e5", "+12", "-0.5E-2"]),
)
words = st.sampled_from(["basic", "premium", "n/a", "True", "true", "false", "1.", ".5", "x y"])
json_scalars = st.one_of(
    st.none(),
    st.just(""),
    st.integers(-1000, 1000),
    st.floats(-1e4, 1e4),
    st.just(math.nan),
    st.booleans(),
)
mixed = st.one_of(numeric_text, words, json_scalars)
# Homogeneous columns are what the fast paths take; mixed ones fall back to the slow path.
columns = st.one_of(
    st.lists(numeric_text, min_size=1, max_size=60),
    st.lists(words, min_size=1, max_size=60),
    st.lists(
        st.one_of(st.integers(-1000, 1000), st.floats(-1e4, 1e4), st.just(math.nan)),
        min_size=1,
        max_size=60,
    ),
    st.lists(mixed, min_size=1, max_size=60),
)


def _assert_same(a: FeatureProfile, b: FeatureProfile) -> None:
    assert (a.rows, a.missing, a.absent, a.types) == (b.rows, b.missing, b.absent, b.types)
    assert a.moments.count == b.moments.count
    if a.moments.count:
        assert a.moments.sum == pytest.approx(b.moments.sum, rel=1e-9, abs=1e-6)
        assert a.moments.mean == pytest.approx(b.moments.mean, rel=1e-9, abs=1e-6)
        assert a.moments.std_dev == pytest.approx(b.moments.std_dev, rel=1e-6, abs=1e-6)
        assert (a.moments.min, a.moments.max) == (b.moments.min, b.moments.max)
    assert a.sketch.n == b.sketch.n
    assert a.categories.counts() == b.categories.counts()
    assert a.inferred_type == b.inferred_type


@given(values=columns, kind=st.sampled_from(["auto", "numeric", "string"]))
@settings(max_examples=300, deadline=None)
def test_batch_equals_one_at_a_time(values: list[Any], kind: str) -> None:
    batch, single = FeatureProfile(name="f", kind=kind), FeatureProfile(name="f", kind=kind)
    batch.update_many(values)
    for v in values:
        single.update(v)
    _assert_same(batch, single)


@given(values=columns)
@settings(max_examples=200, deadline=None)
def test_counts_match_an_independent_classification(values: list[Any]) -> None:
    p = FeatureProfile(name="f")
    p.update_many(values)
    kinds = Counter(vt.classify(v) for v in values)
    assert p.rows == len(values)
    assert p.missing == kinds[vt.MISSING]
    assert p.present == len(values) - kinds[vt.MISSING]
    assert p.types == vt.TypeCounts(
        kinds[vt.INTEGRAL], kinds[vt.FRACTIONAL], kinds[vt.BOOLEAN], kinds[vt.STRING]
    )
    numbers = [x for x in (vt.to_number(v) for v in values) if x is not None]
    assert p.moments.count == len(numbers)
    if numbers:
        assert p.moments.sum == pytest.approx(float(np.sum(numbers)), rel=1e-9, abs=1e-6)
        assert p.moments.std_dev == pytest.approx(float(np.std(numbers)), rel=1e-6, abs=1e-6)


@given(xs=columns, ys=columns)
@settings(max_examples=100, deadline=None)
def test_merge_equals_single_stream(xs: list[Any], ys: list[Any]) -> None:
    a, b, both = FeatureProfile(name="f"), FeatureProfile(name="f"), FeatureProfile(name="f")
    a.update_many(xs)
    b.update_many(ys)
    both.update_many(xs)
    both.update_many(ys)
    a.merge(b)
    _assert_same(a, both)


def test_spec_complete_example_age_column() -> None:
    # §4.5: 13 rows, one missing; mean 41.75, sum 501, population std 10.199060414240781.
    ages = ["34", "51", "27", "45", "62", "38", "29", "", "41", "55", "33", "47", "39"]
    p = FeatureProfile(name="age")
    p.update_many(ages)
    s = p.statistics()
    assert (s.inferred_type, s.num_present, s.num_missing) == (vt.INTEGRAL, 12, 1)
    assert s.numeric is not None
    assert s.numeric.sum == 501.0 and s.numeric.mean == 41.75
    assert s.numeric.std_dev == pytest.approx(10.199060414240781, rel=1e-12)
    assert (s.numeric.min, s.numeric.max) == (27.0, 62.0)
    assert [b.count for b in s.numeric.buckets] == [2, 1, 1, 2, 1, 2, 1, 0, 1, 1]
    assert s.numeric.buckets[0].lower_bound == 27.0 and s.numeric.buckets[-1].upper_bound == 62.0


def test_non_ascii_digits_are_strings_on_the_fast_path() -> None:
    p = FeatureProfile(name="x")
    p.update_many(["\u0661\u0662", "3"])
    assert p.types == vt.TypeCounts(integral=1, string=1)
    assert p.moments.count == 1 and p.moments.sum == 3.0


@pytest.mark.parametrize("kind", ["auto", "numeric"])
def test_overflowing_numbers_do_not_poison_the_moments(kind: str) -> None:
    # "1e400" is Fractional by Deequ's regex but no float holds it.
    p = FeatureProfile(name="x", kind=kind)
    p.update_many(["1e400", "2", "4"])
    p.update_many(["-1" + "0" * 400, "6"])
    assert p.present == 5 and p.types == vt.TypeCounts(integral=4, fractional=1)
    assert (p.moments.count, p.moments.sum, p.moments.max) == (3, 12.0, 6.0)
    assert p.sketch.n == 3
    stats = p.statistics()
    assert stats.numeric is not None and math.isfinite(stats.numeric.mean)
    assert sum(b.count for b in stats.numeric.buckets) == 3
    # Written statistics hold numbers, not the nulls an infinity would become.
    doc = orjson.loads(orjson.dumps(statistics_to_json(DatasetStatistics(5, (stats,)))))
    ns = doc["features"][0]["numerical_statistics"]
    assert (ns["mean"], ns["sum"], ns["min"], ns["max"]) == (4.0, 12.0, 2.0, 6.0)


def test_json_nan_and_none_are_missing() -> None:
    p = FeatureProfile(name="x", kind="numeric")
    p.update_many([1.0, math.nan, 2, None])
    assert (p.rows, p.missing, p.present) == (4, 2, 2)
    assert p.types == vt.TypeCounts(integral=1, fractional=1)


def test_absent_columns_are_missing_and_counted_as_absent() -> None:
    rows = [{"age": "41", "plan": "basic"}, {"plan": "premium"}, {"age": None, "plan": "x"}]
    by_rows = DatasetProfile(features=("age", "plan"))
    by_rows.update_many(rows)
    by_columns = DatasetProfile(features=("age", "plan"))
    by_columns.update_columns({"plan": ["a", "b"], "zip": ["1", "2"]}, 2)
    age = by_rows.profiles["age"]
    assert (age.rows, age.missing, age.absent, age.present) == (3, 2, 1, 1)
    assert by_rows.item_count == 3
    col_age = by_columns.profiles["age"]
    assert (col_age.rows, col_age.missing, col_age.absent) == (2, 2, 2)
    assert dict(by_columns.extra_columns) == {"zip": 2}
    stats = by_columns.statistics()
    assert stats.extra_columns == ("zip",)
    assert stats.feature("age").num_absent == 2  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="expected 3"):
        by_columns.update_columns({"plan": ["a"]}, 3)


def test_state_round_trip_through_json() -> None:
    p = FeatureProfile(name="f")
    p.update_many(["1", "2.5", "", "a", True, None, 4])
    back = FeatureProfile.from_state(orjson.loads(orjson.dumps(p.to_state())))
    _assert_same(back, p)
    d = DatasetProfile(features=("a", "b"))
    d.update_many([{"a": "1", "b": "x", "c": 1}, {"a": "", "b": "y"}])
    d2 = DatasetProfile.from_state(orjson.loads(orjson.dumps(d.to_state())))
    assert d2.item_count == 2 and dict(d2.extra_columns) == {"c": 1}
    _assert_same(d2.profiles["a"], d.profiles["a"])


def test_bad_kind() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        FeatureProfile(name="f", kind="bool")


# Numbers counted as categories past max_exact: hand-computed outcomes. Counting them would
# overflow the exact counts and, in a column without text, stop counting numbers (dropping
# what was counted); a batch whose head alone overflows stops without counting.
@pytest.mark.parametrize(
    "first",
    [
        [1, 2, 3, 4, 5],  # ints
        [0.5, 1.5, 2.5, 3.5, 4.5],  # floats
        [1, 2.5, 3, 4.5, 5],  # both
        ["1", "2", "3.5", "4", "5"],  # number texts (the joined-text path)
        [1] * 12 + [2, 3, 4, 5],  # the head (4 x max_exact values) does not overflow
    ],
)
def test_numbers_past_max_exact_stop_being_categories(first: list[Any]) -> None:
    p = FeatureProfile(name="f", max_exact=3)
    p.update_many(first)
    assert not p.numbers_as_categories
    assert p.categories.total == 0
    p.update_many(["a", "a", "b"])
    assert p.categories.counts() == [("a", 2), ("b", 1)]
    assert p.types.integral + p.types.fractional == len(first)
    assert p.types.string == 3


def test_numbers_after_text_stay_categories_past_max_exact() -> None:
    p = FeatureProfile(name="f", max_exact=3)
    p.update_many(["a"])
    p.update_many([1, 2, 3, 4, 5])
    assert p.numbers_as_categories
    assert not p.categories.is_exact
    assert p.categories.total == 6


def test_counted_number_texts_are_as_python_writes_them() -> None:
    p = FeatureProfile(name="f")
    p.update_many([0.1, 2, 2.0, 1e20, -0.0, float("nan")])
    assert sorted(p.categories.counts()) == [
        ("-0.0", 1),
        ("0.1", 1),
        ("1e+20", 1),
        ("2", 1),
        ("2.0", 1),
    ]
    assert p.types == vt.TypeCounts(integral=1, fractional=4)
    assert p.missing == 1


def test_a_feature_added_late_was_absent_before() -> None:
    late = DatasetProfile(features=("age",))
    late.update_columns({"age": [41, 19, None]}, 3)
    late.add_feature("plan")
    late.update_columns({"age": [7], "plan": ["gold"]}, 1)
    known = DatasetProfile(features=("age", "plan"))
    known.update_columns({"age": [41, 19, None]}, 3)
    known.update_columns({"age": [7], "plan": ["gold"]}, 1)
    assert late.features == ("age", "plan")
    assert statistics_to_json(late.statistics()) == statistics_to_json(known.statistics())
    plan = late.profiles["plan"]
    assert (plan.rows, plan.absent, plan.missing) == (4, 3, 3)
    with pytest.raises(ValueError, match="a feature already"):
        late.add_feature("age")


def test_few_distinct_numbers_in_a_long_batch_are_counted() -> None:
    p = FeatureProfile(name="f", max_exact=3)
    p.update_many([1, 1, 1, 1, 1, 2.5, 2.5, 2.5])
    assert p.numbers_as_categories
    assert p.categories.counts() == [("1", 5), ("2.5", 3)]


@pytest.mark.parametrize("kind", ["auto", "numeric", "string"])
def test_ints_beyond_float64_read_as_their_digits_do(kind: str) -> None:
    """A handler may return 10**400 (or an int too long for str()); its digits as text are the
    reference: Integral, present, and left out of the distribution as infinite."""
    huge = [10**400, -(10**400), 10**5000, 1, 2, 2, None]
    as_ints, as_texts = FeatureProfile(name="f", kind=kind), FeatureProfile(name="f", kind=kind)
    as_ints.update_many(huge)
    as_texts.update_many([None if v is None else vt.to_text(v) for v in huge])
    assert statistics_to_json(DatasetStatistics(7, (as_ints.statistics(),))) == statistics_to_json(
        DatasetStatistics(7, (as_texts.statistics(),))
    )
    assert (as_ints.types.integral, as_ints.missing) == (6, 1)
    assert vt.to_number(10**400) == math.inf and vt.to_number(-(10**400)) == -math.inf
    assert vt.to_text(10**5000) == "1" + "0" * 5000


@pytest.mark.parametrize("order", ["descending", "shuffled"])
def test_a_long_number_column_is_sketched_within_its_rank_error(order: str) -> None:
    """The sketch takes a batch in sorted runs; its quantiles still hold against numpy's."""
    values = np.random.default_rng(7).lognormal(size=50_000)
    given = np.sort(values)[::-1] if order == "descending" else values
    profile = FeatureProfile(name="f", kind="numeric")
    profile.update_many(given.tolist())
    exact = np.sort(values)
    assert profile.sketch.n == values.size
    for q in (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99):
        rank = np.searchsorted(exact, profile.sketch.quantile(q), side="right") / values.size
        assert abs(rank - q) < 0.01  # DataSketches' bound for k = 400 is about 0.7 %
