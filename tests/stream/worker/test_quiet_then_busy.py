"""The first message after a quiet spell does not close its own window as idle.

A partition silent for longer than ``idle_close_seconds`` (and confirmed caught up) is idle.
Its next message opened a window and, when its watermark passed a window boundary, closed
due windows at once — before the message counted as activity, so the window it had just
opened was closed as ``idle`` with that one message's records, and every later message of
the window revised it (a ``driftline replay --live`` of 40 s: 134 revisions of one window).
"""

from __future__ import annotations

import orjson

from stream.worker.state import CAPTURE
from tests.stream.worker.test_state import T0, drain, message, state


def test_a_window_opened_after_a_quiet_spell_stays_open_while_records_arrive(fake_clock):
    ws = state(fake_clock, partitions=1)  # 10 s windows, no lateness, idle after 5 s
    ws.assign({0}, {0})
    fake_clock.advance(T0 + 101 - fake_clock().timestamp())
    ws.activity[CAPTURE].on_caught_up(0, now=fake_clock().timestamp())  # nothing to read yet
    fake_clock.advance(30.0)  # quiet for 30 s, then traffic
    for offset in range(4):  # 4 messages of 5 records, a second apart, all in one window
        now = fake_clock().timestamp()
        ws.on_capture(0, offset, message(offset, [now - 0.5] * 5))
        ws.activity[CAPTURE].on_caught_up(0, now=now + 0.1)  # read up to the end each time
        ws.tick()
        fake_clock.advance(1.0)
    assert [orjson.loads(m.value)["closed_by"] for m in drain(ws, CAPTURE)] == []
    fake_clock.advance(10.0)  # the window's end passes, and the partition is quiet again
    ws.tick()
    closed = [orjson.loads(m.value) for m in drain(ws, CAPTURE)]
    assert [(p["closed_by"], p["record_count"]) for p in closed] == [("idle", 20)]
