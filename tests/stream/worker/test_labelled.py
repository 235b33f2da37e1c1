"""The labelled monitors through WorkerState, without a broker: the join, provisional and
revised results, against scikit-learn on the joined rows."""

from __future__ import annotations

import base64
import json
import logging
import random
import shutil

import orjson
import pytest
from sklearn import metrics as skm

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.config.sections import (
    AttributionDriftSettings,
    BiasDriftSettings,
    ModelQualitySettings,
)
from stream.demo.labelled import (
    FACET,
    FACET_NAME,
    SyntheticModel,
    ground_truth_record,
    labelled_capture_record,
    write_labelled_baselines,
)
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.state import CAPTURE, PARTIALS, WorkerState
from tests.detectors.model_quality.binary_rows import (
    ROWS,
    disagrees_with_the_threshold,
    prediction_confusion,
    prediction_figures,
    probability_auc,
    stated_auc_bound,
)

T0 = 1_709_647_200.0
MODEL = SyntheticModel()
SCHEMA = MODEL.schema


@pytest.fixture(scope="module")
def baseline_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("labelled") / "baseline"
    write_labelled_baselines(folder, MODEL, n=4000)
    return folder


def state(clock, folder, partitions=1, min_count=30, drift_check="point") -> WorkerState:
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        idle_close_seconds=5.0, min_window_count=min_count,
        capture_index_names=("endpointInput",),
        model_quality=ModelQualitySettings(problem_type="BinaryClassification",
                                           inference_attribute="label",
                                           probability_attribute="score"),
        bias=BiasDriftSettings(drift_check=drift_check),
        attribution=AttributionDriftSettings(shap_source="capture", shap_path="shap"),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=partitions),
                             monitors=(monitor,))  # fmt: skip
    return WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=clock)


def traffic(seed: int, n: int, start: float, drifted=()):
    rng = random.Random(seed)
    rows = SCHEMA.rows(rng, n)
    out = []
    for k, row in enumerate(rows):
        answer = MODEL.answer(rng, row, drifted)
        key = f"s{seed}-{k}"
        out.append((key, labelled_capture_record(key, start + k * 9.0 / n, row, answer), answer))
    return out


def lines(docs) -> bytes:
    return b"\n".join(orjson.dumps(d) for d in docs)


class Pipe:
    """Capture and label messages in; partials out of the capture side into the aggregator."""

    def __init__(self, ws: WorkerState) -> None:
        self.ws, self.offsets, self.results = ws, {}, []
        ws.on_result = self.results.append

    def send(self, source: str, value: bytes) -> list:
        offset = self.offsets[source] = self.offsets.get(source, -1) + 1
        if source == "capture":
            return self.ws.on_capture(0, offset, value)
        return self.ws.on_labelled(source, 0, offset, value)

    def tick(self) -> None:
        """A timer tick, the partials it sent delivered, and the next tick."""
        self.ws.tick()
        for partition in sorted(self.ws.books[CAPTURE]):
            for message in self.ws.checkpoint(CAPTURE, partition).outbox:
                offset = self.offsets["partials"] = self.offsets.get("partials", -1) + 1
                self.ws.on_partial(message.partition, offset, message.value)
        self.ws.tick()
        for partition in sorted(self.ws.books[PARTIALS]):
            self.ws.checkpoint(PARTIALS, partition)

    def latest(self, monitor_type: str, window: float):
        found = [r for r in self.results if getattr(r, "monitor_type", "data_quality")
                 == monitor_type and r.window_start == window]  # fmt: skip
        return found[-1] if found else None


def sk_binary(pairs):
    y = [int(label) for label, _ in pairs]
    predicted = [a.predicted for _, a in pairs]
    scores = [a.score for _, a in pairs]
    return {
        "accuracy": skm.accuracy_score(y, predicted),
        "precision": skm.precision_score(y, predicted),
        "recall": skm.recall_score(y, predicted),
        "f1": skm.f1_score(y, predicted),
        "auc": skm.roc_auc_score(y, scores),
    }


def check_against_sklearn(result, pairs):
    metrics = result.outcome.statistics["binary_classification_metrics"]
    for name, expected in sk_binary(pairs).items():
        tolerance = 2e-3 if name == "auc" else 1e-9  # AUC from a 10,000-bin score histogram
        assert metrics[name]["value"] == pytest.approx(expected, abs=tolerance), name


