"""The demo's traffic: capture records in real time, their labels late, drift half-way.

Event time runs ``speed`` times faster than the wall clock. Each record is scored by the
synthetic model (:mod:`stream.demo.labelled`); its true label is sent to the labels topic
after a delay of event time drawn from an exponential law (mean ``LABEL_DELAY_SECONDS``,
at most ``MAX_LABEL_DELAY_SECONDS``), and for ``UNLABELLED_SHARE`` of the records never —
human labelers are late and miss some. Half-way through, the features ``DRIFTED`` change
their distribution and the model's accuracy, the facet's outcome rate and the attribution
ranking all shift (:data:`~stream.demo.labelled.ACCURACY`, ``FACET``, ``ATTRIBUTION``).
"""

from __future__ import annotations

import heapq
import math
import random
import threading
import time
from datetime import UTC, datetime
from typing import Any

from stream.demo.labelled import (
    ACCURACY,
    ATTRIBUTION,
    FACET,
    SyntheticModel,
    ground_truth_record,
    labelled_capture_record,
)
from stream.kafka.keyed_producer import LABEL_KEY_PATHS, KeyedProducer
from stream.kafka.topics import TopicNames

DRIFTED = ("income", "plan")
SHIFTS = (ACCURACY, FACET, ATTRIBUTION)
LABEL_DELAY_SECONDS = 20.0  # event time
MAX_LABEL_DELAY_SECONDS = 90.0
UNLABELLED_SHARE = 0.1
TICK_SECONDS = 0.1
MAX_SPEED = 1000.0  # event seconds per wall second: a 10-second window closes every 10 ms
# The traffic stops before its event time passes the last day ISO-8601 years of four digits
# can write (at MAX_SPEED, after about eight years of --seconds inf).
LAST_EVENT_SECONDS = datetime(9999, 12, 31, tzinfo=UTC).timestamp()


def event_lead_seconds(seconds: float, speed: float, now: float) -> float:
    """How far the traffic's event time can run ahead of the wall clock from ``now`` on.

    In ``seconds`` of wall time event time gains ``seconds * speed``, plus a tick's worth;
    it never passes :data:`LAST_EVENT_SECONDS`. The demo's worker must accept all of it
    (``worker.max_future_seconds``), or its own records would be dead-lettered as
    ``future_time`` once the lead passed the default hour.

    >>> event_lead_seconds(90.0, 10.0, now=0.0)
    901.0
    >>> event_lead_seconds(math.inf, 10.0, now=0.0) == LAST_EVENT_SECONDS
    True
    """
    return min((seconds + TICK_SECONDS) * speed, LAST_EVENT_SECONDS - now)


class DelayedLabels:
    """Labels waiting for their (wall-clock) time to be sent."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, dict[str, Any]]] = []
        self._seq = 0

    def schedule(self, due_wall: float, record: dict[str, Any]) -> None:
        """Send ``record`` at ``due_wall`` (``time.monotonic`` seconds)."""
        heapq.heappush(self._due, (due_wall, self._seq, record))
        self._seq += 1

    def take_due(self, now: float) -> list[dict[str, Any]]:
        """The records whose time has come."""
        out = []
        while self._due and self._due[0][0] <= now:
            out.append(heapq.heappop(self._due)[2])
        return out


def send_traffic(
    run: Any,
    bootstrap: str,
    names: TopicNames,
    *,
    seconds: float,
    records_per_second: int,
    speed: float,
    stop: threading.Event,
    seed: int = 2024,
) -> None:
    """Send capture records for ``seconds`` of wall time (and their labels, late)."""
    model = SyntheticModel()
    rng = random.Random(seed)
    labels = DelayedLabels()
    started = time.monotonic()
    event_start = math.floor(time.time() / run.window_seconds) * run.window_seconds
    capture = KeyedProducer(bootstrap_servers=bootstrap, topic=names.capture, linger_seconds=0.1)
    labelled = KeyedProducer(bootstrap_servers=bootstrap, topic=names.labels,
                             linger_seconds=0.1, key_paths=LABEL_KEY_PATHS)  # fmt: skip
    with capture, labelled:
        k = 0
        while not stop.is_set():
            now = time.monotonic()
            elapsed = now - started
            if elapsed >= seconds:
                break
            drifting = elapsed >= seconds / 2
            event_now = event_start + elapsed * speed
            if event_now + TICK_SECONDS * speed >= LAST_EVENT_SECONDS:
                break
            if drifting and run.onset_event_seconds is None:
                run.onset_event_seconds, run.onset_wall = event_now, now
            n = int(records_per_second * TICK_SECONDS)
            rows = model.schema.rows(rng, n, DRIFTED if drifting else ())
            step = TICK_SECONDS * speed / n
            records = []
            for i, row in enumerate(rows):
                key = f"d{k + i}"
                answer = model.answer(rng, row, SHIFTS if drifting else ())
                records.append(labelled_capture_record(key, event_now + i * step, row, answer))
                if rng.random() >= UNLABELLED_SHARE:
                    delay = min(rng.expovariate(1 / LABEL_DELAY_SECONDS), MAX_LABEL_DELAY_SECONDS)
                    labels.schedule(now + delay / speed, ground_truth_record(key, answer.label))
            capture.send_many(records)
            labelled.send_many(labels.take_due(now))
            k += n
            run.records_sent += n
            stop.wait(max(0.0, started + elapsed + TICK_SECONDS - time.monotonic()))
