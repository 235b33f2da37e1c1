"""JSON-encoded ground truth, in the shape AWS's bias-monitor examples write it.

AWS's examples (``sm-clarify_model_bias_monitor_for_endpoint*``,
``SageMaker-Monitoring-Bias-Drift-for-Batch-Transform-JSON-Lines``) upload records whose
``groundTruthData`` is ``{"data": json.dumps({"label": ...}), "encoding": "JSON"}`` (JSON
Lines datasets, Clarify ``label`` = ``"label"``) or ``json.dumps({"instances": [{"label":
...}]})`` (JSON datasets, ``label`` = ``"instances[*].label"``). The records below are written
by hand in that shape, with values of our own; the expected labels are read off them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ground_truth.json_path import MISSING, check_path, find
from ground_truth.records import GroundTruth, LabelRecordError, parse_ground_truth


def gt(data: Any, *, encoding: str = "JSON", event_id: str = "claim-8841") -> dict[str, Any]:
    """A ground-truth record; ``data`` is dumped to JSON text as AWS's notebooks do."""
    text = data if isinstance(data, str) else json.dumps(data)
    return {
        "groundTruthData": {"data": text, "encoding": encoding},
        "eventMetadata": {"eventId": event_id},
        "eventVersion": "0",
    }


@pytest.mark.parametrize(
    ("data", "path", "expected"),
    [
        ({"label": 1}, "label", 1.0),  # JSON Lines shape
        ({"label": 0}, "label", 0.0),
        ({"label": 0}, "$.label", 0.0),  # JSONPath-style prefix
        ({"instances": [{"label": 1}]}, "instances[*].label", 1.0),  # JSON shape, one instance
        ({"instances": [{"label": 0}]}, "instances[0].label", 0.0),
        ({"instances": [{"label": 0}]}, "instances.0.label", 0.0),  # driftline's dotted form
        ({"instances": [{"x": 2}, {"label": 1}]}, "instances[*].label", 1.0),  # JMESPath drops
        ({"outcome": {"churned": "yes"}}, "outcome.churned", "yes"),
        ({"label": "1"}, "label", 1.0),  # typed as a CSV field is
        ({"label": 37.25}, "label", 37.25),
        ({"label": True}, "label", "true"),  # as A2I answers are
        ({"label": 10**400}, "label", "1" + "0" * 400),  # no float: kept as text, like CSV
    ],
)
def test_a_json_label_is_the_one_value_its_path_finds(data, path, expected) -> None:
    label = parse_ground_truth(gt(data), label_path=path)
    assert label.values == (expected,)
    assert label.event_id == "claim-8841"
    assert label.encoding == "CSV"  # held as the row of its value


def test_json_and_csv_records_of_the_same_label_are_the_same_label() -> None:
    csv = parse_ground_truth(gt("1", encoding="CSV"), label_path="label")
    as_json = parse_ground_truth(gt({"label": 1}), label_path="label")
    assert csv == as_json


@pytest.mark.parametrize(
    ("record", "path", "reason"),
    [
        (gt({"label": 1}), None, "no_label_path"),
        (
            gt({"a": [{"b": [{"label": 0}]}, {"b": [{"label": 1}]}]}),
            "a[*].b[*].label",
            "multiple_labels",
        ),  # two projections: no instance order
        (
            gt({"instances": [{"label": 0}, {}, {"label": 1}]}),
            "instances[*].label",
            "missing_label",
        ),  # an instance of several without its label: nothing shifts
        (
            gt({"instances": [{"label": 0}, {"label": None}, {"label": 1}]}),
            "instances[*].label",
            "empty_value",
        ),
        (gt({"instances": []}), "instances[*].label", "missing_label"),
        (gt({"instances": [{"score": 0.2}]}), "instances[*].label", "missing_label"),
        (gt({"target": 1}), "label", "missing_label"),
        (gt([1]), "label", "missing_label"),
        (gt("1"), "label", "missing_label"),  # a JSON number has no key
        (gt({"label": None}), "label", "empty_value"),
        (gt({"label": "  "}), "label", "empty_value"),
        (gt({"label": {"value": 1}}), "label", "wrong_type"),
        (gt({"label": [1]}), "label", "wrong_type"),  # a list is no label without [*]
        (gt({"instances": [{"label": [1, 0]}]}), "instances[*].label", "wrong_type"),
        (gt("{label: 1}"), "label", "bad_json_data"),
        (gt('{"label": NaN}'), "label", "bad_json_data"),
        (gt(""), "label", "bad_json_data"),
        (gt("[" * 100_000), "label", "bad_json_data"),  # deeper than the parser recurses
        (gt({"label": 1}, encoding="BASE64"), "label", "bad_encoding"),
    ],
)
def test_a_json_record_without_one_label_names_its_reason(record, path, reason) -> None:
    with pytest.raises(LabelRecordError) as info:
        parse_ground_truth(record, label_path=path)
    assert info.value.reason == reason
    assert "\n" not in info.value.message


def test_the_path_evaluator_follows_the_jmespath_subset() -> None:
    doc = {"a": {"b": [{"c": 1}, {"c": None}, {"d": 2}, {"c": 3}]}, "0": "key"}
    assert find(doc, "a.b[*].c") == [1, 3]  # nulls and misses left out of a projection
    assert find(doc, "a.b[-1].c") == 3
    assert find(doc, "a.b[4].c") is MISSING
    assert find(doc, "a.b[1].c") is None  # a null found is not a miss
    assert find(doc, "a[*]") is MISSING  # no projection over an object
    assert find(doc, "0") == "key"  # a digit segment is a key in an object
    assert find(doc, "") == doc
    assert [check_path(p) is None for p in ("a.b[*].c", "a..b", "a[x]", "", "a[*][0]")] == [
        True,
        False,
        False,
        False,
        True,
    ]


def test_a_label_of_several_instances_gives_one_value_each_in_order() -> None:
    """AWS's JSON example labels a request of N instances with one record of N labels."""
    record = gt({"instances": [{"label": 1}, {"label": 0}, {"label": "1"}]})
    label = parse_ground_truth(record, label_path="instances[*].label")
    assert label.values == (1.0, 0.0, 1.0)
    assert label.per_instance and label.instance_count == 3
    assert [label.instance(i).values for i in range(3)] == [(1.0,), (0.0,), (1.0,)]
    assert GroundTruth.from_dict(label.to_dict()) == label
    one = parse_ground_truth(gt({"instances": [{"label": 1}]}), label_path="instances[*].label")
    assert not one.per_instance and one.instance_count == 1
    assert "per_instance" not in one.to_dict()  # a one-value label is stored as before
