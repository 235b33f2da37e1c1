"""The label join of requests of several instances: pairs by instance, counts that differ
counted, and the stored entries (old single-prediction bytes still read)."""

from __future__ import annotations

import orjson

from ground_truth.records import GroundTruth
from stream.monitors.label_join import (
    PREDICTION,
    LabelJoin,
    MemoryEntries,
    PendingInstances,
    PendingPrediction,
)


def request(key: str, predicted: list[int]) -> PendingInstances:
    instances = [PendingPrediction(key, 5.0, 0.0, p, None, {"sex": s})
                 for p, s in zip(predicted, "FMFMF", strict=False)]  # fmt: skip
    return PendingInstances(key, 5.0, 0.0, instances=instances)


def labels(key: str, values: list[float]) -> GroundTruth:
    return GroundTruth(key, tuple(values), per_instance=len(values) > 1)


def join() -> LabelJoin:
    return LabelJoin(ttl_seconds=60.0, max_pending=100, needs_labels=True)


def test_instances_pair_with_their_labels_either_first() -> None:
    for label_first in (True, False):
        entries, j = MemoryEntries(), join()
        label, pending = labels("r", [1.0, 0.0, 1.0]), request("r", [1, 1, 0])
        if label_first:
            outcomes = [j.label(entries, label, now=0.0), j.prediction(entries, pending, now=1.0)]
        else:
            outcomes = [j.prediction(entries, pending, now=0.0), j.label(entries, label, now=1.0)]
        pairs = [pair for o in outcomes for pair in o.joined]
        assert [(p.predicted, p.row["sex"], g.values) for p, g in pairs] == [
            (1, "F", (1.0,)), (1, "M", (0.0,)), (0, "F", (1.0,)),
        ]  # fmt: skip
        assert all(p.labelled for p, _ in pairs) and j.counts.joined == 3


def test_counts_that_differ_pair_nothing_and_are_counted() -> None:
    cases = [(request("a", [1, 0]), labels("a", [1.0, 0.0, 1.0])),
             (request("b", [1, 0, 1]), labels("b", [1.0])),
             (PendingPrediction("c", 5.0, 0.0, 1), labels("c", [1.0, 0.0]))]  # fmt: skip
    for label_first in (True, False):
        entries, j = MemoryEntries(), join()
        for pending, label in cases:
            if label_first:
                assert j.label(entries, label, now=0.0).joined == []
                assert j.prediction(entries, pending, now=0.0).joined == []
            else:
                assert j.prediction(entries, pending, now=0.0).joined == []
                assert j.label(entries, label, now=0.0).joined == []
        assert j.counts.joined == 0
        assert j.counts.unusable["instance_count_mismatch"] == 3
        assert (
            "'a' has 2 predictions but its label has 3 values"
            in j.unusable_first["instance_count_mismatch"]
        )
        assert j.expire(entries, now=1e9) == 3  # nothing is left to expire unjoined
        assert j.counts.expired_predictions == j.counts.expired_labels == 0


def test_stored_entries_round_trip_and_old_bytes_still_read() -> None:
    group = request("r", [1, 0]).marked(labelled=True)
    back = PendingPrediction.from_bytes(group.to_bytes())
    assert isinstance(back, PendingInstances) and back == group and back.instance_count == 2
    old = (
        b'{"key":"k","seconds":1.0,"window":0.0,"predicted":1,"score":0.5,"row":{},'
        b'"shap":null,"labelled":false,"explained":false}'
    )  # what a worker stored before
    single = PendingPrediction.from_bytes(old)
    assert type(single) is PendingPrediction and single.instance_count == 1
    assert single.to_bytes() == old  # a one-prediction entry is stored as it always was
    assert GroundTruth.from_dict(orjson.loads(b'{"event_id":"k","values":[1.0],"encoding":"CSV",'
                                              b'"event_version":"0","label_time":null}')
                                 ).instance_count == 1  # fmt: skip


def test_an_unlabelled_request_expires_as_its_instances() -> None:
    entries, j = MemoryEntries(), join()
    j.prediction(entries, request("r", [1, 0, 1]), now=0.0)
    assert entries.count(PREDICTION) == 1
    j.expire(entries, now=61.0)
    assert j.counts.expired_predictions == 3


def test_shap_read_from_the_capture_is_not_stored_with_the_waiting_entry() -> None:
    """It was counted when the prediction came; the entry is the same without it."""
    shap = {"label0": {"age": 0.25, "income": -0.5}}
    single = PendingPrediction("k", 5.0, 0.0, 1, 0.8, {}, shap)
    assert single.to_bytes() == PendingPrediction("k", 5.0, 0.0, 1, 0.8).to_bytes()
    assert PendingPrediction.from_bytes(single.to_bytes()).shap is None
    plain = request("r", [1, 0])
    explained = request("r", [1, 0])
    for instance in explained.instances:
        instance.shap = shap
    assert explained.to_bytes() == plain.to_bytes()
    assert explained.instances[0].shap == shap  # the prediction itself keeps its values
