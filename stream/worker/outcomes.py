"""What the capture path reports: dead letters and running record counts.

:class:`~stream.kafka.dead_letters.DeadLetter` is shared with ``driftline labels push``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from stream.kafka.dead_letters import DeadLetter as DeadLetter  # re-export


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
