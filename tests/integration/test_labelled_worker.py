"""The labelled monitors in real workers on a real broker: labels on their topic, the join,
provisional and revised results, two workers, and the three shifts."""

from __future__ import annotations

import random

import orjson
import pytest
from sklearn import metrics as skm
from sklearn.metrics import ndcg_score

from stream.demo.labelled import (
    ACCURACY,
    ATTRIBUTION,
    FACET,
    SyntheticModel,
    ground_truth_record,
    labelled_capture_record,
    write_labelled_baselines,
)
from stream.kafka.keyed_producer import LABEL_KEY_PATHS, KeyedProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from stream.monitors.attribution import load_attribution_baseline
from tests.integration.workers import WorkerProcess, read_json, wait_for

pytestmark = pytest.mark.kafka

T0 = 1_709_647_200.0
WINDOW = 10.0
MODEL = SyntheticModel()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("labelled-worker") / "baseline"
    write_labelled_baselines(folder, MODEL, n=5000)
    return folder


SHAP_IN_CAPTURE = 'shap_source = "capture"\nshap_path = "shap"'
SHAP_ON_TOPIC = 'shap_source = "topic"'


def config(
    folder, bootstrap: str, prefix: str, baseline, extra: str = "", *,
    drift_check: str = "bootstrap", attribution: str = SHAP_IN_CAPTURE, worker: str = "",
    window: float = WINDOW, min_window_count: int = 30,
) -> object:  # fmt: skip
    """A worker config with all four monitors on one binary model, ``extra`` appended."""
    text = f"""
[kafka]
bootstrap_servers = "{bootstrap}"
topic_prefix = "{prefix}"
partitions = 4
[worker]
label_flush_seconds = 0.5
{worker}
[[monitor]]
name = "m"
baseline = "{baseline}"
window_seconds = {window}
allowed_lateness_seconds = 1
idle_close_seconds = 3
min_window_count = {min_window_count}
capture_index_names = ["endpointInput"]
[monitor.model_quality]
problem_type = "BinaryClassification"
inference_attribute = "label"
probability_attribute = "score"
[monitor.bias]
drift_check = "{drift_check}"
[monitor.attribution]
{attribution}
{extra}"""
    path = folder / f"{prefix}.toml"
    path.write_text(text)
    return path


def windows(seed: int, per_window: int, shifts_from: int | None = None, n_windows: int = 3):
    rng = random.Random(seed)
    out = []
    for w in range(n_windows):
        drifted = (
            (ACCURACY, FACET, ATTRIBUTION) if shifts_from is not None and w >= shifts_from else ()
        )
        rows = MODEL.schema.rows(rng, per_window)
        for k, row in enumerate(rows):
            answer = MODEL.answer(rng, row, drifted)
            key = f"s{seed}-{w}-{k}"
            at = T0 + w * WINDOW + k * (WINDOW - 1) / per_window
            out.append((w, key, labelled_capture_record(key, at, row, answer), answer))
    return out


def send(bootstrap, topic, docs, key_paths=None):
    kwargs = {} if key_paths is None else {"key_paths": key_paths}
    with KeyedProducer(bootstrap_servers=bootstrap, topic=topic, linger_seconds=0.05,
                       **kwargs) as out:  # fmt: skip
        out.send_many(docs)


def send_labels(bootstrap, names, items):
    docs = [ground_truth_record(key, answer.label) for _, key, _, answer in items]
    send(bootstrap, names.labels, docs, LABEL_KEY_PATHS)


def latest(bootstrap, names, monitor_type, window_start=None):
    best = {}
    for doc in read_json(bootstrap, names.statistics):
        if doc.get("monitor_type", "data_quality") != monitor_type:
            continue
        seen = best.get(doc["window_start"])
        if seen is None or doc["revision"] > seen["revision"]:
            best[doc["window_start"]] = doc
    return best if window_start is None else best.get(window_start)


def revisions(bootstrap, names, monitor_type, window_start):
    """The revisions published for one window of ``monitor_type``."""
    return sorted(
        doc["revision"]
        for doc in read_json(bootstrap, names.statistics)
        if doc.get("monitor_type", "data_quality") == monitor_type
        and doc["window_start"] == window_start
    )


def sk_accuracy(items):
    return skm.accuracy_score([a.label for *_, a in items], [a.predicted for *_, a in items])


