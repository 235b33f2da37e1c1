"""The board: latest revision per window and message kind, bounds, bad messages."""

from __future__ import annotations

import pytest

from stream.status.board import StatusBoard
from stream.status.follower import TopicFollower
from stream.status.messages import MessageError
from tests.stream.status.windows import execution, window_fields


def violation(i: int, name: str, revision: int = 0) -> dict:
    return {**window_fields("m", "data_quality", i, revision), "feature_name": name,
            "constraint_check_type": "baseline_drift_check", "description": f"{name} drifted",
            "value": 0.3, "threshold": 0.1, "sample_count": 500}  # fmt: skip


def executed(i: int, revision: int, violations: int = 0, kind: str = "data_quality") -> dict:
    return execution(window_fields("m", kind, i, revision), [], violations)


def entry(board: StatusBoard, i: int = 0, kind: str = "data_quality"):
    board_of_monitor = board.monitors[("m", kind)]
    return board_of_monitor.windows[board_of_monitor.starts[0] + i * 60.0]


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
