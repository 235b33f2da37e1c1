"""JSON-encoded labels on the labels topic, through WorkerState without a broker.

AWS's bias-monitor examples write ground truth as ``{"groundTruthData": {"data":
"{\\"label\\": 1}", "encoding": "JSON"}, ...}``; the label is found with the Clarify config's
``label`` (here the bias baseline's ``"label"``) or ``labels.ground_truth_attribute``. Joined
figures are scikit-learn's on the joined pairs; refused records are dead-lettered by reason and
counted."""

from __future__ import annotations

import orjson
import pytest

from stream.config import DriftlineConfig, KafkaConfig, LabelSettings, MonitorConfig
from stream.config.sections import ModelQualitySettings
from stream.demo.labelled import ground_truth_record
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.state import WorkerState
from tests.stream.worker.test_labelled import (
    T0,
    Pipe,
    baseline_folder,  # noqa: F401 - the module-scoped baseline fixture
    check_against_sklearn,
    lines,
    state,
    traffic,
)


def json_record(key: str, data: object) -> dict:
    """A ground-truth record whose ``data`` is ``data`` as JSON text."""
    return {
        "groundTruthData": {"data": orjson.dumps(data).decode(), "encoding": "JSON"},
        "eventMetadata": {"eventId": key},
        "eventVersion": "0",
    }


def dead_letters(pipe: Pipe, out: list) -> list[str]:
    return sorted(
        orjson.loads(m.value)["reason"] for m in out if m.topic == pipe.ws.names.deadletter
    )


def test_json_labels_join_by_the_bias_configs_label_path(fake_clock, baseline_folder) -> None:  # noqa: F811
    pipe = Pipe(state(fake_clock, baseline_folder))
    records = traffic(21, 300, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    labelled = records[:260]
    labels = [json_record(k, {"label": a.label}) for k, _, a in labelled]
    refused = [
        json_record(records[260][0], {"target": 1}),  # no "label" key
        json_record(records[261][0], {"label": None}),
        {**json_record(records[262][0], {}), "groundTruthData": {"data": "{", "encoding": "JSON"}},
    ]
    out = pipe.send("labels", lines(labels[:130] + refused + labels[130:]))
    assert dead_letters(pipe, out) == ["bad_json_data", "empty_value", "missing_label"]
    pipe.send("capture", lines(r for _, r, _ in traffic(22, 1, T0 + 15)))  # closes the window
    pipe.tick()
    result = pipe.latest("model_quality", T0)
    assert result.label_coverage == pytest.approx(260 / 300)
    check_against_sklearn(result, [(a.label, a) for _, _, a in labelled])
    bias = pipe.latest("bias_drift", T0).outcome
    assert {d["sample_count"] for d in bias.decisions} == {260}
    counts = pipe.ws.paths["m"].counts.dead_letters
    assert (counts["missing_label"], counts["empty_value"], counts["bad_json_data"]) == (1, 1, 1)
    assert pipe.ws.labelled["m"].join.counts.joined == 260


def model_quality_state(
    clock, folder, labels: LabelSettings, prediction: str = "label", score: str = "score"
) -> WorkerState:
    """A worker of one binary model-quality monitor, its prediction and score at these paths."""
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        idle_close_seconds=5.0, min_window_count=30, capture_index_names=("endpointInput",),
        labels=labels,
        model_quality=ModelQualitySettings(problem_type="BinaryClassification",
                                           inference_attribute=prediction,
                                           probability_attribute=score),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1), monitors=(monitor,))
    return WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=clock)


def test_model_quality_reads_json_labels_at_its_ground_truth_attribute(
    fake_clock,
    baseline_folder,  # noqa: F811
) -> None:
    labels = LabelSettings(ground_truth_attribute="instances[*].label")
    pipe = Pipe(model_quality_state(fake_clock, baseline_folder, labels))
    records = traffic(23, 200, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    as_json = [json_record(k, {"instances": [{"label": a.label}]}) for k, _, a in records[:100]]
    as_csv = [ground_truth_record(k, a.label) for k, _, a in records[100:180]]  # still read
    several = [json_record(k, {"instances": [{"label": 0}, {"label": 1}]})
               for k, _, _ in records[180:183]]  # fmt: skip
    out = pipe.send("labels", lines(as_json + several + as_csv))
    assert dead_letters(pipe, out) == []  # read, but 2 labels do not fit 1 prediction:
    pipe.send("capture", lines(r for _, r, _ in traffic(24, 1, T0 + 15)))
    pipe.tick()
    result = pipe.latest("model_quality", T0)
    assert result.label_coverage == pytest.approx(180 / 200)
    check_against_sklearn(result, [(a.label, a) for _, _, a in records[:180]])
    assert pipe.ws.labelled["m"].join.counts.unusable["instance_count_mismatch"] == 3


def test_without_a_path_json_labels_are_dead_lettered_as_such(fake_clock, baseline_folder) -> None:  # noqa: F811
    pipe = Pipe(model_quality_state(fake_clock, baseline_folder, LabelSettings()))
    records = traffic(25, 5, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    out = pipe.send("labels", lines(json_record(k, {"label": a.label}) for k, _, a in records))
    assert dead_letters(pipe, out) == ["no_label_path"] * 5
    assert pipe.ws.paths["m"].counts.dead_letters["no_label_path"] == 5
