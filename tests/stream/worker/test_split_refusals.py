"""Through WorkerState without a broker: each labelled monitor loses only what it cannot read.

The same captures as :mod:`tests.stream.cli.test_analyze_split_refusals`, with the same
hand-computed mean |SHAP| and scikit-learn accuracy: ``analyze`` and the worker go through
one path (:meth:`~stream.monitors.labelled.LabelledSetup.pending_of`).
"""

from __future__ import annotations

import json

import pytest
from sklearn.metrics import accuracy_score

from stream.config.sections import ModelQualitySettings
from stream.demo.labelled import iso_utc
from tests.stream.cli.labeled_files import label_line
from tests.stream.cli.test_analyze_online_explainability import baseline
from tests.stream.cli.test_analyze_split_refusals import ALL_NINE, GOOD_FOUR
from tests.stream.explainer_captures import explainer_capture, explainer_output
from tests.stream.split_refusal_captures import (
    BAD_EXPLANATIONS,
    GOOD,
    bad_explanation_captures,
    good_captures,
    several_captures,
)
from tests.stream.worker.test_labelled import T0, Pipe, lines
from tests.stream.worker.test_labelled_refusals import _samples
from tests.stream.worker.test_online_explainability import (
    closing_capture,
    with_model_quality,
    worker,
)


def run_window(fake_clock, tmp_path, captures: list[dict], labels: list[tuple[str, int]]):  # type: ignore[no-untyped-def]
    """The first window's model-quality and attribution statistics, and the join counts."""
    quality = ModelQualitySettings(problem_type="BinaryClassification", probability_attribute="0")
    folder = with_model_quality(baseline(tmp_path), tmp_path)
    pipe = Pipe(worker(fake_clock, folder, model_quality=quality))
    assert pipe.send("capture", lines(captures)) == []
    pipe.send("labels", lines([json.loads(label_line(k, y)) for k, y in labels]))
    pipe.send("capture", lines([closing_capture()]))
    pipe.tick()
    unusable = _samples(pipe.ws, "driftline_unusable_predictions_total")
    assert {k: v for k, v in unusable.items() if v} == dict(
        pipe.ws.labelled["m"].join.counts.unusable
    )
    return (
        pipe.latest("model_quality", T0).outcome.statistics,
        pipe.latest("feature_attribution_drift", T0).outcome.statistics,
        pipe.ws.labelled["m"].join.counts,
    )


def times(n: int, start: int = 0) -> list[str]:
    return [iso_utc(T0 + start + k) for k in range(n)]


def test_refused_predictions_keep_their_shap_values_for_attribution(fake_clock, tmp_path):
    captures = good_captures(times(4)) + several_captures(times(3, start=4))
    labels = [(key, label) for key, _, label, _ in GOOD]
    quality, attribution, counts = run_window(fake_clock, tmp_path, captures, labels)
    assert dict(counts.unusable) == {"multi_row_output": 2, "no_prediction": 1}
    assert (attribution["explained_count"], attribution["prediction_count"]) == (9, 4)
    live = attribution["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert live == pytest.approx(ALL_NINE, abs=1e-12)
    assert quality["dataset"]["item_count"] == 4
    truth = [label for _, _, label, _ in GOOD]
    predicted = [int(score > 0.5) for _, score, _, _ in GOOD]
    accuracy = quality["binary_classification_metrics"]["accuracy"]["value"]
    assert accuracy == pytest.approx(accuracy_score(truth, predicted))


def test_unreadable_explanations_keep_their_predictions_for_model_quality(fake_clock, tmp_path):
    captures = good_captures(times(4)) + bad_explanation_captures(times(3, start=4))
    rows = [(key, score, label) for key, score, label, _ in GOOD + BAD_EXPLANATIONS]
    quality, attribution, counts = run_window(
        fake_clock, tmp_path, captures, [(key, label) for key, _, label in rows]
    )
    assert dict(counts.unusable) == {"bad_explanations": 2, "unnamed_features": 1}
    assert counts.joined == 7
    assert quality["dataset"]["item_count"] == 7
    truth = [label for _, _, label in rows]
    predicted = [int(score > 0.5) for _, score, _ in rows]
    accuracy = quality["binary_classification_metrics"]["accuracy"]["value"]
    assert accuracy == pytest.approx(accuracy_score(truth, predicted))
    assert (attribution["explained_count"], attribution["prediction_count"]) == (4, 7)
    live = attribution["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert live == pytest.approx(GOOD_FOUR, abs=1e-12)


def test_a_capture_refused_both_ways_counts_each_reason_once(fake_clock, tmp_path):
    """Several CSV records (no prediction to join) and an explanation that is not numbers."""
    text = explainer_output("0.7\n0.1\n", [(0.5, 0.2, -0.1), (0.3, 0.1, 0.2)])
    both = explainer_capture(
        "x0", [(30, 4000, 2)] * 2, text.replace("0.5", '"high"'), iso_utc(T0 + 4)
    )
    captures = good_captures(times(4)) + [both]
    labels = [(key, label) for key, _, label, _ in GOOD]
    quality, attribution, counts = run_window(fake_clock, tmp_path, captures, labels)
    assert dict(counts.unusable) == {"multi_row_output": 1, "bad_explanations": 1}
    assert (attribution["explained_count"], attribution["prediction_count"]) == (4, 4)
    live = attribution["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert live == pytest.approx(GOOD_FOUR, abs=1e-12)
    assert quality["dataset"]["item_count"] == 4
