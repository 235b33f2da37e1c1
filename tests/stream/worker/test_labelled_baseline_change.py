"""The labelled monitors restored after the operator replaced their baselines or settings.

A probe found it in a real worker: half of a window's labels joined, SIGTERM, the bias
facet changed from ``north`` to ``south`` (and a feature dropped from the SHAP baseline),
restart. The restored accumulators kept the old facet and SHAP features (their ``restore``
took the saved settings), so the window's bias figures went on tallying ``north`` rows
while the new partials tallied ``south``: merging them raised at the aggregator (4 partials
dropped as ValueError after their counts and model quality were merged), and the
attribution result was Failed "no SHAP value of the baseline's features in 300 explained
records". A problem type changed across a restart made the restore itself raise, so the
whole partition — data-quality windows too — started empty (``unrestorable_snapshot``).

Now a run saved under other settings starts again empty and the log says so; one whose
settings differ only in how it is judged keeps its figures and takes the new thresholds.
Reference: scikit-learn's confusion matrix over every labelled pair, and the facet rows
counted by hand over the pairs labelled after the change.
"""

from __future__ import annotations

import json
import logging
import shutil

from sklearn import metrics as skm

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.config.sections import ModelQualitySettings
from stream.demo.labelled import FACET_NAME, ground_truth_record, write_labelled_baselines
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.state import CAPTURE, WorkerState
from tests.stream.worker.test_labelled import MODEL, SCHEMA, T0, Pipe, lines, state, traffic

FACET = SCHEMA.features.index(FACET_NAME)


def _restarted(fake_clock, folder, first: Pipe) -> Pipe:
    """A worker state on ``folder`` restored from ``first``'s snapshot of partition 0."""
    saved = first.ws.checkpoint(CAPTURE, 0)
    pipe = Pipe(state(fake_clock, folder))
    pipe.ws.restore(CAPTURE, 0, saved.blobs, saved.meta)
    pipe.offsets = dict(first.offsets)
    return pipe


def _labelled(pipe: Pipe, items) -> None:
    pipe.send("capture", lines(r for _, r, _ in items))
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in items))


def test_a_changed_bias_facet_restarts_the_bias_figures_and_keeps_model_quality(
    fake_clock, tmp_path, caplog
):
    old, new = tmp_path / "old", tmp_path / "new"
    write_labelled_baselines(old, MODEL, n=1000)
    shutil.copytree(old, new)
    config_path = new / "bias" / "analysis_config.json"
    config = json.loads(config_path.read_text())
    config["facet"][0]["value_or_threshold"] = ["south"]
    config_path.write_text(json.dumps(config))

    before, after = traffic(1, 150, T0), traffic(2, 150, T0 + 0.02)  # one window
    first = Pipe(state(fake_clock, old))
    _labelled(first, before)
    with caplog.at_level(logging.WARNING, logger="driftline.labels"):
        second = _restarted(fake_clock, new, first)
    _labelled(second, after)
    second.send("capture", lines(r for _, r, _ in traffic(3, 1, T0 + 15)))  # closes it
    second.tick()

    bias = second.latest("bias_drift", T0).outcome
    ((facet, (entry,)),) = bias.statistics["post_training_bias_metrics"]["facets"].items()
    assert (facet, entry["value_or_threshold"]) == (FACET_NAME, "south")
    rows = [r["captureData"]["endpointInput"]["data"].split(",") for _, r, _ in after]
    south = sum(row[FACET] == "south" for row in rows)
    (facet_rows,) = bias.statistics["facet_rows"]
    assert (facet_rows["d"], facet_rows["a"]) == (south, len(after) - south)

    quality = second.latest("model_quality", T0).outcome
    pairs = [a for _, _, a in before + after]
    y, y_hat = [a.label for a in pairs], [a.predicted for a in pairs]
    (tn, fp), (fn, tp) = skm.confusion_matrix(y, y_hat, labels=[0, 1])
    matrix = quality.statistics["binary_classification_metrics"]["confusion_matrix"]
    assert (matrix["0"]["0"], matrix["0"]["1"], matrix["1"]["0"], matrix["1"]["1"]) == (
        tn, fp, fn, tp,
    )  # fmt: skip
    (line,) = [r.getMessage() for r in caplog.records if "bias was added" in r.getMessage()]
    assert line.startswith("monitor m: bias was added or its baseline or settings changed; in 1")


