from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ground_truth.join import ExpiredCounts, JoinCounts, LabelJoiner, Prediction
from ground_truth.records import GroundTruth
from tests.conftest import FakeClock

T0 = datetime(2024, 3, 5, 14, 0, 0, tzinfo=UTC)


def pred(key: str, payload: Any = None, *, inference_id: bool = True) -> Prediction:
    if inference_id:
        return Prediction(
            inference_id=key, event_id=f"ev-{key}", inference_time=T0, payload=payload
        )
    return Prediction(event_id=key, inference_time=T0, payload=payload)


def label(key: str, value: str | float = 1.0) -> GroundTruth:
    return GroundTruth(event_id=key, values=(value,))


def make(clock: FakeClock, *, ttl_seconds: float = 3600.0, max_pending: int = 1000) -> LabelJoiner:
    return LabelJoiner(ttl_seconds=ttl_seconds, max_pending=max_pending, now=clock)


Event = tuple[str, str]  # ("p" | "l", key)


def run(joiner: LabelJoiner, clock: FakeClock, events: list[Event]) -> set[tuple[str, Any, Any]]:
    """Feed events one second apart; return joined (key, payload, label value) triples."""
    out: set[tuple[str, Any, Any]] = set()
    for side, key in events:
        clock.advance(1.0)
        if side == "p":
            joined = joiner.add_prediction(pred(key, payload=f"payload-{key}"))
        else:
            joined = joiner.add_label(label(key, value=f"label-{key}"))
        out |= {(j.key, j.prediction.payload, j.label.values[0]) for j in joined}
    return out


def roundtrip(joiner: LabelJoiner, clock: FakeClock) -> LabelJoiner:
    return LabelJoiner.from_state(orjson.loads(orjson.dumps(joiner.to_state())), now=clock)


keys = st.lists(st.text("abcdef0123456789", min_size=1, max_size=8), unique=True, max_size=40)


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[Event], set[str], set[str], set[str]]:
    both, preds_only, labels_only = draw(keys), draw(keys), draw(keys)
    preds_only = [k for k in preds_only if k not in both]
    labels_only = [k for k in labels_only if k not in both and k not in preds_only]
    events = [("p", k) for k in both + preds_only] + [("l", k) for k in both + labels_only]
    shuffled = draw(st.permutations(events))
    return list(shuffled), set(both), set(preds_only), set(labels_only)


@settings(max_examples=200, deadline=None)
@given(arrivals())
def test_arrival_order_does_not_change_the_joined_set(
    case: tuple[list[Event], set[str], set[str], set[str]],
) -> None:
    events, both, preds_only, labels_only = case
    clock = FakeClock(T0)
    joiner = make(clock)
    joined = run(joiner, clock, events)
    assert joined == {(k, f"payload-{k}", f"label-{k}") for k in both}
    counts = joiner.counts()
    assert counts.joined == len(both)
    assert counts.pending_predictions == len(preds_only)
    assert counts.pending_labels == len(labels_only)
    assert counts.predictions_seen == len(both) + len(preds_only)
    assert counts.labels_seen == len(both) + len(labels_only)
    expected = len(both) / counts.predictions_seen if counts.predictions_seen else None
    assert joiner.label_coverage == expected


@settings(max_examples=200, deadline=None)
@given(arrivals(), st.floats(0.0, 1.0))
def test_state_round_trip_mid_stream_preserves_future_joins(
    case: tuple[list[Event], set[str], set[str], set[str]], split: float
) -> None:
    events, both, _, _ = case
    cut = int(split * len(events))
    clock_a, clock_b = FakeClock(T0), FakeClock(T0)
    straight = make(clock_a)
    expected = run(straight, clock_a, events)

    first = make(clock_b)
    joined = run(first, clock_b, events[:cut])
    resumed = roundtrip(first, clock_b)
    joined |= run(resumed, clock_b, events[cut:])
    assert joined == expected == {(k, f"payload-{k}", f"label-{k}") for k in both}
    assert resumed.counts() == straight.counts()
    assert resumed.to_state() == straight.to_state()


