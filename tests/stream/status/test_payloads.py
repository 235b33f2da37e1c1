"""The page's JSON from real worker outputs (data quality) and contract-shaped messages."""

from __future__ import annotations

import random

import pytest
from scipy.stats import ks_2samp

from stream.demo.synthetic import SyntheticSchema
from stream.status.board import StatusBoard
from stream.status.payloads import status_summary, window_detail
from tests.stream.status import windows as w

SCHEMA = SyntheticSchema.demo()
BASELINE_SEED, BASELINE_N = 7, 4000
BASELINE = SCHEMA.baseline(seed=BASELINE_SEED, n=BASELINE_N)
PLAN = [()] * 4 + [("income", "plan")] * 2


@pytest.fixture(scope="module")
def results():
    return w.data_quality_windows(SCHEMA, BASELINE, PLAN, rows_per_window=400, seed=3)


@pytest.fixture(scope="module")
def board(results):
    board = StatusBoard({"m": BASELINE.statistics})
    for result in results:
        for kind, doc in w.messages(result):
            board.apply(kind, doc)
    for i in range(6):
        for kind, doc in (
            w.model_quality_window(i, 0.9 if i < 4 else 0.7)
            + w.bias_window(i, 0.05 if i < 5 else 0.4)
            + w.attribution_window(i, 0.95 if i < 3 else 0.8)
        ):
            board.apply(kind, doc)
    return board


def monitor(board, name, kind):
    return next(
        m for m in status_summary(board)["monitors"]
        if (m["monitor"], m["monitor_type"]) == (name, kind)
    )  # fmt: skip


def chart(m, name):
    return next(c for c in m["charts"] if c["name"] == name)


def test_monitors_are_ordered_data_quality_first_then_by_type(board):
    kinds = [(m["monitor"], m["monitor_type"]) for m in status_summary(board)["monitors"]]
    assert kinds == [("m", "data_quality"), ("credit", "model_quality"), ("credit", "bias_drift"),
                     ("credit", "feature_attribution_drift")]  # fmt: skip


def test_drift_charts_carry_the_judged_distance_threshold_and_violations(board, results):
    m = monitor(board, "m", "data_quality")
    assert [row["status"] for row in m["windows"]] == [r.status for r in results]
    assert [row["violations"] for row in m["windows"]] == [0] * 4 + [2, 2]
    for feature in SCHEMA.features:
        c = chart(m, feature)
        judged = [
            next(d.value for d in r.evaluation.decisions
                 if d.feature_name == feature and d.check_type == "baseline_drift_check")
            for r in results
        ]  # fmt: skip
        assert c["values"] == pytest.approx(judged, rel=1e-3, abs=1e-12)  # 4 digits kept
        assert c["threshold"] == 0.1
        flagged = [[4, "baseline_drift_check"], [5, "baseline_drift_check"]]
        assert c["violations"] == (flagged if feature in ("income", "plan") else [])


def test_window_distance_is_the_ks_statistic_against_the_baseline_rows(board):
    """Independent reference: scipy's KS on the raw baseline and window rows (KLL: 0.01)."""
    base_rows = SCHEMA.rows(random.Random(BASELINE_SEED), BASELINE_N)
    rng = random.Random(3)
    windows = [SCHEMA.rows(rng, 400, d) for d in PLAN]
    column = SCHEMA.features.index("income")
    base = [float(r[column]) for r in base_rows]
    expected = [ks_2samp(base, [float(r[column]) for r in rows]).statistic for rows in windows]
    distances = chart(monitor(board, "m", "data_quality"), "income")["distances"]
    assert distances == pytest.approx(expected, abs=0.01)
    assert max(distances[:4]) < 0.1 < min(distances[4:])  # moves with the data, not floored


def test_window_detail_has_both_distributions_and_the_violations(board):
    m = board.monitors[("m", "data_quality")]
    entry = m.ordered()[4]
    detail = window_detail(m, entry, board.baselines["m"])
    assert sorted(v["name"] for v in detail["violations"]) == ["income", "plan"]
    shapes = {f["name"]: f for f in detail["features"]}
    assert list(shapes) == list(SCHEMA.features)
    assert shapes["income"]["baseline"]["kind"] == shapes["income"]["live"]["kind"] == "numeric"
    assert shapes["income"]["live"]["count"] == 400
    assert shapes["income"]["baseline"]["count"] == BASELINE_N
    live_plan = dict(shapes["plan"]["live"]["categories"])
    assert sum(live_plan.values()) == shapes["plan"]["live"]["total"] == 400
    drifted = [d for d in detail["decisions"] if d["violated"]]
    assert {(d["check_type"], d["name"]) for d in drifted} == {
        ("baseline_drift_check", "income"), ("baseline_drift_check", "plan")}  # fmt: skip


def test_model_quality_bias_and_attribution_timelines(board):
    mq = monitor(board, "credit", "model_quality")
    accuracy = chart(mq, "accuracy")
    assert accuracy["values"] == [0.9] * 4 + [0.7] * 2 and accuracy["threshold"] == 0.8
    assert accuracy["violations"] == [[4, "LessThanThreshold"], [5, "LessThanThreshold"]]
    assert chart(mq, "recall")["threshold"] is None  # a figure without a constraint
    assert chart(mq, "label coverage")["values"] == [0.5] * 6
    assert [row["label_coverage"] for row in mq["windows"]] == [0.5] * 6
    bias = monitor(board, "credit", "bias_drift")
    assert chart(bias, "DPPL [sex=0]")["violations"] == [[5, "bias_drift_check"]]
    assert chart(bias, "DI [sex=0]")["values"] == [None] * 6  # "Infinity" is not a point
    ndcg = chart(monitor(board, "credit", "feature_attribution_drift"), "ndcg [label=label0]")
    assert ndcg["values"] == [0.95] * 3 + [0.8] * 3 and ndcg["threshold"] == 0.9
    assert [i for i, _ in ndcg["violations"]] == [3, 4, 5]


def test_attribution_detail_lists_global_shap_values_largest_first(board):
    m = board.monitors[("credit", "feature_attribution_drift")]
    detail = window_detail(m, m.ordered()[2], None)
    assert detail["shap"] == {"label0": [["income", 0.4], ["age", 0.1 + 2 / 100], ["plan", -0.05]]}


def test_a_windows_warnings_reach_its_row() -> None:
    board = StatusBoard({})
    text = "facet F1 value 0.5 (categorical by default) matched none of 100 rows"
    for kind, doc in w.bias_window(0, 0.05):
        if kind == "executions":
            doc = {**doc, "warnings": [text, 7]}  # a non-text entry is left out
        board.apply(kind, doc)
    for kind, doc in w.bias_window(1, 0.05):
        board.apply(kind, doc)
    rows = monitor(board, "credit", "bias_drift")["windows"]
    assert [row["warnings"] for row in rows] == [[text], []]
