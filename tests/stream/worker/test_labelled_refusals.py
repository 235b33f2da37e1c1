"""What the labelled paths refuse is dead-lettered and counted, through WorkerState.

The reference is what was sent: each refused label, SHAP record or empty message is one
dead letter with its reason and one increment of ``driftline_dead_letters_total``, and each
capture whose output gives no prediction one increment of
``driftline_unusable_predictions_total``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import orjson
import pytest
from prometheus_client import CollectorRegistry

from stream.capture.undecodable import UndecodableBatch
from stream.demo.labelled import ground_truth_record
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.labelled_summaries import UNUSABLE_PREDICTION_REASONS
from stream.worker.metric_sources import DEAD_LETTER_REASONS
from stream.worker.metrics import register_worker_metrics
from stream.worker.state import WorkerState
from tests.stream.labels.test_attributions import REFUSED as SHAP_REFUSED
from tests.stream.labels.test_records import REFUSED as LABELS_REFUSED
from tests.stream.worker.saved_sources import saved_sources
from tests.stream.worker.test_labelled import T0, Pipe, baseline_folder, lines, state, traffic

__all__ = ["baseline_folder"]  # the module's fixture, used here


def _topic_state(clock, folder) -> WorkerState:
    """All four monitors, SHAP values from the attributions topic."""
    ws = state(clock, folder)
    monitor = ws.config.monitors[0]
    topic = replace(monitor.attribution, shap_source="topic")
    config = replace(ws.config, monitors=(replace(monitor, attribution=topic),))
    ws = WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=clock)
    ws.assign({0}, {0})
    return ws


def _samples(ws: WorkerState, name: str) -> dict[str, float]:
    registry = CollectorRegistry()
    register_worker_metrics(registry, saved_sources(ws))
    return {s.labels["reason"]: s.value for family in registry.collect()
            for s in family.samples if s.name == name}  # fmt: skip


def _letters(ws: WorkerState, out) -> list[tuple[str, str]]:
    docs = [orjson.loads(m.value) for m in out if m.topic == ws.names.deadletter]
    return [(d["topic"], d["reason"]) for d in docs]


def test_refused_labels_and_shap_records_are_in_the_dead_letter_metric(fake_clock, baseline_folder):
    ws = _topic_state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    sent = [
        ("labels", b"not json", "invalid_json"),
        ("labels", orjson.dumps({"eventMetadata": {"eventId": "k"}}), "unknown_record"),
        (
            "labels",
            orjson.dumps({**ground_truth_record("k", 1), "eventVersion": 0}),
            "bad_event_version",
        ),  # fmt: skip
        ("attributions", b"{", "invalid_json"),
        (
            "attributions",
            orjson.dumps({"inferenceId": "k", "shap": {"age": "x"}}),
            "not_a_number",
        ),  # fmt: skip
        ("capture", b"not json", "invalid_json"),
    ]
    letters = []
    for source, raw, _ in sent:
        letters += _letters(ws, pipe.send(source, raw))
    assert letters == [(f"p.{source}", reason) for source, _, reason in sent]
    metric = _samples(ws, "driftline_dead_letters_total")
    assert {r: n for r, n in metric.items() if n} == dict(Counter(r for *_, r in sent))


def test_every_reason_a_label_or_shap_record_is_refused_for_is_counted_from_zero(
    fake_clock, baseline_folder
):
    """So that ``increase()`` sees the first refusal of a kind (a series appearing at 1 has
    no earlier sample); the reasons are the hand-built refusals of the decoders' tests."""
    reasons = {r for *_, r in LABELS_REFUSED} | {r for _, r in SHAP_REFUSED}
    metric = _samples(_topic_state(fake_clock, baseline_folder), "driftline_dead_letters_total")
    assert {r: metric.get(r) for r in reasons} == dict.fromkeys(reasons, 0)
    assert set(DEAD_LETTER_REASONS) <= set(metric)  # the capture path's, as before
    # SHAP values read from the capture: attribution records' own reasons cannot happen
    metric = _samples(state(fake_clock, baseline_folder), "driftline_dead_letters_total")
    assert {r for r in reasons if r not in metric} == {"missing_id", "missing_shap", "not_a_number"}