def test_event_id_is_the_fallback_key() -> None:
    clock = FakeClock(T0)
    joiner = make(clock)
    # no inferenceId: the capture's eventId is the key
    assert joiner.add_prediction(pred("6f1d", inference_id=False)) == []
    (joined,) = joiner.add_label(label("6f1d"))
    assert joined.key == "6f1d" and joined.prediction.inference_id is None
    # with an inferenceId, a label keyed by the capture's eventId does not join
    assert joiner.add_prediction(pred("order-1")) == []
    assert joiner.add_label(label("ev-order-1")) == []
    assert [j.key for j in joiner.add_label(label("order-1"))] == ["order-1"]


def test_ttl_expiry_is_counted() -> None:
    clock = FakeClock(T0)
    joiner = make(clock, ttl_seconds=60)
    joiner.add_prediction(pred("a"))  # t=0
    clock.advance(10)
    joiner.add_label(label("orphan"))  # t=10
    clock.advance(49)  # t=59: nothing is 60 s old yet
    assert joiner.expire() == ExpiredCounts(0, 0, 0, 0)
    clock.advance(1)  # t=60: the prediction is
    assert joiner.expire() == ExpiredCounts(
        predictions=1, labels=0, evicted_predictions=0, evicted_labels=0
    )
    clock.advance(10)  # t=70: and the orphan label
    assert joiner.expire() == ExpiredCounts(
        predictions=0, labels=1, evicted_predictions=0, evicted_labels=0
    )
    assert joiner.expire() == ExpiredCounts(0, 0, 0, 0)
    c = joiner.counts()
    assert (c.expired_predictions, c.expired_labels, c.pending_predictions, c.pending_labels) == (
        1,
        1,
        0,
        0,
    )
    assert joiner.label_coverage == 0.0


def test_a_late_label_never_joins_an_expired_prediction_even_before_expire_is_called() -> None:
    clock = FakeClock(T0)
    joiner = make(clock, ttl_seconds=60)
    joiner.add_prediction(pred("a"))
    clock.advance(61)
    assert joiner.add_label(label("a")) == []
    assert joiner.expire() == ExpiredCounts(
        predictions=1, labels=0, evicted_predictions=0, evicted_labels=0
    )
    assert joiner.counts().pending_labels == 1


def test_label_waits_for_its_prediction_within_the_ttl() -> None:
    clock = FakeClock(T0)
    joiner = make(clock, ttl_seconds=60)
    joiner.add_label(label("a"))
    clock.advance(59)
    assert [j.key for j in joiner.add_prediction(pred("a"))] == ["a"]


def test_max_pending_evicts_oldest_first_and_counts() -> None:
    clock = FakeClock(T0)
    joiner = make(clock, max_pending=2)
    for key in ("p1", "p2", "p3"):
        clock.advance(1)
        joiner.add_prediction(pred(key))
    for key in ("l1", "l2", "l3", "l4"):
        clock.advance(1)
        joiner.add_label(label(key))
    assert joiner.expire() == ExpiredCounts(
        predictions=0, labels=0, evicted_predictions=1, evicted_labels=2
    )
    assert joiner.add_label(label("p1")) == []  # p1 was evicted: this label now waits
    assert [j.key for j in joiner.add_label(label("p2"))] == ["p2"]
    assert [j.key for j in joiner.add_prediction(pred("l4"))] == ["l4"]
    assert joiner.add_prediction(pred("l1")) == []  # l1 was evicted
    c = joiner.counts()
    assert (c.evicted_predictions, c.evicted_labels) == (1, 3)  # p1 label pushed out l3
    assert c.pending_predictions <= 2 and c.pending_labels <= 2


def test_duplicates() -> None:
    clock = FakeClock(T0)
    joiner = make(clock)
    joiner.add_label(label("a", "first"))
    joiner.add_label(label("a", "second"))  # still waiting: last written wins
    (joined,) = joiner.add_prediction(pred("a"))
    assert joined.label.values == ("second",)
    assert joiner.add_label(label("a", "third")) == []  # after the join: a duplicate
    assert joiner.add_prediction(pred("a")) == []  # replayed capture after the join
    joiner.add_prediction(pred("b", payload=1))
    assert joiner.add_prediction(pred("b", payload=2)) == []  # duplicate while waiting
    (joined_b,) = joiner.add_label(label("b"))
    assert joined_b.prediction.payload == 1
    assert joiner.counts() == JoinCounts(
        predictions_seen=2,
        labels_seen=4,
        joined=2,
        duplicate_predictions=2,
        duplicate_labels=1,
        superseded_labels=1,
        expired_predictions=0,
        expired_labels=0,
        evicted_predictions=0,
        evicted_labels=0,
        pending_predictions=0,
        pending_labels=0,
    )
    assert joiner.label_coverage == 1.0


