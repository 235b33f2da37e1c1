"""BiasTally: how rows are read and counted, against hand-counted tables; merge and state."""

from __future__ import annotations

import random
from typing import Any

import orjson

from detectors.bias.bias_row import BiasRow
from detectors.bias.counts import Confusion
from detectors.bias.selection import ValueSelector
from detectors.bias.tally import BiasTally


def tally(facet: ValueSelector | None, label: ValueSelector, **caps: int) -> BiasTally:
    settings = dict(max_facet_values=10, max_subgroups=10, max_flip_test_rows=50, seed=0)
    settings.update(caps)
    return BiasTally(facet=facet, label=label, probability_threshold=0.5, **settings)


def test_continuous_facet_and_label_rows_counted_by_hand() -> None:
    t = tally(ValueSelector((40,), "continuous"), ValueSelector((0.5,), "continuous"))
    rows = [
        BiasRow(facet=45, label=0.9, predicted_label=0.7),  # d, observed +, predicted +
        BiasRow(facet="52", label=0.2, predicted_label=0.8),  # d ("52" parsed), -, +
        BiasRow(facet=30, label=0.6, predicted_label=0.1),  # a, +, -
        BiasRow(facet=40, label=0.1, predicted_label=0.3),  # a (not above 40), -, -
        BiasRow(facet="n/a", label=0.9, predicted_label=0.9),  # facet not a number: invalid
        BiasRow(facet=60, label=None, predicted_label=0.9),  # no label: invalid
    ]
    for row in rows:
        t.add(row)
    assert (t.n, t.n_invalid) == (6, 2)
    split = t.counts.facet_split(True)
    assert split.d == Confusion(tp=1, fp=1, fn=0, tn=0)
    assert split.a == Confusion(tp=0, fp=0, fn=1, tn=1)
    assert t.facet_max == 52  # the invalid rows' values are not taken
    assert t.label_max == 0.9  # the observed labels only (predicted labels top out at 0.8)


def test_features_go_to_the_sample_unless_one_is_not_numeric() -> None:
    t = tally(None, ValueSelector((1,), "categorical"))
    t.add(BiasRow(facet="F", label=1, score=0.9, features=(1.0, "2.5")))
    t.add(BiasRow(facet="M", label=0, score=0.1, features=(3.0, "many")))
    t.add(BiasRow(facet="M", label=1, score=0.7, group="g1"))
    assert t.n_non_numeric_features == 1
    assert [(r.facet_key, r.features, r.predicted) for r in t.sample.rows(["F", "M"])] == [
        ("F", (1.0, 2.5), True)
    ]
    assert t.counts.facet_split("M").d == Confusion(tp=1, fp=0, fn=0, tn=1)  # counted anyway
    assert t.counts.subgroups == (None, "g1")


def rows(seed: int, n: int) -> list[BiasRow]:
    rng = random.Random(seed)
    return [
        BiasRow(facet=rng.choice("ABCD"), label=rng.randint(0, 1), score=rng.random(),
                group=rng.choice(("x", "y", None)), features=(rng.random(), rng.random()))
        for _ in range(n)
    ]  # fmt: skip


def sampled_rows(state: dict[str, Any]) -> list[list[Any]]:
    """Pop the FT sample: its rows without their priority, sorted.

    A merged row keeps the sampling priority drawn in its own tally, and the order of rows
    differs; which rows are kept and what they hold does not.
    """
    return sorted([key, seq, features, predicted] for key, seq, _, features, predicted
                  in state.pop("sample"))  # fmt: skip


def test_merge_and_state_equal_one_tally_over_both_streams() -> None:
    # exact while the FT sample has room (300 rows); approximate after, as documented
    stream = rows(3, 300)
    whole, first, second = (
        tally(None, ValueSelector((1,), "categorical"), max_flip_test_rows=300) for _ in range(3)
    )
    for row in stream:
        whole.add(row)
    for row in stream[:110]:
        first.add(row)
    for row in stream[110:]:
        second.add(row)
    first.merge(second)
    merged, single = first.to_state(), whole.to_state()
    assert sampled_rows(merged) == sampled_rows(single)
    assert merged == single
    restored = tally(None, ValueSelector((1,), "categorical"), max_flip_test_rows=300)
    restored.restore(orjson.loads(orjson.dumps(whole.to_state())))
    assert restored.to_state() == whole.to_state()


def continuous_label_tally() -> BiasTally:
    """Labels top out at 0.993, predicted labels at 1.0: only the labels' maximum is kept."""
    t = tally(ValueSelector(("F",), "categorical"), ValueSelector((0.5,), "continuous"))
    for facet, label, predicted in [("F", 0.993, 0.2), ("M", 0.3, 1.0), ("F", 0.6, 0.9)]:
        t.add(BiasRow(facet=facet, label=label, predicted_label=predicted))
    return t


def test_the_label_maximum_is_the_observed_labels_alone() -> None:
    # smclarify's label_value_or_threshold(label_series, ...) sees the label column only
    assert continuous_label_tally().label_max == 0.993


def test_a_running_maximum_is_a_float_once_the_column_held_a_float() -> None:
    # a pandas column [0, 3, 2.5] is float64: its max prints as 3.0, not 3
    t = tally(ValueSelector((1,), "continuous"), ValueSelector((1,), "continuous"))
    for facet, label in [(0, 0), (3, 3), (2.5, 2.5)]:
        t.add(BiasRow(facet=facet, label=label, predicted_label=0))
    assert (t.facet_max, t.label_max) == (3.0, 3.0)
    assert isinstance(t.facet_max, float) and isinstance(t.label_max, float)


def test_a_state_saved_before_the_label_maximum_was_kept_apart_restores_the_old_one() -> None:
    old_state = continuous_label_tally().to_state()
    del old_state["observed_label_max"]
    old_state["label_max"] = 1.0  # what older versions kept: labels and predictions together
    restored = tally(ValueSelector(("F",), "categorical"), ValueSelector((0.5,), "continuous"))
    restored.restore(orjson.loads(orjson.dumps(old_state)))
    assert restored.label_max == 1.0
    new = tally(ValueSelector(("F",), "categorical"), ValueSelector((0.5,), "continuous"))
    new.restore(orjson.loads(orjson.dumps(continuous_label_tally().to_state())))
    assert new.label_max == 0.993
