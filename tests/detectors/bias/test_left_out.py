"""Rows a bias detector leaves out are counted by reason, and the reasons add up to n_invalid.

The reference is hand-counted. 20 rows with a continuous label (threshold 0.5): 3 have no
value of the facet ``sex``, 2 have the label ``maybe``; the 15 left are 6 of facet d (F),
2 of them predicted positive and 3 observed positive, and 9 of facet a (M), 6 predicted and
3 observed positive, so DPPL = 6/9 - 2/6 = 1/3, DI = (2/6) / (6/9) = 1/2,
CI = (9 - 6) / 15 = 1/5 and DPL = 3/9 - 3/6 = -1/6.
"""

from __future__ import annotations

import orjson
import pytest

from detectors.bias.bias_row import BiasRow
from detectors.bias.post_training_bias import PostTrainingBias
from detectors.bias.selection import ValueSelector
from detectors.bias.tally import BiasTally


def _usable_rows() -> list[BiasRow]:
    # (facet, observed, predicted) for the 15 usable rows
    female = [(1, 1), (1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]  # 3 observed +, 2 predicted +
    male = [(1, 1), (1, 1), (1, 0)] + [(0, 1)] * 4 + [(0, 0)] * 2  # 3 observed +, 6 predicted +
    return [
        BiasRow(facet=sex, label=float(observed), score=0.9 if predicted else 0.1)
        for sex, pairs in (("F", female), ("M", male))
        for observed, predicted in pairs
    ]


def _left_out_rows() -> list[BiasRow]:
    no_facet = [BiasRow(facet=None, label=1.0, score=0.9) for _ in range(2)]
    no_facet.append(BiasRow(facet=float("nan"), label=0.0, score=0.1))
    maybe = [BiasRow(facet="F", label="maybe", score=0.9), BiasRow(facet="M", label="maybe")]
    return no_facet + maybe


def _bias() -> PostTrainingBias:
    return PostTrainingBias(
        facet_name="sex",
        facet_values=("F",),
        label_values=(0.5,),
        label_data_type="continuous",
        min_samples=1,
    )


def test_rows_without_a_facet_value_or_with_a_label_not_a_number_are_counted_by_reason() -> None:
    bias = _bias()
    rows = _usable_rows() + _left_out_rows()
    assert len(rows) == 20
    bias.update_many(rows)
    assert (bias.n, bias.tally.n_invalid) == (20, 5)
    assert bias.tally.left_out_reasons() == {"facet_missing": 3, "label_not_a_number": 2}
    analysis = bias.analysis()
    assert analysis.post_training is not None and analysis.pre_training is not None
    ((_, (post,)),) = analysis.post_training.facets
    ((_, (pre,)),) = analysis.pre_training.facets
    assert post.value("DPPL") == pytest.approx(1 / 3)
    assert post.value("DI") == pytest.approx(1 / 2)
    assert pre.value("CI") == pytest.approx(1 / 5)
    assert pre.value("DPL") == pytest.approx(-1 / 6)


def test_label_is_judged_before_prediction_and_facet() -> None:
    age, label = ValueSelector((40,), "continuous"), ValueSelector((0.5,), "continuous")
    t = BiasTally(facet=age, label=label, probability_threshold=0.5, max_facet_values=10,
                  max_subgroups=10, max_flip_test_rows=10, seed=0)  # fmt: skip
    t.add(BiasRow(facet=None, label=None))  # everything missing: the label's reason
    t.add(BiasRow(facet=None, label="n/a", predicted_label=0.7))
    t.add(BiasRow(facet="n/a", label=0.9))  # no predicted label, no score
    t.add(BiasRow(facet="n/a", label=0.9, predicted_label="high"))
    t.add(BiasRow(facet="n/a", label=0.9, score=0.8))
    t.add(BiasRow(facet=float("nan"), label=0.9, score=0.8))
    t.add(BiasRow(facet=45, label=0.9, score=0.8))  # counted
    assert t.left_out_reasons() == {
        "facet_missing": 1,
        "facet_not_a_number": 1,
        "label_missing": 1,
        "label_not_a_number": 1,
        "prediction_missing": 1,
        "prediction_not_a_number": 1,
    }
    assert (t.n, t.n_invalid) == (7, 6)


def test_a_categorical_label_outside_the_values_is_a_negative_label_not_a_refusal() -> None:
    t = BiasTally(facet=None, label=ValueSelector((1,), "categorical"), probability_threshold=0.5,
                  max_facet_values=10, max_subgroups=10, max_flip_test_rows=10, seed=0)  # fmt: skip
    t.add(BiasRow(facet="F", label="maybe", score=0.9))  # Clarify: isin([1]) then ["1"]: False
    assert (t.n_invalid, t.left_out_reasons()) == (0, {})


def test_reasons_merge_and_survive_the_state_round_trip() -> None:
    rows = _usable_rows() + _left_out_rows()
    whole, first, second = _bias(), _bias(), _bias()
    whole.update_many(rows)
    first.update_many(rows[:16])  # one facet-less row
    second.update_many(rows[16:])
    first.merge(second)
    assert first.tally.left_out_reasons() == whole.tally.left_out_reasons()
    state = orjson.loads(orjson.dumps(first.to_state()))
    restored = PostTrainingBias.from_state(state)
    assert restored.tally.left_out_reasons() == {"facet_missing": 3, "label_not_a_number": 2}


def test_a_state_written_before_the_reasons_restores_them_as_unrecorded() -> None:
    bias = _bias()
    bias.update_many(_usable_rows() + _left_out_rows())
    state = bias.to_state()
    del state["state"]["invalid_reasons"]
    restored = PostTrainingBias.from_state(state)
    assert restored.tally.n_invalid == 5
    assert restored.tally.left_out_reasons() == {"unrecorded": 5}
    assert restored.reading() == bias.reading()
