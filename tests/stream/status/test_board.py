"""The board: latest revision per window and message kind, bounds, bad messages."""

from __future__ import annotations

import pytest

from stream.status.board import StatusBoard
from stream.status.follower import TopicFollower
from stream.status.messages import MessageError
from tests.stream.status.windows import T0, WINDOW, execution, window_fields


def violation(i: int, name: str, revision: int = 0) -> dict:
    return {**window_fields("m", "data_quality", i, revision), "feature_name": name,
            "constraint_check_type": "baseline_drift_check", "description": f"{name} drifted",
            "value": 0.3, "threshold": 0.1, "sample_count": 500}  # fmt: skip


def executed(i: int, revision: int, violations: int = 0, kind: str = "data_quality") -> dict:
    return execution(window_fields("m", kind, i, revision), [], violations)


def entry(board: StatusBoard, i: int = 0, kind: str = "data_quality"):
    return board.monitors[("m", kind)].find(T0 + i * WINDOW)


def test_a_later_revision_replaces_and_an_earlier_one_is_ignored():
    board = StatusBoard()
    board.apply("executions", executed(0, 0))
    board.apply("executions", executed(0, 2, violations=1))
    board.apply("executions", executed(0, 1))
    e = entry(board).execution
    assert (e.revision, e.status, e.violation_count) == (2, "CompletedWithViolations", 1)


def test_violations_of_one_revision_accumulate_until_a_higher_revision_replaces_them():
    board = StatusBoard()
    board.apply("violations", violation(0, "age"))
    board.apply("violations", violation(0, "plan"))
    assert [v.name for v in entry(board).violations] == ["age", "plan"]
    board.apply("violations", violation(0, "income", revision=1))
    board.apply("violations", violation(0, "age", revision=0))  # stale
    assert [v.name for v in entry(board).violations] == ["income"]
    board.apply("executions", executed(0, 2))  # revision 2 found no violation at all
    assert entry(board).violations == []


def test_violations_arriving_before_their_execution_are_kept():
    board = StatusBoard()
    board.apply("violations", violation(0, "age", revision=1))
    board.apply("executions", executed(0, 1, violations=1))
    assert [v.name for v in entry(board).violations] == ["age"]


def test_only_the_latest_windows_are_kept_and_older_ones_are_counted():
    board = StatusBoard(max_windows=3)
    for i in range(5):
        board.apply("executions", executed(i, 0))
    monitor = board.monitors[("m", "data_quality")]
    assert [w.start_text[11:16] for w in monitor.ordered()] == ["14:02", "14:03", "14:04"]
    board.apply("executions", executed(0, 1))
    assert len(monitor.windows) == 3 and monitor.too_old == 1


def test_windows_sharing_a_start_are_two_windows_and_an_endless_message_joins_the_later():
    """A worker restarted from 60 s to 120 s windows publishes [14:00, 14:01) and [14:00, 14:02)."""
    board = StatusBoard()
    short, long = window_fields("m", "data_quality", 0), window_fields("m", "data_quality", 0)
    long["window_end"] = "2024-03-05T14:02:00Z"
    board.apply("executions", execution(long, [], 0))
    board.apply("executions", execution(short, [], 2))
    board.apply("violations", {**violation(0, "age"), "window_end": long["window_end"]})
    endless = {k: v for k, v in violation(0, "plan").items() if k != "window_end"}
    board.apply("violations", endless)  # an older worker's message: no window_end
    monitor = board.monitors[("m", "data_quality")]
    windows = [(w.end[11:16], w.execution.violation_count, [v.name for v in w.violations])
               for w in monitor.ordered()]  # fmt: skip
    assert windows == [("14:01", 2, []), ("14:02", 0, ["age", "plan"])]
    assert monitor.find(T0, T0 + WINDOW).execution.violation_count == 2
    assert monitor.find(T0) is monitor.find(T0, T0 + 2 * WINDOW)
    assert monitor.find(T0 + 1.0) is None


def test_online_alarms_are_bounded_and_a_missing_type_is_data_quality():
    board = StatusBoard(max_online_alarms=2)
    for n in range(3):
        board.apply("violations", {"monitor": "m", "window_start": None, "feature_name": f"f{n}",
                                   "constraint_check_type": "online_drift_check",
                                   "detected_at": "2024-03-05T14:00:00Z", "partition": 1,
                                   "detector": "adwin", "description": "alarm"})  # fmt: skip
    online = board.monitors[("m", "data_quality")].online
    assert [a.name for a in online] == ["f1", "f2"] and online[0].partition == 1


def test_types_are_separate_boards():
    board = StatusBoard()
    board.apply("executions", executed(0, 0, kind="model_quality"))
    board.apply("executions", executed(0, 0))
    assert sorted(board.monitors) == [("m", "data_quality"), ("m", "model_quality")]


@pytest.mark.parametrize(
    ("kind", "doc"),
    [
        ("executions", {"window_start": "2024-03-05T14:00:00Z"}),  # no monitor
        ("executions", {"monitor": "m", "window_start": "yesterday"}),
        ("executions", {"monitor": "m", "window_start": "2024-03-05T14:00:00"}),  # no zone
        ("statistics", {"monitor": "m", "window_start": "2024-03-05T14:00:00Z"}),  # no features
        ("statistics", [1, 2]),
    ],
)
def test_unusable_messages_are_refused(kind, doc):
    with pytest.raises(MessageError):
        StatusBoard().apply(kind, doc)


def test_the_follower_counts_what_it_cannot_read_and_goes_on():
    board = StatusBoard()
    follower = TopicFollower(board, "unused:9092", {"executions": "x.executions"})
    follower.apply("executions", b"{not json")
    follower.apply("executions", None)  # a tombstone
    odd = b'{"monitor": "m", "window_start": "2024-03-05T14:00:00Z", "decisions": "not a list"'
    follower.apply("executions", odd + b', "partitions_reported": 7}')
    assert follower.unreadable["executions"] == 2 and follower.read["executions"] == 1
    assert entry(board).decisions.keys == ()
