"""Post-training metrics against smclarify's reference vectors V1 and V6 (spec §9)."""

from __future__ import annotations

import math

import pytest

from detectors.bias.bias_row import BiasRow
from detectors.bias.counts import Confusion
from detectors.bias.metrics import (
    FACET_EMPTY,
    NEGATED_FACET_EMPTY,
    NO_PREDICTED_POSITIVES,
    divide,
    generalized_entropy,
    post_training_from_counts,
)
from tests.detectors.bias.conftest import entries, fed

FACET = list("MFFMFMFFMMFF")
LABEL = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0]
PRED = [1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0]

V1_F = {
    "DI": 10 / 7,
    "DCA": 1 / 4,
    "DCR": 1 / 3,
    "RD": -2 / 3,
    "SD": 1 / 6,
    "DRR": 1 / 3,
    "AD": -13 / 35,
    "DAR": -1 / 2,
    "TE": -1 / 2,
}


def v1(pred: list[int] = PRED, d: str = "F") -> dict[str, float | None]:
    rows = [
        BiasRow(facet=f, label=y, predicted_label=p)
        for f, y, p in zip(FACET, LABEL, pred, strict=True)
    ]
    pre, post = entries(fed(rows, facet_values=(d,)))
    return {m.code: m.value for m in (*pre[0].metrics, *post[0].metrics)}


def test_v1_counts_match_the_spec() -> None:
    detector = fed(
        [
            BiasRow(facet=f, label=y, predicted_label=p)
            for f, y, p in zip(FACET, LABEL, PRED, strict=True)
        ],
        facet_values=("F",),
    )
    split = detector.tally.counts.facet_split(True)
    assert split.d == Confusion(tp=2, fp=2, fn=1, tn=2)
    assert split.a == Confusion(tp=0, fp=2, fn=2, tn=1)
    assert detector.tally.counts.total() == Confusion(tp=2, fp=4, fn=3, tn=3)


@pytest.mark.parametrize(("code", "expected"), sorted(V1_F.items()))
def test_v1_facet_f(code: str, expected: float) -> None:
    assert v1()[code] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("code", "expected"), sorted(V1_F.items()))
def test_v1_facet_m_is_the_negative_except_di(code: str, expected: float) -> None:
    want = 7 / 10 if code == "DI" else -expected
    assert v1(d="M")[code] == pytest.approx(want, abs=1e-12)


def test_v1_class_imbalance_both_facets() -> None:
    assert v1()["CI"] == pytest.approx(-1 / 6)
    assert v1(d="M")["CI"] == pytest.approx(1 / 6)


def test_v1_generalized_entropy_same_for_both_facets() -> None:
    assert v1()["GE"] == pytest.approx(0.24556213017751485, abs=1e-15)
    assert v1(d="M")["GE"] == pytest.approx(0.24556213017751485, abs=1e-15)


def test_v1_di_is_infinite_when_facet_a_gets_no_positives() -> None:
    assert v1(pred=[0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1])["DI"] == math.inf


def test_v1_drr_zero_case() -> None:
    pred = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1]
    assert v1(pred=pred)["DRR"] == pytest.approx(0.5)
    assert v1(pred=pred, d="M")["DRR"] == pytest.approx(-0.5)


def test_ge_closed_form_matches_the_per_row_definition() -> None:
    b = [p - y + 1 for y, p in zip(LABEL, PRED, strict=True)]
    mu = sum(b) / len(b)
    direct = sum((x / mu) ** 2 - 1 for x in b) / (2 * len(b))
    got = generalized_entropy(Confusion(tp=2, fp=4, fn=3, tn=3)).value
    assert got == pytest.approx(direct, abs=1e-15)
    assert generalized_entropy(Confusion(fn=2, tp=1)).value == pytest.approx(1.0)  # b=[0,0,1]
    assert generalized_entropy(Confusion(fn=3)).value is None


def test_divide_conventions() -> None:
    assert divide(0, 0) == 0.0
    assert divide(2, 0) == math.inf
    assert divide(-2, 0) == -math.inf
    assert divide(1, 4) == 0.25


def test_two_infinite_ratios_give_zero() -> None:
    # r = n(0)/n̂(0) is +inf in both facets: negatives observed, none predicted
    d, a = Confusion(tp=1, fp=2), Confusion(tp=2, fp=1)
    values = {m.code: m.value for m in post_training_from_counts(d, a)}
    assert values["DCR"] == 0.0
    # only one infinite ratio: inf − x = inf, x − inf = −inf
    d, a = Confusion(tp=1, fn=2), Confusion(tp=1, fp=1)
    values = {m.code: m.value for m in post_training_from_counts(d, a)}
    assert values["TE"] == math.inf  # FN_d/FP_d = 2/0
    assert values["DCR"] == -math.inf  # r_a = 1/0 is subtracted


def test_empty_facets_are_per_metric_errors() -> None:
    full = Confusion(tp=1, fp=1, fn=1, tn=1)
    for m in post_training_from_counts(Confusion(), full):
        if m.code != "GE":
            assert (m.value, m.error) == (None, FACET_EMPTY)
    for m in post_training_from_counts(full, Confusion()):
        if m.code != "GE":
            assert (m.value, m.error) == (None, NEGATED_FACET_EMPTY)


def test_no_predicted_positive_is_an_error_on_every_metric() -> None:
    metrics = post_training_from_counts(Confusion(fn=1, tn=2), Confusion(fn=2, tn=1))
    assert {m.error for m in metrics} == {NO_PREDICTED_POSITIVES}
    assert all(m.value is None for m in metrics)


def test_v6_partial_report() -> None:
    x, y, yhat = [1, 2, 3, 2, 0], [1, 1, 0, 0, 0], [1, 0, 0, 1, 1]
    z = [1, 1, 0, 1, 1]  # the only feature column left once x, y and yhat are dropped
    rows = [
        BiasRow(facet=f, label=lab, predicted_label=p, features=(float(g),))
        for f, lab, p, g in zip(x, y, yhat, z, strict=True)
    ]
    detector = fed(
        rows,
        facet_values=(2,),
        facet_data_type="continuous",
        label_values=(0,),
        label_data_type="continuous",
    )
    pre, post = entries(detector)
    assert pre[0].value_or_threshold == post[0].value_or_threshold == "(2, 3]"
    want_pre = {"CI": 0.6, "DPL": 0.5, "KL": -0.346574}
    for code, want in want_pre.items():
        assert pre[0].value(code) == pytest.approx(want, abs=1e-6)
    err = "Group variable is empty or not provided"
    assert pre[0].metric("CDDL") == ("CDDL", None, err)
    assert post[0].metric("CDDPL") == ("CDDPL", None, err)
    want_post = {
        "AD": -0.75,
        "DCA": 0.666667,
        "DI": 0.0,
        "DPPL": 0.75,
        "FT": -1.0,
        "GE": 0.194444,
        "SD": 1.0,
    }
    for code, want in want_post.items():
        assert post[0].value(code) == pytest.approx(want, abs=1e-6), code
