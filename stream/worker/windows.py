"""Event-time windows: bounds, ISO-8601 formatting and the partial state a partition sends.

A window is the half-open interval ``[start, end)`` of POSIX seconds (UTC) with
``start = floor(t / window_seconds) * window_seconds``. When a partition closes a window it
sends a :class:`WindowPartial` — the window's data-quality profile state together with the
source offsets it reflects — to the aggregator over the partials topic, as orjson bytes.

Examples
--------
>>> window_bounds(125.5, 60.0)
(120.0, 180.0)
>>> from detectors.quality.dataset_profile import DatasetProfile
>>> profile = DatasetProfile(features=("x",), kinds=("numeric",))
>>> profile.update_many([{"x": "1.5"}, {"x": "2"}])
>>> partial = WindowPartial(monitor="m", window_start=120.0, window_end=180.0, partition=3,
...     profile_state=profile.to_state(), record_count=2, row_count=2, first_offset=10,
...     last_offset=11, closed_until=180.0)
>>> WindowPartial.from_bytes(partial.to_bytes()) == partial
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import orjson

SCHEMA_VERSION = 1


def window_bounds(event_seconds: float, window_seconds: float) -> tuple[float, float]:
    """The tumbling window ``(start, end)`` holding an event time given in POSIX seconds."""
    start = math.floor(event_seconds / window_seconds) * window_seconds
    return float(start), float(start + window_seconds)


@dataclass(frozen=True, slots=True)
class WindowPartial:
    """One partition's share of one monitor's window, as sent to the aggregator.

    ``first_offset``/``last_offset`` are the lowest and highest source offsets the profile
    reflects (a restore skips replayed offsets up to ``last_offset``); ``closed_until`` is
    the partition's progress: every window ending at or before it is closed there.
    """

    monitor: str
    window_start: float
    window_end: float
    partition: int
    profile_state: dict[str, Any]
    record_count: int  # capture records profiled
    row_count: int  # feature rows profiled (a record may carry several)
    first_offset: int
    last_offset: int
    closed_until: float
    closed_by: str = "watermark"  # or "idle"
    schema_version: int = SCHEMA_VERSION

    def to_bytes(self) -> bytes:
        """Encode with orjson, for the partials topic."""
        return orjson.dumps(asdict(self))

    @classmethod
    def from_bytes(cls, raw: bytes) -> WindowPartial:
        """Decode :meth:`to_bytes` output; ValueError on another schema version."""
        data = orjson.loads(raw)
        if data.get("schema_version") != SCHEMA_VERSION:
            msg = f"partial schema_version {data.get('schema_version')!r} != {SCHEMA_VERSION}"
            raise ValueError(msg)
        return cls(**data)