def test_a_changed_problem_type_leaves_the_partition_s_other_state_restored(fake_clock, tmp_path):
    """Binary, then Regression: the restore raised (kind mismatch), and the partition's
    data-quality window and model-quality figures all started empty."""
    folder = tmp_path / "baseline"
    write_labelled_baselines(folder, MODEL, n=1000)
    before = traffic(4, 120, T0)
    first = Pipe(state(fake_clock, folder))
    _labelled(first, before)
    saved = first.ws.checkpoint(CAPTURE, 0)

    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        capture_index_names=("endpointInput",),
        model_quality=ModelQualitySettings(problem_type="Regression",
                                           inference_attribute="score"),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=(monitor,))  # fmt: skip
    regression = WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=fake_clock)
    regression.restore(CAPTURE, 0, saved.blobs, saved.meta)
    pipe = Pipe(regression)
    pipe.offsets = dict(first.offsets)
    pipe.send("capture", lines(r for _, r, _ in traffic(5, 1, T0 + 15)))  # closes the window
    pipe.tick()
    quality = pipe.latest("data_quality", T0)
    assert quality is not None and quality.record_count == len(before)  # restored, whole


def test_a_changed_minimum_count_keeps_the_figures_and_judges_with_the_new_one(
    fake_clock, tmp_path
):
    """min_window_count 30, then 500: how a run is judged, not what it holds. The restored
    window keeps its 200 labelled rows (a run restarted for it would have none) and gives
    no verdict under 500."""
    folder = tmp_path / "baseline"
    write_labelled_baselines(folder, MODEL, n=1000)
    first = Pipe(state(fake_clock, folder))
    _labelled(first, traffic(6, 200, T0))
    saved = first.ws.checkpoint(CAPTURE, 0)
    pipe = Pipe(state(fake_clock, folder, min_count=500))
    pipe.ws.restore(CAPTURE, 0, saved.blobs, saved.meta)
    pipe.offsets = dict(first.offsets)
    pipe.send("capture", lines(r for _, r, _ in traffic(7, 1, T0 + 15)))
    pipe.tick()
    bias = pipe.latest("bias_drift", T0).outcome
    (facet_rows,) = bias.statistics["facet_rows"]
    assert facet_rows["d"] + facet_rows["a"] == 200
    assert bias.decisions and all(d["violated"] is None for d in bias.decisions)


def test_bias_added_to_a_monitor_says_its_restored_windows_lack_the_earlier_labels(
    fake_clock, tmp_path, caplog
):
    """Model quality only, then bias and attribution too: the restored window's bias
    figures hold only the labels joined after the restart while its labelled count holds
    all; that used to go unsaid."""
    folder = tmp_path / "baseline"
    write_labelled_baselines(folder, MODEL, n=1000)
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        capture_index_names=("endpointInput",),
        model_quality=ModelQualitySettings(problem_type="BinaryClassification",
                                           inference_attribute="label",
                                           probability_attribute="score"),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=(monitor,))  # fmt: skip
    quality_only = WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=fake_clock)
    first = Pipe(quality_only)
    _labelled(first, traffic(8, 100, T0))
    with caplog.at_level(logging.WARNING, logger="driftline.labels"):
        _restarted(fake_clock, folder, first)
    lines_ = [r.getMessage() for r in caplog.records if "baseline or settings" in r.getMessage()]
    assert [line.split(";")[0] for line in lines_] == [
        "monitor m: attribution was added or its baseline or settings changed",
        "monitor m: bias was added or its baseline or settings changed",
    ]
