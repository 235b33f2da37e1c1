"""A worker restarted with another ``window_seconds``: windows of the two lengths never merge.

The windows restored from the snapshot finish with their old length (their own start and
end); records read after the restart go to windows of the new length; the aggregator keys
windows by start and end, so a partial of one length never merges into a window of the
other that shares its start. Reference: the records' counts and the exact sum (math.fsum)
of the numeric feature ``income`` over each window's own records, written out per window.
"""

from __future__ import annotations

import logging
import math
import random

import orjson

from detectors.quality.dataset_profile import DatasetProfile
from stream.worker.labelled_path import _STATE as LABELLED_BLOB
from stream.worker.windows import WindowPartial
from tests.stream.worker.test_aggregator import Feeder, aggregator
from tests.stream.worker.test_aggregator import partial as partial_of_rows
from tests.stream.worker.test_capture_path import SCHEMA, T0, batch, runtime
from tests.stream.worker.test_labelled import lines, traffic
from tests.stream.worker.test_labelled import state as labelled_state

INCOME = SCHEMA.features.index("income")


def _records(times: list[float], seed: int) -> tuple[list[dict], float]:
    """Capture records at ``times`` and the exact sum of their ``income``."""
    from stream.demo.synthetic import capture_record

    rows = SCHEMA.rows(random.Random(seed), len(times))
    records = [capture_record(f"r{seed}-{k}", t, row) for k, (t, row) in
               enumerate(zip(times, rows, strict=True))]  # fmt: skip
    return records, math.fsum(float(row[INCOME]) for row in rows)


def _income_sum(partial: WindowPartial) -> float:
    assert partial.profile_state is not None
    stats = DatasetProfile.from_state(partial.profile_state).statistics()
    (income,) = [f for f in stats.features if f.name == "income"]
    return income.numeric.sum


def _by_window(outputs) -> dict[tuple[float, float], WindowPartial]:
    found = [o for o in outputs if isinstance(o, WindowPartial) and not o.is_labelled]
    by_window = {(p.window_start - T0, p.window_end - T0): p for p in found}
    assert len(by_window) == len(found), "two partials of one window"
    return by_window


def _restarted(fake_clock, blobs, **settings):
    """A new capture path restored from ``blobs`` (through JSON, as a snapshot travels)."""
    path = runtime(fake_clock, **settings)
    path.restore(0, blobs)
    return path


def test_a_shorter_length_after_a_restart_leaves_the_restored_window_alone(fake_clock, caplog):
    """20 s windows, then 10 s: records at T0+5..9 once went into the restored [T0, T0+20)."""
    before, before_sum = _records([T0 + 0.5 * k for k in range(30)], seed=1)  # T0 .. T0+14.5
    twenty = runtime(fake_clock, window_seconds=20.0)
    twenty.update(0, 0, batch(before))
    assert _by_window(twenty.close_due(fake_clock().timestamp())) == {}
    blobs = twenty.snapshot(0)

    with caplog.at_level(logging.WARNING, logger="driftline.capture"):
        ten = _restarted(fake_clock, blobs, window_seconds=10.0)

    early, early_sum = _records([T0 + 5 + 0.5 * k for k in range(8)], seed=2)  # T0+5 .. T0+8.5
    late, late_sum = _records([T0 + 15 + 0.5 * k for k in range(10)], seed=3)  # T0+15 .. 19.5
    past, _ = _records([T0 + 23.0], seed=4)  # moves the watermark (lateness 2 s) past T0+20
    ten.update(0, 1, batch(early))
    ten.update(0, 2, batch(late))
    out = ten.update(0, 3, batch(past)) + ten.close_due(fake_clock().timestamp())
    windows = _by_window(out)
    assert sorted(windows) == [(0.0, 10.0), (0.0, 20.0), (10.0, 20.0)]
    assert windows[(0.0, 20.0)].record_count == 30  # only what it held before the restart
    assert math.isclose(_income_sum(windows[(0.0, 20.0)]), before_sum, rel_tol=1e-12)
    assert windows[(0.0, 10.0)].record_count == 8
    assert math.isclose(_income_sum(windows[(0.0, 10.0)]), early_sum, rel_tol=1e-12)
    assert windows[(10.0, 20.0)].record_count == 10
    assert math.isclose(_income_sum(windows[(10.0, 20.0)]), late_sum, rel_tol=1e-12)
    assert ten.counts.processed == 8 + 10 + 1
    (line,) = [r.getMessage() for r in caplog.records if "window length" in r.getMessage()]
    assert "monitor m: window length changed from 20 s to 10 s" in line
    assert "restored with 20 s finish with 20 s" in line


