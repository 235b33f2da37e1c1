"""Rows bias leaves out of a window are counted by reason and shown, through WorkerState.

The rows of :mod:`tests.stream.cli.bias_left_out_rows`: 20 captures of one window, 3 without
a facet value (a blank CSV cell), 2 labelled ``maybe`` for a continuous label threshold. 18
labels arrive before the window closes (one ``maybe``), 2 after (the other ``maybe``). The
window's metrics are those of the 15 usable rows (DPPL 1/3, DI 1/2 by hand);
``driftline_unusable_labels_total`` reads ``bias_facet_missing`` 3 and
``bias_label_not_a_number`` 1 after the provisional result and 2 after the revision (each row
counted once), every other bias reason 0 from the start.
"""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client import CollectorRegistry

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.config.sections import BiasDriftSettings
from stream.demo.labelled import iso_utc
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.labelled_outputs import labelled_execution_message
from stream.worker.metrics import register_worker_metrics
from stream.worker.state import WorkerState
from tests.stream.cli.bias_left_out_rows import CONFIG, DI, DPPL, left_out_rows
from tests.stream.cli.labeled_files import capture_line, label_line, run, write_csv
from tests.stream.worker.saved_sources import saved_sources
from tests.stream.worker.test_labelled import T0, Pipe, lines

BIAS_REASONS = (
    "bias_facet_missing",
    "bias_facet_not_a_number",
    "bias_label_missing",
    "bias_label_not_a_number",
    "bias_prediction_missing",
    "bias_prediction_not_a_number",
)


def left_out_baseline(tmp_path, *options: str):  # type: ignore[no-untyped-def]
    """The baselines ``baseline suggest`` writes from the usable rows (``options`` added)."""
    usable = [r for r in left_out_rows() if r[1] and r[3] != "maybe"]
    data = write_csv(tmp_path / "v.csv", ("prediction", "sex", "age", "label"), usable)
    config = tmp_path / "bias.json"
    config.write_text(json.dumps(CONFIG))
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out, "--bias-config", config,
        "--label-column", "label", "--prediction-column", "prediction", *options,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def _state(clock, folder) -> WorkerState:  # type: ignore[no-untyped-def]
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        idle_close_seconds=5.0, min_window_count=1,
        bias=BiasDriftSettings(inference_attribute="0", drift_check="point"),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=(monitor,))  # fmt: skip
    return WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=clock)


def _capture(key: str, input_csv: str, prediction: str, seconds: float) -> dict:
    record = json.loads(capture_line(key, input_csv, prediction))
    record["eventMetadata"]["inferenceTime"] = iso_utc(seconds)
    return record


def _unusable(ws: WorkerState) -> dict[str, float]:
    registry = CollectorRegistry()
    register_worker_metrics(registry, saved_sources(ws))
    return {s.labels["reason"]: s.value for family in registry.collect() for s in family.samples
            if s.name == "driftline_unusable_labels_total"
            and s.labels["monitor"] == "m"}  # fmt: skip


def _metrics(result) -> dict:  # type: ignore[no-untyped-def]
    entry = result.outcome.statistics["post_training_bias_metrics"]["facets"]["sex"][0]
    return {m["name"]: m["value"] for m in entry["metrics"]}


def test_rows_bias_leaves_out_are_counted_by_reason_and_shown(fake_clock, tmp_path, caplog):
    ws = _state(fake_clock, left_out_baseline(tmp_path))
    ws.assign([0], [0])
    pipe = Pipe(ws)
    assert _unusable(ws) == dict.fromkeys(BIAS_REASONS, 0)  # exported from 0
    rows = left_out_rows()
    keys = [f"b{i}" for i in range(len(rows))]
    captures = [_capture(keys[i], f"{sex},{age}", str(p), T0 + i * 0.4)
                for i, (p, sex, age, _) in enumerate(rows)]  # fmt: skip
    pipe.send("capture", lines(captures))
    late = (0, len(rows) - 1)  # a usable row and the second "maybe"
    early = [label_line(keys[i], r[3]) for i, r in enumerate(rows) if i not in late]
    pipe.send("labels", "\n".join(early).encode())
    pipe.send("capture", lines([_capture("closer", "F,30.0", "1", T0 + 15)]))
    with caplog.at_level(logging.WARNING, logger="driftline.worker"):
        pipe.tick()

    provisional = pipe.latest("bias_drift", T0)
    doc = provisional.outcome.statistics
    note = "4 of 18 labelled rows left out of bias (facet_missing: 3, label_not_a_number: 1)"
    assert (doc["unusable_label_count"], doc["unusable_labels"]) == (
        4, {"facet_missing": 3, "label_not_a_number": 1})  # fmt: skip
    assert note in provisional.outcome.warnings
    assert note in labelled_execution_message(provisional)["warnings"]
    assert f"monitor m bias_drift window {T0} rev 0: {note}" in caplog.messages
    assert _unusable(ws) == dict.fromkeys(BIAS_REASONS, 0) | {
        "bias_facet_missing": 3, "bias_label_not_a_number": 1}  # fmt: skip

    pipe.send("labels", "\n".join(label_line(keys[i], rows[i][3]) for i in late).encode())
    fake_clock.advance(1.0)
    pipe.tick()
    revised = pipe.latest("bias_drift", T0)
    assert revised.revision == 1
    doc = revised.outcome.statistics
    assert (doc["unusable_label_count"], doc["unusable_labels"]) == (
        5, {"facet_missing": 3, "label_not_a_number": 2})  # fmt: skip
    assert ("5 of 20 labelled rows left out of bias (facet_missing: 3, label_not_a_number: 2)"
            in revised.outcome.warnings)  # fmt: skip
    assert _unusable(ws) == dict.fromkeys(BIAS_REASONS, 0) | {
        "bias_facet_missing": 3, "bias_label_not_a_number": 2}  # fmt: skip
    metrics = _metrics(revised)
    assert metrics["DPPL"] == pytest.approx(DPPL, abs=1e-12)
    assert metrics["DI"] == pytest.approx(DI, abs=1e-12)
