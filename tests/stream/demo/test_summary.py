"""The demo's summary: injected vs flagged drift and the detection delays, by hand."""

from __future__ import annotations

from detectors.quality.checks import EvaluationResult
from detectors.quality.statistics import DatasetStatistics
from detectors.violations import Violation
from stream.demo.run import DemoRun
from stream.worker.results import WindowResult


def result(start: float, flagged: tuple[str, ...]) -> WindowResult:
    violations = tuple(
        Violation("baseline_drift_check", f"{f} drifted", feature_name=f) for f in flagged
    )
    return WindowResult(
        monitor="demo-model",
        window_start=start,
        window_end=start + 10.0,
        statistics=DatasetStatistics(item_count=100, features=()),
        evaluation=EvaluationResult((), violations),
        status="CompletedWithViolations" if flagged else "Completed",
        record_count=100,
        row_count=100,
        partitions_reported=(0,),
        complete=True,
        evaluated_windows=1,
        finalised_by="all_partitions",
    )


def test_delays_count_from_the_onset_to_the_first_flagged_window():
    run = DemoRun(window_seconds=10.0, onset_event_seconds=1005.0, onset_wall=50.0)
    run.results = [
        (40.0, result(990.0, ())),
        (51.5, result(1000.0, ("income",))),
        (52.5, result(1010.0, ("income", "plan", "age"))),
    ]
    summary = run.summary(("age", "income", "plan"), ("income", "plan"))
    by_feature = {f["feature"]: f for f in summary["features"]}
    assert by_feature["income"]["detection_delay_event_seconds"] == 1010.0 - 1005.0
    assert by_feature["income"]["detection_delay_wall_seconds"] == 1.5
    assert by_feature["plan"]["first_flagged_window_start"] == "1970-01-01T00:16:50Z"
    assert by_feature["plan"]["detection_delay_event_seconds"] == 1020.0 - 1005.0
    assert summary["clean_features_flagged"] == ["age"]
    assert summary["all_injected_flagged"] and summary["windows_evaluated"] == 3


def test_a_run_stopped_before_the_onset_injected_nothing():
    run = DemoRun(window_seconds=10.0)
    run.results = [(1.0, result(0.0, ()))]
    summary = run.summary(("age", "income"), ("income",))
    assert [f["drift_injected"] for f in summary["features"]] == [False, False]
    assert summary["drift_onset"] is None and summary["clean_features_flagged"] == []


def labelled(kind, start, revision, flagged, coverage):
    from stream.monitors.labelled import LabelledOutcome
    from stream.worker.results import LabelledResult

    violations = (Violation("LessThanThreshold", "accuracy fell", metric_name="accuracy"),)
    outcome = LabelledOutcome(kind, "Completed", {}, violations if flagged else (), (), coverage)
    return LabelledResult("demo-model", start, start + 10.0, outcome, revision, True, (0,))


def test_labelled_monitors_report_delay_coverage_and_false_alarms():
    run = DemoRun(window_seconds=10.0, onset_event_seconds=1005.0, onset_wall=50.0)
    run.results = [
        (40.0, labelled("model_quality", 990.0, 0, False, 0.3)),
        (41.0, labelled("bias_drift", 990.0, 2, True, 0.8)),  # flagged before the onset
        (52.0, labelled("model_quality", 1010.0, 0, False, 0.2)),
        (53.0, labelled("model_quality", 1010.0, 3, True, 0.55)),
        (54.0, labelled("model_quality", 1020.0, 1, True, 0.4)),
    ]
    monitors = {m["type"]: m for m in run.summary(("age",), ())["monitors"]}
    quality = monitors["model_quality"]
    assert (quality["flagged"], quality["flagged_before_onset"]) == (True, False)
    assert quality["detection_delay_event_seconds"] == 1020.0 - 1005.0
    assert quality["label_coverage_at_detection"] == 0.55
    assert monitors["bias_drift"]["flagged_before_onset"] is True
    assert monitors["feature_attribution_drift"]["flagged"] is False
    assert monitors["feature_attribution_drift"]["detection_delay_event_seconds"] is None


def test_a_labelled_line_says_when_a_window_had_too_few_to_judge():
    from stream.demo.summary import window_line
    from stream.monitors.labelled import LabelledOutcome
    from stream.worker.results import LabelledResult

    def line(decisions):
        outcome = LabelledOutcome("model_quality", "Completed", {}, (), decisions, 0.25)
        return window_line(LabelledResult("m", 0.0, 10.0, outcome, 0, True, (0,)))

    few = ({"metric_name": "accuracy", "violated": None, "sample_count": 347},) * 2
    judged = ({"metric_name": "accuracy", "violated": False, "sample_count": 412},)
    start = "model_quality window 1970-01-01T00:00:00Z rev 0  coverage 25%  Completed"
    assert line(few) == f"{start}  too few to judge (347 labelled predictions)"
    assert line(judged) == start
    assert line(()) == start  # no decision at all (no baseline metric): nothing to say


def test_a_failed_labelled_line_says_why():
    from stream.demo.summary import window_line
    from stream.monitors.labelled import LabelledOutcome
    from stream.worker.results import LabelledResult

    outcome = LabelledOutcome("bias_drift", "Failed", {}, (), (), 0.0, "no labelled predictions")
    got = window_line(LabelledResult("m", 0.0, 10.0, outcome, 0, True, (0,)))
    assert got == (
        "bias_drift window 1970-01-01T00:00:00Z rev 0  coverage 0%  Failed  no labelled predictions"
    )


def test_the_title_says_when_the_worker_had_not_caught_up():
    from dataclasses import replace

    from stream.demo.summary import summary_title

    run = DemoRun(window_seconds=10.0, onset_event_seconds=1005.0, records_sent=1000)
    first, second = result(990.0, ()), result(1000.0, ("income",))
    revised = replace(second, record_count=120, revision=1)  # a late partial: 20 more
    run.results = [(1.0, first), (2.0, second), (3.0, revised)]
    summary = run.summary(("income",), ("income",))
    assert summary["records_evaluated"] == 100 + 120  # each window once, its latest revision
    assert summary_title(summary) == (
        "2 windows, 220 of 1000 records evaluated (the worker had not caught up when the demo "
        "stopped: a lower --rate or a longer --seconds); drift injected at 1970-01-01T00:16:45Z"
    )
    run.records_sent = 220
    assert summary_title(run.summary(("income",), ("income",))) == (
        "2 windows, 220 records; drift injected at 1970-01-01T00:16:45Z"
    )


def test_a_data_quality_line_says_when_drift_had_too_few_rows_to_judge():
    from dataclasses import replace

    from detectors.quality.checks import CheckDecision
    from stream.demo.summary import window_line

    few = (
        CheckDecision("age", "completeness_check", 1.0, 1.0, 30, False),
        CheckDecision("age", "baseline_drift_check", None, 0.1, 30, None, "fewer than 400"),
    )
    tail = replace(result(1000.0, ()), row_count=30, evaluation=EvaluationResult(few, ()))
    assert window_line(tail) == (
        "window 1970-01-01T00:16:40Z  30 rows  Completed  no drift verdict: too few to judge "
        "(30 rows)"
    )
    judged = few[:1] + (replace(few[1], value=0.02, violated=False),)
    clean = replace(tail, evaluation=EvaluationResult(judged, ()))
    assert window_line(clean) == "window 1970-01-01T00:16:40Z  30 rows  Completed"