@pytest.mark.parametrize("workers", [1, 2])
def test_labels_join_by_key_and_late_labels_revise(tmp_path, kafka_bootstrap, baseline, workers):
    prefix = f"lab{workers}{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    path = config(tmp_path, kafka_bootstrap, prefix, baseline)
    running = [WorkerProcess(path, tmp_path / f"w{i}.log") for i in range(workers)]
    try:
        wait_for(lambda: sum(w.assigned() for w in running) == 4, 90, "4 partitions owned")
        traffic = windows(11, 400)
        first = [t for t in traffic if t[0] == 0]
        early = first[:150]  # their labels come before their predictions
        send_labels(kafka_bootstrap, names, early)
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in traffic])
        send_labels(kafka_bootstrap, names, first[150:300])
        start = "2024-03-05T14:00:00Z"
        provisional = wait_for(lambda: latest(kafka_bootstrap, names, "model_quality", start),
                               60, "the provisional model-quality result")  # fmt: skip
        late = first[300:360]
        send_labels(kafka_bootstrap, names, late)

        def revised():
            doc = latest(kafka_bootstrap, names, "model_quality", start)
            return doc if doc["labelled_count"] == 360 else None

        final = wait_for(revised, 60, "the revision with every label")
    finally:
        for w in running:
            w.stop()
    # the first result read may already be a revision (the labels sent with the captures
    # can revise the window before the topic is read on a busy machine): revision 0 was
    # published, and the last one has every label
    assert min(revisions(kafka_bootstrap, names, "model_quality", start)) == 0
    assert provisional["revision"] <= final["revision"] and final["revision"] >= 1
    assert final["prediction_count"] == 400 and final["label_coverage"] == pytest.approx(0.9)
    accuracy = final["binary_classification_metrics"]["accuracy"]["value"]
    assert accuracy == pytest.approx(sk_accuracy(first[:360]), abs=1e-12)
    auc = final["binary_classification_metrics"]["auc"]["value"]
    expected_auc = skm.roc_auc_score([a.label for *_, a in first[:360]],
                                     [a.score for *_, a in first[:360]])  # fmt: skip
    assert auc == pytest.approx(expected_auc, abs=2e-3)


def test_waiting_labels_and_predictions_survive_kill_9(tmp_path, kafka_bootstrap, baseline):
    """kill -9 while labels flow; a new worker (a fresh state folder) finishes the join.

    The reference is the labels sent: the final revision counts each exactly once, and its
    accuracy is scikit-learn's on exactly those pairs.
    """
    prefix = f"kill{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    path = config(tmp_path, kafka_bootstrap, prefix, baseline)
    first = WorkerProcess(path, tmp_path / "first.log")
    second = None
    try:
        wait_for(lambda: first.assigned() == 4, 90, "4 partitions owned")
        window = [t for t in windows(12, 400) if t[0] == 0]
        send_labels(kafka_bootstrap, names, window[:100])  # these wait for their predictions
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in windows(12, 400)])
        send_labels(kafka_bootstrap, names, window[100:200])
        start = "2024-03-05T14:00:00Z"
        wait_for(lambda: latest(kafka_bootstrap, names, "model_quality", start), 60,
                 "the provisional model-quality result")  # fmt: skip
        send_labels(kafka_bootstrap, names, window[200:300])
        first.process.kill()  # while those labels are processed and checkpointed
        first.process.wait()
        second = WorkerProcess(path, tmp_path / "second.log")
        wait_for(lambda: second.assigned() == 4, 120, "the new worker owning 4 partitions")
        send_labels(kafka_bootstrap, names, window[300:360])

        def revised():
            doc = latest(kafka_bootstrap, names, "model_quality", start)
            return doc if doc and doc["labelled_count"] >= 360 else None

        wait_for(revised, 90, "the revision with every label")
        final = latest(kafka_bootstrap, names, "model_quality", start)
    finally:
        for w in (first, second):
            if w is not None:
                w.stop()
    assert final["labelled_count"] == 360 and final["prediction_count"] == 400
    accuracy = final["binary_classification_metrics"]["accuracy"]["value"]
    assert accuracy == pytest.approx(sk_accuracy(window[:360]), abs=1e-12)