@pytest.mark.parametrize("source", ["labels", "attributions"])
def test_tombstones_and_empty_messages_are_dead_lettered_on_both_labelled_topics(
    fake_clock, baseline_folder, source
):
    ws = _topic_state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    letters = []
    for value in (None, b"", b" \n\r\n"):
        letters += _letters(ws, pipe.send(source, value))
    expected = ["tombstone", "empty_message", "empty_message"]
    assert letters == [(f"p.{source}", reason) for reason in expected]
    metric = _samples(ws, "driftline_dead_letters_total")
    assert (metric["tombstone"], metric["empty_message"]) == (1, 2)


@pytest.mark.parametrize("source", ["labels", "attributions", "capture"])
def test_the_stand_in_for_an_undecodable_batch_is_dead_lettered_with_its_problem(
    fake_clock, baseline_folder, source
):
    ws = _topic_state(fake_clock, baseline_folder)
    value = UndecodableBatch.of(4, 9, "BadGzipFile: Unknown compression method")
    letters = [m for m in Pipe(ws).send(source, value) if m.topic == ws.names.deadletter]
    assert len(letters) == 1
    letter = orjson.loads(letters[0].value)
    assert (letter["reason"], letter["record_index"]) == ("corrupt_batch", -1)
    assert "offsets 4..9 does not decode: BadGzipFile" in letter["message"]
    assert _samples(ws, "driftline_dead_letters_total")["corrupt_batch"] == 1


def test_an_internal_error_on_the_labels_topic_is_in_the_dead_letter_metric(
    fake_clock, baseline_folder, monkeypatch
):
    ws = _topic_state(fake_clock, baseline_folder)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ws.labelled["m"], "update", broken)
    letters = _letters(ws, Pipe(ws).send("labels", orjson.dumps(ground_truth_record("k", 1))))
    assert letters == [("p.labels", "internal_error")]
    assert _samples(ws, "driftline_dead_letters_total")["internal_error"] == 1


def test_captures_whose_output_gives_no_prediction_are_counted_by_reason(
    fake_clock, baseline_folder
):
    """Profiled by data quality, but no prediction to join: counted, not silently lost."""
    ws = _topic_state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    records = traffic(12, 9, T0 + 1)
    outputs = [None, '{"label": 1, "score": 0.', '{"explanation": "none"}',
               '{"label": null, "score": "high"}', '[{"label": 1}, {"label": 0}]']  # fmt: skip
    reasons = ["missing_output", "bad_payload", "no_prediction", "no_prediction",
               "multi_row_output"]  # fmt: skip
    docs = [doc for _, doc, _ in records]
    for doc, data in zip(docs, outputs, strict=False):
        if data is None:
            del doc["captureData"]["endpointOutput"]
        else:
            doc["captureData"]["endpointOutput"]["data"] = data
    assert pipe.send("capture", lines(docs)) == []
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records))
    counts = ws.labelled["m"].join.counts
    assert (counts.predictions, counts.joined) == (4, 4)  # the four readable ones
    metric = _samples(ws, "driftline_unusable_predictions_total")
    # every known reason is exported, from 0 (the bias reasons need a config with headers)
    assert metric == dict.fromkeys(UNUSABLE_PREDICTION_REASONS, 0) | dict(Counter(reasons))
    # a Clarify response's unreadable explanations too, so an alert on them starts from 0
    assert (metric["bad_explanations"], metric["unnamed_features"]) == (0, 0)
    assert ws.paths["m"].counts.processed == 9  # data quality profiled every record