def test_labels_before_and_after_predictions_and_a_revision(fake_clock, baseline_folder):
    pipe = Pipe(state(fake_clock, baseline_folder))
    records = traffic(1, 600, T0)
    early = records[:200]  # their labels come first
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in early))
    for i in range(0, 600, 100):
        assert pipe.send("capture", lines(r for _, r, _ in records[i : i + 100])) == []
    middle = records[200:450]
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in middle))
    pipe.send("capture", lines(r for _, r, _ in traffic(2, 1, T0 + 15)))  # closes the window
    pipe.tick()
    provisional = pipe.latest("model_quality", T0)
    assert provisional.revision == 0 and provisional.label_coverage == pytest.approx(450 / 600)
    joined = [(a.label, a) for _, _, a in records[:450]]
    check_against_sklearn(provisional, joined)
    late = records[450:540]  # arrive after the provisional result: revision 1
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in late))
    duplicates = records[:10]
    pipe.send("labels", lines(ground_truth_record(k, 1 - a.label) for k, _, a in duplicates))
    pipe.tick()
    assert pipe.latest("model_quality", T0).revision == 0  # late labels go out once a second
    fake_clock.advance(1.0)
    pipe.tick()
    revised = pipe.latest("model_quality", T0)
    assert revised.revision == 1 and revised.label_coverage == pytest.approx(540 / 600)
    check_against_sklearn(revised, [(a.label, a) for _, _, a in records[:540]])
    counts = pipe.ws.labelled["m"].join.counts
    assert (counts.joined, counts.duplicate_labels) == (540, 10)
    explained = pipe.latest("feature_attribution_drift", T0)
    assert explained.outcome.statistics["explained_count"] == 600


def test_a_given_predicted_label_is_the_prediction_and_the_score_feeds_auc(
    fake_clock, baseline_folder
):
    # inference_attribute "label" is the predicted label even where it disagrees with
    # score > 0.5; the threshold only makes one for an output without it
    assert disagrees_with_the_threshold()
    answers = [(y, y_hat, p) for y, y_hat, p in ROWS]
    answers += [(1, None, 0.7), (0, None, 0.3)]  # no predicted label: 1 and 0 by threshold
    answers += [(1, 1, None)]  # no score: counted, with no part in the AUC
    pipe = Pipe(state(fake_clock, baseline_folder, min_count=1))
    rng = random.Random(8)
    records, labels = [], []
    rows = SCHEMA.rows(rng, len(answers))
    for k, (row, (y, y_hat, p)) in enumerate(zip(rows, answers, strict=True)):
        answer = MODEL.answer(rng, row)._replace(score=p, predicted=y_hat, label=y)
        records.append(labelled_capture_record(f"b{k}", T0 + k * 0.5, row, answer))
        labels.append(ground_truth_record(f"b{k}", y))
    pipe.send("capture", lines(records))
    pipe.send("labels", lines(labels))
    pipe.send("capture", lines(r for _, r, _ in traffic(9, 1, T0 + 15)))  # closes the window
    pipe.tick()
    statistics = pipe.latest("model_quality", T0).outcome.statistics
    assert statistics["dataset"]["item_count"] == len(answers)
    block = statistics["binary_classification_metrics"]
    y = [a[0] for a in answers]
    y_hat = [a[1] for a in ROWS] + [1, 0, 1]
    assert block["confusion_matrix"] == prediction_confusion(y, y_hat)
    for name, value in prediction_figures(y, y_hat).items():
        assert block[name]["value"] == pytest.approx(value, abs=1e-12), name
    scored_y, scores = y[:-1], [a[2] for a in answers[:-1]]
    auc_error = abs(block["auc"]["value"] - probability_auc(scored_y, scores))
    assert auc_error <= stated_auc_bound(scored_y, scores) + 1e-12


