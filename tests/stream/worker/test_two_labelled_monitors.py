"""Two labelled monitors in one config: each joins every label to its own predictions.

The labels topic is one for every monitor and the partition store is one per partition, so
each monitor keeps its waiting entries under its own namespaces. Before, the first monitor
joined the second one's predictions too, and the second joined nothing (its predictions and
labels counted as duplicates). The reference is scikit-learn over the traffic sent.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from stream.demo.labelled import ground_truth_record
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.state import WorkerState
from tests.stream.worker.test_labelled import (
    T0,
    Pipe,
    baseline_folder,
    check_against_sklearn,
    lines,
    state,
    traffic,
)

__all__ = ["baseline_folder"]  # the module's fixture, used here


def _two_monitors(clock, folder) -> WorkerState:
    one = state(clock, folder)
    first = one.config.monitors[0]
    config = replace(one.config, monitors=(first, replace(first, name="n")))
    baseline = load_data_quality_baseline(folder)
    return WorkerState(config, {"m": baseline, "n": baseline}, now=clock)


def _latest(pipe: Pipe, monitor: str, monitor_type: str, window: float):
    found = [r for r in pipe.results if r.monitor == monitor
             and getattr(r, "monitor_type", "data_quality") == monitor_type
             and r.window_start == window]  # fmt: skip
    return found[-1]


def test_each_monitor_joins_every_label_to_its_own_predictions(fake_clock, baseline_folder):
    ws = _two_monitors(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    records = traffic(21, 300, T0)
    early = records[:100]  # their labels wait for the predictions in both monitors
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in early))
    for i in range(0, 300, 100):
        pipe.send("capture", lines(r for _, r, _ in records[i : i + 100]))
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records[100:250]))
    pipe.send("capture", lines(r for _, r, _ in traffic(22, 1, T0 + 15)))  # closes the window
    pipe.tick()
    joined = [(a.label, a) for _, _, a in records[:250]]
    for name in ("m", "n"):
        counts = ws.labelled[name].join.counts
        assert (counts.joined, counts.duplicate_labels, counts.duplicate_predictions) == (
            250, 0, 0,
        ), name  # fmt: skip
        result = _latest(pipe, name, "model_quality", T0)
        assert result.label_coverage == pytest.approx(250 / 300)
        check_against_sklearn(result, joined)


def test_each_monitor_expires_and_counts_only_its_own_entries(fake_clock, baseline_folder):
    ws = _two_monitors(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    pipe.send("capture", lines(r for _, r, _ in traffic(23, 40, T0)))
    pipe.send("labels", lines([ground_truth_record("nobody", 1)]))
    fake_clock.advance(14 * 24 * 3600 + 1)
    pipe.tick()
    for name in ("m", "n"):
        counts = ws.labelled[name].join.counts
        assert (counts.expired_predictions, counts.expired_labels) == (40, 1), name
