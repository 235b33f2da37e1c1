"""Prefetching keeps the order, raises the producer's error, and stops with its consumer."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from stream.batch.prefetch import prefetched


def test_items_arrive_in_order_and_the_error_after_them() -> None:
    def produce() -> Iterator[int]:
        yield from range(50)
        raise OSError("disk gone")

    seen: list[int] = []
    with pytest.raises(OSError, match="disk gone"):
        for item in prefetched(produce(), depth=3):
            seen.append(item)
    assert seen == list(range(50))


def test_a_consumer_that_stops_early_closes_the_producer_on_its_thread() -> None:
    closed_on: list[str] = []

    def produce() -> Iterator[int]:
        try:
            yield from range(10_000)
        finally:
            closed_on.append(threading.current_thread().name)

    items = prefetched(produce(), depth=2)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert closed_on == ["driftline-prefetch"]
    assert not any(t.name == "driftline-prefetch" for t in threading.enumerate())
