"""Event time per partition, and when a quiet partition is really idle.

:class:`EventClock` (one per monitor) keeps, per partition, the largest event time seen and
how far windows are closed. The watermark is the largest event time minus
``allowed_lateness_seconds``; a window ``[start, end)`` is *open* until ``end`` passes the
partition's ``closed_until``. A record for a closed window *revises* it when its end is
within ``revision_horizon_seconds`` of ``closed_until``, and is *late* (counted, dropped)
beyond that.

:class:`PartitionActivity` (one per worker) says whether a partition is idle: silent for a
while **and** confirmed caught up — the broker answered an end-offset request showing nothing
unread. A stalled fetch or an unreachable broker is not idleness, so a window is never closed
early because the broker stopped answering.

Examples
--------
>>> clock = EventClock(window_seconds=10.0, allowed_lateness_seconds=2.0,
...                    revision_horizon_seconds=60.0)
>>> clock.observe(0, 125.0)
>>> clock.watermark(0), clock.due_until(0)
(123.0, 120.0)
>>> clock.advance(0, 120.0)
>>> clock.would_close(0, 129.0), clock.would_close(0, 133.0)
(False, True)
>>> [clock.placement(0, start) for start in (120.0, 110.0, 40.0)]
['open', 'revise', 'late']
>>> activity = PartitionActivity()
>>> activity.on_message(0, now=1000.0)
>>> activity.idle_seconds(0, now=1030.0) is None  # silent, but not confirmed caught up
True
>>> activity.on_caught_up(0, now=1031.0)
>>> activity.idle_seconds(0, now=1040.0)
40.0
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

OPEN, REVISE, LATE = "open", "revise", "late"


def tumbling_start(seconds: float, length: float) -> float:
    """The start of the window ``[start, end)`` of ``length`` seconds holding ``seconds``.

    Windows start at whole multiples of ``length`` from the epoch. A length of whole
    microseconds (every length written in decimal with up to six places) is counted in
    integer microseconds — event times carry no finer digit — so a start is the float
    nearest its decimal value, the value an ISO-8601 text of that instant parses to. With
    ``floor(seconds / length) * length`` in floats, an instant on a boundary (08.291 for
    millisecond windows, 27.3 for 0.1-second ones) fell in the window before it.

    >>> tumbling_start(1709644587.3, 0.1), tumbling_start(1730779568.291, 0.001)
    (1709644587.3, 1730779568.291)
    >>> tumbling_start(125.0, 10.0), tumbling_start(-0.5, 60.0)
    (120.0, -60.0)
    >>> tumbling_start(-1e308, 60.0) <= -1e308, tumbling_start(-1e308, 0.1) <= -1e308
    (True, True)
    """
    micros = _whole_microseconds(length)
    start = _start_micros(seconds, micros)
    if start is None:  # a watermark 1e308 s of lateness back, or a length of no whole micros
        quotient = seconds / length
        return float(math.floor(quotient) * length) if math.isfinite(quotient) else seconds
    return start / 1_000_000


def tumbling_end(start: float, length: float) -> float:
    """The end of the window of ``length`` seconds starting at ``start``: the next one's start.

    >>> tumbling_end(1709644587.2, 0.1) == tumbling_start(1709644587.3, 0.1)
    True
    """
    micros = _whole_microseconds(length)
    begin = _start_micros(start, micros)
    if begin is None or micros is None:
        return start + length
    return (begin + micros) / 1_000_000


def _start_micros(seconds: float, micros: int | None) -> int | None:
    """The window start at or before ``seconds``, in integer microseconds (None: not countable)."""
    scaled = seconds * 1_000_000
    if micros is None or not math.isfinite(scaled):
        return None
    return round(scaled) // micros * micros


@functools.lru_cache(maxsize=64)
def _whole_microseconds(length: float) -> int | None:
    """``length`` in microseconds when it is a whole number of them, else None."""
    scaled = length * 1_000_000
    micros = round(scaled)
    return micros if micros >= 1 and math.isclose(scaled, micros, rel_tol=1e-12) else None


class EventClock:
    """Watermarks and closed windows per partition, for one monitor."""

    def __init__(
        self,
        *,
        window_seconds: float,
        allowed_lateness_seconds: float,
        revision_horizon_seconds: float,
    ) -> None:
        self.window_seconds = window_seconds
        self.allowed_lateness_seconds = allowed_lateness_seconds
        self.revision_horizon_seconds = revision_horizon_seconds
        self.max_event: dict[int, float] = {}
        self.closed_until: dict[int, float] = {}

    def window_start(self, seconds: float) -> float:
        """The start of the tumbling window holding an event time (:func:`tumbling_start`)."""
        return tumbling_start(seconds, self.window_seconds)

    def window_end(self, start: float) -> float:
        """The end of the window starting at ``start`` (:func:`tumbling_end`)."""
        return tumbling_end(start, self.window_seconds)

    def observe(self, partition: int, latest_seconds: float) -> None:
        """The largest event time of records just placed in ``partition``."""
        if latest_seconds > self.max_event.get(partition, -math.inf):
            self.max_event[partition] = latest_seconds

    def watermark(self, partition: int) -> float | None:
        """Largest event time seen minus the allowed lateness (None before any event)."""
        latest = self.max_event.get(partition)
        return None if latest is None else latest - self.allowed_lateness_seconds

    def due_until(self, partition: int) -> float | None:
        """Windows ending at or before this are due to close (the watermark's window start)."""
        watermark = self.watermark(partition)
        return None if watermark is None else self.window_start(watermark)

    def would_close(self, partition: int, latest_seconds: float) -> bool:
        """Whether observing event time ``latest_seconds`` would make windows due to close."""
        latest = max(latest_seconds, self.max_event.get(partition, -math.inf))
        due = self.window_start(latest - self.allowed_lateness_seconds)
        return due > self.closed_until.get(partition, -math.inf)

    def placement(self, partition: int, start: float) -> str:
        """``open``, ``revise`` (closed, within the horizon) or ``late`` for a window start."""
        end = self.window_end(start)
        closed = self.closed_until.get(partition, -math.inf)
        if end > closed:
            return OPEN
        return REVISE if end > closed - self.revision_horizon_seconds else LATE

    def advance(self, partition: int, until: float) -> None:
        """Every window of ``partition`` ending at or before ``until`` is closed."""
        if until > self.closed_until.get(partition, -math.inf):
            self.closed_until[partition] = until

    def snapshot(self, partition: int) -> dict[str, Any]:
        """The partition's event time and progress."""
        return {
            "max_event": self.max_event.get(partition),
            "closed_until": self.closed_until.get(partition),
        }

    def restore(self, partition: int, state: Mapping[str, Any]) -> None:
        """Replace the partition's event time and progress with a :meth:`snapshot`."""
        self.drop([partition])
        if state.get("max_event") is not None:
            self.max_event[partition] = float(state["max_event"])
        if state.get("closed_until") is not None:
            self.closed_until[partition] = float(state["closed_until"])

    def drop(self, partitions: Collection[int]) -> None:
        """Forget partitions."""
        for partition in partitions:
            self.max_event.pop(partition, None)
            self.closed_until.pop(partition, None)


def progress_claims(
    closing: Sequence[tuple[int, float, float, bool]], closed_until: Mapping[int, float]
) -> list[float]:
    """The progress each closing window's partial may claim, sent in this order.

    ``closing`` holds window keys ``(partition, start, end, revision)`` sorted by partition,
    then end: the order their partials leave in. ``closed_until`` is each partition's
    progress once they are all closed. A partial claims "every window of my partition ending
    at or before this is closed"; while a later window of its partition is still to be sent,
    it claims no more than its own end (its start when that later window ends at the same
    time), so the aggregator never finalises a window whose partial is still on the way.

    >>> progress_claims([(0, 0.0, 10.0, False), (0, 3600.0, 3610.0, False),
    ...                  (1, 0.0, 10.0, False)], {0: 7200.0, 1: 7200.0})
    [10.0, 7200.0, 7200.0]
    """
    claims: list[float] = []
    for index, (partition, start, end, _) in enumerate(closing):
        claim = closed_until.get(partition, end)
        following = closing[index + 1] if index + 1 < len(closing) else None
        if following is not None and following[0] == partition:
            claim = min(claim, end if end < following[2] else start)
        claims.append(claim)
    return claims


class PartitionActivity:
    """When each partition last delivered a message, and when it was last confirmed caught up.

    The worker calls :meth:`on_caught_up` whenever an end-offset request succeeds and shows
    that every message of the partition has been processed.
    """

    def __init__(self) -> None:
        self.last_message: dict[int, float] = {}
        self.caught_up_at: dict[int, float] = {}

    def on_message(self, partition: int, *, now: float) -> None:
        """A message of ``partition`` was processed at wall time ``now``."""
        self.last_message[partition] = now

    def on_caught_up(self, partition: int, *, now: float) -> None:
        """The broker confirmed at ``now`` that ``partition`` holds nothing unread."""
        self.caught_up_at[partition] = now
        self.last_message.setdefault(partition, now)

    def is_caught_up(self, partition: int) -> bool:
        """Whether the last confirmation came after the last message."""
        confirmed = self.caught_up_at.get(partition)
        return confirmed is not None and confirmed >= self.last_message.get(partition, -math.inf)

    def idle_seconds(self, partition: int, *, now: float) -> float | None:
        """Seconds of confirmed silence, or None while unconfirmed (maybe stalled)."""
        if not self.is_caught_up(partition):
            return None
        return now - self.last_message[partition]

    def drop(self, partitions: Collection[int]) -> None:
        """Forget partitions."""
        for partition in partitions:
            self.last_message.pop(partition, None)
            self.caught_up_at.pop(partition, None)