def test_joined_keys_are_forgotten_after_the_ttl() -> None:
    clock = FakeClock(T0)
    joiner = make(clock, ttl_seconds=60)
    joiner.add_prediction(pred("a"))
    joiner.add_label(label("a"))
    clock.advance(60)
    assert joiner.add_label(label("a")) == []
    c = joiner.counts()
    assert (c.duplicate_labels, c.pending_labels) == (0, 1)


def test_memory_stays_bounded() -> None:
    clock = FakeClock(T0)
    joiner = make(clock, ttl_seconds=1e9, max_pending=500)
    rng = random.Random(42)
    for i in range(100_000):
        clock.advance(0.01)
        if rng.random() < 0.5:
            joiner.add_prediction(pred(f"k{i}"))
        else:
            joiner.add_label(label(f"k{i - 1}"))  # joins the previous key when it was a prediction
    state = joiner.to_state()["state"]
    assert len(state["predictions"]) <= 500
    assert len(state["labels"]) <= 500
    assert len(state["joined"]) <= 500
    c = joiner.counts()
    assert c.predictions_seen == c.joined + c.pending_predictions + c.evicted_predictions


def test_clock_going_backwards_is_clamped() -> None:
    clock = FakeClock(T0)
    joiner = make(clock, ttl_seconds=60)
    joiner.add_prediction(pred("a"))
    clock.advance(100)
    assert joiner.expire().predictions == 1
    clock.advance(-90)  # clock says t=10
    joiner.add_prediction(pred("b"))  # arrives at the latest time seen, t=100
    clock.advance(149)  # t=159 < 100 + 60
    assert joiner.expire().predictions == 0
    clock.advance(1)  # t=160
    assert joiner.expire().predictions == 1


def test_round_trip_keeps_everything_that_matters() -> None:
    clock = FakeClock(T0)
    joiner = make(clock, ttl_seconds=60, max_pending=10)
    joiner.add_prediction(
        Prediction(event_id="e1", inference_time=T0, payload={"x": [1, 2.5], "y": None})
    )
    joiner.add_label(GroundTruth(event_id="l1", values=("yes", 2.0), label_time=T0))
    joiner.add_prediction(pred("j"))
    joiner.add_label(label("j"))
    restored = roundtrip(joiner, clock)
    assert repr(restored) == "LabelJoiner(ttl_seconds=60, max_pending=10)"
    assert restored.counts() == joiner.counts()
    (jp,) = restored.add_label(label("e1"))
    assert jp.prediction == Prediction(
        event_id="e1", inference_time=T0, payload={"x": [1, 2.5], "y": None}
    )
    (jl,) = restored.add_prediction(pred("l1"))
    assert jl.label == GroundTruth(event_id="l1", values=("yes", 2.0), label_time=T0)
    assert restored.add_label(label("j")) == []
    assert restored.counts().duplicate_labels == 1
    clock.advance(60)
    assert restored.expire() == ExpiredCounts(0, 0, 0, 0)


def test_state_version_is_checked() -> None:
    state = make(FakeClock(T0)).to_state()
    state["version"] = 2
    with pytest.raises(ValueError, match="version 2"):
        LabelJoiner.from_state(state, now=FakeClock(T0))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ttl_seconds": 0, "max_pending": 1},
        {"ttl_seconds": float("inf"), "max_pending": 1},
        {"ttl_seconds": 1, "max_pending": 0},
        {"ttl_seconds": 1, "max_pending": 2.5},
    ],
)
def test_bad_params(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be"):
        LabelJoiner(now=FakeClock(T0), **kwargs)


def test_naive_clock_is_a_programming_error() -> None:
    joiner = LabelJoiner(ttl_seconds=1, max_pending=1, now=lambda: datetime(2024, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        joiner.expire()
