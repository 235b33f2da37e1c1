"""Page-Hinkley: a cumulative test for a shift in the mean of a stream."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from typing import Any

from detectors.base import Reading, make_state, open_state
from detectors.drift.one_stream import OneStreamDetector
from detectors.drift.river_drift import river_drift

__all__ = ["PageHinkley"]


_MODES = ("up", "down", "both")


class PageHinkley(OneStreamDetector):
    """Page-Hinkley test (CUSUM of deviations from the running mean), run by river 0.26.

    Each value's deviation from the running mean, less (for increases) or plus (for
    decreases) the tolerance ``delta``, is added to a sum faded by ``alpha``. The test
    statistic is how far the sum has risen above its lowest point (increases) or fallen
    below its highest point (decreases); drift is signalled when it exceeds ``threshold``,
    once ``min_instances`` values have been seen since the last restart. The detection is
    river's ``river.drift.PageHinkley``; this class adds the driftline protocol and JSON
    state (O(1): a mean, a count, two sums and their extremes).

    Reading: ``value`` is the current test statistic (the larger of the two in mode
    ``"both"``), in the units of the input, comparable with ``threshold``; ``None`` until
    ``min_instances`` values have been seen. ``alarm`` is True when drift was detected at
    the last update (a level). Like river, the detector **restarts after an alarm**: the
    next update starts a new mean and new sums. Non-finite values, and values past
    ±1e140 (whose deviations could overflow the sums), are counted in ``n_non_finite`` and
    skipped; ``n`` counts the values taken.

    Empty behaviour: value None, alarm False, n 0.

    Page-Hinkley cannot **merge**: its sums depend on the order of the values (the running
    mean at each step, the fading, the extremes along the way), so two partial streams do
    not combine into the statistic of their union; :meth:`merge` raises
    :class:`~detectors.base.NotMergeable`.

    Parameters
    ----------
    name
        Stable id of this detector, used as the reading's ``detector``.
    min_instances
        Values seen (since the last restart) before the test can fire.
    delta
        Tolerated change in the mean, in input units.
    threshold
        The statistic above which drift is signalled (lambda), in input units.
    alpha
        Fading factor of the sums, in (0, 1].
    mode
        ``"up"`` (increases), ``"down"`` (decreases) or ``"both"``.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> detector = PageHinkley(name="latency_ms", delta=0.5, threshold=20.0)
    >>> detector.reading()
    Reading(detector='latency_ms', value=None, alarm=False, n=0)
    >>> for i in range(2000):
    ...     detector.update(rng.gauss(0.0, 1.0) if i < 1000 else rng.gauss(1.5, 1.0))
    ...     if detector.reading().alarm:
    ...         print(f"alarm at event {i}")
    alarm at event 1018
    >>> PageHinkley.from_state(detector.to_state()).reading() == detector.reading()
    True
    """

    _KIND = "page_hinkley"
    # The sums add each value's deviation from the running mean: 1.7e308 after -1e308 made
    # them infinite, the state held a JSON null and did not restore. With every value within
    # ±1e140 each sum grows by at most 2e140 a value: finite for ~1e168 values, any alpha.
    _LARGEST = 1e140
    _MERGE_REFUSAL = (
        "PageHinkley cannot merge: its cumulative sums depend on the order of one stream"
    )
    _VERSION = 1

    def __init__(
        self,
        *,
        name: str,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1 - 0.0001,
        mode: str = "both",
    ) -> None:
        if not isinstance(min_instances, int) or min_instances < 1:
            msg = f"min_instances must be an int >= 1, got {min_instances!r}"
            raise ValueError(msg)
        if not delta >= 0.0:
            msg = f"delta must be >= 0, got {delta}"
            raise ValueError(msg)
        if not threshold > 0.0:
            msg = f"threshold must be > 0, got {threshold}"
            raise ValueError(msg)
        if not 0.0 < alpha <= 1.0:
            msg = f"alpha must be in (0, 1], got {alpha}"
            raise ValueError(msg)
        if mode not in _MODES:
            msg = f"mode must be one of {_MODES}, got {mode!r}"
            raise ValueError(msg)
        self.name = name
        self.min_instances = min_instances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.mode = mode
        self.n = 0
        self.n_non_finite = 0
        self._river: Any = river_drift().PageHinkley(
            min_instances=min_instances, delta=delta, threshold=threshold, alpha=alpha, mode=mode
        )

    def __repr__(self) -> str:
        return (
            f"PageHinkley(name={self.name!r}, min_instances={self.min_instances}, "
            f"delta={self.delta}, threshold={self.threshold}, alpha={self.alpha}, "
            f"mode={self.mode!r}, n={self.n})"
        )

    def _take(self, x: float) -> None:
        self._river.update(x)

    @property
    def statistic(self) -> float:
        """The current test statistic (0.0 before the first value after a restart)."""
        ph = self._river
        if ph._x_mean.n == 0:
            return 0.0
        increase = ph._sum_increase - ph._min_increase
        decrease = ph._max_decrease - ph._sum_decrease
        if self.mode == "up":
            return float(increase)
        if self.mode == "down":
            return float(decrease)
        return float(max(increase, decrease))

    def reading(self) -> Reading:
        """Test statistic (None before ``min_instances`` values) and the last update's alarm."""
        value = self.statistic if self.n >= self.min_instances else None
        alarm = bool(self._river.drift_detected)
        return Reading(detector=self.name, value=value, alarm=alarm, n=self.n)

    def to_state(self) -> dict[str, Any]:
        """Return JSON-safe state: counts, river's running mean, sums and extremes."""
        ph = self._river
        params = {
            "name": self.name,
            "min_instances": self.min_instances,
            "delta": self.delta,
            "threshold": self.threshold,
            "alpha": self.alpha,
            "mode": self.mode,
        }
        state = {
            "n": self.n,
            "n_non_finite": self.n_non_finite,
            "drift_detected": bool(ph.drift_detected),
            "mean_n": ph._x_mean.n,
            "mean": ph._x_mean._mean,
            "sum_increase": ph._sum_increase,
            "sum_decrease": ph._sum_decrease,
            # +inf (no value since the last restart) is not JSON: written as None
            "min_increase": None if math.isinf(ph._min_increase) else ph._min_increase,
            "max_decrease": ph._max_decrease,
        }
        return make_state(self._KIND, self._VERSION, params, state)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> PageHinkley:
        """Rebuild from :meth:`to_state` output (checks kind and version)."""
        params, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        detector = cls(**params)
        detector.n = int(s["n"])
        detector.n_non_finite = int(s["n_non_finite"])
        ph = detector._river
        ph._drift_detected = bool(s["drift_detected"])
        ph._x_mean.n = float(s["mean_n"])
        ph._x_mean._mean = float(s["mean"])
        ph._sum_increase = float(s["sum_increase"])
        ph._sum_decrease = float(s["sum_decrease"])
        low = s["min_increase"]
        ph._min_increase = math.inf if low is None else float(low)
        ph._max_decrease = float(s["max_decrease"])
        return detector

    @classmethod
    def _test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"name": "page_hinkley"}
        yield {"name": "page_hinkley.up", "delta": 0.5, "threshold": 20.0, "mode": "up"}

    @classmethod
    def _test_stream(cls, rng: random.Random, n: int) -> list[float]:
        half = n // 2
        return [rng.gauss(0.0, 1.0) if i < half else rng.gauss(1.5, 1.0) for i in range(n)]
