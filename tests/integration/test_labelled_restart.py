"""kill -9 of a worker running all four monitors while labels and SHAP records join.

The worker is killed while a window's labels and SHAP values (on their own topic) are being
joined; a new worker (with a fresh state folder, under the same group instance id, so that
it takes the partitions back without waiting out a session) takes over and the rest
arrive. The final revision of the window must count every label and every SHAP record
exactly once. The reference is the traffic itself: scikit-learn's confusion matrix of the
labelled pairs, Clarify's DPPL and DI computed by hand from their predicted labels, and
the mean absolute SHAP value of each feature computed with math.fsum.
"""

from __future__ import annotations

import math
import random

import pytest
from sklearn import metrics as skm

from stream.demo.labelled import FACET_NAME, FACET_VALUE, write_labelled_baselines
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


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("labelled-restart") / "baseline"
    write_labelled_baselines(folder, MODEL, n=5000)
    return folder


def _config(folder, bootstrap: str, prefix: str, baseline) -> object:
    member = f'group_instance_id = "{prefix}-0"'
    return config(folder, bootstrap, prefix, baseline, drift_check="point",
                  attribution=SHAP_ON_TOPIC, worker=member)  # fmt: skip


def _send_shap(bootstrap: str, names: TopicNames, items) -> None:
    docs = [{"inferenceId": key, "shap": answer.shap} for _, key, _, answer in items]
    send(bootstrap, names.attributions, docs, ATTRIBUTION_KEY_PATHS)


def _post_training(doc: dict, code: str) -> float:
    (entry,) = doc["post_training_bias_metrics"]["facets"][FACET_NAME]
    return next(m["value"] for m in entry["metrics"] if m["name"] == code)


def _positive_rate(items) -> float:
    return sum(a.predicted == 1 for *_, a in items) / len(items)


