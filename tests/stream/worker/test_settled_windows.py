"""Settled labelled windows: kept packed by the aggregator, revised by late labels as before.

A labelled window waits for late labels for the whole label horizon (14 days by default).
Once past the data-quality horizon with its labels published, the aggregator keeps it as
compressed bytes only; a late label brings it back. The reference is scikit-learn on the
rows joined so far, before and after a restart from the partials partition's snapshot.
"""

from __future__ import annotations

import pytest

from detectors.quality.dataset_profile import DatasetProfile
from stream.config import DriftlineConfig, KafkaConfig, WorkerConfig
from stream.demo.labelled import ground_truth_record
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.aggregated_window import AggregatedWindow
from stream.worker.state import PARTIALS, WorkerState
from stream.worker.windows import WindowPartial
from tests.stream.worker.test_labelled import (
    T0,
    Pipe,
    baseline_folder,  # noqa: F401 (a fixture)
    check_against_sklearn,
    lines,
    state,
    traffic,
)

SPAN = (T0, T0 + 10.0)


def short_horizon(clock, folder) -> WorkerState:
    """The tests' labelled worker, with windows past the data-quality horizon 10 s after."""
    config = state(clock, folder).config
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=config.monitors,
                             worker=WorkerConfig(revision_horizon_seconds=10.0))  # fmt: skip
    return WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=clock)


def first_window_settled(fake_clock, folder):
    """Window T0 published with half its labels, then three more windows: it is settled."""
    pipe = Pipe(short_horizon(fake_clock, folder))
    records = traffic(1, 400, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records[:200]))
    for w in range(1, 5):
        pipe.send("capture", lines(r for _, r, _ in traffic(10 + w, 30, T0 + 10.0 * w)))
        fake_clock.advance(1.0)
        pipe.tick()
    return pipe, records


def test_a_window_past_the_horizon_with_its_labels_out_is_kept_packed(fake_clock, baseline_folder):  # noqa: F811
    pipe, records = first_window_settled(fake_clock, baseline_folder)
    aggregator = pipe.ws.aggregators["m"]
    assert SPAN not in aggregator.windows
    check_against_sklearn(
        pipe.latest("model_quality", T0), [(a.label, a) for _, _, a in records[:200]]
    )
    settled = AggregatedWindow.from_packed(aggregator.settled[SPAN], aggregator.labelled)
    assert (settled.profile, settled.labelled_revision, settled.labelled_changed) == (
        None,
        0,
        False,
    )


def test_a_late_label_revises_a_settled_window(fake_clock, baseline_folder):  # noqa: F811
    pipe, records = first_window_settled(fake_clock, baseline_folder)
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records[200:300]))
    fake_clock.advance(1.0)
    pipe.tick()
    revised = pipe.latest("model_quality", T0)
    assert revised.revision == 1 and revised.label_coverage == pytest.approx(300 / 400)
    check_against_sklearn(revised, [(a.label, a) for _, _, a in records[:300]])
    assert SPAN in pipe.ws.aggregators["m"].settled  # published: settled again


def test_a_settled_window_restored_from_a_snapshot_is_revised(fake_clock, baseline_folder):  # noqa: F811
    pipe, records = first_window_settled(fake_clock, baseline_folder)
    blobs = pipe.ws.checkpoint(PARTIALS, 0).blobs
    assert f"m/settled/{SPAN[0]!r}/{SPAN[1]!r}" in blobs
    restored = short_horizon(fake_clock, baseline_folder)
    restored.restore(PARTIALS, 0, blobs, {})
    assert SPAN in restored.aggregators["m"].settled
    pipe.ws.aggregators = restored.aggregators  # the partials side moved to a new worker
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records[200:]))
    fake_clock.advance(1.0)
    pipe.tick()
    revised = pipe.latest("model_quality", T0)
    assert revised.revision == 1 and revised.label_coverage == pytest.approx(1.0)
    check_against_sklearn(revised, [(a.label, a) for _, _, a in records])


def test_records_for_a_window_past_the_horizon_are_counted_late(fake_clock, baseline_folder):  # noqa: F811
    """A window kept only for late labels takes no more records: its partial is late (as for
    a window forgotten altogether), not a duplicate — nothing of it was merged before."""
    pipe, _ = first_window_settled(fake_clock, baseline_folder)
    aggregator = pipe.ws.aggregators["m"]
    baseline = aggregator.baseline
    profile = DatasetProfile(features=baseline.features, kinds=baseline.kinds)
    partial = WindowPartial(
        monitor="m", window_start=T0, window_end=T0 + 10.0, partition=0,
        profile_state=profile.to_state(), record_count=3, row_count=3,
        first_offset=10_000, last_offset=10_000, closed_until=T0 + 10.0,
    )  # fmt: skip
    before = aggregator.late_partials, aggregator.duplicate_partials
    assert aggregator.update(0, 10_000, partial) == []
    assert (aggregator.late_partials, aggregator.duplicate_partials) == (
        before[0] + 1,
        before[1],
    )
