"""Window evaluation: which windows form a window's view, and failures that give ``Failed``."""

from __future__ import annotations

import logging
import random

from detectors.quality.dataset_profile import DatasetProfile
from stream.config import MonitorConfig
from stream.demo.synthetic import SyntheticSchema
from stream.worker.aggregated_window import AggregatedWindow
from stream.worker.window_evaluation import evaluate_window, evaluation_view

SCHEMA = SyntheticSchema.demo()
BASELINE = SCHEMA.baseline(seed=7, n=1000)
W = 10.0


def config(**settings) -> MonitorConfig:
    values = dict(name="m", window_seconds=W, min_window_count=1)
    values.update(settings)
    return MonitorConfig(**values)


def window(start: float, rows: int, *, final: bool = True) -> AggregatedWindow:
    profile = DatasetProfile(features=BASELINE.features, kinds=BASELINE.kinds)
    data = SCHEMA.rows(random.Random(int(start)), rows)
    if data:
        columns = dict(zip(BASELINE.features, zip(*data, strict=True), strict=True))
        profile.update_columns(columns, rows)
    w = AggregatedWindow(profile, start, start + W, first_seen=0.0)
    w.records = rows
    if final:
        w.published(0, "all_partitions", complete=True)
    return w


def test_the_view_holds_final_windows_with_a_profile_within_the_span_oldest_first() -> None:
    w0, w10, w20, w30, w40 = (window(s, 5) for s in (0.0, 10.0, 20.0, 30.0, 40.0))
    pending = window(25.0, 5, final=False)
    w10.forget_profile()  # past the data-quality horizon
    windows = [w40, w30, pending, w20, w10, w0]
    # evaluation_windows=3 at the window [30, 40): starts in [10, 40)
    view = evaluation_view(w30, windows, config(evaluation_windows=3))
    assert [w.start for w in view] == [20.0, 30.0]
    assert evaluation_view(w30, windows, config(evaluation_windows=1)) == [w30]


def test_a_view_of_two_windows_is_evaluated_on_their_rows_together() -> None:
    first, second = window(0.0, 120), window(10.0, 80)
    result = evaluate_window(second, [first, second], config=config(evaluation_windows=2),
                             baseline=BASELINE, revision=0, complete=True)  # fmt: skip
    assert result.evaluated_windows == 2
    assert result.evaluation.decision("age", "baseline_drift_check").sample_count == 200
    assert result.statistics.item_count == 80  # the statistics are the window's own
    assert (result.record_count, result.row_count, result.revision) == (80, 80, 0)
    assert result.finalised_by == "all_partitions" and result.complete


class _BrokenMonitor:
    def merge_profile(self, profile: DatasetProfile) -> None:
        pass

    def outcome(self) -> None:
        msg = "constraints.json is unreadable"
        raise ValueError(msg)


class _BrokenBaseline:
    def monitor(self, name: str, *, min_window_count: int) -> _BrokenMonitor:
        return _BrokenMonitor()


def test_a_baseline_that_cannot_evaluate_gives_failed_and_is_logged(caplog) -> None:
    w = window(0.0, 10)
    with caplog.at_level(logging.ERROR, logger="driftline.aggregator"):
        result = evaluate_window(w, [w], config=config(), baseline=_BrokenBaseline(),
                                 revision=0, complete=True)  # fmt: skip
    assert result.status == "Failed"
    assert result.failure_reason == "evaluation failed: constraints.json is unreadable"
    assert result.evaluation.violations == () and result.row_count == 10
    assert "monitor m: evaluation failed" in caplog.text


def test_a_window_without_rows_fails_whatever_its_view_says() -> None:
    full, empty = window(0.0, 100), window(10.0, 0)
    result = evaluate_window(empty, [full, empty], config=config(evaluation_windows=2),
                             baseline=BASELINE, revision=1, complete=False)  # fmt: skip
    assert result.status == "Failed" and result.failure_reason == "the window has no rows"
    assert result.evaluated_windows == 2 and result.revision == 1 and not result.complete
