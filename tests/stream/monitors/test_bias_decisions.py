"""A window's bias decisions against a continuous facet whose interval string has moved.

Clarify writes a continuous facet as ``"(t, max]"``; a window's maximum differs from the
baseline's, so its string does too. The decisions must still carry the baseline value and a
verdict that agrees with the violations raised.
"""

from __future__ import annotations

from pathlib import Path

from stream.capture.predictions import LocatedPrediction
from stream.monitors.bias import load_bias_baseline
from stream.monitors.labelled import LabelledSetup
from stream.monitors.labelled_accumulators import LabelledAccumulators
from stream.monitors.labelled_evaluation import bias_outcome
from tests.stream.monitors.clarify_files import CONFIG, ROWS, write_clarify_bias

# post-training baseline values, small enough that the window's larger ones violate
BASELINE = {"DPPL": 0.01, "DI": 1.01, "DCA": 0.01}


def _analysis(f1_written: str) -> dict:
    def entry(written: str) -> dict:
        metrics = [{"name": code, "description": code, "value": v} for code, v in BASELINE.items()]
        return {"value_or_threshold": written, "metrics": metrics}

    stage = {"label": "Label", "label_value_or_threshold": "1",
             "facets": {"F1": [entry(f1_written)], "F3": [entry("3")]}}  # fmt: skip
    return {"version": "1.0", "post_training_bias_metrics": stage}


def test_decisions_follow_a_moved_interval(tmp_path: Path) -> None:
    folder = write_clarify_bias(tmp_path, CONFIG, _analysis("(0.5, 0.99]"))  # window max: 0.97
    setup = LabelledSetup(labels=None, bias=load_bias_baseline(folder), min_count=1,
                          bias_drift_check="point")  # fmt: skip
    acc = LabelledAccumulators(setup)
    assert acc.bias is not None
    for r in ROWS:
        acc.bias.update(
            {"F1": r.f1, "F2": r.f2, "F3": r.f3}, r.label, LocatedPrediction(None, r.score)
        )
    outcome = bias_outcome(setup, acc)
    f1 = [d for d in outcome.decisions if d["facet"] == "F1" and d["metric_name"] in BASELINE]
    assert {d["metric_name"] for d in f1} == set(BASELINE)
    assert all(d["threshold"] == BASELINE[d["metric_name"]] for d in f1)
    flagged = {(v.extra, v.metric_name) for v in outcome.violations}
    for d in f1:
        extra = (("facet", "F1"), ("facet_value", d["facet_value"]))
        assert d["violated"] is ((extra, d["metric_name"]) in flagged)
    assert any(d["violated"] for d in f1)  # the window's values are beyond these baselines
