"""TimedStop: a run of a set length waits, a bounded time, for its worker to catch up."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace

from stream.demo.run import DemoRun
from stream.worker.process import TimedStop, settle
from tests.stream.demo.test_summary import result


def test_settle_returns_once_settled() -> None:
    answers = itertools.chain([False, False, False], itertools.repeat(True))
    calls = []

    def settled() -> bool:
        calls.append(1)
        return next(answers)

    stop = TimedStop(0.0, settled=settled, settle_seconds=60.0)
    assert asyncio.run(settle(stop, poll_seconds=0.0)) is True
    assert len(calls) == 4  # three times behind, then settled: no look after that


def test_settle_gives_up_after_settle_seconds() -> None:
    stop = TimedStop(0.0, settled=lambda: False, settle_seconds=0.05)
    assert asyncio.run(settle(stop, poll_seconds=0.01)) is False


def test_without_settle_seconds_a_run_stops_on_time() -> None:
    stop = TimedStop(5.0, settled=lambda: False)
    assert asyncio.run(settle(stop)) is False


def test_the_demo_is_settled_once_every_record_sent_is_in_a_window() -> None:
    run = DemoRun(window_seconds=10.0, records_sent=300)
    assert run.records_behind() == 300
    run.results.append((0.0, replace(result(0.0, ()), record_count=120)))
    run.results.append((0.5, replace(result(10.0, ()), record_count=100)))
    assert run.records_behind() == 80
    run.results.append((0.9, replace(result(10.0, ()), record_count=180, revision=1)))  # revised
    assert run.records_behind() == 0
