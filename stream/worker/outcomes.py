"""What the capture path reports: dead letters and running record counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from stream.capture.message import RejectedRecord


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A capture record (or message) that cannot be used, with where it came from and why."""

    monitor: str
    partition: int
    offset: int
    record_index: int  # position of the record inside its (JSON-Lines) message; -1: all of it
    reason: str
    message: str
    raw: bytes

    @classmethod
    def of(cls, monitor: str, partition: int, offset: int, rejected: RejectedRecord) -> DeadLetter:
        """The dead letter of a rejected record of the message at ``partition``/``offset``."""
        return cls(
            monitor, partition, offset, rejected.index, rejected.reason, rejected.message,
            rejected.raw,
        )  # fmt: skip


@dataclass
class RecordCounts:
    """Running totals of one monitor's records (the Prometheus counters read these)."""

    consumed: int = 0
    processed: int = 0
    late: int = 0
    sampled_out: int = 0
    dropped: int = 0
    revised: int = 0  # processed records that revised an already published window
    rows: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
