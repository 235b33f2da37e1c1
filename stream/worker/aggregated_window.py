"""One window at the aggregator: the merged profile, and which source offsets are in it.

A partial covers one partition's source offsets ``first..last`` for one window; the window
keeps those ranges per partition, so a partial whose offsets are already in (a partial sent
again after a restart) is recognised and not merged twice.

Examples
--------
>>> from detectors.quality.dataset_profile import DatasetProfile
>>> from stream.worker.windows import WindowPartial
>>> profile = DatasetProfile(features=("x",), kinds=("numeric",))
>>> part = DatasetProfile(features=("x",), kinds=("numeric",))
>>> part.update_many([{"x": 1.0}, {"x": 2.0}])
>>> partial = WindowPartial(monitor="m", window_start=0.0, window_end=10.0, partition=1,
...     profile_state=part.to_state(), record_count=2, row_count=2, first_offset=5,
...     last_offset=6, closed_until=10.0)
>>> window = AggregatedWindow(profile, 0.0, 10.0, first_seen=0.0)
>>> window.admit(partial), window.admit(partial), window.profile.item_count
('merged', 'duplicate', 2)
>>> AggregatedWindow.from_bytes(window.to_bytes()).ranges
{1: [(5, 6)]}
"""

from __future__ import annotations

import orjson

from detectors.quality.dataset_profile import DatasetProfile
from stream.worker.windows import WindowPartial

MERGED, DUPLICATE = "merged", "duplicate"


class AggregatedWindow:
    """One window's merged partials: the profile and, per partition, the offset ranges in it."""

    def __init__(self, profile: DatasetProfile, start: float, end: float, first_seen: float):
        self.profile = profile
        self.start = start
        self.end = end
        self.first_seen = first_seen  # wall clock of the first partial
        self.ranges: dict[int, list[tuple[int, int]]] = {}
        self.records = 0
        self.revision = -1  # -1 while pending; the last published revision after
        self.finalised_by = ""
        self.complete = False
        self._blob: bytes | None = None  # serialised state, until the next change

    @property
    def is_final(self) -> bool:
        """Whether the window has been published."""
        return self.revision >= 0

    def admit(self, partial: WindowPartial) -> str:
        """Merge a partial unless its offsets are already in; ``merged`` or ``duplicate``."""
        taken = self.ranges.setdefault(partial.partition, [])
        first, last = partial.first_offset, partial.last_offset
        if any(not (last < a or b < first) for a, b in taken):
            return DUPLICATE
        self.profile.merge(DatasetProfile.from_state(partial.profile_state))
        taken.append((first, last))
        self.records += partial.record_count
        self._blob = None
        return MERGED

    def published(self, revision: int, how: str, complete: bool) -> None:
        """Record a publication of the window."""
        self.revision, self.finalised_by, self.complete = revision, how, complete
        self._blob = None

    def to_bytes(self) -> bytes:
        """Serialised state (cached until the window changes)."""
        if self._blob is None:
            self._blob = orjson.dumps(
                {
                    "profile": self.profile.to_state(),
                    "start": self.start,
                    "end": self.end,
                    "first_seen": self.first_seen,
                    "ranges": {str(p): r for p, r in self.ranges.items()},
                    "records": self.records,
                    "revision": self.revision,
                    "finalised_by": self.finalised_by,
                    "complete": self.complete,
                }
            )
        return self._blob

    @classmethod
    def from_bytes(cls, raw: bytes) -> AggregatedWindow:
        """Rebuild from :meth:`to_bytes` output."""
        s = orjson.loads(raw)
        window = cls(DatasetProfile.from_state(s["profile"]), s["start"], s["end"], s["first_seen"])
        window.ranges = {int(p): [(a, b) for a, b in r] for p, r in s["ranges"].items()}
        window.records = int(s["records"])
        window.revision = int(s["revision"])
        window.finalised_by = str(s["finalised_by"])
        window.complete = bool(s["complete"])
        window._blob = raw
        return window
