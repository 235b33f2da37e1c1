from __future__ import annotations

import math

import orjson
import pytest
from river import drift

from detectors.base import NotMergeable
from detectors.drift import PageHinkley
from tests.streams import alarm_indices, river_alarm_indices, stationary_gauss, two_regime_gauss

SHIFT_UP = two_regime_gauss(42)
SHIFT_DOWN = two_regime_gauss(7, n_before=1500, n_after=1500, mean_after=-1.0)
TUNED = {"delta": 0.5, "threshold": 20.0}


@pytest.mark.parametrize(
    ("params", "stream", "expected"),
    [
        ({}, SHIFT_UP, [696, 1022]),  # river's defaults: delta 0.005 also fires on noise
        (TUNED, SHIFT_UP, [1018]),
        ({**TUNED, "mode": "up"}, SHIFT_DOWN, []),
        ({**TUNED, "mode": "down"}, SHIFT_DOWN, [1521]),
        (TUNED, stationary_gauss(42), []),
    ],
)
def test_golden_alarm_indices_match_river(
    params: dict[str, object], stream: list[float], expected: list[int]
) -> None:
    assert alarm_indices(PageHinkley(name="x", **params), stream) == expected  # type: ignore[arg-type]
    assert river_alarm_indices(drift.PageHinkley(**params), stream) == expected


def test_value_is_the_cusum_statistic_computed_by_hand() -> None:
    # one-sided increase statistic: S_t = alpha * S_{t-1} + (x_t - mean_t) - delta,
    # value = S_t - min_{s <= t} S_s
    xs = [0.0, 1.0, 0.0, 4.0, 5.0]
    detector = PageHinkley(name="x", min_instances=1, delta=0.1, alpha=1.0, mode="up")
    total, s, low = 0.0, 0.0, math.inf
    for t, x in enumerate(xs, start=1):
        detector.update(x)
        total += x
        s = s + (x - total / t) - 0.1
        low = min(low, s)
        assert detector.reading().value == pytest.approx(s - low)
    # means 0, 1/2, 1/3, 5/4, 2; S_5 = 65/12 and the lowest S is S_3 = -2/15
    assert detector.reading().value == pytest.approx(65 / 12 + 2 / 15)


def test_value_is_none_until_min_instances() -> None:
    detector = PageHinkley(name="x", min_instances=3)
    detector.update(1.0)
    detector.update(2.0)
    assert detector.reading().value is None
    detector.update(3.0)
    assert detector.reading().value is not None


@pytest.mark.parametrize("cut", [0, 1, 29, 600, 1018, 1019, 1500])
def test_state_round_trip_mid_stream_keeps_future_alarms(cut: int) -> None:
    stream = SHIFT_UP
    original = PageHinkley(name="x", delta=0.2, threshold=10.0)
    head = alarm_indices(original, stream[:cut])
    restored = PageHinkley.from_state(orjson.loads(orjson.dumps(original.to_state())))
    assert restored.reading() == original.reading()
    tail_original = alarm_indices(original, stream[cut:])
    assert alarm_indices(restored, stream[cut:]) == tail_original
    full = alarm_indices(PageHinkley(name="x", delta=0.2, threshold=10.0), stream)
    assert head + [cut + i for i in tail_original] == full
    assert len(full) > 1


def test_non_finite_values_are_counted_not_taken() -> None:
    detector = PageHinkley(name="x", min_instances=1)
    for x in [1.0, math.nan, -math.inf, 1.0]:
        detector.update(x)
    assert (detector.n, detector.n_non_finite) == (2, 2)
    assert detector.reading().value == 0.0  # two equal values: no deviation at all


@pytest.mark.parametrize("poison", [[-1e308, 1.7e308], [1e308, -1e308, 1e308], [1e200] * 3])
@pytest.mark.parametrize("at", [0, 700])
def test_values_whose_deviations_overflow_are_skipped_as_if_never_sent(
    poison: list[float], at: int
) -> None:
    """The reference is the stream without them: the same alarms and state.

    Before, ``-1e308`` then ``1.7e308`` made the running sums infinite: the state held a
    JSON null and did not restore (a worker's whole partition started empty).
    """
    poisoned = [*SHIFT_DOWN[:at], *poison, *SHIFT_DOWN[at:]]
    clean, dirty = PageHinkley(name="x", **TUNED), PageHinkley(name="x", **TUNED)
    expected = alarm_indices(clean, SHIFT_DOWN)
    indices = alarm_indices(dirty, poisoned)
    sent = [i if i < at else i - len(poison) for i in indices if not at <= i < at + len(poison)]
    assert sent == expected
    assert (dirty.n, dirty.n_non_finite) == (clean.n, len(poison))
    again = PageHinkley.from_state(orjson.loads(orjson.dumps(dirty.to_state())))
    assert again.to_state()["state"] == {**clean.to_state()["state"], "n_non_finite": len(poison)}


def test_merge_is_refused() -> None:
    with pytest.raises(NotMergeable, match="merge"):
        PageHinkley(name="x").merge(PageHinkley(name="x"))


@pytest.mark.parametrize(
    "params",
    [
        {"min_instances": 0},
        {"delta": -1.0},
        {"threshold": 0.0},
        {"alpha": 0.0},
        {"mode": "sideways"},
    ],
)
def test_bad_parameters_raise(params: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        PageHinkley(name="x", **params)  # type: ignore[arg-type]
