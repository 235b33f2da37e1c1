"""The worker reads each instance's SHAP values from the model's own output, as ``analyze``.

The captures and hand-computed mean |SHAP| of
:mod:`tests.stream.cli.test_analyze_output_shap_instances`: requests of several instances
whose output holds one entry of SHAP values per instance (a record of Clarify's
``kernel_shap``, or each instance's object beside its prediction, by ``shap_path =
"predictions[*].shap"``). They were not read: the window explained no record.
"""

from __future__ import annotations

import json

import pytest

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.config.sections import AttributionDriftSettings
from stream.demo.labelled import iso_utc
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.state import WorkerState
from tests.stream.cli.test_analyze_online_explainability import baseline
from tests.stream.cli.test_analyze_output_shap_instances import LIVE, SCORES, SHAP
from tests.stream.explainer_captures import FEATURES, explainer_capture, kernel_shap_record
from tests.stream.worker.test_labelled import T0, Pipe, lines


def worker(clock, folder, shap_path: str) -> WorkerState:  # type: ignore[no-untyped-def]
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        idle_close_seconds=5.0, min_window_count=1,
        attribution=AttributionDriftSettings(shap_source="capture", shap_path=shap_path),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=(monitor,))  # fmt: skip
    return WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=clock)


def _output(scores: list[float], request: list, shap_path: str) -> dict:
    if shap_path == "shap":
        entries = [None if v is None else kernel_shap_record(v) for v in request]
        return {"predictions": [{"score": x} for x in scores], "shap": entries}
    predictions = []
    for x, v in zip(scores, request, strict=True):
        instance: dict = {"score": x}
        if v is not None:
            instance["shap"] = dict(zip(FEATURES, v, strict=True))
        predictions.append(instance)
    return {"predictions": predictions}


@pytest.mark.parametrize("shap_path", ["shap", "predictions[*].shap"])
def test_every_instances_shap_values_count(fake_clock, tmp_path, shap_path: str) -> None:
    pipe = Pipe(worker(fake_clock, baseline(tmp_path), shap_path))
    captures = [
        explainer_capture(f"q{r}", [(40, 5000, 5)] * len(scores),
                          json.dumps(_output(scores, request, shap_path)), iso_utc(T0 + r))
        for r, (scores, request) in enumerate(zip(SCORES, SHAP, strict=True))
    ]  # fmt: skip
    late_output = json.dumps({"predictions": [{"score": 0.5}]})
    closing = explainer_capture("late", [(30, 4000, 2)], late_output, iso_utc(T0 + 15))
    assert pipe.send("capture", lines(captures)) == []
    pipe.send("capture", lines([closing]))
    pipe.tick()
    statistics = pipe.latest("feature_attribution_drift", T0).outcome.statistics
    assert statistics["explained_count"] == 5
    values = statistics["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert values == pytest.approx(LIVE, abs=1e-12)
    assert sum(pipe.ws.labelled["m"].join.counts.unusable.values()) == 0
