"""Captures of a Clarify online explainability endpoint through WorkerState, without a broker.

The worker reads them as ``analyze`` does (one code path, :class:`LabelledSetup`): data
quality and predictions from the model's response inside ``predictions``, SHAP values of
every explained record of a request from ``explanations.kernel_shap``. The figures are the
hand-computed ones of :mod:`tests.stream.cli.test_analyze_online_explainability`.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from stream.config import DriftlineConfig, KafkaConfig, LabelSettings, MonitorConfig
from stream.config.sections import AttributionDriftSettings, ModelQualitySettings
from stream.demo.labelled import iso_utc
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.state import WorkerState
from tests.stream.cli.labeled_files import run, write_csv
from tests.stream.cli.test_analyze_json_ground_truth import json_label_line
from tests.stream.cli.test_analyze_online_explainability import LIVE_SHAP, REQUESTS, baseline
from tests.stream.explainer_captures import FEATURES, explainer_capture, explainer_output
from tests.stream.worker.test_labelled import T0, Pipe, lines


def worker(clock, folder, **labelled) -> WorkerState:  # type: ignore[no-untyped-def]
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        idle_close_seconds=5.0, min_window_count=1,
        attribution=AttributionDriftSettings(shap_source="capture"), **labelled,
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=(monitor,))  # fmt: skip
    return WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=clock)


def with_model_quality(folder: Path, tmp_path: Path) -> Path:
    """``folder`` with a binary model-quality baseline (of its own labelled file) added."""
    rows = [(round(0.05 + 0.9 * i / 39, 4), int(i % 3 == 0)) for i in range(40)]
    data = write_csv(tmp_path / "labelled.csv", ("score", "label"), rows)
    result = run(
        "baseline", "suggest", "--data", data, "--out", tmp_path / "mq",
        "--problem-type", "BinaryClassification", "--label-column", "label",
        "--probability-column", "score",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shutil.copytree(tmp_path / "mq/model_quality", folder / "model_quality")
    return folder


def closing_capture() -> dict:
    """A capture of the next window: the watermark passes the first one's end."""
    output = explainer_output("0.5\n", None)
    return explainer_capture("late", [(30, 4000, 2)], output, iso_utc(T0 + 15))


def test_every_explained_record_of_a_request_counts(fake_clock, tmp_path) -> None:
    pipe = Pipe(worker(fake_clock, baseline(tmp_path)))
    captures = [
        explainer_capture(key, rows, explainer_output(
            scores, shap, features=FEATURES if named else None), iso_utc(T0 + k))
        for k, (key, rows, scores, shap, named) in enumerate(REQUESTS)
    ]  # fmt: skip
    assert pipe.send("capture", lines(captures)) == []
    pipe.send("capture", lines([closing_capture()]))
    pipe.tick()
    statistics = pipe.latest("feature_attribution_drift", T0).outcome.statistics
    assert (statistics["explained_count"], statistics["prediction_count"]) == (5, 7)
    values = statistics["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert values == pytest.approx(LIVE_SHAP, abs=1e-12)
    dcg = 0.1 / math.log2(2) + 0.3 / math.log2(3) + 0.5 / math.log2(4)
    idcg = 0.5 / math.log2(2) + 0.3 / math.log2(3) + 0.1 / math.log2(4)
    assert statistics["ndcg"]["label0"] == pytest.approx(dcg / idcg, abs=1e-12)
    assert sum(pipe.ws.labelled["m"].join.counts.unusable.values()) == 0
    quality = pipe.latest("data_quality", T0).statistics  # the model's CSV scores, one a record
    assert quality.item_count == 7 and quality.names == ("probability", *FEATURES)
    probability = quality.feature("probability")
    assert probability.inferred_type == "Fractional" and probability.num_present == 7
    assert probability.numeric.mean == pytest.approx(np.mean([0.7, 0.4, 0.3, 0.9, 0.2, 0.6, 0.5]))


def test_instances_join_their_labels_and_count_their_shap(fake_clock, tmp_path) -> None:
    labelled = {
        "labels": LabelSettings(ground_truth_attribute="instances[*].label"),
        "model_quality": ModelQualitySettings(
            problem_type="BinaryClassification", probability_attribute="predictions[*].score"
        ),
    }
    folder = with_model_quality(baseline(tmp_path), tmp_path)
    pipe = Pipe(worker(fake_clock, folder, **labelled))
    scores, truth = [[0.8, 0.3], [0.6], [0.2, 0.9, 0.4]], [[1, 0], [0], [0, 1, 1]]
    shap = [[(0.1, 0.2, 0.3), (-0.3, 0.1, 0.0)], [(0.2, 0.2, -0.2)],
            [(0.0, -0.4, 0.1), (0.5, 0.1, 0.1), (-0.1, 0.0, 0.3)]]  # fmt: skip
    captures, labels = [], []
    for r, (s, y, v) in enumerate(zip(scores, truth, shap, strict=True)):
        model = json.dumps({"predictions": [{"score": x} for x in s]})
        output = explainer_output(model, v, content_type="application/json")
        rows = [(40, 5000, 5)] * len(s)
        captures.append(explainer_capture(f"q{r}", rows, output, iso_utc(T0 + r)))
        labels.append(
            json.loads(json_label_line(f"q{r}", {"instances": [{"label": x} for x in y]}))
        )
    pipe.send("capture", lines(captures))
    pipe.send("labels", lines(labels))
    pipe.send("capture", lines([closing_capture()]))
    pipe.tick()
    assert pipe.ws.labelled["m"].join.counts.joined == 6
    quality = pipe.latest("model_quality", T0).outcome.statistics
    assert quality["dataset"]["item_count"] == 6
    # y = 1,0,0,0,1,1 and scores > 0.5 give 1,0,1,0,1,0: 4 of 6 right
    assert quality["binary_classification_metrics"]["accuracy"]["value"] == pytest.approx(4 / 6)
    statistics = pipe.latest("feature_attribution_drift", T0).outcome.statistics
    assert statistics["explained_count"] == 6
    values = statistics["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert values == pytest.approx({"age": 1.2 / 6, "income": 1.0 / 6, "tenure": 1.0 / 6})


def test_one_unnamed_output_belongs_to_the_baselines_only_label(fake_clock, tmp_path) -> None:
    """Clarify calls one output without ``label_headers`` ``label0``; a one-output baseline's
    label may have another name (``label_headers``, or a score in AWS's JSON example)."""
    folder = baseline(tmp_path)
    path = folder / "attribution" / "analysis.json"
    doc = json.loads(path.read_text())
    kernel_shap = doc["explanations"]["kernel_shap"]
    doc["explanations"]["kernel_shap"] = {"Churn": kernel_shap.pop("label0")}
    path.write_text(json.dumps(doc))
    pipe = Pipe(worker(fake_clock, folder))
    captures = [
        explainer_capture(key, rows, explainer_output(
            scores, shap, features=FEATURES if named else None), iso_utc(T0 + k))
        for k, (key, rows, scores, shap, named) in enumerate(REQUESTS)
    ]  # fmt: skip
    pipe.send("capture", lines(captures))
    pipe.send("capture", lines([closing_capture()]))
    pipe.tick()
    statistics = pipe.latest("feature_attribution_drift", T0).outcome.statistics
    assert statistics["explained_count"] == 5
    values = statistics["explanations"]["kernel_shap"]["Churn"]["global_shap_values"]
    assert values == pytest.approx(LIVE_SHAP, abs=1e-12)
