"""Per-record counters summed over a killed worker and its successor count each record once.

A worker joins labels; a checkpoint covers the first 100, then 100 more are joined and the
worker is killed (kill -9) before its next checkpoint. A successor under the same group
instance id restores the checkpoint, replays the 100 and joins the rest. What each process's
/metrics said last, summed, must equal the traffic: 400 capture records read, 360 labels
joined. Before the fix the dead worker's counters held the 100 replayed labels too, and the
sum read 460.
"""

from __future__ import annotations

import random

import pytest

from stream.demo.labelled import write_labelled_baselines
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.test_labelled_worker import MODEL, WINDOW, latest, send, send_labels, windows
from tests.integration.workers import WorkerProcess, wait_for

pytestmark = pytest.mark.kafka

START = "2024-03-05T14:00:00Z"
RECORDS, LABELLED = 400, 360


def _config(folder, bootstrap: str, prefix: str, baseline) -> object:
    """One model-quality monitor; the window stays open (idle close 20 s) while it runs."""
    text = f"""
[kafka]
bootstrap_servers = "{bootstrap}"
topic_prefix = "{prefix}"
partitions = 4
[worker]
group_instance_id = "{prefix}-0"
snapshot_interval_seconds = 5
label_flush_seconds = 0.5
[[monitor]]
name = "m"
baseline = "{baseline}"
window_seconds = {WINDOW}
allowed_lateness_seconds = 1
idle_close_seconds = 20
min_window_count = 30
capture_index_names = ["endpointInput"]
[monitor.model_quality]
problem_type = "BinaryClassification"
inference_attribute = "label"
probability_attribute = "score"
"""
    path = folder / f"{prefix}.toml"
    path.write_text(text)
    return path


def _counters(worker: WorkerProcess) -> dict[str, float]:
    """The counters the test sums, as the worker exports them now."""
    found = worker.metrics()
    m = (("monitor", "m"),)
    return {
        "consumed": found.get(("driftline_events_consumed_total", m), 0.0),
        "processed": found.get(("driftline_events_processed_total", m), 0.0),
        "joined": found.get(("driftline_labels_joined_total", m), 0.0),
        "dead_letters": sum(
            v for (name, _), v in found.items() if name == "driftline_dead_letters_total"
        ),  # fmt: skip
    }


def _pending_predictions(worker: WorkerProcess) -> float | None:
    return worker.sample("driftline_pending_predictions", monitor="m")


def test_counters_summed_over_a_killed_worker_and_its_successor_count_each_record_once(
    tmp_path, kafka_bootstrap
):
    baseline = tmp_path / "baseline"
    write_labelled_baselines(baseline, MODEL, n=3000)
    prefix = f"countonce{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    path = _config(tmp_path, kafka_bootstrap, prefix, baseline)
    traffic = windows(23, RECORDS, n_windows=1)
    labelled = traffic[:LABELLED]
    first = WorkerProcess(path, tmp_path / "first.log", log_level="info")
    second = None
    try:
        wait_for(lambda: first.assigned() == 4, 90, "4 partitions owned")
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in traffic])
        send_labels(kafka_bootstrap, names, labelled[:100])
        wait_for(lambda: _counters(first)["joined"] == 100, 30,
                 "a checkpoint covering the first 100 labels")  # fmt: skip
        send_labels(kafka_bootstrap, names, labelled[100:200])
        wait_for(lambda: _pending_predictions(first) == RECORDS - 200, 10,
                 "the next 100 labels joined")  # fmt: skip
        before_kill = _counters(first)  # its last word: the successor replays the rest
        first.process.kill()
        first.process.wait()
        second = WorkerProcess(path, tmp_path / "second.log", log_level="info")
        wait_for(lambda: second.assigned() == 4, 120, "the successor owning 4 partitions")
        send_labels(kafka_bootstrap, names, labelled[200:])

        def finished():
            doc = latest(kafka_bootstrap, names, "model_quality", START)
            done = doc is not None and doc.get("labelled_count") == LABELLED
            return done and _counters(second)["joined"] + before_kill["joined"] >= LABELLED

        wait_for(finished, 120, "every label in the result and in the successor's counters")
        after = _counters(second)
    finally:
        for worker in (first, second):
            if worker is not None:
                worker.stop()
    total = {k: before_kill[k] + after[k] for k in after}
    assert total == {"consumed": RECORDS, "processed": RECORDS, "joined": LABELLED,
                     "dead_letters": 0}  # fmt: skip
    assert before_kill["joined"] == 100  # only what the checkpoint covered
