"""What the capture path reports: dead letters, per-message outcomes and running counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from stream.worker.online import OnlineViolation


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A capture record that cannot be used, with where it came from and why."""

    monitor: str
    partition: int
    offset: int
    record_index: int  # position of the record inside its (JSON-Lines) message
    reason: str
    message: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What one message did: rows per window start, dead letters, late events, alarms."""

    rows_by_window: dict[float, int]
    dead_letters: tuple[DeadLetter, ...]
    late: int
    online_violations: tuple[OnlineViolation, ...] = ()


@dataclass
class RecordCounts:
    """Running totals of one monitor's records (the Prometheus counters read these)."""

    consumed: int = 0
    processed: int = 0
    late: int = 0
    sampled_out: int = 0
    dropped: int = 0
    rows: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
