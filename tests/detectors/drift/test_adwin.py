from __future__ import annotations

import math

import orjson
import pytest
from river import drift

from detectors.base import NotMergeable
from detectors.drift import ADWIN
from detectors.drift.adwin_window import AdwinWindow
from tests.streams import alarm_indices, river_alarm_indices, stationary_gauss, two_regime_gauss

SHIFT_UP = two_regime_gauss(42)
SHIFT_DOWN = two_regime_gauss(7, n_before=1500, n_after=1500, mean_after=-1.0)


def json_round_trip(detector: ADWIN) -> ADWIN:
    return ADWIN.from_state(orjson.loads(orjson.dumps(detector.to_state())))


@pytest.mark.parametrize(
    ("params", "stream", "expected"),
    [
        ({}, SHIFT_UP, [1023]),
        ({"delta": 0.01, "clock": 1}, SHIFT_UP, [1017]),
        ({}, SHIFT_DOWN, [1535]),
        ({}, stationary_gauss(42), []),
    ],
)
def test_golden_alarm_indices_match_river(
    params: dict[str, float], stream: list[float], expected: list[int]
) -> None:
    assert alarm_indices(ADWIN(name="x", **params), stream) == expected
    assert river_alarm_indices(drift.ADWIN(**params), stream) == expected


def test_value_is_the_window_mean() -> None:
    detector = ADWIN(name="x", grace_period=5)
    for x in [1.0, 2.0, 3.0, 4.0]:
        detector.update(x)
    assert detector.reading().value is None
    detector.update(10.0)
    assert detector.reading().value == pytest.approx(4.0)
    assert detector.width == 5


@pytest.mark.parametrize("cut", [1, 9, 500, 1023, 1024, 1500, 1999])
def test_state_round_trip_mid_stream_keeps_future_alarms(cut: int) -> None:
    stream = two_regime_gauss(3, n_before=1000, n_after=1000, mean_after=1.0)
    original = ADWIN(name="x", delta=0.01, clock=4)
    head = alarm_indices(original, stream[:cut])
    restored = json_round_trip(original)
    assert restored.reading() == original.reading()
    tail_original = alarm_indices(original, stream[cut:])
    tail_restored = alarm_indices(restored, stream[cut:])
    assert tail_restored == tail_original
    assert head + [cut + i for i in tail_original] == alarm_indices(
        ADWIN(name="x", delta=0.01, clock=4), stream
    )
    assert restored.to_state() == original.to_state()


def test_round_trip_right_after_an_alarm_keeps_the_pending_restart() -> None:
    detector = ADWIN(name="x")
    alarm_indices(detector, SHIFT_UP[:1024])
    assert detector.reading().alarm
    restored = json_round_trip(detector)
    assert restored.reading().alarm
    detector.update(1.0)
    restored.update(1.0)
    assert restored.width == detector.width == 1


def test_window_bytes_are_rebuilt_exactly() -> None:
    river_adwin = drift.ADWIN(delta=0.01, clock=1)
    for i, x in enumerate(SHIFT_DOWN):
        river_adwin.update(x)
        if i % 97 == 0 or river_adwin.drift_detected:
            helper = river_adwin._helper
            window = AdwinWindow.from_river(helper)
            rebuilt = window.to_river(0.01, 1, 5, 5, 10)
            assert rebuilt.__getstate__() == helper.__getstate__()
            assert AdwinWindow.from_dict(orjson.loads(orjson.dumps(window.to_dict()))) == window


def test_bucket_rows_grow_logarithmically() -> None:
    detector = ADWIN(name="x")
    detector.update_many(stationary_gauss(1, n=100_000))
    rows = detector.to_state()["state"]["window"]["rows"]
    assert detector.width == 100_000
    assert len(rows) <= math.ceil(math.log2(100_000))
    assert all(len(r) <= 6 for r in rows)


def test_non_finite_values_are_counted_not_taken() -> None:
    detector = ADWIN(name="x", grace_period=1)
    for x in [1.0, math.nan, math.inf, 3.0]:
        detector.update(x)
    assert detector.n == 2
    assert detector.n_non_finite == 2
    assert detector.reading().value == pytest.approx(2.0)


@pytest.mark.parametrize(
    "poison",
    [[1e308, 1e308], [1e308, -1e308], [1.7976931348623157e308], [1e200] * 5, [-1e154, 1e154]],
)
@pytest.mark.parametrize("at", [0, 100, 1536])  # an empty window, a full one, after the alarm
def test_values_whose_squares_overflow_are_skipped_as_if_never_sent(
    poison: list[float], at: int
) -> None:
    """The reference is the stream without them: the same alarms, reading and state.

    Before, one value past ~1e153 made the window's sum of squares infinite: ADWIN never
    alarmed again (the shift at 1500 went unseen) and its state, holding a JSON null, did
    not restore (which lost a worker's whole partition state on restart).
    """
    poisoned = [*SHIFT_DOWN[:at], *poison, *SHIFT_DOWN[at:]]
    clean, dirty = ADWIN(name="x"), ADWIN(name="x")
    assert alarm_indices(clean, SHIFT_DOWN) == [1535]
    indices = alarm_indices(dirty, poisoned)  # a skipped value leaves the alarm level as is
    sent = [i if i < at else i - len(poison) for i in indices if not at <= i < at + len(poison)]
    assert sent == [1535]
    assert (dirty.n, dirty.n_non_finite) == (clean.n, len(poison))
    assert dirty.reading() == clean.reading()
    assert (
        json_round_trip(dirty).to_state()["state"]["window"] == clean.to_state()["state"]["window"]
    )


def test_merge_is_refused() -> None:
    with pytest.raises(NotMergeable, match="merge"):
        ADWIN(name="x").merge(ADWIN(name="x"))


@pytest.mark.parametrize(
    "params",
    [{"delta": 0.0}, {"delta": 1.5}, {"clock": 0}, {"max_buckets": 1}, {"grace_period": -1}],
)
def test_bad_parameters_raise(params: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        ADWIN(name="x", **params)  # type: ignore[arg-type]