def test_a_longer_length_after_a_restart_finishes_the_old_window_with_its_own_end(fake_clock):
    """The crash audit's scenario on one partition: 10 s windows, killed mid-window, 20 s."""
    first, first_sum = _records([T0 + k / 3 for k in range(30)], seed=5)  # T0 .. T0+9.67
    half, half_sum = _records([T0 + 10 + k * 0.3 for k in range(15)], seed=6)  # .. T0+14.2
    ten = runtime(fake_clock)
    ten.update(0, 0, batch(first))
    out = ten.update(0, 1, batch(half)) + ten.close_due(fake_clock().timestamp())
    assert {k: p.record_count for k, p in _by_window(out).items()} == {(0.0, 10.0): 30}
    twenty = _restarted(fake_clock, ten.snapshot(0), window_seconds=20.0)

    rest, rest_sum = _records([T0 + 15 + k * 0.25 for k in range(20)], seed=7)  # T0+15 .. 19.75
    later, later_sum = _records([T0 + 20 + k * 0.5 for k in range(40)], seed=8)  # T0+20 .. 39.5
    past, _ = _records([T0 + 43.0], seed=9)
    out = []
    for offset, records in enumerate((rest, later, past), start=2):
        out += twenty.update(0, offset, batch(records))
        out += twenty.close_passed(0, fake_clock().timestamp())
    windows = _by_window(out + twenty.close_due(fake_clock().timestamp()))
    assert sorted(windows) == [(0.0, 20.0), (10.0, 20.0), (20.0, 40.0)]
    assert windows[(10.0, 20.0)].record_count == 15  # the old window, as it was
    assert math.isclose(_income_sum(windows[(10.0, 20.0)]), half_sum, rel_tol=1e-12)
    assert windows[(0.0, 20.0)].record_count == 20  # records after the restart only
    assert math.isclose(_income_sum(windows[(0.0, 20.0)]), rest_sum, rel_tol=1e-12)
    assert windows[(20.0, 40.0)].record_count == 40
    assert math.isclose(_income_sum(windows[(20.0, 40.0)]), later_sum, rel_tol=1e-12)
    assert first_sum  # window 0 went out before the restart, whole


def test_the_aggregator_never_merges_a_partial_into_a_window_of_another_length(fake_clock):
    """A 10 s window published, then a 20 s partial of the same start: its own window."""
    rows = SCHEMA.rows(random.Random(11), 450)
    agg = aggregator(fake_clock, window_seconds=20.0)
    add = Feeder(agg)
    (ten,) = add(partial_of_rows(rows[:300], T0, 0))  # end T0+10 (the helper's 10 s)
    assert (ten.window_end - ten.window_start, ten.record_count) == (10.0, 300)
    restored = aggregator(fake_clock, window_seconds=20.0)
    restored.restore(0, agg.snapshot(0))
    assert [(w.start - T0, w.end - T0) for w in restored.windows.values()] == [(0.0, 10.0)]

    longer = partial_of_rows(rows[300:], T0, 0, closed_until=T0 + 20, offset=5)
    longer = WindowPartial(**{**_fields(longer), "window_end": T0 + 20})
    results = Feeder(restored)(longer)
    assert [(r.window_start - T0, r.window_end - T0, r.revision) for r in results] == [
        (0.0, 20.0, 0)
    ]
    (twenty,) = results
    assert twenty.record_count == 150
    (income,) = [f for f in twenty.statistics.features if f.name == "income"]
    assert math.isclose(
        income.numeric.sum, math.fsum(float(r[INCOME]) for r in rows[300:]), rel_tol=1e-12
    )
    assert restored.duplicate_partials == 0 and restored.late_partials == 0


def _fields(partial: WindowPartial) -> dict:
    return {name: getattr(partial, name) for name in WindowPartial.__dataclass_fields__}


def test_labelled_windows_keep_their_end_across_a_restart(fake_clock, tmp_path):
    """Accumulators restored with another length leave with their own end; old snapshots
    (no end saved) take the configured length."""
    from stream.demo.labelled import write_labelled_baselines
    from tests.stream.worker.test_labelled import MODEL

    write_labelled_baselines(tmp_path / "baseline", MODEL, n=1000)
    ws = labelled_state(fake_clock, tmp_path / "baseline")  # 10 s windows
    ws.on_capture(0, 0, lines(r for _, r, _ in traffic(0, 20, T0)))
    path = ws.labelled["m"]
    assert list(path.windows) == [(0, T0, T0 + 10.0)]
    blob = path.snapshot(0)[LABELLED_BLOB]

    path.clock.window_seconds = 20.0  # as a worker configured with 20 s windows
    path.restore(0, {LABELLED_BLOB: blob})
    assert list(path.windows) == [(0, T0, T0 + 10.0)]
    (sent,) = path.close_window(0, T0, T0 + 10.0, T0 + 10.0)
    assert (sent.window_start, sent.window_end) == (T0, T0 + 10.0)

    old = orjson.loads(blob)
    old["windows"] = [[start, state] for start, state, _ in old["windows"]]
    path.restore(0, {LABELLED_BLOB: orjson.dumps(old)})
    assert list(path.windows) == [(0, T0, T0 + 20.0)]  # its length: the configured one


