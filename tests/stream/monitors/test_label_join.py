"""LabelJoin: either side first, duplicates, superseded labels, expiry and eviction."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ground_truth.records import GroundTruth
from stream.monitors.label_join import (
    JOINED,
    LABEL,
    PREDICTION,
    LabelJoin,
    MemoryEntries,
    PendingPrediction,
)


def prediction(key: str, window: float = 0.0) -> PendingPrediction:
    return PendingPrediction(key=key, seconds=window + 1.0, window=window, predicted=1.0)


def label(key: str, value: float = 1.0) -> GroundTruth:
    return GroundTruth(event_id=key, values=(value,))


def join(**kwargs) -> LabelJoin:
    settings = dict(ttl_seconds=100.0, max_pending=1000, needs_labels=True)
    settings.update(kwargs)
    return LabelJoin(**settings)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("pl"), st.integers(0, 20)), max_size=60), st.randoms())
def test_the_joined_pairs_do_not_depend_on_arrival_order(events, rng):
    """Each key's first prediction meets the last label that came before it, or the first
    that came after; whatever the interleaving of keys, the same pairs come out."""

    def run(order):
        entries, j, pairs = MemoryEntries(), join(), set()
        for kind, key in order:
            if kind == "p":
                out = j.prediction(entries, prediction(f"k{key}"), now=0.0)
            else:
                out = j.label(entries, label(f"k{key}", float(key)), now=0.0)
            pairs |= {(p.key, lab.values) for p, lab in out.joined}
        return pairs

    by_key: dict[int, list[str]] = {}
    for kind, key in events:
        by_key.setdefault(key, []).append(kind)
    # shuffle keys against each other, keep each key's own order (Kafka keeps it per key)
    queues = {k: list(v) for k, v in by_key.items()}
    shuffled = []
    while queues:
        key = rng.choice(sorted(queues))
        shuffled.append((queues[key].pop(0), key))
        if not queues[key]:
            del queues[key]
    assert run(events) == run(shuffled)


def test_counts_duplicates_superseded_and_joined():
    entries, j = MemoryEntries(), join()
    j.label(entries, label("a", 0.0), now=0.0)
    j.label(entries, label("a", 1.0), now=1.0)  # supersedes the first: the last label wins
    joined = j.prediction(entries, prediction("a"), now=2.0).joined
    assert [lab.values for _, lab in joined] == [(1.0,)]
    assert j.prediction(entries, prediction("a"), now=3.0).joined == []  # a duplicate
    assert j.label(entries, label("a", 0.0), now=4.0).joined == []  # a duplicate too
    c = j.counts
    assert (c.joined, c.superseded_labels, c.duplicate_predictions, c.duplicate_labels) == (
        1, 1, 1, 1)  # fmt: skip
    assert entries.count(JOINED) == 1 and entries.count(LABEL) == 0


def test_a_key_joined_in_an_earlier_window_is_a_new_prediction_in_a_later_one():
    entries, j = MemoryEntries(), join()
    j.prediction(entries, prediction("a", window=60.0), now=0.0)
    assert [lab.values for _, lab in j.label(entries, label("a", 1.0), now=1.0).joined] == [(1.0,)]
    # the same window again, or an earlier one (arriving late): duplicates, as before
    assert j.prediction(entries, prediction("a", window=60.0), now=2.0).joined == []
    assert j.prediction(entries, prediction("a", window=0.0), now=3.0).joined == []
    # a later window: a new prediction, which the key's next label joins
    assert j.prediction(entries, prediction("a", window=120.0), now=4.0).joined == []
    joined = j.label(entries, label("a", 0.0), now=5.0).joined
    assert [(p.window, lab.values) for p, lab in joined] == [(120.0, (0.0,))]
    c = j.counts
    assert (c.predictions, c.joined, c.duplicate_predictions, c.duplicate_labels) == (2, 2, 2, 0)


def test_a_key_still_unlabelled_from_an_earlier_window_is_a_new_prediction_in_a_later_one():
    """As SageMaker's hourly merge joins each hour's captures with that hour's labels: a key
    captured at 14:10 and never labelled, captured again at 16:10 and labelled then, is one
    labelled prediction of 16:00's window; 14:00's stays without one."""
    entries, j = MemoryEntries(), join()
    j.prediction(entries, prediction("a", window=0.0), now=0.0)  # never labelled
    assert j.prediction(entries, prediction("a", window=0.0), now=1.0).joined == []  # duplicate
    assert j.prediction(entries, prediction("a", window=7200.0), now=2.0).joined == []
    joined = j.label(entries, label("a", 0.0), now=3.0).joined
    assert [(p.window, lab.values) for p, lab in joined] == [(7200.0, (0.0,))]
    c = j.counts
    assert (c.predictions, c.joined, c.duplicate_predictions, c.expired_predictions) == (
        2, 1, 1, 1)  # fmt: skip
    assert entries.count(PREDICTION) == 0


def test_a_joined_mark_written_without_its_window_keeps_the_key_joined():
    entries, j = MemoryEntries(), join()
    entries.put(JOINED, "a", b"1", 100.0)  # as a store written by an earlier version holds it
    assert j.prediction(entries, prediction("a", window=120.0), now=0.0).joined == []
    assert j.counts.duplicate_predictions == 1 and entries.count(PREDICTION) == 0


def test_expiry_counts_what_never_joined():
    entries, j = MemoryEntries(), join(ttl_seconds=10.0)
    for k in range(5):
        j.prediction(entries, prediction(f"p{k}"), now=0.0)
    j.label(entries, label("orphan"), now=0.0)
    j.label(entries, label("p0"), now=5.0)  # joins in time
    assert j.expire(entries, now=9.9) == 0
    j.expire(entries, now=20.0)
    assert (j.counts.expired_predictions, j.counts.expired_labels) == (4, 1)
    assert entries.count(PREDICTION) == 0
    assert j.label(entries, label("p1"), now=21.0).joined == []  # too late: it waits alone


def test_a_full_store_refuses_and_counts_new_predictions():
    entries, j = MemoryEntries(), join(max_pending=3)
    for k in range(5):
        j.prediction(entries, prediction(f"p{k}"), now=float(k))
    assert entries.count(PREDICTION) == 3 and j.counts.evicted_predictions == 2


def test_shap_from_its_own_topic_joins_either_way():
    entries = MemoryEntries()
    j = join(needs_labels=False, needs_shap=True)
    values = {"label0": {"age": 0.5}}
    assert j.shap(entries, "a", values, now=0.0).explained == []
    assert [p.key for p, _ in j.prediction(entries, prediction("a"), now=1.0).explained] == ["a"]
    j.prediction(entries, prediction("b"), now=1.0)
    assert [v for _, v in j.shap(entries, "b", values, now=2.0).explained] == [values]
    assert j.counts.explained == 2 and entries.count(PREDICTION) == 0


def test_random_streams_join_every_labelled_key_once():
    rng = random.Random(7)
    entries, j = MemoryEntries(), join()
    keys = [f"k{i}" for i in range(500)]
    events = [("p", k) for k in keys] + [("l", k) for k in keys if rng.random() < 0.8]
    rng.shuffle(events)
    joined = []
    for kind, key in events:
        out = (j.prediction(entries, prediction(key), now=0.0) if kind == "p"
               else j.label(entries, label(key), now=0.0))  # fmt: skip
        joined += [p.key for p, _ in out.joined]
    labelled = {k for kind, k in events if kind == "l"}
    assert sorted(joined) == sorted(labelled)
    assert entries.count(PREDICTION) == len(keys) - len(labelled)


def test_a_waiting_prediction_is_stored_as_the_json_object_earlier_releases_wrote() -> None:
    """The join store holds these bytes across restarts and upgrades: same fields, same order."""
    stored = (
        b'{"key":"k1","seconds":1.5,"window":0.0,"predicted":1,"score":0.7,'
        b'"row":{"age":41},"shap":null,"labelled":true,"explained":false}'
    )
    pending = PendingPrediction("k1", 1.5, 0.0, 1, 0.7, {"age": 41}, None, labelled=True)
    assert pending.to_bytes() == stored
    assert PendingPrediction.from_bytes(stored) == pending
    assert pending.marked(explained=True) == PendingPrediction(
        "k1", 1.5, 0.0, 1, 0.7, {"age": 41}, None, labelled=True, explained=True
    )
    assert not pending.explained  # marked() made a copy
