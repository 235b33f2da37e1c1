"""Requests of several instances, bias without ``headers``: the worker reads each row's facet.

The same captures as ``test_bias_reads_each_instances_facet_and_label`` of
:mod:`tests.stream.cli.test_analyze_multi_instance` (AWS's JSON bias-monitor shape: N CSV
rows in, ``predictions[*].predicted_label`` out, one label record of N values), through
WorkerState without a broker. ``analyze`` read instance ``i``'s facet from the request's
row ``i``; the worker, handed only a record's first row, refused every request of more than
one instance (``multi_row_output``: "bias reads several instances' facets from the request
by the config's headers"). Both now read the same rows. DPPL, DI and AD by numpy, by hand.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from stream.config import DriftlineConfig, KafkaConfig, LabelSettings, MonitorConfig
from stream.config.sections import BiasDriftSettings
from stream.demo.labelled import iso_utc
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.state import WorkerState
from tests.stream.cli.bias_files import bias_baseline, bias_rows
from tests.stream.cli.labeled_files import capture_line
from tests.stream.cli.test_analyze_json_ground_truth import json_label_line
from tests.stream.cli.test_analyze_multi_instance import requests
from tests.stream.worker.test_labelled import T0, Pipe, lines


def _state(clock, folder) -> WorkerState:  # type: ignore[no-untyped-def]
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        idle_close_seconds=5.0, min_window_count=1,
        labels=LabelSettings(ground_truth_attribute="instances[*].label"),
        bias=BiasDriftSettings(inference_attribute="predictions[*].predicted_label",
                               drift_check="point"),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=(monitor,))  # fmt: skip
    return WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=clock)


def _capture(key: str, rows: list, seconds: float) -> dict:
    output = {"predictions": [{"predicted_label": p} for p, *_ in rows]}
    inputs = "\n".join(f"{sex},{age}" for _, sex, age, _ in rows)
    record = json.loads(capture_line(key, inputs, json.dumps(output), json_output=True))
    record["eventMetadata"]["inferenceTime"] = iso_utc(seconds)
    return record


def test_bias_reads_each_instances_facet_and_label(fake_clock, tmp_path) -> None:
    pipe = Pipe(_state(fake_clock, bias_baseline(tmp_path)))
    window = bias_rows(30, 60)  # (prediction, sex, age, label)
    order = np.random.default_rng(32).permutation(len(window))  # facets mixed in a request
    window = [window[i] for i in order]
    captures, labels = [], []
    for r, request in enumerate(requests(len(window))):
        rows = [window[i] for i in request]
        captures.append(_capture(f"b-{r}", rows, T0 + r * 0.01))
        labels.append(json_label_line(f"b-{r}", {"instances": [{"label": x[3]} for x in rows]}))
    pipe.send("capture", lines(captures))
    pipe.send("labels", "\n".join(labels).encode())
    pipe.send("capture", lines([_capture("late", [window[0]], T0 + 15)]))
    pipe.tick()
    counts = pipe.ws.labelled["m"].join.counts
    assert dict(counts.unusable) == {}
    assert counts.joined == 200
    bias = pipe.latest("bias_drift", T0).outcome.statistics
    entry = bias["post_training_bias_metrics"]["facets"]["sex"][0]
    metrics = {m["name"]: m["value"] for m in entry["metrics"]}
    predicted = np.array([r[0] for r in window])
    sex = np.array([r[1] for r in window])
    label = np.array([r[3] for r in window])
    q_a, q_d = predicted[sex == "M"].mean(), predicted[sex == "F"].mean()
    assert metrics["DPPL"] == pytest.approx(q_a - q_d, abs=1e-12)  # 0.60 - 0.30
    assert metrics["DI"] == pytest.approx(q_d / q_a, abs=1e-12)
    accuracy = {s: float((predicted[sex == s] == label[sex == s]).mean()) for s in ("M", "F")}
    assert metrics["AD"] == pytest.approx(accuracy["M"] - accuracy["F"], abs=1e-12)