def test_a_late_label_of_a_prediction_made_before_the_change_goes_to_its_own_window(
    fake_clock, tmp_path
):
    """Predictions of [T0+10, T0+20) wait across a restart with 20 s windows; their labels
    come after the window left: they revise [T0+10, T0+20), not a window [T0+10, T0+30)
    that never existed (whose empty data-quality window would have been published)."""
    from stream.demo.labelled import ground_truth_record, write_labelled_baselines
    from tests.stream.worker.test_labelled import MODEL

    write_labelled_baselines(tmp_path / "baseline", MODEL, n=1000)
    ws = labelled_state(fake_clock, tmp_path / "baseline")  # 10 s windows
    items = traffic(3, 20, T0 + 10)
    ws.on_capture(0, 0, lines(r for _, r, _ in items))
    path = ws.labelled["m"]
    blob = path.snapshot(0)[LABELLED_BLOB]

    path.clock.window_seconds = 20.0  # restarted with 20 s windows (the join store kept)
    path.restore(0, {LABELLED_BLOB: blob})
    (sent,) = path.close_window(0, T0 + 10, T0 + 20, T0 + 20)  # the old window leaves
    assert (sent.window_start, sent.window_end) == (T0 + 10, T0 + 20)
    labels = [ground_truth_record(key, answer.label) for key, _, answer in items]
    assert ws.on_labelled("labels", 0, 0, lines(labels)) == []
    assert list(path.windows) == [(0, T0 + 10, T0 + 20)]
    (revision,) = path.close_window(0, T0 + 10, T0 + 20, T0 + 20)
    assert revision.window_end == T0 + 20
    assert revision.labelled_state is not None

    again = orjson.loads(path.snapshot(0)[LABELLED_BLOB])  # a second restart remembers 10 s
    assert list(again["earlier_lengths"]) == ["10.0"]


def test_model_quality_added_on_a_restart_is_warned_about_once(fake_clock, tmp_path, caplog):
    """A data-quality-only snapshot restored by a worker that also runs model quality: the
    labels of predictions read before can never join; one warning says so."""
    from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
    from stream.demo.labelled import write_labelled_baselines
    from stream.monitors.data_quality import load_data_quality_baseline
    from stream.worker.state import CAPTURE, WorkerState
    from tests.stream.worker.test_labelled import MODEL

    folder = tmp_path / "baseline"
    write_labelled_baselines(folder, MODEL, n=1000)
    monitor = MonitorConfig(name="m", baseline=folder, window_seconds=10.0,
                            capture_index_names=("endpointInput",))  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=2),
                             monitors=(monitor,))  # fmt: skip
    quality_only = WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=fake_clock)
    quality_only.on_capture(0, 0, lines(r for _, r, _ in traffic(5, 20, T0)))
    saved = [quality_only.checkpoint(CAPTURE, p) for p in (0, 1)]

    labelled = labelled_state(fake_clock, folder)
    with caplog.at_level(logging.WARNING, logger="driftline.worker"):
        for checkpoint in saved:
            labelled.restore(CAPTURE, checkpoint.partition, checkpoint.blobs, checkpoint.meta)
        again = labelled_state(fake_clock, folder)  # a snapshot with the labelled state
        again.restore(CAPTURE, 0, labelled.checkpoint(CAPTURE, 0).blobs, saved[0].meta)
    warnings = [r.getMessage() for r in caplog.records if "not in the snapshot" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].startswith("monitor m: its model quality, bias or attribution monitors")
    assert "labels of predictions read before can never join" in warnings[0]
    assert "label_ttl_seconds (1209600 s)" in warnings[0]


def test_a_window_is_evaluated_with_windows_of_its_own_length_only(fake_clock):
    """evaluation_windows = 1: the 20 s window after the change is evaluated alone, not with
    the restored 10 s window of the same start (and the 10 s window alone, too)."""
    rows = SCHEMA.rows(random.Random(12), 400)
    agg = aggregator(fake_clock, window_seconds=20.0)
    add = Feeder(agg)
    (ten,) = add(partial_of_rows(rows[:200], T0, 0))  # [T0, T0+10)
    assert ten.evaluated_windows == 1
    longer = partial_of_rows(rows[200:], T0, 0, closed_until=T0 + 20, offset=5)
    (twenty,) = add(WindowPartial(**{**_fields(longer), "window_end": T0 + 20}))
    assert (twenty.window_end - twenty.window_start, twenty.evaluated_windows) == (20.0, 1)
    assert twenty.evaluation is not None