def test_three_shifts_are_flagged_and_clean_windows_are_not(tmp_path, kafka_bootstrap, baseline):
    prefix = f"shift{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    path = config(tmp_path, kafka_bootstrap, prefix, baseline)
    worker = WorkerProcess(path, tmp_path / "worker.log")
    try:
        wait_for(lambda: worker.assigned() == 4, 90, "4 partitions owned")
        traffic = windows(12, 1500, shifts_from=2, n_windows=4)
        send_labels(kafka_bootstrap, names, traffic)
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in traffic])
        # complete: every partition's labels merged (the labelled results leave together)
        wait_for(lambda: [d["complete"] for d in latest(kafka_bootstrap, names,
                                                         "feature_attribution_drift").values()]
                 == [True] * 4, 90, "four complete attribution windows")  # fmt: skip
        executions = read_json(kafka_bootstrap, names.executions)
    finally:
        worker.stop()
    violations = read_json(kafka_bootstrap, names.violations)
    flagged = {(v["monitor_type"], v["window_start"]) for v in violations}
    starts = [f"2024-03-05T14:00:{s:02d}Z" for s in (0, 10, 20, 30)]
    for kind in ("model_quality", "bias_drift", "feature_attribution_drift"):
        assert {(kind, s) for s in starts[:2]}.isdisjoint(flagged), kind  # clean windows
        assert {(kind, s) for s in starts[2:]} <= flagged, kind
    bias = {v["metric_name"] for v in violations if v["monitor_type"] == "bias_drift"}
    assert "DPPL" in bias and all(v.get("facet") == "region" for v in violations
                                  if v["monitor_type"] == "bias_drift")  # fmt: skip
    shap = latest(kafka_bootstrap, names, "feature_attribution_drift", starts[3])
    live = shap["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    reference = load_attribution_baseline(baseline / "attribution").explanations["label0"]
    base = reference.shap_values()
    features = list(base)
    expected = ndcg_score([[base[f] for f in features]], [[live[f] for f in features]])
    assert shap["ndcg"]["label0"] == pytest.approx(expected, abs=1e-12)
    assert any(e.get("monitor_type") == "feature_attribution_drift" for e in executions)
    assert orjson.dumps(shap)  # a plain JSON document


def test_superseded_duplicate_and_expired_labels(tmp_path, kafka_bootstrap, baseline):
    """Labels that wait are replaced by a later one, labels after the join are duplicates
    (the first stands), and what never meets its other side expires and is counted.

    The reference is the traffic itself: the accuracy counts each prediction once with the
    label that should stand (scikit-learn on those pairs); the counters equal the numbers
    sent of each kind.
    """
    prefix = f"odd{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    # Each step waits for a counter (exported at the worker's next checkpoint) and then sends:
    # the TTL leaves a loaded machine room for that between steps, as entries must not expire
    # before the next step's records meet them.
    path = config(tmp_path, kafka_bootstrap, prefix, baseline,
                  "[monitor.labels]\nlabel_ttl_seconds = 10\n")  # fmt: skip
    worker = WorkerProcess(path, tmp_path / "worker.log")
    traffic = windows(31, 200, n_windows=1)
    superseded, after, unlabelled = traffic[:40], traffic[40:140], traffic[140:]
    duplicated = after[:30]
    orphans = [(0, f"orphan-{k}", None, answer) for k, (*_, answer) in enumerate(traffic[:25])]

    def flipped(items):
        return [(w, key, doc, answer._replace(label=1 - answer.label))
                for w, key, doc, answer in items]  # fmt: skip

    def sample(name, **labels):
        return worker.sample(name, monitor="m", **labels) or 0

    try:
        wait_for(lambda: worker.assigned() == 4, 90, "4 partitions owned")
        send_labels(kafka_bootstrap, names, flipped(superseded) + orphans)
        wait_for(lambda: sample("driftline_pending_labels") == 65, 30, "65 labels waiting")
        send_labels(kafka_bootstrap, names, superseded)  # the waiting wrong ones are replaced
        # read before the captures are sent: a label read after its capture is a duplicate
        wait_for(lambda: sample("driftline_labels_superseded_total") == 40, 30, "40 replaced")
        assert sample("driftline_pending_labels") == 65
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in traffic])
        wait_for(lambda: sample("driftline_labels_joined_total") == 40, 30, "40 joined")
        send_labels(kafka_bootstrap, names, after)
        wait_for(lambda: sample("driftline_labels_joined_total") == 140, 30, "140 joined")
        send_labels(kafka_bootstrap, names, flipped(duplicated))  # too late: the first stands
        wait_for(lambda: sample("driftline_labels_duplicate_total") == 30, 30, "30 duplicates")
        expired = (len(unlabelled), len(orphans))
        wait_for(lambda: (sample("driftline_labels_expired_total", side="prediction"),
                          sample("driftline_labels_expired_total", side="label")) == expired,
                 30, "60 predictions and 25 labels expired")  # fmt: skip
        start = "2024-03-05T14:00:00Z"

        def settled():
            doc = latest(kafka_bootstrap, names, "model_quality", start)
            return doc if doc and doc["labelled_count"] == 140 else None

        final = wait_for(settled, 60, "the result with 140 labelled predictions")
        joined_after = sample("driftline_labels_joined_total")
    finally:
        worker.stop()
    assert joined_after == 140 and final["prediction_count"] == 200
    assert final["label_coverage"] == pytest.approx(140 / 200)
    accuracy = final["binary_classification_metrics"]["accuracy"]["value"]
    assert accuracy == pytest.approx(sk_accuracy(superseded + after), abs=1e-12)
