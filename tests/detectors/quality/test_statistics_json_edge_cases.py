"""statistics.json files that SageMaker or older writers produce without a full KLL block."""

from __future__ import annotations

import pytest

from detectors.model_quality.statistics import METRICS_KEY
from detectors.quality.statistics_json import (
    MODEL_QUALITY_BLOCKS,
    statistics_from_json,
    statistics_to_json,
)


def _numeric(**block: object) -> dict[str, object]:
    return {
        "features": [
            {
                "name": "x",
                "inferred_type": "Fractional",
                "numerical_statistics": {"common": {"num_present": 5, "num_missing": 0}, **block},
            }
        ]
    }


def test_buckets_without_a_sketch_load_and_write_back_without_one() -> None:
    doc = _numeric(
        mean=1.0,
        sum=5.0,
        std_dev=0.5,
        min=0.0,
        max=2.0,
        distribution={
            "kll": {
                "buckets": [
                    {"lower_bound": 0.0, "upper_bound": 1.0, "count": 3.0},
                    {"lower_bound": 1.0, "upper_bound": 2.0, "count": 2.0},
                ]
            }
        },
    )
    stats = statistics_from_json(doc)
    cdf = stats.feature("x").numeric.distribution
    # midpoints 0.5 and 1.5 weighted 3 and 2: the CDF at 1.0 is 3/5
    assert float(cdf.cdf(1.0)) == pytest.approx(0.6)
    kll = statistics_to_json(stats)["features"][0]["numerical_statistics"]["distribution"]["kll"]
    assert "sketch" not in kll  # a weight of 3 is no KLL level
    assert [b["count"] for b in kll["buckets"]] == [3.0, 2.0]


def test_null_numbers_mean_no_numeric_block() -> None:
    doc = _numeric(mean=None, sum=None, std_dev=None, min=None, max=None)
    assert statistics_from_json(doc).feature("x").numeric is None


def test_numbers_that_are_not_numbers_raise_value_error() -> None:
    with pytest.raises(ValueError, match="could not convert"):
        statistics_from_json(_numeric(mean="abc", min=0.0, max=1.0))


@pytest.mark.parametrize(
    "block", ["binary_classification_metrics", "multiclass_classification_metrics",
              "regression_metrics"],
)  # fmt: skip
def test_a_model_quality_statistics_file_is_named_as_such(block: str) -> None:
    """SageMaker's model-quality statistics.json, given where data quality's is read."""
    doc = {"version": 0.0, "dataset": {"item_count": 10}, block: {"accuracy": {"value": 0.9}}}
    with pytest.raises(ValueError, match=f"it holds {block}.*model_quality/ folder"):
        statistics_from_json(doc)


def test_the_model_quality_blocks_named_are_model_qualitys_own() -> None:
    assert sorted(MODEL_QUALITY_BLOCKS) == sorted(METRICS_KEY.values())
