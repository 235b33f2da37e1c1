"""Clarify's ``feature_attribution_drift_check``: nDCG of live vs baseline global SHAP values.

For one label, features are matched by name; those present in only one of the two vectors
are dropped and reported. A violation is raised when ``nDCG < threshold`` (0.9 by
default), with SageMaker's description — which says "exceeds" although the check fires
when the nDCG falls *below* the threshold (clarify spec §7.3, §10 item 10).

Examples
--------
>>> result = feature_attribution_drift_check(
...     "label0",
...     baseline={"SAT": 0.70, "GPA": 0.50, "Class rank": 0.05},
...     live={"SAT": 0.10, "GPA": 0.20, "Class rank": 0.70, "Essay": 0.3},
...     sample_count=120,
... )
>>> round(result.ndcg, 7), result.dropped_live_features
(0.6876396, ('Essay',))
>>> for key, value in result.violation.to_sagemaker().items():
...     print(f"{key}: {value}")
label: label0
metric_name: shap
constraint_check_type: feature_attribution_drift_check
description: Feature attribution drift 0.6876396... exceeds threshold 0.9
>>> feature_attribution_drift_check("label0", {"a": 1.0, "b": 0.5}, {"a": 0.9, "b": 0.1}).violation
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from detectors.attribution.ndcg import ndcg
from detectors.violations import Violation

__all__ = [
    "CHECK_TYPE",
    "DEFAULT_THRESHOLD",
    "AttributionDriftResult",
    "feature_attribution_drift_check",
]

CHECK_TYPE = "feature_attribution_drift_check"
METRIC_NAME = "shap"
DEFAULT_THRESHOLD = 0.9


@dataclass(frozen=True, slots=True)
class AttributionDriftResult:
    """The outcome of the check for one label.

    ``features`` are the matched features in baseline order; ``dropped_baseline_features``
    are in the baseline only, ``dropped_live_features`` in the live vector only.
    ``violation`` is None when ``ndcg >= threshold``.
    """

    label: str
    ndcg: float
    threshold: float
    features: tuple[str, ...]
    dropped_baseline_features: tuple[str, ...]
    dropped_live_features: tuple[str, ...]
    sample_count: int | None
    violation: Violation | None

    @property
    def is_drifted(self) -> bool:
        """Whether the live ranking broke the constraint (nDCG below the threshold)."""
        return self.violation is not None


def feature_attribution_drift_check(
    label: str,
    baseline: Mapping[str, float],
    live: Mapping[str, float],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    sample_count: int | None = None,
) -> AttributionDriftResult:
    """Compare live global SHAP values of ``label`` with the baseline's, by nDCG.

    Parameters
    ----------
    label
        The explained output (``label0`` … or a ``label_headers`` name).
    baseline
        Baseline global SHAP values, feature → value (the gains).
    live
        Live global SHAP values, feature → value (the ranking). A NaN (a feature without
        values in the window) ranks last.
    threshold
        nDCG below which a violation is raised.
    sample_count
        Records behind the live values, carried on the violation.

    Returns
    -------
    AttributionDriftResult
        With nDCG 0 when no feature is shared (nothing to compare: iDCG = 0).
    """
    features = tuple(f for f in baseline if f in live)
    dropped_baseline = tuple(f for f in baseline if f not in live)
    dropped_live = tuple(f for f in live if f not in baseline)
    gains = [float(baseline[f]) for f in features]
    scores = [float(live[f]) for f in features]
    scores = [-math.inf if math.isnan(s) else s for s in scores]  # NaN ranks last
    value = ndcg(gains, scores)
    violation = None
    if value < threshold:
        violation = Violation(
            constraint_check_type=CHECK_TYPE,
            description=f"Feature attribution drift {value} exceeds threshold {threshold}",
            metric_name=METRIC_NAME,
            value=value,
            threshold=threshold,
            sample_count=sample_count,
            extra=(("label", label),),
        )
    return AttributionDriftResult(
        label=label,
        ndcg=value,
        threshold=threshold,
        features=features,
        dropped_baseline_features=dropped_baseline,
        dropped_live_features=dropped_live,
        sample_count=sample_count,
        violation=violation,
    )
