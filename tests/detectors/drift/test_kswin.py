from __future__ import annotations

import math
import random

import numpy as np
import orjson
import pytest
from river import drift
from scipy import stats

from detectors.base import NotMergeable
from detectors.drift import KSWIN, ks_p_value
from detectors.drift.kswin import _ks_count
from tests.streams import alarm_indices, river_alarm_indices, stationary_gauss, two_regime_gauss

SHIFT_UP = two_regime_gauss(42)
SHIFT_DOWN = two_regime_gauss(7, n_before=1500, n_after=1500, mean_after=-1.0)


@pytest.mark.parametrize(
    ("params", "stream", "expected"),
    [
        ({}, SHIFT_UP, [880, 998, 1099, 1968]),  # alpha 0.005: ~1 false alarm per 1000
        ({"alpha": 0.0001, "seed": 1}, SHIFT_UP, [1023]),
        ({"alpha": 0.0001, "window_size": 200, "stat_size": 50}, SHIFT_DOWN, [1529]),
        ({"alpha": 0.0001}, stationary_gauss(42), []),
    ],
)
def test_golden_alarm_indices_match_river(
    params: dict[str, float], stream: list[float], expected: list[int]
) -> None:
    assert alarm_indices(KSWIN(name="x", **params), stream) == expected  # type: ignore[arg-type]
    reference = drift.KSWIN(**{"seed": 42, **params})
    assert river_alarm_indices(reference, stream) == expected


@pytest.mark.parametrize("seed", range(5))
def test_alarms_match_river_on_a_long_drifting_stream(seed: int) -> None:
    rng = random.Random(seed)
    stream = [rng.gauss(math.sin(i / 300.0), 1.0) for i in range(6000)]
    ours = alarm_indices(KSWIN(name="x", seed=seed), stream)
    assert ours == river_alarm_indices(drift.KSWIN(seed=seed), stream)
    assert len(ours) > 3


@pytest.mark.parametrize("n", [5, 30, 64])
def test_p_value_equals_scipy_exact(n: int) -> None:
    base = np.arange(float(n))
    for k in range(2, n + 1):  # k = 1 makes scipy fall back to its asymptotic formula
        ref = stats.ks_2samp(base, base + k, method="exact")
        assert ref.statistic == pytest.approx(k / n)
        assert ks_p_value(n, k) == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)


def test_statistic_equals_scipy_with_ties() -> None:
    rng = random.Random(0)
    for _ in range(300):
        a = [float(rng.randint(0, 6)) for _ in range(30)]
        b = [rng.choice([rng.gauss(2, 2), float(rng.randint(0, 6))]) for _ in range(30)]
        assert _ks_count(a, b) / 30 == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)


def test_reading_value_is_last_ks_distance_and_p_value_matches() -> None:
    detector = KSWIN(name="x", alpha=0.0001)
    for x in SHIFT_UP[:99]:
        detector.update(x)
    assert detector.reading().value is None and detector.p_value is None
    detector.update(SHIFT_UP[99])
    value = detector.reading().value
    assert value is not None and 0.0 <= value <= 1.0
    assert detector.p_value == ks_p_value(30, round(value * 30))


@pytest.mark.parametrize("cut", [50, 100, 1000, 1023, 1024, 1200])
def test_state_round_trip_mid_stream_keeps_future_alarms(cut: int) -> None:
    stream = two_regime_gauss(5, n_before=1000, n_after=1000, mean_after=1.0)
    params = {"alpha": 0.005, "seed": 3}
    original = KSWIN(name="x", **params)  # type: ignore[arg-type]
    head = alarm_indices(original, stream[:cut])
    restored = KSWIN.from_state(orjson.loads(orjson.dumps(original.to_state())))
    assert restored.reading() == original.reading()
    tail_original = alarm_indices(original, stream[cut:])
    assert alarm_indices(restored, stream[cut:]) == tail_original
    full = alarm_indices(KSWIN(name="x", **params), stream)  # type: ignore[arg-type]
    assert head + [cut + i for i in tail_original] == full
    assert len(full) >= 2


def test_non_finite_values_are_counted_not_taken() -> None:
    detector = KSWIN(name="x")
    for x in [1.0, math.nan, math.inf, 2.0]:
        detector.update(x)
    assert (detector.n, detector.n_non_finite) == (2, 2)
    assert detector.to_state()["state"]["window"] == [1.0, 2.0]


def test_merge_is_refused() -> None:
    with pytest.raises(NotMergeable, match="merge"):
        KSWIN(name="x").merge(KSWIN(name="x"))


@pytest.mark.parametrize(
    "params",
    [{"alpha": 0.0}, {"alpha": 1.0}, {"stat_size": 0}, {"window_size": 59}, {"stat_size": 20_000}],
)
def test_bad_parameters_raise(params: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        KSWIN(name="x", **params)  # type: ignore[arg-type]
