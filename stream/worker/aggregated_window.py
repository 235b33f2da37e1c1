"""One window at the aggregator: what its partials merged into, and which partials those were.

A data-quality partial covers one partition's source offsets ``first..last`` for one window;
the window keeps those ranges per partition, so a partial whose offsets are already in (a
partial sent again after a restart) is recognised and not merged twice. A labelled partial
is recognised the same way by its partition's sequence number.

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
>>> AggregatedWindow.from_packed(window.packed()).ranges  # a settled window's compressed form
{1: [(5, 6)]}
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable

import orjson

from detectors.quality.dataset_profile import DatasetProfile
from detectors.violations import Violation
from stream.monitors.labelled import LabelledSetup
from stream.monitors.labelled_accumulators import LabelledAccumulators
from stream.worker.violation_labels import violation_identity
from stream.worker.windows import WindowPartial

MERGED, DUPLICATE = "merged", "duplicate"


class AggregatedWindow:
    """One window's merged partials: the profile, labelled accumulators, and what is in them.

    ``profile`` is None once the window is past the data-quality revision horizon (only its
    labelled part, which labels keep changing for longer, is still kept).
    """

    def __init__(
        self,
        profile: DatasetProfile | None,
        start: float,
        end: float,
        first_seen: float,
        labelled: LabelledAccumulators | None = None,
    ) -> None:
        self.profile = profile
        self.labelled = labelled
        self.start = start
        self.end = end
        self.first_seen = first_seen  # wall clock of the first partial
        self.ranges: dict[int, list[tuple[int, int]]] = {}  # data quality: offsets merged
        self.seqs: dict[int, list[int]] = {}  # labelled: sequence numbers merged
        self.records = 0
        self.revision = -1  # data quality: -1 while pending, then the last published revision
        self.labelled_revision = -1  # the labelled results' last published revision
        self.labelled_changed = False  # merged labels not yet published
        self.labelled_published_at = -math.inf  # wall clock
        # by monitor type (data_quality too): its last publication's violations, as
        # violation_identity names them, so that a revision counts only new ones
        self.counted_violations: dict[str, list[str]] = {}
        self.finalised_by = ""
        self.complete = False
        self._blob: bytes | None = None  # serialised state, until the next change

    @property
    def is_final(self) -> bool:
        """Whether the window has been published."""
        return self.revision >= 0

    def admit(self, partial: WindowPartial) -> str:
        """Merge a partial unless it is already in; ``merged`` or ``duplicate``."""
        if partial.is_labelled:
            return self._admit_labelled(partial)
        if self.profile is None or partial.profile_state is None:
            return DUPLICATE  # past the data-quality horizon: nothing left to revise
        taken = self.ranges.setdefault(partial.partition, [])
        first, last = partial.first_offset, partial.last_offset
        if any(not (last < a or b < first) for a, b in taken):
            return DUPLICATE
        self.profile.merge(DatasetProfile.from_state(partial.profile_state))
        taken.append((first, last))
        self.records += partial.record_count
        self._blob = None
        return MERGED

    def _admit_labelled(self, partial: WindowPartial) -> str:
        seqs = self.seqs.setdefault(partial.partition, [])
        if self.labelled is None or partial.seq in seqs or partial.labelled_state is None:
            return DUPLICATE
        self.labelled.merge(
            LabelledAccumulators.from_state(self.labelled.setup, partial.labelled_state)
        )
        seqs.append(partial.seq)
        self.labelled_changed = True
        self._blob = None
        return MERGED

    def published(self, revision: int, how: str, complete: bool) -> None:
        """Record a publication of the window's data-quality result."""
        self.revision, self.finalised_by, self.complete = revision, how, complete
        self._blob = None

    def labelled_published(self, now: float) -> int:
        """Record a publication of the labelled results; return its revision."""
        self.labelled_revision += 1
        self.labelled_changed = False
        self.labelled_published_at = now
        self._blob = None
        return self.labelled_revision

    def new_violations(self, monitor_type: str, violations: Iterable[Violation]) -> list[Violation]:
        """Record a publication's violations; return those its previous revision lacked.

        A revision that only repeats a violation (more labels or late records, the same
        verdict) adds none, so a counter of them counts each violation once per window, not
        once per revision.
        """
        violations = list(violations)
        before = set(self.counted_violations.get(monitor_type, ()))
        self.counted_violations[monitor_type] = [violation_identity(v) for v in violations]
        self._blob = None
        return [v for v in violations if violation_identity(v) not in before]

    def forget_profile(self) -> None:
        """Past the data-quality horizon: keep only the labelled part."""
        self.profile = None
        self._blob = None

    def to_bytes(self) -> bytes:
        """Serialised state (cached until the window changes)."""
        if self._blob is None:
            self._blob = orjson.dumps(
                {
                    "profile": None if self.profile is None else self.profile.to_state(),
                    "labelled": None if self.labelled is None else self.labelled.to_state(),
                    "start": self.start,
                    "end": self.end,
                    "first_seen": self.first_seen,
                    "ranges": {str(p): r for p, r in self.ranges.items()},
                    "seqs": {str(p): s for p, s in self.seqs.items()},
                    "records": self.records,
                    "revision": self.revision,
                    "labelled_revision": self.labelled_revision,
                    "labelled_changed": self.labelled_changed,
                    "labelled_published_at": self.labelled_published_at,  # -inf: null
                    "counted_violations": self.counted_violations,
                    "finalised_by": self.finalised_by,
                    "complete": self.complete,
                }
            )
        return self._blob

    def packed(self) -> bytes:
        """:meth:`to_bytes`, compressed: how the aggregator keeps a settled window.

        A labelled window waits for late labels for the whole label horizon (14 days by
        default) but is rarely revised; compressed it takes ~4 times less room than its
        JSON, and far less than its objects.
        """
        return zlib.compress(self.to_bytes(), 1)

    @classmethod
    def from_packed(cls, raw: bytes, setup: LabelledSetup | None = None) -> AggregatedWindow:
        """Rebuild from :meth:`packed` output (``setup``: the monitor's labelled setup)."""
        return cls.from_bytes(zlib.decompress(raw), setup)

    @classmethod
    def from_bytes(cls, raw: bytes, setup: LabelledSetup | None = None) -> AggregatedWindow:
        """Rebuild from :meth:`to_bytes` output (``setup``: the monitor's labelled setup)."""
        s = orjson.loads(raw)
        profile = None if s["profile"] is None else DatasetProfile.from_state(s["profile"])
        labelled = None
        if setup is not None:
            state = s.get("labelled")
            labelled = (
                LabelledAccumulators(setup)
                if state is None
                else LabelledAccumulators.from_state(setup, state)
            )
        window = cls(profile, s["start"], s["end"], s["first_seen"], labelled)
        window.ranges = {int(p): [(a, b) for a, b in r] for p, r in s["ranges"].items()}
        window.seqs = {int(p): list(q) for p, q in s.get("seqs", {}).items()}
        window.records = int(s["records"])
        window.revision = int(s["revision"])
        window.labelled_revision = int(s.get("labelled_revision", -1))
        window.labelled_changed = bool(s.get("labelled_changed", False))
        published_at = s.get("labelled_published_at")
        window.labelled_published_at = -math.inf if published_at is None else float(published_at)
        window.counted_violations = {
            kind: [str(i) for i in found] for kind, found in s.get("counted_violations", {}).items()
        }
        window.finalised_by = str(s["finalised_by"])
        window.complete = bool(s["complete"])
        window._blob = raw
        return window
