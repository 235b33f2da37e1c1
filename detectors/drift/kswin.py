"""KSWIN: a Kolmogorov–Smirnov test between the newest values and a sample of older ones."""

from __future__ import annotations

import itertools
import math
import random
from collections import deque
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from detectors.base import Reading, make_state, open_state
from detectors.drift.one_stream import OneStreamDetector

__all__ = ["KSWIN", "ks_p_value"]

MIN_STATISTIC = 0.1  # river's KSWIN also requires the KS distance to exceed 0.1


@lru_cache(maxsize=4096)
def ks_p_value(stat_size: int, k: int) -> float:
    """Exact two-sided p-value of the two-sample KS test for two samples of ``stat_size``.

    With equal sizes ``n`` the statistic is ``D = k / n`` for an integer ``k``, and
    (Gnedenko & Korolyuk, 1951)
    ``P(D >= k/n) = 2 * sum_{j >= 1} (-1)**(j+1) * C(2n, n - j*k) / C(2n, n)``.
    The sum is taken over Python integers and divided once, so the result is the exactly
    rounded float of that probability. ``k = 0`` gives 1.

    Examples
    --------
    >>> ks_p_value(30, 0), round(ks_p_value(30, 10), 6)
    (1.0, 0.070888)
    """
    if not 0 <= k <= stat_size:
        msg = f"k must be in [0, {stat_size}], got {k}"
        raise ValueError(msg)
    if k == 0:
        return 1.0
    n = stat_size
    alternating = 0
    for j in range(1, n // k + 1):
        term = math.comb(2 * n, n - j * k)
        alternating += term if j % 2 else -term
    return min(1.0, 2 * alternating / math.comb(2 * n, n))


def _critical_k(stat_size: int, alpha: float) -> int:
    """Smallest ``k`` with ``ks_p_value(stat_size, k) <= alpha`` (``stat_size + 1`` if none)."""
    low, high = 1, stat_size + 1  # the p-value falls as k grows: binary search
    while low < high:
        mid = (low + high) // 2
        if ks_p_value(stat_size, mid) <= alpha:
            high = mid
        else:
            low = mid + 1
    return low


class KSWIN(OneStreamDetector):
    """Kolmogorov–Smirnov windowing (Raab et al., 2020) on a stream of floats.

    A sliding window holds the last ``window_size`` values. Once it is full, each update
    compares its newest ``stat_size`` values with ``stat_size`` values drawn at random
    (without replacement) from the older part, by the two-sample KS test; drift is
    signalled when the p-value is at most ``alpha`` and the KS distance exceeds 0.1.

    This is river 0.26's ``river.drift.KSWIN`` alarm for alarm — the same window, the same
    ``random.Random(seed)`` draws, the same rule — without calling ``scipy.stats.ks_2samp``
    on every update (about 160 µs each): for two samples of equal size the exact p-value
    depends only on the integer ``k = stat_size * D`` (:func:`ks_p_value`), so the smallest
    alarming ``k`` is found once in the constructor and each update only counts ``k``.
    (SciPy evaluates the same probability in floating point; the two could disagree only
    if ``alpha`` lay within rounding error of a p-value.) ``stat_size`` is at most 10,000,
    the largest size for which SciPy's ``method="auto"`` uses this exact test.

    Reading: ``value`` is the KS distance ``D`` of the most recent test (in [0, 1]; its
    p-value is :attr:`p_value`), ``None`` until the window has first filled. ``alarm`` is
    True when drift was detected at the last update (a level). Like river, the detector
    **restarts after an alarm**: the next update empties the window and re-seeds the
    random draws with ``seed``; ``value`` keeps the last test's ``D`` until the window has
    refilled. Non-finite values are counted in ``n_non_finite`` and skipped.

    Empty behaviour: value None, alarm False, n 0.

    KSWIN cannot **merge**: its window is the last ``window_size`` values of one ordered
    stream and its random draws follow that stream's updates, so :meth:`merge` raises
    :class:`~detectors.base.NotMergeable`.

    State: the window (at most ``window_size`` floats), the random generator's state
    (``random.Random.getstate()``, 625 integers) and the last test, as plain JSON.

    Parameters
    ----------
    name
        Stable id of this detector, used as the reading's ``detector``.
    alpha
        Significance level of the KS test, in (0, 1); river advises below 0.01.
    window_size
        Length of the sliding window; at least ``2 * stat_size``.
    stat_size
        Size of each of the two samples compared.
    seed
        Seed of the random draws (river's default, None, is not reproducible).

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> detector = KSWIN(name="latency_ms", alpha=0.0001, seed=42)
    >>> detector.reading()
    Reading(detector='latency_ms', value=None, alarm=False, n=0)
    >>> for i in range(2000):
    ...     detector.update(rng.gauss(0.0, 1.0) if i < 1000 else rng.gauss(1.5, 1.0))
    ...     if detector.reading().alarm:
    ...         print(f"alarm at event {i}, D = {detector.reading().value:.3f}")
    alarm at event 1022, D = 0.567
    >>> KSWIN.from_state(detector.to_state()).reading() == detector.reading()
    True
    """

    _KIND = "kswin"
    _MERGE_REFUSAL = "KSWIN cannot merge: its window and random draws follow one ordered stream"
    _VERSION = 1

    def __init__(
        self,
        *,
        name: str,
        alpha: float = 0.005,
        window_size: int = 100,
        stat_size: int = 30,
        seed: int = 42,
    ) -> None:
        if not 0.0 < alpha < 1.0:
            msg = f"alpha must be in (0, 1), got {alpha}"
            raise ValueError(msg)
        if not isinstance(stat_size, int) or not 1 <= stat_size <= 10_000:
            msg = f"stat_size must be an int in [1, 10000], got {stat_size!r}"
            raise ValueError(msg)
        if not isinstance(window_size, int) or window_size < 2 * stat_size:
            msg = f"window_size must be an int >= 2 * stat_size, got {window_size!r}"
            raise ValueError(msg)
        if not isinstance(seed, int):
            msg = f"seed must be an int, got {seed!r}"
            raise ValueError(msg)
        self.name = name
        self.alpha = alpha
        self.window_size = window_size
        self.stat_size = stat_size
        self.seed = seed
        self.n = 0
        self.n_non_finite = 0
        self._k_critical = _critical_k(stat_size, alpha)
        self._window: deque[float] = deque(maxlen=window_size)
        self._rng = random.Random(seed)
        self._drift_detected = False
        self._last_k: int | None = None

    def __repr__(self) -> str:
        return (
            f"KSWIN(name={self.name!r}, alpha={self.alpha}, window_size={self.window_size}, "
            f"stat_size={self.stat_size}, seed={self.seed}, n={self.n})"
        )

    @property
    def p_value(self) -> float | None:
        """Exact p-value of the most recent test (None before the first test)."""
        if self._last_k is None:
            return None
        return ks_p_value(self.stat_size, self._last_k)

    def _take(self, x: float) -> None:
        if self._drift_detected:  # restart after an alarm, as river does
            self._window.clear()
            self._rng = random.Random(self.seed)
            self._drift_detected = False
        window = self._window
        window.append(x)
        if len(window) < self.window_size:
            return
        older = self.window_size - self.stat_size
        sample = [window[i] for i in self._rng.sample(range(older), self.stat_size)]
        recent = list(itertools.islice(window, older, self.window_size))
        k = _ks_count(sample, recent)
        self._last_k = k
        if k >= self._k_critical and k / self.stat_size > MIN_STATISTIC:
            self._drift_detected = True
            self._window = deque(recent, maxlen=self.window_size)

    def reading(self) -> Reading:
        """KS distance of the last test (None before the first) and the last update's alarm."""
        value = None if self._last_k is None else self._last_k / self.stat_size
        return Reading(detector=self.name, value=value, alarm=self._drift_detected, n=self.n)

    def to_state(self) -> dict[str, Any]:
        """Return JSON-safe state: window, random generator state, last test, alarm."""
        version, internal, gauss_next = self._rng.getstate()
        params = {
            "name": self.name,
            "alpha": self.alpha,
            "window_size": self.window_size,
            "stat_size": self.stat_size,
            "seed": self.seed,
        }
        state = {
            "n": self.n,
            "n_non_finite": self.n_non_finite,
            "drift_detected": self._drift_detected,
            "last_k": self._last_k,
            "window": list(self._window),
            "rng": [version, list(internal), gauss_next],
        }
        return make_state(self._KIND, self._VERSION, params, state)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> KSWIN:
        """Rebuild from :meth:`to_state` output (checks kind and version)."""
        params, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        detector = cls(**params)
        detector.n = int(s["n"])
        detector.n_non_finite = int(s["n_non_finite"])
        detector._drift_detected = bool(s["drift_detected"])
        detector._last_k = None if s["last_k"] is None else int(s["last_k"])
        detector._window = deque((float(v) for v in s["window"]), maxlen=detector.window_size)
        version, internal, gauss_next = s["rng"]
        detector._rng.setstate((int(version), tuple(int(v) for v in internal), gauss_next))
        return detector

    @classmethod
    def _test_params(cls) -> Iterator[dict[str, Any]]:
        yield {"name": "kswin", "alpha": 0.0001, "seed": 1}

    @classmethod
    def _test_stream(cls, rng: random.Random, n: int) -> list[float]:
        half = n // 2
        return [rng.gauss(0.0, 1.0) if i < half else rng.gauss(1.5, 1.0) for i in range(n)]


def _ks_count(a: list[float], b: list[float]) -> int:
    """``n * D`` for two samples of equal size ``n``: the largest gap of their counts."""
    a, b = sorted(a), sorted(b)
    n = len(a)
    i = j = best = 0
    while i < n and j < n:  # once one sample is used up the gap only shrinks
        v = a[i] if a[i] <= b[j] else b[j]
        while i < n and a[i] <= v:
            i += 1
        while j < n and b[j] <= v:
            j += 1
        gap = i - j if i >= j else j - i
        if gap > best:
            best = gap
    return best