def test_the_join_counts_a_user_acts_on_are_exported(fake_clock, baseline_folder):
    """Evicted and repeated captures, superseded labels and orphan SHAP records are metrics.

    With ``max_pending = 3``, of 5 unlabelled captures 2 find the store full; one capture sent
    again is a duplicate; a second label for a key with no capture supersedes the first; a
    SHAP record for a key never captured waits and expires with the labels.
    """
    ws = _topic_state(fake_clock, baseline_folder)
    monitor = ws.config.monitors[0]
    small = replace(monitor, labels=replace(monitor.labels, max_pending=3, label_ttl_seconds=60.0))
    baselines = {"m": load_data_quality_baseline(baseline_folder)}
    ws = WorkerState(replace(ws.config, monitors=(small,)), baselines, now=fake_clock)
    ws.assign({0}, {0})
    pipe = Pipe(ws)
    docs = [doc for _, doc, _ in traffic(13, 5, T0 + 1)]
    pipe.send("capture", lines(docs))
    pipe.send("capture", lines(docs[:1]))  # the first capture again
    pipe.send("labels", lines([ground_truth_record("nobody", 0), ground_truth_record("nobody", 1)]))
    pipe.send("attributions", orjson.dumps({"inferenceId": "ghost", "shap": {"age": 0.5}}))
    fake_clock.advance(120.0)
    pipe.tick()

    def value(name, **labels):
        registry = CollectorRegistry()
        register_worker_metrics(registry, saved_sources(ws))
        return registry.get_sample_value(name, {"monitor": "m", **labels})

    assert value("driftline_predictions_evicted_total") == 2
    assert value("driftline_predictions_duplicate_total") == 1
    assert value("driftline_labels_superseded_total") == 1
    assert value("driftline_labels_expired_total", side="label") == 1
    assert value("driftline_labels_expired_total", side="shap") == 1


def test_an_a2i_output_whose_worker_time_leaves_years_1_to_9999_is_a_label(
    fake_clock, baseline_folder
):
    """A worker time of 0001-01-01T00:30:00+01:00 is 0000-12-31 in UTC: it raised
    OverflowError, and the whole message, good labels with it, was an internal error."""
    ws = state(fake_clock, baseline_folder)
    monitor = ws.config.monitors[0]
    labels = replace(monitor.labels, a2i_answer_path="churned.label",
                     a2i_value_map=(("yes", "1"), ("no", "0")))  # fmt: skip
    config = replace(ws.config, monitors=(replace(monitor, labels=labels),))
    ws = WorkerState(config, {"m": load_data_quality_baseline(baseline_folder)}, now=fake_clock)
    ws.assign({0}, {0})
    loop = {
        "flowDefinitionArn": "arn:aws:sagemaker:eu-west-1:111122223333:flow-definition/f",
        "humanLoopName": "loop-1",
        "humanAnswers": [{"answerContent": {"churned": {"label": "yes"}}, "workerId": "w1",
                          "submissionTime": "0001-01-01T00:30:00+01:00"}],
        "inputContent": {"inferenceId": "k2"},
    }  # fmt: skip
    out = Pipe(ws).send("labels", lines([ground_truth_record("k1", 1), loop]))
    assert _letters(ws, out) == []
    assert not ws.internal_errors
    assert ws.labelled["m"].join.counts.labels == 2


def _nested(depth: int) -> str:
    """The JSON text ``{"a": {"a": … 1 …}}``, ``depth`` objects deep (orjson reads up to
    1,024 levels, and writes 254)."""
    return '{"a":' * depth + "1" + "}" * depth


def test_a_deeply_nested_prediction_is_an_unusable_prediction_and_its_message_joins(
    fake_clock, baseline_folder
):
    """An output whose predicted label nests 1,000 objects deep parsed, but its waiting entry
    could not be written (orjson writes 254 levels): the whole message, good captures with it,
    was dead-lettered as an internal error after data quality had profiled it."""
    ws = _topic_state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    records = traffic(14, 8, T0 + 1)
    docs = [doc for _, doc, _ in records]
    docs[3]["captureData"]["endpointOutput"]["data"] = f'{{"score": 0.4, "label": {_nested(1000)}}}'

    assert _letters(ws, pipe.send("capture", lines(docs))) == []
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records))
    assert not ws.internal_errors
    counts = ws.labelled["m"].join.counts
    assert (counts.predictions, counts.joined) == (7, 7)  # every capture but the deep one
    assert _samples(ws, "driftline_unusable_predictions_total")["too_deep"] == 1
    assert ws.paths["m"].counts.processed == 8  # data quality profiled every record
    assert _samples(ws, "driftline_dead_letters_total").get("internal_error", 0) == 0


