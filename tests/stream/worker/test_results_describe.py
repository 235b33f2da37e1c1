"""The worker's log line for a window says "no verdict" when none of its deciding checks had one.

A window under ``min_window_count`` is ``Completed`` with no violation in SageMaker's terms;
the log line must not read as a clean pass (the status page's and ``analyze``'s rule).
"""

from __future__ import annotations

from detectors.quality.checks import CheckDecision, EvaluationResult
from detectors.quality.statistics import DatasetStatistics
from stream.monitors.labelled import LabelledOutcome
from stream.worker.results import LabelledResult, WindowResult, describe


def _window(*decisions: CheckDecision) -> WindowResult:
    return WindowResult(
        monitor="m",
        window_start=0.0,
        window_end=10.0,
        statistics=DatasetStatistics(item_count=30, features=()),
        evaluation=EvaluationResult(decisions, ()),
        status="Completed",
        record_count=30,
        row_count=30,
        partitions_reported=(0,),
        complete=True,
        evaluated_windows=1,
        finalised_by="all_partitions",
    )


def _decision(check: str, violated: bool | None) -> CheckDecision:
    return CheckDecision("age", check, None, 0.1, 30, violated, "fewer than 400 values")


def test_a_data_quality_window_without_a_drift_verdict_says_so():
    line = describe(_window(_decision("completeness_check", False),
                            _decision("baseline_drift_check", None)))  # fmt: skip
    assert line == "monitor m window 0.0 rev 0: Completed (no verdict), 30 rows, 0 violations"


def test_a_judged_window_says_completed():
    line = describe(_window(_decision("baseline_drift_check", False)))
    assert line == "monitor m window 0.0 rev 0: Completed, 30 rows, 0 violations"


def test_a_labelled_window_with_too_few_to_judge_says_so():
    few = ({"check_type": "LessThanThreshold", "metric_name": "accuracy", "violated": None},)
    outcome = LabelledOutcome("model_quality", "Completed", {}, (), few, 0.25)
    line = describe(LabelledResult("m", 0.0, 10.0, outcome, 2, True, (0,)))
    assert line == (
        "monitor m model_quality window 0.0 rev 2: Completed (no verdict), coverage 25%, "
        "0 violations"
    )
