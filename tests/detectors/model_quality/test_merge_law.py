"""Merge law for the model-quality detectors, property-based."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.model_quality.binary import BinaryClassificationMetrics
from detectors.model_quality.labeled import LabeledPrediction
from detectors.model_quality.multiclass import MulticlassClassificationMetrics
from detectors.model_quality.regression import RegressionMetrics

scores = st.one_of(st.none(), st.floats(min_value=-0.5, max_value=1.5), st.just(math.nan))
binary_rows = st.builds(
    LabeledPrediction,
    actual=st.sampled_from([0, 1, True, "0", "1", "maybe", None]),
    predicted=st.sampled_from([0, 1, None]),
    score=scores,
)
class_rows = st.builds(
    LabeledPrediction,
    actual=st.sampled_from(["a", "b", "c", 1, 1.0, None]),
    predicted=st.sampled_from(["a", "b", "c", 2, None]),
)
finite = st.floats(min_value=-1e6, max_value=1e6)
regression_rows = st.builds(
    LabeledPrediction, actual=st.one_of(finite, st.just(math.nan)), predicted=finite
)


def split_and_merge(make, xs, ys):  # type: ignore[no-untyped-def]
    a, b, both = make(), make(), make()
    for x in xs:
        a.update(x)
        both.update(x)
    for y in ys:
        b.update(y)
        both.update(y)
    a.merge(b)
    return a, both


@settings(max_examples=60, deadline=None)
@given(xs=st.lists(binary_rows), ys=st.lists(binary_rows))
def test_binary_merge_equals_one_stream(xs, ys) -> None:  # type: ignore[no-untyped-def]
    a, both = split_and_merge(
        lambda: BinaryClassificationMetrics(name="b", score_precision_bits=4, min_samples=1), xs, ys
    )
    assert a.to_state() == both.to_state()
    assert a.reading() == both.reading()


@settings(max_examples=60, deadline=None)
@given(xs=st.lists(class_rows), ys=st.lists(class_rows))
def test_multiclass_merge_equals_one_stream(xs, ys) -> None:  # type: ignore[no-untyped-def]
    a, both = split_and_merge(lambda: MulticlassClassificationMetrics(name="m"), xs, ys)
    assert a.to_state() == both.to_state()


@settings(max_examples=60, deadline=None)
@given(xs=st.lists(regression_rows), ys=st.lists(regression_rows))
def test_regression_merge_equals_one_stream(xs, ys) -> None:  # type: ignore[no-untyped-def]
    a, both = split_and_merge(lambda: RegressionMetrics(name="r", min_samples=1), xs, ys)
    assert (a.n, a.invalid_count, a.item_count) == (both.n, both.invalid_count, both.item_count)
    # compare the moments themselves: R² of near-constant labels amplifies rounding
    scale = 1e-9 * max(1.0, both._products[2])  # 1e-9 · Σy²
    assert math.isclose(a._m2_y, both._m2_y, rel_tol=1e-9, abs_tol=scale)
    assert math.isclose(a._mean_y, both._mean_y, rel_tol=1e-9, abs_tol=1e-9)
    for name in ("mae", "mse"):
        assert math.isclose(a.metrics()[name], both.metrics()[name], rel_tol=1e-9, abs_tol=1e-9)
