"""Seeded streams and the alarm helper shared by the golden tests (conventions rule 11)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any


def two_regime_gauss(
    seed: int = 42,
    *,
    n_before: int = 1000,
    n_after: int = 1000,
    mean_before: float = 0.0,
    mean_after: float = 1.5,
    sigma: float = 1.0,
) -> list[float]:
    """``n_before`` draws of N(mean_before, sigma) then ``n_after`` of N(mean_after, sigma)."""
    rng = random.Random(seed)
    before = [rng.gauss(mean_before, sigma) for _ in range(n_before)]
    after = [rng.gauss(mean_after, sigma) for _ in range(n_after)]
    return before + after


def stationary_gauss(seed: int = 42, *, n: int = 2000, sigma: float = 1.0) -> list[float]:
    """``n`` draws of N(0, sigma): a stream without drift."""
    rng = random.Random(seed)
    return [rng.gauss(0.0, sigma) for _ in range(n)]


def alarm_indices(detector: Any, stream: Iterable[Any]) -> list[int]:
    """Indices of the updates after which ``detector.reading().alarm`` is True."""
    out = []
    for i, x in enumerate(stream):
        detector.update(x)
        if detector.reading().alarm:
            out.append(i)
    return out


def river_alarm_indices(detector: Any, stream: Iterable[float]) -> list[int]:
    """The same for a river drift detector (``drift_detected`` after each update)."""
    out = []
    for i, x in enumerate(stream):
        detector.update(x)
        if detector.drift_detected:
            out.append(i)
    return out
