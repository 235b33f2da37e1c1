"""The explanations part of Clarify's ``analysis.json``, and baselines built from local SHAP.

Layout (clarify spec §5): ``{"version": "1.0", "explanations": {"kernel_shap": {label:
{"global_shap_values": {feature: value, ...}, "expected_value": x}}}}``, one block per
model output (``label0``, ``label1``, … or the ``label_headers`` names). File reading
happens in ``stream/``; this module turns the parsed document into typed values and back.

Examples
--------
>>> rows = [{"age": 0.2, "income": -0.1}, {"age": -0.4, "income": 0.3}]
>>> explanation = baseline_from_local_shap(rows, expected_value=0.5082)
>>> explanation.shap_values()
{'age': 0.30000000000000004, 'income': 0.2}
>>> doc = analysis_document([explanation])
>>> doc["explanations"]["kernel_shap"]["label0"]["expected_value"]
0.5082
>>> read_explanations(doc)["label0"] == explanation
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from detectors.attribution.shap_aggregates import AGG_METHODS

__all__ = [
    "ANALYSIS_VERSION",
    "LabelExplanation",
    "analysis_document",
    "baseline_from_local_shap",
    "read_explanations",
]

ANALYSIS_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class LabelExplanation:
    """Global SHAP values of one model output, in feature order, and its expected value.

    ``expected_value`` is Kernel SHAP's ``φ_0`` (the mean model output over the SHAP
    baseline); None when unknown.
    """

    label: str
    global_shap_values: tuple[tuple[str, float], ...]
    expected_value: float | None = None

    @property
    def features(self) -> tuple[str, ...]:
        """Feature names, in order."""
        return tuple(f for f, _ in self.global_shap_values)

    def shap_values(self) -> dict[str, float]:
        """Feature → global SHAP value."""
        return dict(self.global_shap_values)


def analysis_document(explanations: Iterable[LabelExplanation]) -> dict[str, Any]:
    """Build the ``analysis.json`` document holding these labels' explanations."""
    kernel_shap: dict[str, Any] = {}
    for e in explanations:
        block: dict[str, Any] = {"global_shap_values": e.shap_values()}
        if e.expected_value is not None:
            block["expected_value"] = e.expected_value
        kernel_shap[e.label] = block
    return {"version": ANALYSIS_VERSION, "explanations": {"kernel_shap": kernel_shap}}


def read_explanations(document: Mapping[str, Any]) -> dict[str, LabelExplanation]:
    """Read every label's explanation from a parsed ``analysis.json``, keyed by label.

    Raises
    ------
    ValueError
        When the document has no ``explanations.kernel_shap`` block, or a label's
        ``global_shap_values`` is missing or not numeric.
    """
    kernel_shap = document.get("explanations", {}).get("kernel_shap")
    if not isinstance(kernel_shap, Mapping) or not kernel_shap:
        msg = "analysis document has no explanations.kernel_shap block"
        raise ValueError(msg)
    out = {}
    for label, block in kernel_shap.items():
        values = block.get("global_shap_values") if isinstance(block, Mapping) else None
        if not isinstance(values, Mapping):
            msg = f"label {label!r} has no global_shap_values mapping"
            raise ValueError(msg)
        try:
            pairs = tuple((str(f), float(v)) for f, v in values.items())
        except (TypeError, ValueError) as err:
            msg = f"label {label!r} has a non-numeric global SHAP value"
            raise ValueError(msg) from err
        expected = block.get("expected_value")
        out[str(label)] = LabelExplanation(
            label=str(label),
            global_shap_values=pairs,
            expected_value=None if expected is None else float(expected),
        )
    return out


def baseline_from_local_shap(
    rows: Iterable[Mapping[str, float]],
    *,
    label: str = "label0",
    features: Sequence[str] | None = None,
    agg_method: str = "mean_abs",
    expected_value: float | None = None,
) -> LabelExplanation:
    """Aggregate local SHAP values (one mapping per explained record) into a baseline.

    Exact, over every value: ``mean_abs`` is ``mean |φ|``, ``mean_sq`` is ``mean φ²``,
    ``median`` is the signed median (numpy's, averaging the middle pair). Missing and
    non-finite values are left out of their feature; a feature with no value gets NaN.

    Parameters
    ----------
    rows
        Local SHAP values per record, feature → value.
    label
        The explained output.
    features
        Feature order; by default the order in which features first appear.
    agg_method
        ``"mean_abs"``, ``"mean_sq"`` or ``"median"``.
    expected_value
        Kernel SHAP's ``φ_0`` to record with the values.
    """
    if agg_method not in AGG_METHODS:
        msg = f"agg_method must be one of {AGG_METHODS}, got {agg_method!r}"
        raise ValueError(msg)
    columns: dict[str, list[float]] = {f: [] for f in features or ()}
    for row in rows:
        for feature, phi in row.items():
            if features is None and feature not in columns:
                columns[feature] = []
            column = columns.get(feature)
            if column is not None and phi is not None and math.isfinite(phi):
                column.append(float(phi))
    pairs = []
    for feature, column in columns.items():
        values = np.asarray(column, dtype=np.float64)
        if values.size == 0:
            pairs.append((feature, math.nan))
        elif agg_method == "mean_abs":
            pairs.append((feature, float(np.mean(np.abs(values)))))
        elif agg_method == "mean_sq":
            pairs.append((feature, float(np.mean(values * values))))
        else:
            pairs.append((feature, float(np.median(values))))
    return LabelExplanation(
        label=label, global_shap_values=tuple(pairs), expected_value=expected_value
    )
