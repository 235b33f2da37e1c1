"""Through WorkerState without a broker: a malformed ``shap`` object of an output is counted.

The same captures as :mod:`tests.stream.cli.test_analyze_malformed_capture_shap`, with the
same hand-computed mean |SHAP| and scikit-learn accuracy. A ``shap`` object that is not
SHAP values was dropped silently; it counts ``bad_explanations`` in
``driftline_unusable_predictions_total``, and with model quality on its prediction still
joins. An output without ``shap`` (or ``null``) is a prediction not explained.
"""

from __future__ import annotations

import json

import pytest
from sklearn.metrics import accuracy_score

from stream.config.sections import ModelQualitySettings
from stream.demo.labelled import iso_utc
from tests.stream.cli.labeled_files import label_line
from tests.stream.cli.test_analyze_online_explainability import baseline
from tests.stream.cli.test_analyze_split_refusals import GOOD_FOUR
from tests.stream.plain_shap_captures import (
    ABSENT,
    MALFORMED,
    PLAIN_GOOD,
    UNEXPLAINED,
    plain_captures,
)
from tests.stream.worker.test_labelled import T0, Pipe, lines
from tests.stream.worker.test_labelled_refusals import _samples
from tests.stream.worker.test_online_explainability import with_model_quality, worker

ROWS = PLAIN_GOOD + MALFORMED + UNEXPLAINED


def times(n: int) -> list[str]:
    return [iso_utc(T0 + k) for k in range(n)]


def closing_capture() -> dict:
    """A capture of the next window (the watermark passes the first one's end)."""
    return plain_captures([("late", 0.5, 0, ABSENT)], [iso_utc(T0 + 15)])[0]


def unusable(pipe: Pipe) -> dict[str, float]:
    """The unusable predictions the metric shows, checked against the join's counts."""
    shown = {
        k: v for k, v in _samples(pipe.ws, "driftline_unusable_predictions_total").items() if v
    }
    assert shown == dict(pipe.ws.labelled["m"].join.counts.unusable)
    return shown


def test_a_malformed_shap_object_is_counted_and_its_prediction_still_joins(
    fake_clock, tmp_path
) -> None:
    quality = ModelQualitySettings(
        problem_type="BinaryClassification", probability_attribute="score"
    )
    folder = with_model_quality(baseline(tmp_path), tmp_path)
    pipe = Pipe(worker(fake_clock, folder, model_quality=quality))
    assert pipe.send("capture", lines(plain_captures(ROWS, times(len(ROWS))))) == []
    pipe.send("labels", lines([json.loads(label_line(k, y)) for k, _, y, _ in ROWS]))
    pipe.send("capture", lines([closing_capture()]))
    pipe.tick()
    assert unusable(pipe) == {"bad_explanations": 4}
    assert pipe.ws.labelled["m"].join.counts.joined == 10
    attribution = pipe.latest("feature_attribution_drift", T0).outcome.statistics
    assert (attribution["explained_count"], attribution["prediction_count"]) == (4, 10)
    live = attribution["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert live == pytest.approx(GOOD_FOUR, abs=1e-12)
    stats = pipe.latest("model_quality", T0).outcome.statistics
    assert stats["dataset"]["item_count"] == 10
    truth = [label for _, _, label, _ in ROWS]
    predicted = [int(score > 0.5) for _, score, _, _ in ROWS]
    accuracy = stats["binary_classification_metrics"]["accuracy"]["value"]
    assert accuracy == pytest.approx(accuracy_score(truth, predicted))


def test_with_attribution_alone_a_malformed_shap_object_is_counted(fake_clock, tmp_path) -> None:
    pipe = Pipe(worker(fake_clock, baseline(tmp_path)))
    assert pipe.send("capture", lines(plain_captures(ROWS, times(len(ROWS))))) == []
    pipe.send("capture", lines([closing_capture()]))
    pipe.tick()
    assert unusable(pipe) == {"bad_explanations": 4}
    attribution = pipe.latest("feature_attribution_drift", T0).outcome.statistics
    assert (attribution["explained_count"], attribution["prediction_count"]) == (4, 6)
    live = attribution["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert live == pytest.approx(GOOD_FOUR, abs=1e-12)