def test_a_facet_shift_is_a_bias_drift_violation(fake_clock, baseline_folder):
    pipe = Pipe(state(fake_clock, baseline_folder))
    records = traffic(3, 2000, T0, drifted={FACET})
    pipe.send("capture", lines(r for _, r, _ in records))
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records))
    pipe.send("capture", lines(r for _, r, _ in traffic(4, 1, T0 + 15)))
    pipe.tick()
    bias = pipe.latest("bias_drift", T0)
    flagged = {(dict(v.extra)["facet"], v.metric_name) for v in bias.outcome.violations}
    assert ("region", "DPPL") in flagged


def test_a_window_below_min_count_gets_no_bias_verdict_and_no_bootstrap(
    fake_clock, baseline_folder, monkeypatch
):
    import stream.monitors.labelled_evaluation as evaluation

    def no_bootstrap(*args, **kwargs):
        raise AssertionError("a window without a verdict needs no bootstrap")

    monkeypatch.setattr(evaluation, "bias_violations", no_bootstrap)
    pipe = Pipe(state(fake_clock, baseline_folder, min_count=500, drift_check="bootstrap"))
    records = traffic(3, 300, T0, drifted={FACET})  # a facet shift, on 300 labelled rows
    pipe.send("capture", lines(r for _, r, _ in records))
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records))
    pipe.send("capture", lines(r for _, r, _ in traffic(4, 1, T0 + 15)))
    pipe.tick()
    bias = pipe.latest("bias_drift", T0).outcome
    assert bias.violations == () and bias.status == "Completed"
    assert bias.decisions and all(d["violated"] is None for d in bias.decisions)
    assert {d["sample_count"] for d in bias.decisions} == {300}
    assert bias.statistics["post_training_bias_metrics"]["facets"]  # the analysis is there


