"""ADWIN: an adaptive window that drops its older part when the two parts' means differ."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from typing import Any

from river._river_rust.drift import AdaptiveWindowing

from detectors.base import Reading, make_state, open_state
from detectors.drift.adwin_window import AdwinWindow
from detectors.drift.one_stream import OneStreamDetector

__all__ = ["ADWIN"]


class ADWIN(OneStreamDetector):
    """Adaptive windowing (Bifet & Gavaldà, 2007) on a stream of floats, run by river 0.26.

    ADWIN keeps a window of recent values, compressed into buckets of sizes 1, 2, 4, … (at
    most ``max_buckets + 1`` of each size, so memory is logarithmic in the window length).
    Every ``clock`` updates it tests each cut of the window into an older and a newer part;
    when their means differ by more than a Hoeffding-style bound at significance ``delta``
    it drops the oldest bucket and signals drift. The detection itself is river's Rust
    engine (``AdaptiveWindowing``, which ``river.drift.ADWIN`` wraps), driven as that
    wrapper drives it; this class adds the driftline protocol and JSON state. It does not
    import ``river.drift``, whose package brings scikit-learn and scipy along when they
    are installed (:mod:`detectors.drift.river_drift`).

    Reading: ``value`` is the mean of the current window (river's ``estimation``),
    ``None`` until ``grace_period`` values have been seen; ``alarm`` is True when drift was
    detected at the last update (a level). Like river, the detector **restarts after an
    alarm**: the next update begins a new, empty window. Non-finite values (NaN, ±inf), and
    values past ±1e140 (whose squares would overflow the window's sums), are counted in
    ``n_non_finite`` and skipped; ``n`` counts the values taken.

    Empty behaviour: value None, alarm False, n 0.

    ADWIN cannot **merge**: its window is an ordered sequence of buckets of one stream, and
    two windows of interleaved partitions cannot be recombined into the window one stream
    would have built, so :meth:`merge` raises :class:`~detectors.base.NotMergeable`. Run
    one per stream (e.g. per Kafka partition key) instead.

    State: the window's running sums and bucket rows (:class:`AdwinWindow`) as plain JSON,
    never pickle; river's Rust object is rebuilt from them byte for byte.

    Parameters
    ----------
    name
        Stable id of this detector, used as the reading's ``detector``.
    delta
        Significance of the cut test, in (0, 1); smaller means fewer false alarms.
    clock
        Test for change every ``clock`` updates.
    max_buckets
        Buckets of each size kept before two are merged.
    min_window_length
        Smallest sub-window length considered at a cut.
    grace_period
        Values seen before any change test, and before the reading has a value.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> detector = ADWIN(name="latency_ms")
    >>> detector.reading()
    Reading(detector='latency_ms', value=None, alarm=False, n=0)
    >>> for i in range(2000):
    ...     detector.update(rng.gauss(0.0, 1.0) if i < 1000 else rng.gauss(1.5, 1.0))
    ...     if detector.reading().alarm:
    ...         print(f"alarm at event {i}")
    alarm at event 1023
    >>> round(detector.reading().value, 2)
    1.48
    >>> ADWIN.from_state(detector.to_state()).reading() == detector.reading()
    True
    """

    _KIND = "adwin"
    # The window keeps sums of values and of their squared deviations. One value past about
    # 1e153 squared to infinity: the window's mean and variance went infinite or NaN for
    # good (no alarm again) and its state held a JSON null (no restore). With every value
    # within ±1e140 the sums stay finite up to ~1e27 values, far past any window.
    _LARGEST = 1e140
    _MERGE_REFUSAL = "ADWIN cannot merge: its window is an ordered sequence of one stream"
    _VERSION = 1

    def __init__(
        self,
        *,
        name: str,
        delta: float = 0.002,
        clock: int = 32,
        max_buckets: int = 5,
        min_window_length: int = 5,
        grace_period: int = 10,
    ) -> None:
        if not 0.0 < delta < 1.0:
            msg = f"delta must be in (0, 1), got {delta}"
            raise ValueError(msg)
        for field, value, low in (
            ("clock", clock, 1),
            ("max_buckets", max_buckets, 2),
            ("min_window_length", min_window_length, 1),
            ("grace_period", grace_period, 0),
        ):
            if not isinstance(value, int) or value < low:
                msg = f"{field} must be an int >= {low}, got {value!r}"
                raise ValueError(msg)
        self.name = name
        self.delta = delta
        self.clock = clock
        self.max_buckets = max_buckets
        self.min_window_length = min_window_length
        self.grace_period = grace_period
        self.n = 0
        self.n_non_finite = 0
        self._window = self._new_window()
        self._drift = False  # drift detected at the last update

    def _new_window(self) -> Any:
        return AdaptiveWindowing(
            delta=self.delta,
            clock=self.clock,
            max_buckets=self.max_buckets,
            min_window_length=self.min_window_length,
            grace_period=self.grace_period,
        )

    def __repr__(self) -> str:
        return (
            f"ADWIN(name={self.name!r}, delta={self.delta}, clock={self.clock}, "
            f"max_buckets={self.max_buckets}, min_window_length={self.min_window_length}, "
            f"grace_period={self.grace_period}, n={self.n})"
        )

    @property
    def width(self) -> int:
        """Number of values in the current window."""
        return int(self._window.get_width())

    def _take(self, x: float) -> None:
        if self._drift:  # river's ADWIN starts a new window after an alarm
            self._window = self._new_window()
        self._drift = bool(self._window.update(x))

    def reading(self) -> Reading:
        """Window mean (None before ``grace_period`` values) and the last update's alarm."""
        value = self._mean() if self.n >= self.grace_period else None
        alarm = self._drift if value is not None else False
        return Reading(detector=self.name, value=value, alarm=alarm, n=self.n)

    def _mean(self) -> float:
        """The window's mean (river's ``estimation``: 0.0 for an empty window)."""
        width = self._window.get_width()
        return float(self._window.get_total() / width) if width else 0.0

    def to_state(self) -> dict[str, Any]:
        """Return JSON-safe state: counts, the alarm flag and the window's buckets."""
        params = {
            "name": self.name,
            "delta": self.delta,
            "clock": self.clock,
            "max_buckets": self.max_buckets,
            "min_window_length": self.min_window_length,
            "grace_period": self.grace_period,
        }
        state = {
            "n": self.n,
            "n_non_finite": self.n_non_finite,
            "drift_detected": self._drift,
            "window": AdwinWindow.from_river(self._window).to_dict(),
        }
        return make_state(self._KIND, self._VERSION, params, state)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ADWIN:
        """Rebuild from :meth:`to_state` output (checks kind and version)."""
        params, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        detector = cls(**params)
        detector.n = int(s["n"])
        detector.n_non_finite = int(s["n_non_finite"])
        window = AdwinWindow.from_dict(s["window"])
        detector._window = window.to_river(
            detector.delta,
            detector.clock,
            detector.max_buckets,
            detector.min_window_length,
            detector.grace_period,
        )
        detector._drift = bool(s["drift_detected"])
        return detector

    @classmethod
    def _test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"name": "adwin"}
        yield {"name": "adwin.fast", "delta": 0.01, "clock": 1}

    @classmethod
    def _test_stream(cls, rng: random.Random, n: int) -> list[float]:
        half = n // 2
        return [rng.gauss(0.0, 1.0) if i < half else rng.gauss(1.5, 1.0) for i in range(n)]
