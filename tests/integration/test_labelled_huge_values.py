"""Huge but finite SHAP values on the attributions topic, with all four monitors running.

Two SHAP records of one partition carry ``age = 1e308`` (finite, so valid): their sum is
past the largest double, but the window's mean |SHAP| is not. Before, the partition's
running sum became infinite, orjson wrote it as ``null``, and the aggregator could not
read the partition's labelled partial back: the window lost that partition's SHAP records,
labels and bias rows alike (a kill -9 with the window open made its snapshot unreadable
too). The reference is the traffic: every label and SHAP record counted once, and the mean
|SHAP| of each feature computed with Python's exact rational arithmetic.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from stream.capture.partitioning import partition_for_key
from stream.demo.labelled import write_labelled_baselines
from stream.kafka.keyed_producer import ATTRIBUTION_KEY_PATHS
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.test_labelled_worker import (
    MODEL,
    SHAP_ON_TOPIC,
    config,
    latest,
    send,
    send_labels,
    windows,
)
from tests.integration.workers import WorkerProcess, wait_for

pytestmark = pytest.mark.kafka

START = "2024-03-05T14:00:00Z"
HUGE = 1e308


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("labelled-huge") / "baseline"
    write_labelled_baselines(folder, MODEL, n=5000)
    return folder


def test_huge_finite_shap_values_keep_every_partition_of_the_window(
    tmp_path, kafka_bootstrap, baseline
):
    prefix = f"labhuge{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    path = config(tmp_path, kafka_bootstrap, prefix, baseline, drift_check="point",
                  attribution=SHAP_ON_TOPIC)  # fmt: skip
    traffic = windows(23, 200, n_windows=1)
    first_partition = partition_for_key(traffic[0][1].encode(), 4)
    huge = [t[1] for t in traffic if partition_for_key(t[1].encode(), 4) == first_partition][:2]
    shap = {key: dict(answer.shap, age=HUGE) if key in huge else answer.shap
            for _, key, _, answer in traffic}  # fmt: skip
    worker = WorkerProcess(path, tmp_path / "worker.log")

    def counted(kind: str, field: str, n: int):
        doc = latest(kafka_bootstrap, names, kind, START)
        return doc if doc and doc.get(field) == n else None

    try:
        wait_for(lambda: worker.assigned() == 4, 90, "4 partitions owned")
        send_labels(kafka_bootstrap, names, traffic)
        send(kafka_bootstrap, names.attributions,
             [{"inferenceId": k, "shap": v} for k, v in shap.items()],
             ATTRIBUTION_KEY_PATHS)  # fmt: skip
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in traffic])
        explained = wait_for(
            lambda: counted("feature_attribution_drift", "explained_count", 200), 60,
            "the attribution drift with every SHAP record",
        )  # fmt: skip
        quality = wait_for(lambda: counted("model_quality", "labelled_count", 200), 30,
                           "the model quality with every label")  # fmt: skip
        alive = worker.process.poll() is None
    finally:
        worker.stop()
    assert alive
    assert quality["prediction_count"] == 200
    live = explained["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    for feature, value in live.items():
        exact = sum(Fraction(abs(v[feature])) for v in shap.values()) / len(shap)
        assert value == pytest.approx(float(exact), rel=1e-12), feature
    log = worker.log_path.read_text(errors="replace")
    assert "dropped" not in log and "Traceback" not in log
