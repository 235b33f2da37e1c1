"""The worker's bias monitor reads a facet, label and group given by 0-based column index.

Through WorkerState without a broker, as test_labelled_bias_headers.py: a Clarify config whose
``headers`` name the dataset's columns gives the facet (``Sex``), the group (``Workclass``)
and, for CSV, the label (``Target``) by index; DPPL, DI, AD and CDDPL against numpy over the
same rows, and equal to the same config by name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.config.sections import BiasDriftSettings
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.state import WorkerState
from tests.stream.cli.labeled_files import run
from tests.stream.monitors import jsonl_bias_files as jsonl
from tests.stream.worker.test_labelled import Pipe, lines

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z: the fixture's records fall in [T0, T0 + 10)
WINDOW = jsonl.rows(300, seed=14)
BY_INDEX = {  # headers: Married, Workclass, Sex, Hours, Target
    **jsonl.CONFIG,
    "facet": [{"name_or_index": 2, "value_or_threshold": [jsonl.FACET_VALUE]}],
    "group_variable": 1,
}
CSV_BY_INDEX = {  # headers: Target, Married, Workclass, Sex, Hours
    **jsonl.CSV_CONFIG,
    "label": 0,
    "facet": [{"name_or_index": 3, "value_or_threshold": [jsonl.FACET_VALUE]}],
    "group_variable": 2,
}


def _state(clock: Any, folder: Path, config: dict[str, Any], inference_attribute: str):
    folder.mkdir()
    out = folder / "baseline"
    data = jsonl.write_feature_csv(folder / "f.csv", jsonl.rows())
    result = run("baseline", "suggest", "--data", data, "--out", out)
    assert result.exit_code == 0, result.output
    jsonl.write_bias_folder(out / "bias", config)
    monitor = MonitorConfig(
        name="m", baseline=out, window_seconds=10.0, allowed_lateness_seconds=0.0,
        idle_close_seconds=5.0, min_window_count=1,
        bias=BiasDriftSettings(inference_attribute=inference_attribute, drift_check="point"),
    )  # fmt: skip
    driftline = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                                monitors=(monitor,))  # fmt: skip
    return WorkerState(driftline, {"m": load_data_quality_baseline(out)}, now=clock)


def _post_training(clock: Any, folder: Path, config: dict[str, Any], record: Any,
                   inference_attribute: str) -> dict[str, Any]:  # fmt: skip
    pipe = Pipe(_state(clock, folder, config, inference_attribute))
    records = [record(f"k{i}", row) for i, row in enumerate(WINDOW)]
    for start in range(0, len(records), 100):
        pipe.send("capture", lines(records[start : start + 100]))
    pipe.send("labels", lines(jsonl.label_record(f"k{i}", r.label) for i, r in enumerate(WINDOW)))
    closer = record("closer", WINDOW[0])
    closer["eventMetadata"]["inferenceTime"] = "2024-03-05T14:00:15Z"  # the next window
    pipe.send("capture", lines([closer]))
    pipe.tick()
    facets = pipe.latest("bias_drift", T0).outcome.statistics["post_training_bias_metrics"]
    (entry,) = facets["facets"][str(config["facet"][0]["name_or_index"])]
    return {m["name"]: m["value"] for m in entry["metrics"]}


@pytest.mark.parametrize(
    ("config", "by_name", "record", "inference_attribute"),
    [
        (BY_INDEX, jsonl.CONFIG, jsonl.capture_record, "predicted_label"),
        (CSV_BY_INDEX, jsonl.CSV_CONFIG, jsonl.csv_capture_record, "0"),
    ],
    ids=["jsonl", "csv"],
)
def test_the_worker_reads_columns_given_by_index(
    fake_clock: Any, tmp_path: Path, config: dict, by_name: dict, record: Any,
    inference_attribute: str,
) -> None:  # fmt: skip
    metrics = _post_training(fake_clock, tmp_path / "index", config, record, inference_attribute)
    for name, expected in jsonl.reference(WINDOW).items():
        assert metrics[name] == pytest.approx(expected, abs=1e-12), name
    named = _post_training(fake_clock, tmp_path / "name", by_name, record, inference_attribute)
    assert metrics == named
