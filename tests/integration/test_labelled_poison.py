"""Odd records on the labels and attributions topics, with all four monitors running.

A real worker on the real broker runs data quality, model quality, bias drift and
attribution drift (SHAP values from ``<prefix>.attributions``). Among good captures, labels
and SHAP records come records it must refuse: not JSON, wrong shapes, bad encodings, an
oversized label, tombstones, empty messages; and captures whose output holds no prediction.
Each refused record is on the dead-letter topic with its reason and in
``driftline_dead_letters_total``; each unreadable prediction in
``driftline_unusable_predictions_total``; the worker never exits; and the windows' figures
are those of the good records alone (scikit-learn's accuracy on the joined pairs, and the
counts sent). Labels of the wrong type (``2``, ``abc``, ``NaN``, ``0.5`` for a binary model)
join, are left out of model quality and counted in ``driftline_unusable_labels_total``.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter

import orjson
import pytest
from sklearn import metrics as skm

from stream.capture.partitioning import partition_for_key
from stream.demo.labelled import ground_truth_record, write_labelled_baselines
from stream.kafka.keyed_producer import ATTRIBUTION_KEY_PATHS, LABEL_KEY_PATHS
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.test_labelled_worker import (
    MODEL,
    SHAP_ON_TOPIC,
    config,
    latest,
    send,
    windows,
)
from tests.integration.workers import WorkerProcess, read_json, wait_for

pytestmark = pytest.mark.kafka

WINDOW_STARTS = ("2024-03-05T14:00:00Z", "2024-03-05T14:00:10Z")
WRONG_TYPE_LABELS = ("2", "abc", "NaN", "0.5")  # not 0/1: model quality cannot use them


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("labelled-poison") / "baseline"
    write_labelled_baselines(folder, MODEL, n=5000)
    return folder


def _config(folder, bootstrap: str, prefix: str, baseline) -> object:
    return config(folder, bootstrap, prefix, baseline, drift_check="point",
                  attribution=SHAP_ON_TOPIC)  # fmt: skip


def _label(key: str, data: str = "1", **changes) -> dict:
    record = ground_truth_record(key, 0)
    record["groundTruthData"]["data"] = data
    record.update(changes)
    return record


def odd_labels(key: str) -> list[tuple[bytes, str]]:
    """Label records for ``key`` that must be refused, each with its reason."""
    no_id = _label(key)
    del no_id["eventMetadata"]["eventId"]
    return [
        (b"not json at all", "invalid_json"),
        (b'{"groundTruthData": {"data": "\xff", "encoding": "CSV"}}', "invalid_json"),
        (orjson.dumps([_label(key), 1]), "not_an_object"),  # an array of records is read
        (orjson.dumps({"eventMetadata": {"eventId": key}, "eventVersion": "0"}), "unknown_record"),
        (orjson.dumps(_label(key, groundTruthData="1")), "wrong_type"),
        (orjson.dumps(_label(key, groundTruthData={"data": 1, "encoding": "CSV"})), "wrong_type"),
        (
            orjson.dumps(_label(key, groundTruthData={"data": "MQ==", "encoding": "BASE64"})),
            "bad_encoding",
        ),  # fmt: skip
        (
            orjson.dumps(_label(key, groundTruthData={"data": '{"y": 1}', "encoding": "JSON"})),
            "missing_label",  # JSON data, read at the bias baseline's label path "label"
        ),  # fmt: skip
        (orjson.dumps(_label(key, "")), "empty_data"),
        (orjson.dumps(_label(key, "1,")), "empty_value"),
        (orjson.dumps(_label(key, eventVersion=0)), "bad_event_version"),
        (orjson.dumps(no_id), "missing_field"),
        (
            orjson.dumps({"humanAnswers": [], "inputContent": {"inferenceId": key}}),
            "a2i_not_configured",
        ),  # fmt: skip
    ]


def odd_attributions(key: str) -> list[tuple[bytes, str]]:
    """SHAP records for ``key`` that must be refused, each with its reason."""
    return [
        (b"{shap", "invalid_json"),
        (b'{"inferenceId": "' + key.encode() + b'", "shap": {"age": NaN}}', "invalid_json"),
        (orjson.dumps([{"inferenceId": key}]), "not_an_object"),
        (orjson.dumps({"shap": {"age": 0.1}}), "missing_id"),
        (orjson.dumps({"inferenceId": key, "shap": [0.1, 0.2]}), "missing_shap"),
        (orjson.dumps({"inferenceId": key, "shap": {}}), "missing_shap"),
        (orjson.dumps({"inferenceId": key, "shap": {"age": "high"}}), "not_a_number"),
        (orjson.dumps({"inferenceId": key, "shap": {"age": True}}), "not_a_number"),
    ]


async def _send_raw(bootstrap: str, messages: list[tuple[str, int, bytes, bytes | None]]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=8 * 1024 * 1024)
    await producer.start()
    try:
        for topic, partition, key, value in messages:
            await producer.send_and_wait(topic, value, key=key, partition=partition)
    finally:
        await producer.stop()


UNREADABLE_OUTPUTS = {  # reason -> the capture's endpointOutput.data (None: no output)
    "missing_output": None,
    "bad_payload": '{"label": 1, "score": 0.',
    "no_prediction": '{"explanation": "none"}',
}


def _without_prediction(doc: dict, reason: str) -> dict:
    """The capture with an output that gives no prediction, for ``reason``."""
    capture, data = doc["captureData"], UNREADABLE_OUTPUTS[reason]
    if data is None:
        del capture["endpointOutput"]
    else:
        capture["endpointOutput"]["data"] = data
    return doc


def _final_results(bootstrap: str, names: TopicNames, start: str, *, labelled: int,
                   explained: int) -> tuple[dict, dict, dict]:  # fmt: skip
    """The window's model-quality result once it counts ``labelled`` labels, its attribution
    result once it counts ``explained`` SHAP records, and its data-quality statistics."""

    def counted(kind: str, field: str, count: int):
        doc = latest(bootstrap, names, kind, start)
        return doc if doc and doc.get(field) == count else None

    quality = wait_for(lambda: counted("model_quality", "labelled_count", labelled), 60,
                       f"the model quality of {start} with every label")  # fmt: skip
    attribution = wait_for(
        lambda: counted("feature_attribution_drift", "explained_count", explained), 60,
        f"the attribution drift of {start} with every SHAP record",
    )  # fmt: skip
    return quality, attribution, latest(bootstrap, names, "data_quality", start)


def test_odd_labels_and_attributions_are_dead_lettered_and_counted(
    tmp_path, kafka_bootstrap, baseline
):
    prefix = f"labpoison{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    worker = WorkerProcess(_config(tmp_path, kafka_bootstrap, prefix, baseline),
                           tmp_path / "worker.log")  # fmt: skip
    traffic = windows(41, 200, n_windows=2)
    unreadable = [key for _, key, _, _ in traffic if int(key.rsplit("-", 1)[1]) % 40 == 7]
    reasons = dict(zip(unreadable, itertools.cycle(UNREADABLE_OUTPUTS), strict=False))
    captures = [_without_prediction(doc, reasons[key]) if key in reasons else doc
                for _, key, doc, _ in traffic]  # fmt: skip
    usable = [t for t in traffic if t[1] not in unreadable]
    labelled = [t for t in usable if int(t[1].rsplit("-", 1)[1]) % 5]  # 4 in 5 get a label
    labels = [ground_truth_record(key, answer.label) for _, key, _, answer in labelled]
    # some unlabelled captures get a label of the wrong type: joined, not dead-lettered (bias
    # may use it), left out of model quality and counted as not_binary
    labelled_keys = {t[1] for t in labelled}
    unlabelled = [t for t in usable if t[1] not in labelled_keys]
    wrong_type = unlabelled[::3]
    labels += [_label(key, data) for (_, key, _, _), data
               in zip(wrong_type, itertools.cycle(WRONG_TYPE_LABELS), strict=False)]  # fmt: skip
    shap = [{"inferenceId": key, "shap": answer.shap} for _, key, _, answer in usable]

    expected: Counter[tuple[str, str]] = Counter()
    odd: list[tuple[str, int, bytes, bytes | None]] = []
    for role, topic, make in (("labels", names.labels, odd_labels),
                              ("attributions", names.attributions, odd_attributions)):  # fmt: skip
        for _, key, _, _ in labelled[:3]:
            for raw, reason in make(key):
                odd.append((topic, partition_for_key(key.encode(), 4), key.encode(), raw))
                expected[(role, reason)] += 1
        for partition, value in ((0, None), (1, b""), (2, b" \n\n")):
            odd.append((topic, partition, b"\xff\xfe not utf-8", value))
            expected[(role, "tombstone" if value is None else "empty_message")] += 1
    big = orjson.dumps(_label(labelled[0][1], "1" + " " * 4_300_000))  # over 4 MiB
    odd.append((names.labels, partition_for_key(labelled[0][1].encode(), 4), b"big", big))
    expected[("labels", "oversized")] += 1

    def dead_letters() -> Counter[tuple[str, str]]:
        return Counter((d["topic"].rsplit(".", 1)[1], d["reason"])
                       for d in read_json(kafka_bootstrap, names.deadletter))  # fmt: skip

    def sample(name: str, **labels: str) -> float:
        return worker.sample(name, monitor="m", **labels) or 0

    try:
        wait_for(lambda: worker.assigned() == 4, 90, "4 partitions owned")
        send(kafka_bootstrap, names.labels, labels[: len(labels) // 2],
             LABEL_KEY_PATHS)  # fmt: skip
        asyncio.run(_send_raw(kafka_bootstrap, odd[: len(odd) // 2]))
        send(kafka_bootstrap, names.capture, captures)
        send(kafka_bootstrap, names.attributions, shap, ATTRIBUTION_KEY_PATHS)
        asyncio.run(_send_raw(kafka_bootstrap, odd[len(odd) // 2 :]))
        send(kafka_bootstrap, names.labels, labels[len(labels) // 2 :],
             LABEL_KEY_PATHS)  # fmt: skip
        found = wait_for(lambda: (d := dead_letters()) == expected and d, 60, "the dead letters")

        results = {
            start: _final_results(kafka_bootstrap, names, start,
                                  labelled=sum(t[0] == w for t in labelled + wrong_type),
                                  explained=sum(t[0] == w for t in usable))
            for w, start in enumerate(WINDOW_STARTS)
        }  # fmt: skip
        by_reason: Counter[str] = Counter()
        for (_, reason), n in expected.items():
            by_reason[reason] += n
        metric = {r: sample("driftline_dead_letters_total", reason=r) for r in by_reason}
        unusable = {r: sample("driftline_unusable_predictions_total", reason=r)
                    for r in UNREADABLE_OUTPUTS}  # fmt: skip
        unusable_labels = {r: sample("driftline_unusable_labels_total", reason=r)
                           for r in ("missing", "not_binary", "prediction_missing",
                                     "prediction_not_binary")}  # fmt: skip
        alive = worker.process.poll() is None
    finally:
        worker.stop()
    assert alive, "the worker exited"
    assert found == expected
    assert metric == dict(by_reason)
    assert unusable == Counter(reasons.values())
    assert unusable_labels == {"missing": 0, "not_binary": len(wrong_type),
                               "prediction_missing": 0, "prediction_not_binary": 0}  # fmt: skip
    for w, start in enumerate(WINDOW_STARTS):
        quality, attribution, data = results[start]
        joined = [t for t in labelled if t[0] == w]
        accuracy = skm.accuracy_score(
            [a.label for *_, a in joined], [a.predicted for *_, a in joined]
        )
        block = quality["binary_classification_metrics"]
        assert block["accuracy"]["value"] == pytest.approx(accuracy, abs=1e-12)
        assert quality["dataset"]["item_count"] == len(joined)
        wrong = sum(t[0] == w for t in wrong_type)
        assert quality["unusable_labels"] == {"not_binary": wrong}
        assert quality["labelled_count"] == len(joined) + wrong
        assert quality["prediction_count"] == sum(t[0] == w for t in usable)
        assert attribution["prediction_count"] == quality["prediction_count"]
        assert data["dataset"]["item_count"] == 200  # every capture is profiled
    log = worker.log_path.read_text(errors="replace")
    assert "internal_error" not in log and "Traceback" not in log


def _nested(depth: int) -> str:
    """The JSON text ``{"a": {"a": … 1 …}}``: orjson reads 1,024 levels, writes 254."""
    return '{"a":' * depth + "1" + "}" * depth


def test_values_nested_1000_deep_are_refused_alone_and_the_good_records_beside_them_count(
    tmp_path, kafka_bootstrap, baseline
):
    """One capture message holds the window's good captures and one whose predicted label
    nests 1,000 objects deep; one SHAP message the good SHAP records and one whose value
    nests as deep; one labels message the good labels and one whose eventVersion nests as
    deep. Each deep record is refused with its reason (``too_deep``, counted as an unusable
    prediction; ``not_a_number`` and ``bad_event_version``, dead-lettered); before, each
    whole message was an internal error and the window's good predictions never joined their
    labels."""
    prefix = f"deep{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    worker = WorkerProcess(_config(tmp_path, kafka_bootstrap, prefix, baseline),
                           tmp_path / "worker.log")  # fmt: skip
    by_partition: dict[int, list] = {}
    for t in windows(43, 120, n_windows=1):
        by_partition.setdefault(partition_for_key(t[1].encode(), 4), []).append(t)
    partition, group = max(by_partition.items(), key=lambda item: len(item[1]))
    captures = [orjson.dumps(doc) for _, _, doc, _ in group]
    output = f'{{"score": 0.4, "label": {_nested(1000)}}}'
    captures[0] = captures[0].replace(
        orjson.dumps(group[0][2]["captureData"]["endpointOutput"]["data"]), orjson.dumps(output)
    )
    shap = [orjson.dumps({"inferenceId": key, "shap": a.shap}) for _, key, _, a in group]
    shap[1] = b'{"inferenceId": "%s", "shap": {"label0": {"age": %s}}}' % (
        group[1][1].encode(), _nested(1000).encode())  # fmt: skip
    good = group[1:]
    try:
        wait_for(lambda: worker.assigned() == 4, 90, "4 partitions owned")
        asyncio.run(_send_raw(kafka_bootstrap, [
            (names.capture, partition, b"m", b"\n".join(captures)),
            (names.attributions, partition, b"s", b"\n".join(shap)),
        ]))  # fmt: skip
        labels = [orjson.dumps(ground_truth_record(key, a.label)) for _, key, _, a in group]
        deep_version = labels[3].replace(b'"eventVersion":"0"',
                                         b'"eventVersion":' + _nested(1000).encode())  # fmt: skip
        asyncio.run(_send_raw(kafka_bootstrap, [
            (names.labels, partition, b"l", b"\n".join([*labels[:3], deep_version, *labels[3:]]))
        ]))  # fmt: skip
        quality, attribution, data = _final_results(
            kafka_bootstrap, names, WINDOW_STARTS[0], labelled=len(good), explained=len(good) - 1
        )
        letters = [(d["topic"].rsplit(".", 1)[1], d["reason"])
                   for d in read_json(kafka_bootstrap, names.deadletter)]  # fmt: skip
        too_deep = worker.sample("driftline_unusable_predictions_total", monitor="m",
                                 reason="too_deep")  # fmt: skip
        alive = worker.process.poll() is None
    finally:
        worker.stop()
    assert alive, "the worker exited"
    assert sorted(letters) == [("attributions", "not_a_number"), ("labels", "bad_event_version")]
    assert too_deep == 1
    assert quality["prediction_count"] == len(good)
    accuracy = skm.accuracy_score([a.label for *_, a in good], [a.predicted for *_, a in good])
    block = quality["binary_classification_metrics"]
    assert block["accuracy"]["value"] == pytest.approx(accuracy, abs=1e-12)
    assert attribution["explained_count"] == len(good) - 1
    assert data["dataset"]["item_count"] == len(group)  # every capture is profiled
    log = worker.log_path.read_text(errors="replace")
    assert "internal_error" not in log and "Traceback" not in log


def test_a_predicted_label_that_is_a_json_array_leaves_the_labels_message_readable(
    tmp_path, kafka_bootstrap, baseline
):
    """A capture whose output's label is ``[1, 0]`` joins its label: bias could not look the
    array up (TypeError), and the labels message was dead-lettered whole as an internal error
    though its labels had joined. Now model quality and bias leave that one row out and count
    it, nothing is dead-lettered, and the window's figures are scikit-learn's on the others."""
    prefix = f"arr{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    worker = WorkerProcess(_config(tmp_path, kafka_bootstrap, prefix, baseline),
                           tmp_path / "worker.log")  # fmt: skip
    traffic = windows(44, 80, n_windows=1)
    odd_key = traffic[5][1]
    output = traffic[5][2]["captureData"]["endpointOutput"]
    output["data"] = orjson.dumps({"score": 0.7, "label": [1, 0]}).decode()
    labelled = [t for t in traffic if int(t[1].rsplit("-", 1)[1]) % 4]  # 3 in 4 get a label
    assert odd_key in {t[1] for t in labelled}
    good = [t for t in labelled if t[1] != odd_key]
    shap = [{"inferenceId": key, "shap": a.shap} for _, key, _, a in traffic]
    try:
        wait_for(lambda: worker.assigned() == 4, 90, "4 partitions owned")
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in traffic])
        send(kafka_bootstrap, names.attributions, shap, ATTRIBUTION_KEY_PATHS)
        send(kafka_bootstrap, names.labels,
             [ground_truth_record(key, a.label) for _, key, _, a in labelled],
             LABEL_KEY_PATHS)  # fmt: skip
        quality, _, _ = _final_results(kafka_bootstrap, names, WINDOW_STARTS[0],
                                       labelled=len(labelled), explained=len(traffic))  # fmt: skip
        letters = read_json(kafka_bootstrap, names.deadletter)
        unusable = {r: worker.sample("driftline_unusable_labels_total", monitor="m", reason=r)
                    for r in ("prediction_not_binary", "bias_prediction_not_a_number")}  # fmt: skip
    finally:
        worker.stop()
    assert letters == []
    assert unusable == {"prediction_not_binary": 1, "bias_prediction_not_a_number": 1}
    assert quality["dataset"]["item_count"] == len(good)
    accuracy = skm.accuracy_score([a.label for *_, a in good], [a.predicted for *_, a in good])
    block = quality["binary_classification_metrics"]
    assert block["accuracy"]["value"] == pytest.approx(accuracy, abs=1e-12)
    log = worker.log_path.read_text(errors="replace")
    assert "internal_error" not in log and "Traceback" not in log
