"""Rows a model-quality detector leaves out are counted by reason, and the reasons add up.

The reference is hand-counted: which of the rows fed are not 0/1 (binary), not a number
(regression) or a class beyond the cap (multiclass), and which have a usable label but an
unusable prediction.
"""

from __future__ import annotations

import math

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.model_quality.binary import BinaryClassificationMetrics
from detectors.model_quality.labeled import LabeledPrediction
from detectors.model_quality.left_out import LEFT_OUT_REASONS
from detectors.model_quality.multiclass import MulticlassClassificationMetrics
from detectors.model_quality.regression import RegressionMetrics
from tests.detectors.model_quality.test_merge_law import binary_rows, class_rows


def test_binary_labels_that_are_not_0_or_1_are_counted_as_not_binary() -> None:
    detector = BinaryClassificationMetrics(name="b")
    labels = [1.0, 0.0, "2", "abc", "NaN", 0.5, 1.0, 0.0, "true", None]
    for label in labels:
        detector.update(LabeledPrediction(actual=label, predicted=1))
    detector.update(LabeledPrediction(actual=1.0, predicted="2"))  # label fine, prediction not
    detector.update(LabeledPrediction(actual=0.0, predicted=None, score=None))  # no prediction
    # "2", "abc", "NaN" (text), 0.5 are not binary; None is missing; 1, 0, 1, 0, "true" count
    assert detector.left_out_reasons() == {
        "missing": 1,
        "not_binary": 4,
        "prediction_missing": 1,
        "prediction_not_binary": 1,
    }
    assert (detector.n, detector.item_count, detector.invalid_count) == (12, 5, 7)


def test_regression_labels_that_are_not_numbers_are_counted_as_not_a_number() -> None:
    rows = [LabeledPrediction(actual=float(i), predicted=float(i) + 0.5) for i in range(7)]
    rows += [LabeledPrediction(actual="abc", predicted=1.0)] * 3
    rows.append(LabeledPrediction(actual=2.0, predicted="x"))
    one, many = RegressionMetrics(name="r"), RegressionMetrics(name="r")
    for row in rows:
        one.update(row)
    many.update_many(rows)
    expected = {"not_a_number": 3, "prediction_not_a_number": 1}
    assert one.left_out_reasons() == many.left_out_reasons() == expected
    assert one.item_count == many.item_count == 7


def test_classes_beyond_the_cap_are_counted_as_too_many_classes() -> None:
    detector = MulticlassClassificationMetrics(name="m", max_classes=2)
    pairs = [("a", "a"), ("b", "a"), ("c", "c"), ("a", "c"), (None, "a"), ("b", None)]
    for actual, predicted in pairs:
        detector.update(LabeledPrediction(actual=actual, predicted=predicted))
    # "c" would be a third class: its two rows are left out; None on either side is missing
    assert detector.left_out_reasons() == {
        "missing": 1,
        "prediction_missing": 1,
        "too_many_classes": 2,
    }
    assert detector.item_count == 2


def test_reasons_merge_by_sum_and_survive_a_state_round_trip() -> None:
    a, b = BinaryClassificationMetrics(name="b"), BinaryClassificationMetrics(name="b")
    for label in ("abc", "2", 1):
        a.update(LabeledPrediction(actual=label, predicted=1))
    for label in ("abc", None):
        b.update(LabeledPrediction(actual=label, predicted=0))
    a.merge(b)
    assert a.left_out_reasons() == {"missing": 1, "not_binary": 3}
    state = orjson.loads(orjson.dumps(a.to_state()))
    assert BinaryClassificationMetrics.from_state(state).left_out_reasons() == {
        "missing": 1,
        "not_binary": 3,
    }


def test_a_state_written_without_reasons_still_accounts_for_every_row() -> None:
    detector = BinaryClassificationMetrics(name="b")
    for label in ("abc", "abc", 1):
        detector.update(LabeledPrediction(actual=label, predicted=1))
    state = detector.to_state()
    del state["state"]["invalid_reasons"]
    assert BinaryClassificationMetrics.from_state(state).left_out_reasons() == {"unrecorded": 2}


@settings(max_examples=200, deadline=None)
@given(
    binary=st.lists(binary_rows, max_size=40),
    classes=st.lists(class_rows, max_size=40),
    actuals=st.lists(st.sampled_from([1.0, math.nan, "abc", None, math.inf]), max_size=40),
)
def test_the_reasons_sum_to_every_row_left_out(binary, classes, actuals) -> None:  # type: ignore[no-untyped-def]
    b = BinaryClassificationMetrics(name="b")
    m = MulticlassClassificationMetrics(name="m", max_classes=2)
    r = RegressionMetrics(name="r")
    b.update_many(binary)
    m.update_many(classes)
    r.update_many([LabeledPrediction(actual=y, predicted=1.0) for y in actuals])
    for detector, kind in ((b, "BinaryClassification"), (m, "MulticlassClassification"),
                           (r, "Regression")):  # fmt: skip
        reasons = detector.left_out_reasons()
        assert sum(reasons.values()) == detector.n - detector.item_count
        assert set(reasons) <= set(LEFT_OUT_REASONS[kind])
