"""``driftline tail``'s plain lines: each violation with its time, each dead letter with its reason.

An online detector's alarm goes to the violations topic with no window (``window_start``
and ``window_end`` null) but with ``detected_at``; its line showed an empty slot where
every other violation shows its window's end (found following the credit example's
violations, ADWIN on). A dead letter showed ``-`` and its whole JSON (the record's base64
too); it shows its reason, where its record came from and the message. The reference is
the message's own fields.
"""

from __future__ import annotations

from types import SimpleNamespace

from stream.cli.tail import _pretty_printer

ONLINE_ALARM = {
    "feature_name": "income", "constraint_check_type": "online_drift_check",
    "description": "adwin detected a change in feature income (partition 3) after 256 values",
    "value": 53682.1, "threshold": None, "sample_count": 256, "monitor": "credit-model",
    "monitor_type": "data_quality", "window_start": None, "window_end": None,
    "detector": "adwin", "partition": 3, "detected_at": "2026-12-01T10:19:10.812804Z",
    "schema_version": 2,
}  # fmt: skip
WINDOWED = {
    **ONLINE_ALARM,
    "constraint_check_type": "baseline_drift_check",
    "window_start": "2026-12-01T10:19:00Z",
    "window_end": "2026-12-01T10:20:00Z",
}


def line_of(obj, capsys):
    _pretty_printer()(SimpleNamespace(partition=1, offset=0), obj)
    return capsys.readouterr().out


def test_an_online_alarm_shows_when_it_was_detected(capsys):
    out = line_of(ONLINE_ALARM, capsys)
    assert out.startswith("1:0 credit-model 2026-12-01T10:19:10.812804Z constraint_check_type=")


def test_a_window_violation_shows_its_windows_end(capsys):
    out = line_of(WINDOWED, capsys)
    assert out.startswith("1:0 credit-model 2026-12-01T10:20:00Z constraint_check_type=")


DEAD_LETTER = {
    "monitor": "credit-model", "reason": "invalid_json", "message": "unexpected character",
    "topic": "p.capture", "partition": 2, "offset": 41, "record_index": 7, "source": None,
    "raw_base64": "e29vcHM=", "raw_bytes": 5, "raw_truncated": False, "schema_version": 1,
}  # fmt: skip


def test_a_dead_letter_shows_its_reason_and_where_its_record_came_from(capsys):
    out = line_of(DEAD_LETTER, capsys)
    assert (
        out == "1:0 credit-model reason=invalid_json from=p.capture/2@41#7 unexpected character\n"
    )


def test_a_pushed_dead_letter_names_its_file_and_line(capsys):
    pushed = {**DEAD_LETTER, "monitor": None, "source": "labels/a.jsonl:18", "partition": None,
              "offset": None, "reason": "no_key", "message": "no inferenceId"}  # fmt: skip
    out = line_of(pushed, capsys)
    assert out == "1:0 - reason=no_key from=labels/a.jsonl:18 no inferenceId\n"