def test_labels_that_python_csv_refused_are_dead_lettered_alone(fake_clock, baseline_folder):
    pipe = Pipe(state(fake_clock, baseline_folder))
    records = traffic(5, 4, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    (k0, _, a0), (k1, _, _), (k2, _, _), (k3, _, a3) = records
    labels = [ground_truth_record(k0, a0.label), ground_truth_record(k1, 1),
              ground_truth_record(k2, 1), ground_truth_record(k3, a3.label)]  # fmt: skip
    labels[1]["groundTruthData"]["data"] = "1\r0"  # a bare carriage return: two rows
    labels[2]["groundTruthData"]["data"] = '"' + "x" * 200_000 + '"'  # over csv's field limit
    out = pipe.send("labels", lines(labels))
    letters = [orjson.loads(m.value) for m in out if m.topic == pipe.ws.names.deadletter]
    assert sorted(letter["reason"] for letter in letters) == ["bad_csv", "multiple_rows"]
    counts = pipe.ws.labelled["m"].join.counts
    assert counts.joined == 2  # the labels around them joined


def test_labels_that_never_come_expire_and_are_counted(fake_clock, baseline_folder):
    pipe = Pipe(state(fake_clock, baseline_folder))
    records = traffic(5, 50, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    pipe.send("labels", lines([ground_truth_record("nobody", 1)]))
    fake_clock.advance(14 * 24 * 3600 + 1)
    pipe.tick()
    counts = pipe.ws.labelled["m"].join.counts
    assert (counts.expired_predictions, counts.expired_labels) == (50, 1)


def test_metrics_carry_the_labelled_figures(fake_clock, baseline_folder):
    """The scrape of a worker that aggregates the monitor: sklearn's figures and the join's."""
    from prometheus_client import CollectorRegistry

    from stream.worker.metrics import register_worker_metrics
    from tests.stream.worker.saved_sources import saved_sources

    ws = state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    ws.assign([0], [0])
    records = traffic(6, 400, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records[:300]))
    pipe.send("capture", lines(r for _, r, _ in traffic(7, 1, T0 + 15)))
    pipe.tick()
    registry = CollectorRegistry()
    register_worker_metrics(registry, saved_sources(ws))

    def sample(name, **labels):
        return registry.get_sample_value(name, {"monitor": "m", **labels})

    expected = sk_binary([(a.label, a) for _, _, a in records[:300]])
    assert sample("driftline_model_quality_metric", metric="accuracy") == pytest.approx(
        expected["accuracy"]
    )
    assert sample("driftline_model_quality_metric", metric="f1") == pytest.approx(expected["f1"])
    assert sample("driftline_label_coverage_ratio") == pytest.approx(300 / 400)
    assert sample("driftline_labels_joined_total") == 300
    assert sample("driftline_pending_predictions") == 100 + 1  # 100 unlabelled + the closer
    assert sample("driftline_pending_labels") == 0
    ndcg = [s.value for m in registry.collect() for s in m.samples
            if s.name == "driftline_attribution_ndcg"]  # fmt: skip
    assert len(ndcg) == 1 and 0.9 < ndcg[0] <= 1.0  # no attribution drift in this traffic


def test_the_status_page_reads_the_labelled_messages(fake_clock, baseline_folder):
    """The worker's own output messages on the page: one chart per metric, sklearn's figures."""
    from stream.status.board import StatusBoard
    from stream.status.payloads import status_summary

    ws = state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    records = traffic(8, 500, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records[:400]))
    pipe.send("capture", lines(r for _, r, _ in traffic(9, 1, T0 + 15)))
    ws.tick()  # the partials, delivered by hand to keep the results' messages
    for message in ws.checkpoint(CAPTURE, 0).outbox:
        ws.on_partial(message.partition, 0, message.value)
    ws.tick()
    board = StatusBoard({})
    kinds = {ws.names.statistics: "statistics", ws.names.executions: "executions",
             ws.names.violations: "violations"}  # fmt: skip
    for message in ws.checkpoint(PARTIALS, ws.partials_partition("m")).outbox:
        for doc in orjson.loads(b"[" + message.value.replace(b"\n", b",") + b"]"):
            board.apply(kinds[message.topic], doc)
    monitors = {m["monitor_type"]: m for m in status_summary(board)["monitors"]}
    assert set(monitors) == {"data_quality", "model_quality", "bias_drift",
                             "feature_attribution_drift"}  # fmt: skip
    quality = monitors["model_quality"]
    names = [c["name"] for c in quality["charts"]]
    assert len(names) == len(set(names)) and "true_positive_rate" not in names
    expected = sk_binary([(a.label, a) for _, _, a in records[:400]])
    charts = {c["name"]: c["values"][-1] for c in quality["charts"]}
    digits = {"rel": 1e-3}  # the page keeps 4 significant digits
    assert charts["accuracy"] == pytest.approx(expected["accuracy"], **digits)
    assert charts["truePositiveRate"] == pytest.approx(expected["recall"], **digits)
    assert charts["label coverage"] == pytest.approx(400 / 500)
    (row,) = quality["windows"]
    assert (row["labelled"], row["label_coverage"]) == (400, pytest.approx(0.8))
    explained = monitors["feature_attribution_drift"]
    assert [c["name"] for c in explained["charts"]] == ["ndcg [label=label0]"]
    assert explained["windows"][0]["labelled"] == 500


def test_a_bias_facet_matching_no_row_is_logged_published_and_a_metric(
    fake_clock, baseline_folder, tmp_path, caplog
):
    """A facet value no row has: a warning on the result, its message and the log; 0 rows."""
    from prometheus_client import CollectorRegistry

    from stream.worker.labelled_outputs import labelled_execution_message
    from stream.worker.metrics import register_worker_metrics
    from tests.stream.worker.saved_sources import saved_sources

    folder = tmp_path / "baseline"
    shutil.copytree(baseline_folder, folder)
    path = folder / "bias" / "analysis_config.json"
    config = json.loads(path.read_text())
    config["facet"][0]["value_or_threshold"] = ["atlantis"]
    path.write_text(json.dumps(config))
    ws = state(fake_clock, folder)
    pipe = Pipe(ws)
    ws.assign([0], [0])
    records = traffic(10, 300, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records))
    pipe.send("capture", lines(r for _, r, _ in traffic(11, 1, T0 + 15)))
    with caplog.at_level(logging.WARNING, logger="driftline.worker"):
        pipe.tick()
    bias = pipe.latest("bias_drift", T0)
    expected = (
        f"facet {FACET_NAME} value atlantis (categorical) matched none of 300 rows: facet d is "
        "empty, so its bias metrics are null or 0"
    )
    assert bias.outcome.status == "Completed" and bias.outcome.warnings == (expected,)
    assert labelled_execution_message(bias)["warnings"] == [expected]
    assert f"monitor m bias_drift window {T0} rev 0: {expected}" in caplog.messages
    registry = CollectorRegistry()
    register_worker_metrics(registry, saved_sources(ws))

    def rows(side):
        labels = {"monitor": "m", "facet": FACET_NAME, "side": side}
        return registry.get_sample_value("driftline_bias_facet_rows", labels)

    assert (rows("d"), rows("a")) == (0, 300)


