"""Per-event drift alarms between window closes (``online_detectors`` of a monitor).

One detector per (numeric feature, partition, detector name): the online detectors of
``detectors/drift`` test one ordered stream and cannot merge, and a partition's order is
the only order Kafka keeps. A violation of type ``online_drift_check`` is raised on the
*edge* — when a detector's alarm goes from False to True — so one change gives one message
per partition that sees it, not one per event. It implements
:class:`~stream.worker.partition_state.PartitionedState`: a partition's detectors and alarm
levels are snapshotted and restored with the rest of its state.

Examples
--------
>>> import random
>>> from datetime import UTC, datetime
>>> rng = random.Random(3)
>>> clock = datetime(2024, 3, 5, tzinfo=UTC)
>>> online = OnlineDetectors(names=("adwin",), features=("x",), kinds=("numeric",),
...                          now=lambda: clock)
>>> fired = []
>>> for i in range(3000):
...     value = rng.gauss(0.0, 1.0) if i < 1500 else rng.gauss(3.0, 1.0)
...     fired += online.update(0, i, PlacedRows([], [[f"{value:.4f}"]]))
>>> [(v.violation.feature_name, v.violation.constraint_check_type) for v in fired]
[('x', 'online_drift_check')]
>>> again = OnlineDetectors(names=("adwin",), features=("x",), kinds=("numeric",),
...                         now=lambda: clock)
>>> again.restore(0, online.snapshot(0))
>>> again.update(0, 3000, PlacedRows([], [["3.1"]]))  # the alarm is already up: no new edge
[]
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from detectors.drift import ADWIN, KSWIN, PageHinkley
from detectors.drift.river_drift import river_drift
from detectors.violations import Violation
from stream.capture.message import DecodedMessage
from stream.worker.partition_state import Blobs

ONLINE_DRIFT = "online_drift_check"
OnlineDetector = ADWIN | KSWIN | PageHinkley
DETECTORS: Mapping[str, type[OnlineDetector]] = {
    "adwin": ADWIN,
    "page_hinkley": PageHinkley,
    "kswin": KSWIN,
}
_BLOB = "online"


class PlacedRows(NamedTuple):
    """Rows a message placed in open windows: named rows and positional (baseline-order) rows."""

    named: Sequence[Mapping[str, Any]]
    positional: Sequence[Sequence[Any]]


@dataclass(frozen=True, slots=True)
class OnlineViolation:
    """An online alarm: the violation, the partition whose stream raised it, and when."""

    violation: Violation
    detector: str
    partition: int
    detected_at: datetime


class OnlineDetectors:
    """Online detectors of one monitor, created lazily per partition.

    Parameters
    ----------
    names
        Detector names from the config: ``adwin``, ``page_hinkley``, ``kswin``.
    features, kinds
        The baseline's features and profile kinds; only ``numeric`` features are watched.
    now
        Wall clock (timezone-aware UTC): when an alarm was raised.
    """

    def __init__(
        self,
        *,
        names: Sequence[str],
        features: Sequence[str],
        kinds: Sequence[str],
        now: Callable[[], datetime],
    ) -> None:
        unknown = [n for n in names if n not in DETECTORS]
        if unknown:
            msg = f"unknown online detector(s) {unknown}; known: {sorted(DETECTORS)}"
            raise ValueError(msg)
        self.names = tuple(names)
        self.watched = [(i, f) for i, (f, k) in enumerate(zip(features, kinds, strict=True))
                        if k == "numeric"]  # fmt: skip
        self.now = now
        self._detectors: dict[tuple[str, int, str], OnlineDetector] = {}
        self._alarm: dict[tuple[str, int, str], bool] = {}
        self.alarms: Counter[str] = Counter()  # per feature
        if self.enabled and "page_hinkley" in self.names:
            river_drift()  # Page-Hinkley's river.drift: at start-up (0.8 s), not at an event

    @property
    def enabled(self) -> bool:
        """Whether any detector is configured (and any numeric feature to watch)."""
        return bool(self.names and self.watched)

    def update(self, partition: int, offset: int, item: PlacedRows) -> list[OnlineViolation]:
        """Feed rows placed from one message; return the alarms that started with them."""
        if not self.enabled:
            return []
        fired: list[OnlineViolation] = []
        now = self.now()
        for index, feature in self.watched:
            values = [r[index] for r in item.positional] + [r.get(feature) for r in item.named]
            for value in values:
                number = _number(value)
                if number is None:
                    continue
                for name in self.names:
                    fired.extend(self._update_one(name, partition, feature, number, now))
        return fired

    def _update_one(
        self, name: str, partition: int, feature: str, value: float, now: datetime
    ) -> list[OnlineViolation]:
        key = (feature, partition, name)
        detector = self._detectors.get(key)
        if detector is None:
            detector = self._detectors[key] = DETECTORS[name](name=f"{feature}:{name}")
        detector.update(value)
        reading = detector.reading()
        was = self._alarm.get(key, False)
        self._alarm[key] = reading.alarm
        if not reading.alarm or was:
            return []
        self.alarms[feature] += 1
        violation = Violation(
            constraint_check_type=ONLINE_DRIFT,
            description=(
                f"{name} detected a change in feature {feature} "
                f"(partition {partition}) after {reading.n} values"
            ),
            feature_name=feature,
            value=reading.value,
            threshold=None,
            sample_count=reading.n,
        )
        return [OnlineViolation(violation, name, partition, now)]

    def close_due(self, now: float) -> list[OnlineViolation]:
        """Nothing waits for the clock: alarms are raised by :meth:`update`."""
        return []

    def snapshot(self, partition: int) -> Blobs:
        """The partition's detectors and alarm levels (no blob when there are none)."""
        entries = [
            [feature, name, detector.to_state(), self._alarm.get(key, False)]
            for key, detector in sorted(self._detectors.items())
            for feature, p, name in [key]
            if p == partition
        ]
        return {_BLOB: orjson.dumps(entries)} if entries else {}

    def restore(self, partition: int, blobs: Mapping[str, bytes]) -> None:
        """Replace the partition's detectors with those of a :meth:`snapshot`."""
        self.drop([partition])
        if _BLOB not in blobs:
            return
        for feature, name, state, alarm in orjson.loads(blobs[_BLOB]):
            key = (feature, partition, name)
            self._detectors[key] = DETECTORS[name].from_state(state)
            self._alarm[key] = bool(alarm)

    def drop(self, partitions: Collection[int]) -> None:
        """Forget the detectors of partitions this worker no longer owns."""
        for key in [k for k in self._detectors if k[1] in partitions]:
            del self._detectors[key]
            self._alarm.pop(key, None)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def placed_rows(decoded: DecodedMessage, placed: Sequence[int]) -> PlacedRows:
    """The rows of a decoded message's records ``placed``, for the online detectors."""
    width, fields = decoded.width, decoded.fields()
    if decoded.flat_owner is None:
        return PlacedRows([], [fields[i * width : (i + 1) * width] for i in placed])
    members = set(placed)
    positional = [
        fields[i * width : (i + 1) * width]
        for i, owner in enumerate(decoded.flat_owner)
        if owner in members
    ]
    named = [row for row, owner in zip(decoded.named, decoded.named_owner, strict=True)
             if owner in members]  # fmt: skip
    return PlacedRows(named, positional)
