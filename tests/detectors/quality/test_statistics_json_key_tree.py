"""The written ``statistics.json`` has the key tree of the files SageMaker writes.

The expected trees are written by hand from AWS's own samples: the numeric feature from the
SDK's data-quality ``statistics.json`` (``tests/data/pipeline/quality_check_step/
data_quality/statistics.json``), the string feature from ``tests/data/monitor/
statistics.json``. A key tree keeps every key and the JSON type of every value (a list by
its first element), so a renamed, missing or retyped key shows as a difference.
"""

from __future__ import annotations

from typing import Any

import orjson

from detectors.quality.dataset_profile import DatasetProfile
from detectors.quality.statistics_json import statistics_to_json

BUCKET = {"lower_bound": "float", "upper_bound": "float", "count": "float"}
COMMON = {"num_present": "int", "num_missing": "int"}
NUMERIC_FEATURE = {
    "name": "str",
    "inferred_type": "str",
    "numerical_statistics": {
        "common": COMMON,
        "mean": "float",
        "sum": "float",
        "std_dev": "float",
        "min": "float",
        "max": "float",
        "distribution": {
            "kll": {
                "buckets": [BUCKET],
                "sketch": {"parameters": {"c": "float", "k": "float"}, "data": [["float"]]},
            }
        },
    },
}
STRING_FEATURE = {
    "name": "str",
    "inferred_type": "str",
    "string_statistics": {
        "common": COMMON,
        "distinct_count": "float",
        "distribution": {"categorical": {"buckets": [{"value": "str", "count": "int"}]}},
    },
}
DOCUMENT = {"version": "float", "dataset": {"item_count": "int"}}


def key_tree(value: Any) -> Any:
    """Keys and JSON value types of a parsed document (a list by its first element)."""
    if isinstance(value, dict):
        return {k: key_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [key_tree(value[0])] if value else []
    return type(value).__name__


def _window(rows: list[dict[str, str]]) -> dict[str, Any]:
    profile = DatasetProfile(features=("age", "plan", "gone"))
    profile.update_many(rows)
    return orjson.loads(orjson.dumps(statistics_to_json(profile.statistics())))


def test_features_have_sagemakers_key_tree() -> None:
    doc = _window([{"age": str(20 + i), "plan": "basic", "gone": "x"} for i in range(5)])
    assert {k: key_tree(v) for k, v in doc.items() if k != "features"} == DOCUMENT
    assert [key_tree(f) for f in doc["features"][:2]] == [NUMERIC_FEATURE, STRING_FEATURE]
    assert doc["version"] == 0.0


def test_a_column_missing_from_the_data_is_not_a_feature() -> None:
    # "gone" is a baseline feature no row has (SageMaker reports it as missing_column_check);
    # SageMaker's statistics describe the analysed data, whose columns are age, plan and the
    # extra column zip (listed after the baseline's).
    rows = [{"age": str(20 + i), "plan": "basic", "zip": "1"} for i in range(5)]
    doc = _window(rows)
    assert [f["name"] for f in doc["features"]] == ["age", "plan", "zip"]
    trees = [NUMERIC_FEATURE, STRING_FEATURE, NUMERIC_FEATURE]
    assert [key_tree(f) for f in doc["features"]] == trees
    assert doc["dataset"] == {"item_count": 5}


def test_a_column_missing_from_some_rows_stays() -> None:
    rows = [{"age": "20", "plan": "basic", "gone": "x"}, {"age": "21", "plan": "basic"}]
    doc = _window(rows)
    assert [f["name"] for f in doc["features"]] == ["age", "plan", "gone"]
    gone = doc["features"][2]["string_statistics"]["common"]
    assert gone == {"num_present": 1, "num_missing": 1}