@pytest.mark.parametrize("shap_source", ["capture", "topic"])
def test_mutated_captures_labels_and_attributions_never_become_internal_errors(
    fake_clock, baseline_folder, shap_source
):
    """A record the labelled paths cannot use is counted or dead-lettered, never raised: an
    exception would dead-letter its whole message as an internal error."""
    from dataclasses import replace

    from tests.stream.worker.test_capture_path_poison_fuzz import _mutated

    rng = random.Random(29)
    joined = 0
    for round_ in range(100):
        ws = state(fake_clock, baseline_folder)
        monitor = ws.config.monitors[0]
        if shap_source == "topic":
            topic = replace(monitor.attribution, shap_source="topic")
            config = replace(ws.config, monitors=(replace(monitor, attribution=topic),))
            ws = WorkerState(config, {"m": load_data_quality_baseline(baseline_folder)},
                             now=fake_clock)  # fmt: skip
        ws.assign({0}, {0})
        pipe = Pipe(ws)
        records = traffic(round_, rng.choice([5, 20]), T0 + 1)
        for _, record, _ in records:  # SageMaker's capture with no content types configured
            part = record["captureData"]["endpointInput"]
            if rng.random() < 0.3:
                part.update(
                    data=base64.b64encode(part["data"].encode()).decode(), encoding="BASE64"
                )

        def maybe(docs) -> bytes:  # json: the mutations hold integers orjson refuses
            mutated = (_mutated(d, rng) if rng.random() < 0.4 else d for d in docs)
            return b"\n".join(json.dumps(d).encode() for d in mutated)

        pipe.send("capture", maybe(r for _, r, _ in records))
        for key, _, answer in records:
            pipe.send("labels", maybe([ground_truth_record(key, answer.label)]))
        shap = ({"inferenceId": key, "shap": {"age": 0.1, "plan": -0.2}} for key, _, _ in records)
        pipe.send("attributions", maybe(shap))
        pipe.tick()
        assert not ws.internal_errors, (round_, ws.internal_errors)
        joined += ws.labelled["m"].join.counts.joined
    assert joined > 400  # most records still join


def test_ids_sent_again_in_a_later_window_join_their_new_labels(fake_clock, baseline_folder):
    """AWS's model-quality example sends the same inference ids every few minutes and their
    labels every hour; SageMaker's hourly merge joins each hour's captures on their own. A key
    that joined in one window is a new prediction in a later one (a duplicate in its own)."""
    pipe = Pipe(state(fake_clock, baseline_folder))

    def window(seed: int, start: float):
        rng = random.Random(seed)
        out = []
        for k, row in enumerate(SCHEMA.rows(rng, 200)):
            answer = MODEL.answer(rng, row)
            key = f"id-{k}"  # the same 200 ids in every window
            out.append((key, labelled_capture_record(key, start + k * 9.0 / 200, row, answer),
                        answer))  # fmt: skip
        return out

    first, second = window(1, T0), window(2, T0 + 10.0)
    for records in (first, second):
        pipe.send("capture", lines(r for _, r, _ in records))
        pipe.send("capture", lines(r for _, r, _ in records[:20]))  # sent again: duplicates
        pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records))
    pipe.send("capture", lines(r for _, r, _ in traffic(3, 1, T0 + 25)))  # closes both windows
    pipe.tick()
    for start, records in ((T0, first), (T0 + 10.0, second)):
        result = pipe.latest("model_quality", start)
        assert result.label_coverage == pytest.approx(200 / 220)  # the 20 again count, unjoined
        check_against_sklearn(result, [(a.label, a) for _, _, a in records])
    counts = pipe.ws.labelled["m"].join.counts
    assert (counts.joined, counts.duplicate_predictions, counts.duplicate_labels) == (400, 40, 0)
