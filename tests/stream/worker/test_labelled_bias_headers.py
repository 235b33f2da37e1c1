"""The worker's bias monitor names a JSON Lines request's facet by the config's headers.

Through WorkerState without a broker, as tests/stream/worker/test_labelled.py: AWS-shaped
captures (``{"features": [...]}`` in, ``{"predicted_label", "score"}`` out) under the default
capture index names; DPPL, DI, AD and CDDPL against numpy over the same rows.
"""

from __future__ import annotations

import pytest

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.config.sections import BiasDriftSettings
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.metrics import register_worker_metrics
from stream.worker.state import WorkerState
from tests.stream.cli.labeled_files import run
from tests.stream.monitors.jsonl_bias_files import (
    CSV_CONFIG,
    FACET,
    capture_record,
    csv_capture_record,
    label_record,
    reference,
    rows,
    write_bias_folder,
    write_feature_csv,
)
from tests.stream.worker.saved_sources import saved_sources
from tests.stream.worker.test_labelled import Pipe, lines

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z: the fixture's records fall in [T0, T0 + 10)
WINDOW = rows(300, seed=13)


def _baseline(folder, config=None):
    out = folder / "baseline"
    result = run("baseline", "suggest", "--data", write_feature_csv(folder / "f.csv", rows()),
                 "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    write_bias_folder(out / "bias", config)
    return out


@pytest.fixture(scope="module")
def baseline_folder(tmp_path_factory):
    return _baseline(tmp_path_factory.mktemp("bias_headers"))


def _state(clock, folder, inference_attribute="predicted_label", **monitor) -> WorkerState:
    config = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        idle_close_seconds=5.0, min_window_count=1,
        bias=BiasDriftSettings(inference_attribute=inference_attribute, drift_check="point"),
        **monitor,
    )  # fmt: skip
    driftline = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                                monitors=(config,))  # fmt: skip
    return WorkerState(driftline, {"m": load_data_quality_baseline(folder)}, now=clock)


def _closer(key: str) -> dict:
    record = capture_record(key, WINDOW[0])
    record["eventMetadata"]["inferenceTime"] = "2024-03-05T14:00:15Z"  # the next window
    return record


def _post_training(pipe: Pipe) -> dict[str, float | None]:
    bias = pipe.latest("bias_drift", T0)
    entry = bias.outcome.statistics["post_training_bias_metrics"]["facets"][FACET][0]
    assert entry["value_or_threshold"] == "0"
    return {m["name"]: m["value"] for m in entry["metrics"]}


@pytest.mark.parametrize("index_names", [None, ("endpointInput",)])
def test_the_worker_reads_the_facet_by_headers(fake_clock, baseline_folder, index_names):
    extra = {} if index_names is None else {"capture_index_names": index_names}
    pipe = Pipe(_state(fake_clock, baseline_folder, **extra))
    records = [capture_record(f"k{i}", row) for i, row in enumerate(WINDOW)]
    for record in records[:50]:  # one record a message
        pipe.send("capture", lines([record]))
    for start in range(50, len(records), 125):  # batches of records
        pipe.send("capture", lines(records[start : start + 125]))
    pipe.send("labels", lines(label_record(f"k{i}", r.label) for i, r in enumerate(WINDOW)))
    pipe.send("capture", lines([_closer("closer")]))
    pipe.tick()
    metrics = _post_training(pipe)
    for name, expected in reference(WINDOW).items():
        assert metrics[name] == pytest.approx(expected, abs=1e-12), name


def test_csv_requests_take_the_headers_less_the_label(fake_clock, tmp_path):
    """Clarify's CSV headers hold the label's column; the captured CSV request does not.

    Every message is plain CSV: the worker's plain codec keeps the requests."""
    pipe = Pipe(_state(fake_clock, _baseline(tmp_path, CSV_CONFIG), inference_attribute="0"))
    records = [csv_capture_record(f"k{i}", row) for i, row in enumerate(WINDOW)]
    for start in range(0, len(records), 100):
        pipe.send("capture", lines(records[start : start + 100]))
    pipe.send("labels", lines(label_record(f"k{i}", r.label) for i, r in enumerate(WINDOW)))
    closer = csv_capture_record("closer", WINDOW[0])
    closer["eventMetadata"]["inferenceTime"] = "2024-03-05T14:00:15Z"
    pipe.send("capture", lines([closer]))
    pipe.tick()
    metrics = _post_training(pipe)
    for name, expected in reference(WINDOW).items():
        assert metrics[name] == pytest.approx(expected, abs=1e-12), name


def test_the_worker_counts_requests_the_headers_do_not_fit(fake_clock, baseline_folder):
    ws = _state(fake_clock, baseline_folder)
    ws.assign([0], [0])
    pipe = Pipe(ws)
    records = [capture_record(f"k{i}", row) for i, row in enumerate(WINDOW)]
    short = {5, 6}
    for i in short:
        records[i] = capture_record(f"k{i}", WINDOW[i], features=[*WINDOW[i].features, 7])
    pipe.send("capture", lines(records))
    pipe.send("labels", lines(label_record(f"k{i}", r.label) for i, r in enumerate(WINDOW)))
    pipe.send("capture", lines([_closer("closer")]))
    pipe.tick()
    kept = [row for i, row in enumerate(WINDOW) if i not in short]
    metrics = _post_training(pipe)
    for name, expected in reference(kept).items():
        assert metrics[name] == pytest.approx(expected, abs=1e-12), name
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry()
    register_worker_metrics(registry, saved_sources(ws))
    labels = {"monitor": "m", "reason": "headers_mismatch"}
    assert registry.get_sample_value("driftline_unusable_predictions_total", labels) == 2
    assert ws.paths["m"].counts.processed == len(WINDOW) + 1  # data quality took them all