def test_labelled_results_after_kill_9_count_every_label_and_shap_record_once(
    tmp_path, kafka_bootstrap, baseline
):
    prefix = f"labkill{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    path = _config(tmp_path, kafka_bootstrap, prefix, baseline)
    traffic = windows(17, 400, n_windows=1)
    labelled = traffic[:360]
    first = WorkerProcess(path, tmp_path / "first.log")
    second = None

    def counted(kind: str, field: str, n: int):
        doc = latest(kafka_bootstrap, names, kind, START)
        return doc if doc and doc.get(field) == n else None

    try:
        wait_for(lambda: first.assigned() == 4, 90, "4 partitions owned")
        send_labels(kafka_bootstrap, names, labelled[:100])  # they wait for their predictions
        _send_shap(kafka_bootstrap, names, traffic[:150])  # these too
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in traffic])
        send_labels(kafka_bootstrap, names, labelled[100:200])
        wait_for(lambda: latest(kafka_bootstrap, names, "model_quality", START), 60,
                 "the provisional model-quality result")  # fmt: skip
        send_labels(kafka_bootstrap, names, labelled[200:300])
        _send_shap(kafka_bootstrap, names, traffic[150:300])
        first.process.kill()  # while those are joined and checkpointed
        first.process.wait()
        second = WorkerProcess(path, tmp_path / "second.log")
        wait_for(lambda: second.assigned() == 4, 120, "the new worker owning 4 partitions")
        send_labels(kafka_bootstrap, names, labelled[300:])
        _send_shap(kafka_bootstrap, names, traffic[300:])
        quality = wait_for(lambda: counted("model_quality", "labelled_count", 360), 90,
                           "the model quality with every label")  # fmt: skip
        explained = wait_for(
            lambda: counted("feature_attribution_drift", "explained_count", 400), 60,
            "the attribution drift with every SHAP record",
        )  # fmt: skip
        bias = wait_for(lambda: counted("bias_drift", "labelled_count", 360), 60,
                        "the bias drift with every label")  # fmt: skip
    finally:
        for worker in (first, second):
            if worker is not None:
                worker.stop()
    y = [a.label for *_, a in labelled]
    y_hat = [a.predicted for *_, a in labelled]
    (tn, fp), (fn, tp) = skm.confusion_matrix(y, y_hat, labels=[0, 1])
    matrix = quality["binary_classification_metrics"]["confusion_matrix"]
    cells = (matrix["0"]["0"], matrix["0"]["1"], matrix["1"]["0"], matrix["1"]["1"])
    assert cells == (tn, fp, fn, tp)  # {actual: {predicted: count}}
    assert quality["prediction_count"] == 400 and quality["dataset"]["item_count"] == 360

    row_of = {key: row for _, key, doc, _ in traffic
              for row in [doc["captureData"]["endpointInput"]["data"].split(",")]}  # fmt: skip
    facet = MODEL.schema.features.index(FACET_NAME)
    d = [t for t in labelled if row_of[t[1]][facet] == FACET_VALUE]
    a = [t for t in labelled if row_of[t[1]][facet] != FACET_VALUE]
    (rows,) = bias["facet_rows"]
    assert (rows["d"], rows["a"]) == (len(d), len(a))
    assert _post_training(bias, "DPPL") == pytest.approx(
        _positive_rate(a) - _positive_rate(d), abs=1e-12
    )
    assert _post_training(bias, "DI") == pytest.approx(
        _positive_rate(d) / _positive_rate(a), abs=1e-12
    )

    live = explained["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    for feature in live:
        expected = math.fsum(abs(a.shap[feature]) for *_, a in traffic) / len(traffic)
        assert live[feature] == pytest.approx(expected, rel=1e-12), feature


def test_a_damaged_label_join_store_in_a_kept_state_dir_is_rebuilt_from_the_changelog(
    tmp_path, kafka_bootstrap, baseline
):
    """``state_dir`` kept across a stop, its RocksDB damaged meanwhile (a disk fault): the new
    worker used to retry the partitions' restore forever (and log a traceback twice a second),
    so later labels were never joined. It rebuilds the stores from the changelog instead."""
    prefix = f"labdamaged{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    state = tmp_path / "state"
    path = config(tmp_path, kafka_bootstrap, prefix, baseline, drift_check="point",
                  worker=f'state_dir = "{state}"')  # fmt: skip
    traffic = windows(23, 300, n_windows=1)
    labelled = traffic[:250]
    first = WorkerProcess(path, tmp_path / "first.log")
    second = None
    try:
        wait_for(lambda: first.assigned() == 4, 90, "4 partitions owned")
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in traffic])
        send_labels(kafka_bootstrap, names, labelled[:100])
        wait_for(lambda: (latest(kafka_bootstrap, names, "model_quality", START) or {})
                 .get("labelled_count") == 100, 60, "the first 100 labels joined")  # fmt: skip
        first.stop()  # a graceful stop: the stores are closed, their table files written
        currents = sorted(state.rglob("pending-*/CURRENT"))
        assert len(currents) == 4, currents
        for current in currents:
            current.write_text("MANIFEST-garbage\n")
        second = WorkerProcess(path, tmp_path / "second.log")
        wait_for(lambda: second.assigned() == 4, 90, "the new worker owning 4 partitions")
        send_labels(kafka_bootstrap, names, labelled[100:])
        quality = wait_for(
            lambda: (doc := latest(kafka_bootstrap, names, "model_quality", START))
            and doc["labelled_count"] == 250 and doc,
            60, "the model quality with every label",
        )  # fmt: skip
        discarded = second.sample("driftline_internal_errors_total",
                                  type="unopenable_pending_store")  # fmt: skip
    finally:
        for worker in (first, second):
            if worker is not None:
                worker.stop()
    (tn, fp), (fn, tp) = skm.confusion_matrix(
        [a.label for *_, a in labelled], [a.predicted for *_, a in labelled], labels=[0, 1]
    )
    matrix = quality["binary_classification_metrics"]["confusion_matrix"]
    assert (matrix["0"]["0"], matrix["0"]["1"], matrix["1"]["0"], matrix["1"]["1"]) == (
        tn, fp, fn, tp,
    )  # fmt: skip
    assert quality["prediction_count"] == 300
    assert discarded == 4  # one per partition's store
