"""The headline reading shared by the model-quality detectors.

Each detector reports one metric (its ``metric`` parameter) as ``Reading.value`` and raises
its alarm when that metric breaks ``threshold`` under a SageMaker comparison operator; the
operator defaults to the one SageMaker suggests for the metric.

Examples
--------
>>> headline_reading(name="mq", n=10, item_count=10, min_samples=5,
...     metrics={"f1": 0.4}, metric="f1", threshold=0.5, comparison_operator=None)
Reading(detector='mq', value=0.4, alarm=True, n=10)
>>> check_headline("rmse", ("mae", "rmse"), None, "GreaterThanThreshold", 30)
>>> check_headline("auc", ("mae", "rmse"), None, None, 30)
Traceback (most recent call last):
...
ValueError: metric must be one of ('mae', 'rmse'), got 'auc'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from detectors.base import Reading
from detectors.model_quality.constraints import breaks, check_operator, default_operator

__all__ = ["check_headline", "headline_reading"]


def check_headline(
    metric: str,
    valid: Sequence[str],
    threshold: float | None,
    comparison_operator: str | None,
    min_samples: int,
) -> None:
    """Validate the headline parameters; raise ``ValueError`` listing the valid values."""
    if metric not in valid:
        msg = f"metric must be one of {tuple(valid)}, got {metric!r}"
        raise ValueError(msg)
    if threshold is not None and not math.isfinite(threshold):
        msg = f"threshold must be finite or None, got {threshold}"
        raise ValueError(msg)
    if comparison_operator is not None:
        check_operator(comparison_operator)
    if min_samples < 1:
        msg = f"min_samples must be >= 1, got {min_samples}"
        raise ValueError(msg)


def headline_reading(
    *,
    name: str,
    n: int,
    item_count: int,
    min_samples: int,
    metrics: Mapping[str, float],
    metric: str,
    threshold: float | None,
    comparison_operator: str | None,
) -> Reading:
    """Reading with the headline metric, ``None`` until ``item_count >= min_samples``."""
    value = metrics.get(metric) if item_count >= min_samples else None
    if value is None:
        return Reading(detector=name, value=None, alarm=False, n=n)
    operator = comparison_operator or default_operator(metric)
    alarm = threshold is not None and breaks(value, operator, threshold)
    return Reading(detector=name, value=value, alarm=alarm, n=n)
