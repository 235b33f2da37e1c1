"""Requests of several instances on the capture and labels topics, through WorkerState.

AWS's JSON bias-monitor example sends requests of N instances, reads the output with
``predictions[*]...`` and labels a request with one record ``{"instances": [{"label"}, ...]}``
at ``instances[*].label``. The worker joins instance ``i`` with label ``i``; counts that differ
are counted (``instance_count_mismatch``), never paired; a labels message may be a JSON array
of records. Figures are scikit-learn's over the per-instance pairs."""

from __future__ import annotations

import orjson
import pytest

from stream.config import LabelSettings
from stream.demo.labelled import iso_utc
from stream.worker.state import WorkerState
from tests.stream.worker.test_json_labels import dead_letters, json_record, model_quality_state
from tests.stream.worker.test_labelled import (
    T0,
    Pipe,
    baseline_folder,  # noqa: F401 - the module-scoped baseline fixture
    check_against_sklearn,
    lines,
    traffic,
)


def multi_state(clock, folder) -> WorkerState:
    labels = LabelSettings(ground_truth_attribute="instances[*].label")
    return model_quality_state(
        clock, folder, labels, prediction="predictions[*].label", score="predictions[*].score"
    )


def request(key: str, seconds: float, instances: list) -> dict:
    """A capture of a request of several instances: CSV rows in, one prediction each out."""
    output = {"predictions": [{"label": a.predicted, "score": a.score} for _, a in instances]}
    return {
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                              "data": "\n".join(",".join(r) for r, _ in instances),
                              "encoding": "CSV"},
            "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                               "data": orjson.dumps(output).decode(), "encoding": "JSON"},
        },
        "eventMetadata": {"eventId": f"e-{key}", "inferenceId": key,
                          "inferenceTime": iso_utc(seconds)},
        "eventVersion": "0",
    }  # fmt: skip


def test_requests_of_several_instances_join_instance_by_instance(
    fake_clock,
    baseline_folder,  # noqa: F811
) -> None:
    pipe = Pipe(multi_state(fake_clock, baseline_folder))
    answers = [(r["captureData"]["endpointInput"]["data"].split(","), a)
               for _, r, a in traffic(41, 300, T0)]  # fmt: skip
    sizes = [1, 3, 2, 4] * 30  # 300 instances in 120 requests
    groups, start = [], 0
    for size in sizes:
        groups.append(answers[start : start + size])
        start += size
    keys = [f"req-{g}" for g in range(len(groups))]
    captures = [
        request(k, T0 + g * 0.05, group)
        for g, (k, group) in enumerate(zip(keys, groups, strict=True))
    ]
    labels = [json_record(k, {"instances": [{"label": a.label} for _, a in group]})
              for k, group in zip(keys, groups, strict=True)]  # fmt: skip
    wrong = {101: 1, 103: 5}  # requests of 3 and 4 instances, labels of 1 and 5 values
    for g, count in wrong.items():
        labels[g] = json_record(keys[g], {"instances": [{"label": 1}] * count})
    early = orjson.dumps(labels[:50])  # one message that is a JSON array of label records
    assert dead_letters(pipe, pipe.send("labels", early)) == []
    pipe.send("capture", lines(captures))
    assert dead_letters(pipe, pipe.send("labels", lines(labels[50:]))) == []
    pipe.send("capture", lines(r for _, r, _ in traffic(42, 1, T0 + 15)))  # closes the window
    pipe.tick()
    result = pipe.latest("model_quality", T0)
    joined = [a for g, group in enumerate(groups) if g not in wrong for _, a in group]
    assert len(joined) == 300 - 3 - 4
    assert result.label_coverage == pytest.approx(len(joined) / 300)
    check_against_sklearn(result, [(a.label, a) for a in joined])
    counts = pipe.ws.labelled["m"].join.counts
    assert counts.joined == len(joined)
    assert counts.unusable["instance_count_mismatch"] == 2  # (the closing record: no_prediction)


def test_a_request_of_more_instances_than_one_entry_holds_is_counted_not_joined(
    fake_clock,
    baseline_folder,  # noqa: F811
    monkeypatch,
) -> None:
    """Its waiting entry is one changelog record: beyond MAX_INSTANCES it is refused, counted."""
    monkeypatch.setattr("stream.monitors.labelled.MAX_INSTANCES", 3)
    pipe = Pipe(multi_state(fake_clock, baseline_folder))
    answers = [(r["captureData"]["endpointInput"]["data"].split(","), a)
               for _, r, a in traffic(43, 7, T0)]  # fmt: skip
    pipe.send(
        "capture", lines([request("small", T0, answers[:3]), request("big", T0, answers[3:])])
    )
    counts = pipe.ws.labelled["m"].join.counts
    assert counts.predictions == 1  # the request of 3 waits; the one of 4 is refused
    assert counts.unusable["multi_row_output"] == 1