@pytest.mark.parametrize("shap_source", ["topic", "capture"])
def test_a_deeply_nested_shap_value_is_refused_as_not_a_number(
    fake_clock, baseline_folder, shap_source
):
    """Its error message showed the value with repr(), which ran out of recursion: the SHAP
    record (or the capture message carrying it) was an internal error, not ``not_a_number``."""
    ws = _topic_state(fake_clock, baseline_folder) if shap_source == "topic" else None
    if ws is None:
        ws = state(fake_clock, baseline_folder)
        ws.assign({0}, {0})
    pipe = Pipe(ws)
    records = traffic(15, 6, T0 + 1)
    docs = [doc for _, doc, _ in records]
    deep = f'{{"label0": {{"income": 0.2, "age": {_nested(1000)}}}}}'
    if shap_source == "topic":
        pipe.send("capture", lines(docs))
        shap = [orjson.dumps({"inferenceId": k, "shap": a.shap}) for k, _, a in records]
        shap[2] = f'{{"inferenceId": "{records[2][0]}", "shap": {deep}}}'.encode()
        letters = _letters(ws, pipe.send("attributions", b"\n".join(shap)))
        assert letters == [("p.attributions", "not_a_number")]
    else:
        output = docs[2]["captureData"]["endpointOutput"]
        output["data"] = output["data"][: output["data"].index('"shap"')] + f'"shap": {deep}}}'

        assert _letters(ws, pipe.send("capture", lines(docs))) == []
        unusable = _samples(ws, "driftline_unusable_predictions_total")
        assert unusable["bad_explanations"] == 1
    assert not ws.internal_errors
    assert ws.labelled["m"].join.counts.predictions == 6  # every capture waits for its label


def test_a_label_whose_event_version_nests_1000_deep_is_refused_alone(fake_clock, baseline_folder):
    """The refusal's message showed the version with repr(), which ran out of recursion: the
    whole labels message, good labels with it, was dead-lettered as an internal error."""
    ws = _topic_state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    records = traffic(16, 6, T0 + 1)
    pipe.send("capture", lines(doc for _, doc, _ in records))
    labels = [orjson.dumps(ground_truth_record(k, a.label)) for k, _, a in records]
    labels[4] = labels[4].replace(
        b'"eventVersion":"0"', b'"eventVersion":' + _nested(1000).encode()
    )
    letters = _letters(ws, pipe.send("labels", b"\n".join(labels)))
    assert letters == [("p.labels", "bad_event_version")]
    assert not ws.internal_errors
    assert ws.labelled["m"].join.counts.joined == 5


def test_a_predicted_label_that_is_a_json_array_is_left_out_of_bias_and_counted(
    fake_clock, baseline_folder
):
    """Bias looked the array up in a set of the label's values (TypeError: unhashable): the
    labels message that joined it was dead-lettered whole as an internal error, with a
    traceback, though its labels had joined. Model quality already left such a prediction out
    as not 0/1."""
    ws = _topic_state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    records = traffic(17, 6, T0 + 1)
    docs = [doc for _, doc, _ in records]
    output = docs[2]["captureData"]["endpointOutput"]
    output["data"] = orjson.dumps({"score": 0.7, "label": [1, 0]}).decode()
    pipe.send("capture", lines(docs))
    out = pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records))
    assert _letters(ws, out) == []
    assert not ws.internal_errors
    assert ws.labelled["m"].join.counts.joined == 6
    pipe.send("capture", lines([traffic(18, 1, T0 + 15)[0][1]]))  # the window closes
    pipe.tick()
    unusable = _samples(ws, "driftline_unusable_labels_total")
    assert unusable["prediction_not_binary"] == 1  # model quality's
    assert unusable["bias_prediction_not_a_number"] == 1
