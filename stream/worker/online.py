"""Per-event drift alarms between window closes (``online_detectors`` of a monitor).

One detector per (numeric feature, partition, detector name): the online detectors of
``detectors/drift`` test one ordered stream and cannot merge, and a partition's order is
the only order Kafka keeps. A violation of type ``online_drift_check`` is raised on the
*edge* — when a detector's alarm goes from False to True — so one change gives one message
per partition that sees it, not one per event.

Examples
--------
>>> import random
>>> from datetime import UTC, datetime
>>> rng = random.Random(3)
>>> online = OnlineDetectors(names=("adwin",), features=("x",), kinds=("numeric",))
>>> clock = datetime(2024, 3, 5, tzinfo=UTC)
>>> fired = []
>>> for i in range(3000):
...     value = rng.gauss(0.0, 1.0) if i < 1500 else rng.gauss(3.0, 1.0)
...     fired += online.update(0, [], [[f"{value:.4f}"]], clock)
>>> [(v.violation.feature_name, v.violation.constraint_check_type) for v in fired]
[('x', 'online_drift_check')]
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from detectors.drift import ADWIN, KSWIN, PageHinkley
from detectors.violations import Violation

ONLINE_DRIFT = "online_drift_check"
DETECTORS: Mapping[str, Any] = {"adwin": ADWIN, "page_hinkley": PageHinkley, "kswin": KSWIN}


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
    """

    def __init__(
        self, *, names: Sequence[str], features: Sequence[str], kinds: Sequence[str]
    ) -> None:
        unknown = [n for n in names if n not in DETECTORS]
        if unknown:
            msg = f"unknown online detector(s) {unknown}; known: {sorted(DETECTORS)}"
            raise ValueError(msg)
        self.names = tuple(names)
        self.watched = [(i, f) for i, (f, k) in enumerate(zip(features, kinds, strict=True))
                        if k == "numeric"]  # fmt: skip
        self._detectors: dict[tuple[str, int, str], Any] = {}
        self._alarm: dict[tuple[str, int, str], bool] = {}
        self.alarms: Counter[str] = Counter()  # per feature

    @property
    def enabled(self) -> bool:
        """Whether any detector is configured (and any numeric feature to watch)."""
        return bool(self.names and self.watched)

    def update(
        self,
        partition: int,
        named: Sequence[Mapping[str, Any]],
        positional: Sequence[Sequence[Any]],
        now: datetime,
    ) -> list[OnlineViolation]:
        """Feed one record's rows; return the alarms that started with them."""
        fired: list[OnlineViolation] = []
        for index, feature in self.watched:
            values = [r[index] for r in positional] + [r.get(feature) for r in named]
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

    def drop_partitions(self, partitions: set[int]) -> None:
        """Forget the detectors of revoked partitions."""
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
