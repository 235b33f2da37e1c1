"""Feature attribution: global SHAP values from local ones, and Clarify's drift check."""

from detectors.attribution.drift_check import (
    AttributionDriftResult,
    feature_attribution_drift_check,
)
from detectors.attribution.explanations import (
    LabelExplanation,
    analysis_document,
    baseline_from_local_shap,
    read_explanations,
)
from detectors.attribution.global_shap import GlobalShap
from detectors.attribution.ndcg import dcg, ndcg
from detectors.attribution.shap_aggregates import AGG_METHODS, ShapAggregates

__all__ = [
    "AGG_METHODS",
    "AttributionDriftResult",
    "GlobalShap",
    "LabelExplanation",
    "ShapAggregates",
    "analysis_document",
    "baseline_from_local_shap",
    "dcg",
    "feature_attribution_drift_check",
    "ndcg",
    "read_explanations",
]
