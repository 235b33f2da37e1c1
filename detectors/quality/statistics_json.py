"""Read and write SageMaker's data-quality ``statistics.json``.

Readers accept what SageMaker writes (numbers as floats, unknown keys, empty KLL levels,
features with neither stats block); writers emit the container's layout: ``version`` 0.0,
ten KLL buckets, the sketch as ``parameters {c, k}`` and ``data`` levels.

Examples
--------
>>> doc = {
...     "version": 0.0,
...     "dataset": {"item_count": 3},
...     "features": [
...         {"name": "age", "inferred_type": "Integral",
...          "numerical_statistics": {
...              "common": {"num_present": 3, "num_missing": 0},
...              "mean": 2.0, "sum": 6.0, "std_dev": 0.816496580927726, "min": 1.0, "max": 3.0,
...              "distribution": {"kll": {"buckets": [], "sketch": {
...                  "parameters": {"c": 0.64, "k": 2048.0}, "data": [[3.0, 1.0, 2.0]]}}}}},
...         {"name": "plan", "inferred_type": "String",
...          "string_statistics": {"common": {"num_present": 3, "num_missing": 0},
...              "distinct_count": 2.0,
...              "distribution": {"categorical": {"buckets": [
...                  {"value": "basic", "count": 2}, {"value": "premium", "count": 1}]}}}},
...     ],
... }
>>> stats = statistics_from_json(doc)
>>> stats.feature("age").numeric.distribution.total_weight
3.0
>>> stats.feature("plan").string.buckets
(('basic', 2), ('premium', 1))
>>> back = statistics_to_json(stats)
>>> back["features"][0]["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"]
[[1.0, 2.0, 3.0]]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from detectors.quality.statistics import (
    KLL_SHRINKING_FACTOR,
    Bucket,
    DatasetStatistics,
    FeatureStatistics,
    NumericStatistics,
    StringStatistics,
)
from detectors.quality.value_types import FRACTIONAL, INTEGRAL, STRING, feature_identity
from detectors.sketches import WeightedCdf

MAX_CATEGORICAL_BUCKETS = 1000


# the blocks of SageMaker's model-quality statistics.json, one per problem type (the values of
# detectors.model_quality.statistics.METRICS_KEY, named here so that data quality does not
# depend on model quality; a test holds them equal)
MODEL_QUALITY_BLOCKS = (
    "binary_classification_metrics",
    "multiclass_classification_metrics",
    "regression_metrics",
)


def statistics_to_json(stats: DatasetStatistics) -> dict[str, Any]:
    """Write statistics in SageMaker's ``statistics.json`` layout.

    The features are the columns of the analysed data, as SageMaker lists them: a baseline
    feature absent from every row (a missing column, reported by ``missing_column_check``)
    is not one of them and is left out, rather than written as an ``Unknown`` entry without
    counts that AWS's own readers cannot take (their plots read a non-String feature's
    ``numerical_statistics``).
    """
    return {
        "version": 0.0,
        "dataset": {"item_count": stats.item_count},
        "features": [_feature_to_json(f) for f in stats.features if _in_data(f, stats.item_count)],
    }


def _in_data(f: FeatureStatistics, item_count: int) -> bool:
    """Whether the feature was a column of the data: not absent from every one of its rows."""
    return not (item_count > 0 and f.num_absent is not None and f.num_absent >= item_count)


def _feature_to_json(f: FeatureStatistics) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name, "inferred_type": f.inferred_type}
    common = {"num_present": f.num_present, "num_missing": f.num_missing}
    if f.inferred_type in (INTEGRAL, FRACTIONAL):
        block: dict[str, Any] = {"common": common}
        if f.numeric is not None:
            n = f.numeric
            block.update(mean=n.mean, sum=n.sum, std_dev=n.std_dev, min=n.min, max=n.max)
            block["distribution"] = {
                "kll": {
                    "buckets": [
                        {
                            "lower_bound": b.lower_bound,
                            "upper_bound": b.upper_bound,
                            "count": b.count,
                        }
                        for b in n.buckets
                    ],
                }
            }
            if n.distribution.is_kll_levels:
                block["distribution"]["kll"]["sketch"] = {
                    "parameters": {"c": n.sketch_c, "k": n.sketch_k},
                    "data": n.distribution.to_levels(),
                }
        out["numerical_statistics"] = block
    elif f.inferred_type == STRING:
        block = {"common": common}
        if f.string is not None:
            block["distinct_count"] = f.string.distinct_count
            block["distribution"] = {
                "categorical": {
                    "buckets": [
                        {"value": value, "count": count}
                        for value, count in f.string.buckets[:MAX_CATEGORICAL_BUCKETS]
                    ]
                }
            }
        out["string_statistics"] = block
    return out


def statistics_from_json(doc: Mapping[str, Any]) -> DatasetStatistics:
    """Read a ``statistics.json`` document written by SageMaker or driftline.

    A numeric feature without a KLL sketch (only buckets) gets a distribution of bucket
    midpoints weighted by their counts; it is written back without a sketch.

    Raises
    ------
    ValueError
        When required keys (``features``, each feature's ``name``) are missing or a number
        is not a number.
    """
    if not isinstance(doc, Mapping) or not isinstance(doc.get("features"), list):
        msg = "statistics.json has no 'features' list"
        blocks = MODEL_QUALITY_BLOCKS if isinstance(doc, Mapping) else ()
        other = next((key for key in blocks if key in doc), None)
        if other is not None:  # SageMaker's model-quality statistics, given as data quality
            msg += (
                f": it holds {other}, a model-quality baseline's statistics; driftline reads"
                " those from the baseline folder's model_quality/ folder"
            )
        raise ValueError(msg)
    try:
        features = tuple(_feature_from_json(f) for f in doc["features"])
    except (TypeError, KeyError, AttributeError) as exc:
        msg = f"statistics.json has a malformed feature: {exc!r}"
        raise ValueError(msg) from exc
    item_count = doc.get("dataset", {}).get("item_count")
    if item_count is None:
        item_count = max((f.num_present + f.num_missing for f in features), default=0)
    return DatasetStatistics(
        item_count=_count(item_count, "dataset", "item_count"), features=features
    )


def _count(value: Any, where: str, key: str) -> int:
    """A count of the document: a whole number, 0 or more."""
    count = int(value)
    if count < 0 or (isinstance(value, float) and value != count):
        msg = f"{key} of {where!r} in statistics.json must be a count (0 or more), got {value!r}"
        raise ValueError(msg)
    return count


def _feature_from_json(obj: Mapping[str, Any]) -> FeatureStatistics:
    name, inferred_type = feature_identity(obj, "statistics.json")
    numeric_block = obj.get("numerical_statistics")
    string_block = obj.get("string_statistics")
    block = numeric_block or string_block or {}
    common = block.get("common", {})
    numeric = _numeric_from_json(numeric_block) if numeric_block else None
    string = _string_from_json(string_block) if string_block else None
    return FeatureStatistics(
        name=name,
        inferred_type=inferred_type,
        num_present=_count(common.get("num_present", 0), name, "num_present"),
        num_missing=_count(common.get("num_missing", 0), name, "num_missing"),
        numeric=numeric,
        string=string,
    )


def _numeric_from_json(block: Mapping[str, Any]) -> NumericStatistics | None:
    if any(block.get(key) is None for key in ("mean", "min", "max")):
        return None  # no numeric values were seen (or the writer had none to give)
    kll = block.get("distribution", {}).get("kll", {})
    buckets = tuple(
        Bucket(float(b["lower_bound"]), float(b["upper_bound"]), float(b["count"]))
        for b in kll.get("buckets", [])
    )
    sketch = kll.get("sketch", {})
    params = sketch.get("parameters", {})
    if sketch.get("data"):
        distribution = WeightedCdf.from_levels(sketch["data"])
    else:
        # No sketch: bucket midpoints weighted by their counts approximate the distribution.
        distribution = WeightedCdf.from_items(
            [(b.lower_bound + b.upper_bound) / 2 for b in buckets], [b.count for b in buckets]
        )
    return NumericStatistics(
        mean=_figure(block["mean"]),
        sum=_figure(block.get("sum", 0.0)),
        std_dev=_figure(block.get("std_dev", 0.0)),
        min=_figure(block.get("min", 0.0)),
        max=_figure(block.get("max", 0.0)),
        buckets=buckets,
        distribution=distribution,
        sketch_k=float(params.get("k", 2048.0)),
        sketch_c=float(params.get("c", KLL_SHRINKING_FACTOR)),
    )


def _figure(value: Any) -> float:
    """A numeric statistic; ``null`` reads as NaN.

    JSON has no infinity: a sum past the largest double (two values of ``1e308``) is
    written as ``null``, and the baseline it is in must still load.

    >>> _figure(6.0), _figure(None)
    (6.0, nan)
    """
    return math.nan if value is None else float(value)


def _string_from_json(block: Mapping[str, Any]) -> StringStatistics | None:
    buckets = block.get("distribution", {}).get("categorical", {}).get("buckets", [])
    return StringStatistics(
        distinct_count=float(block.get("distinct_count", len(buckets))),
        buckets=tuple((str(b["value"]), int(b["count"])) for b in buckets),
    )
