"""Joined labels model quality cannot use are counted by reason and shown, through WorkerState.

The reference is hand-counted from what was sent: 12 captures of one window, 10 labels
before the window closes of which 3 are ``abc`` (not 0/1), then 2 late labels ``2`` and
``0.5``. Model quality stands on the 7 usable labels; ``driftline_unusable_labels_total``
reads ``not_binary`` 3 after the provisional result and 5 after the revision (each label
counted once), every other reason 0 from the start; the window's result, its execution
message, the log and the status page name the unusable labels.
"""

from __future__ import annotations

import logging

import orjson
import pytest
from prometheus_client import CollectorRegistry

from stream.demo.labelled import ground_truth_record
from stream.status.board import StatusBoard
from stream.status.payloads import status_summary
from stream.worker.labelled_outputs import labelled_execution_message
from stream.worker.metrics import register_worker_metrics
from stream.worker.state import PARTIALS, WorkerState
from tests.stream.worker.saved_sources import saved_sources
from tests.stream.worker.test_bias_left_out import BIAS_REASONS
from tests.stream.worker.test_labelled import T0, Pipe, baseline_folder, lines, state, traffic

__all__ = ["baseline_folder"]  # the module's fixture, used here

# the monitor has bias too: its reasons are exported from 0 as well (no row left out here)
BINARY_REASONS = ("missing", "not_binary", "prediction_missing", "prediction_not_binary",
                  *BIAS_REASONS)  # fmt: skip


def _label(key: str, data: str) -> dict:
    record = ground_truth_record(key, 0)
    record["groundTruthData"]["data"] = data
    return record


def _unusable(ws: WorkerState) -> dict[str, float]:
    registry = CollectorRegistry()
    register_worker_metrics(registry, saved_sources(ws))
    return {s.labels["reason"]: s.value for family in registry.collect() for s in family.samples
            if s.name == "driftline_unusable_labels_total"
            and s.labels["monitor"] == "m"}  # fmt: skip


def test_labels_that_are_not_0_or_1_are_counted_by_reason_and_shown(
    fake_clock, baseline_folder, caplog
):
    ws = state(fake_clock, baseline_folder)
    ws.assign([0], [0])
    pipe = Pipe(ws)
    assert _unusable(ws) == dict.fromkeys(BINARY_REASONS, 0)  # exported from 0
    records = traffic(21, 12, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    labels = [_label(k, "abc") if i in (2, 5, 8) else ground_truth_record(k, a.label)
              for i, (k, _, a) in enumerate(records[:10])]  # fmt: skip
    pipe.send("labels", lines(labels))
    pipe.send("capture", lines(r for _, r, _ in traffic(22, 1, T0 + 15)))  # closes the window
    with caplog.at_level(logging.WARNING, logger="driftline.worker"):
        pipe.tick()

    provisional = pipe.latest("model_quality", T0)
    stats = provisional.outcome.statistics
    note = "3 of 10 labels not usable for model quality (not 0/1: 3)"
    assert (stats["labelled_count"], stats["dataset"]["item_count"]) == (10, 7)
    assert (stats["unusable_label_count"], stats["unusable_labels"]) == (3, {"not_binary": 3})
    assert provisional.outcome.warnings == (note,)
    assert labelled_execution_message(provisional)["warnings"] == [note]
    assert f"monitor m model_quality window {T0} rev 0: {note}" in caplog.messages
    assert _unusable(ws) == dict.fromkeys(BINARY_REASONS, 0) | {"not_binary": 3}
    assert ws.labelled["m"].join.counts.joined == 10  # all joined, 3 of them unusable

    late = [_label(records[10][0], "2"), _label(records[11][0], "0.5")]
    pipe.send("labels", lines(late))
    fake_clock.advance(1.0)
    pipe.tick()
    revised = pipe.latest("model_quality", T0)
    assert revised.revision == 1
    assert revised.outcome.statistics["unusable_labels"] == {"not_binary": 5}
    assert revised.outcome.warnings == ("5 of 12 labels not usable for model quality "
                                        "(not 0/1: 5)",)  # fmt: skip
    assert _unusable(ws) == dict.fromkeys(BINARY_REASONS, 0) | {"not_binary": 5}


def test_the_status_page_shows_the_unusable_labels(fake_clock, baseline_folder):
    ws = state(fake_clock, baseline_folder)
    records = traffic(23, 10, T0)
    ws.on_capture(0, 0, lines(r for _, r, _ in records))
    labels = [_label(k, "abc") if i < 3 else ground_truth_record(k, a.label)
              for i, (k, _, a) in enumerate(records)]  # fmt: skip
    ws.on_labelled("labels", 0, 0, lines(labels))
    ws.on_capture(0, 1, lines(r for _, r, _ in traffic(24, 1, T0 + 15)))
    ws.tick()
    for message in ws.checkpoint("capture", 0).outbox:
        ws.on_partial(message.partition, 0, message.value)
    ws.tick()
    board = StatusBoard({})
    kinds = {ws.names.statistics: "statistics", ws.names.executions: "executions",
             ws.names.violations: "violations"}  # fmt: skip
    for message in ws.checkpoint(PARTIALS, ws.partials_partition("m")).outbox:
        for doc in orjson.loads(b"[" + message.value.replace(b"\n", b",") + b"]"):
            board.apply(kinds[message.topic], doc)
    monitors = {m["monitor_type"]: m for m in status_summary(board)["monitors"]}
    (row,) = monitors["model_quality"]["windows"]
    assert row["labelled"] == 7
    assert row["warnings"] == ["3 of 10 labels not usable for model quality (not 0/1: 3)"]
    assert row["label_coverage"] == pytest.approx(1.0)
