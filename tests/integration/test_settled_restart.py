"""kill -9 of a worker whose aggregator keeps a settled labelled window, then its late labels.

With ``revision_horizon_seconds = 0`` a labelled window is past the data-quality horizon as
soon as the next window is final; with its labels published the aggregator keeps it packed,
and the partials partition's snapshot holds it so. The worker is killed, a new one restores
that snapshot, and the window's remaining labels arrive: its final model-quality revision
must count every label once. The reference is scikit-learn's confusion matrix of the pairs.
"""

from __future__ import annotations

import random

import pytest
from sklearn import metrics as skm

from stream.demo.labelled import write_labelled_baselines
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.readback import read_topic
from tests.integration.test_labelled_worker import (
    MODEL,
    SHAP_ON_TOPIC,
    T0,
    config,
    latest,
    send,
    send_labels,
    windows,
)
from tests.integration.workers import WorkerProcess, wait_for

pytestmark = pytest.mark.kafka

START, NEXT = "2024-03-05T14:00:00Z", "2024-03-05T14:00:10Z"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("settled-restart") / "baseline"
    write_labelled_baselines(folder, MODEL, n=5000)
    return folder


def _saved_packed(bootstrap: str, names: TopicNames) -> bool:
    """Whether the aggregator's state topic holds window 0 settled (packed)."""
    settled = f"blob/m/settled/{T0!r}/{T0 + 10.0!r}/0".encode()
    return any(m.key == settled and m.value for m in read_topic(bootstrap, names.aggregate_state))


def test_a_settled_window_restored_after_kill_9_counts_its_late_labels_once(
    tmp_path, kafka_bootstrap, baseline
):
    prefix = f"settled{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    worker = f'group_instance_id = "{prefix}-0"\nrevision_horizon_seconds = 0'
    path = config(tmp_path, kafka_bootstrap, prefix, baseline, drift_check="point",
                  attribution=SHAP_ON_TOPIC, worker=worker)  # fmt: skip
    traffic = windows(23, 300, n_windows=3)
    first_window = [t for t in traffic if t[0] == 0]
    first = WorkerProcess(path, tmp_path / "first.log")
    second = None

    def quality(n: int):
        doc = latest(kafka_bootstrap, names, "model_quality", START)
        return doc if doc and doc.get("labelled_count") == n else None

    try:
        wait_for(lambda: first.assigned() == 4, 90, "4 partitions owned")
        send_labels(kafka_bootstrap, names, first_window[:120])  # they wait for predictions
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in traffic])
        wait_for(lambda: quality(120), 60, "window 0's model quality with its first labels")
        wait_for(lambda: latest(kafka_bootstrap, names, "data_quality", NEXT), 60,
                 "window 1 final: window 0 past the data-quality horizon")  # fmt: skip
        wait_for(lambda: _saved_packed(kafka_bootstrap, names), 30, "window 0 saved packed")
        first.process.kill()
        first.process.wait()
        second = WorkerProcess(path, tmp_path / "second.log")
        wait_for(lambda: second.assigned() == 4, 120, "the new worker owning 4 partitions")
        send_labels(kafka_bootstrap, names, first_window[120:])
        final = wait_for(lambda: quality(300), 90, "window 0's model quality with every label")
    finally:
        for process in (first, second):
            if process is not None:
                process.stop()
    y = [a.label for *_, a in first_window]
    y_hat = [a.predicted for *_, a in first_window]
    (tn, fp), (fn, tp) = skm.confusion_matrix(y, y_hat, labels=[0, 1])
    matrix = final["binary_classification_metrics"]["confusion_matrix"]
    assert (matrix["0"]["0"], matrix["0"]["1"], matrix["1"]["0"], matrix["1"]["1"]) == (
        tn, fp, fn, tp
    )  # fmt: skip
    assert final["dataset"]["item_count"] == 300 and final["revision"] >= 1
