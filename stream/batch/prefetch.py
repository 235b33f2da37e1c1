"""Run an iterator on a background thread, a few items ahead of its consumer.

For producers that spend their time outside the GIL — pyarrow parsing the next block of a
CSV file — so that reading overlaps the consumer's work on the last one.

Examples
--------
>>> list(prefetched(iter(range(5))))
[0, 1, 2, 3, 4]
>>> def failing():
...     yield 1
...     raise ValueError("bad row")
>>> items = prefetched(failing())
>>> next(items)
1
>>> next(items)
Traceback (most recent call last):
...
ValueError: bad row
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = object()
_POLL_SECONDS = 0.1


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The items of ``items``, produced on a thread up to ``depth`` ahead of the consumer.

    An exception raised by the producer is raised to the consumer where that item would
    have come; a consumer that stops early (or raises) stops the producer, which closes
    ``items`` on its own thread.
    """
    handoff: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(entry: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over((True, item)):
                    return
            hand_over((False, _DONE))
        except BaseException as exc:  # handed to the consumer, raised there
            hand_over((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="driftline-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            is_item, value = handoff.get()
            if is_item:
                yield value
            elif value is _DONE:
                return
            else:
                raise value
    finally:
        stop.set()
        thread.join()
