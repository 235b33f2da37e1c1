"""The bias part of Clarify's ``analysis.json`` (spec §5): typed, written and read back.

``pre_training_bias_metrics`` / ``post_training_bias_metrics`` → ``label``,
``label_value_or_threshold``, ``facets`` → facet name → a list of
``{value_or_threshold, metrics: [{name, description, value | null + error}]}`` with the
metrics sorted by code. ±inf are written as the strings ``"Infinity"``/``"-Infinity"``.

Examples
--------
>>> from detectors.bias.metrics import MetricValue
>>> entry = FacetEntry("F", (MetricValue("DI", float("inf")), MetricValue("CI", -1 / 6)))
>>> report = StageReport(label="y", label_value_or_threshold="1", facets=(("sex", (entry,)),))
>>> doc = BiasAnalysis(pre_training=None, post_training=report).to_json()
>>> doc["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"]
[{'name': 'CI', 'description': 'Class Imbalance (CI)', 'value': -0.1666...},
 {'name': 'DI', 'description': 'Disparate Impact (DI)', 'value': 'Infinity'}]
>>> BiasAnalysis.from_json(doc).post_training.facets[0][1][0].value("DI")
inf
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

from detectors.bias.metrics import MetricValue

__all__ = [
    "DESCRIPTIONS",
    "POST_TRAINING_CODES",
    "PRE_TRAINING_CODES",
    "BiasAnalysis",
    "FacetEntry",
    "StageReport",
    "value_from_json",
    "value_to_json",
]

DESCRIPTIONS: dict[str, str] = {
    "CI": "Class Imbalance (CI)",
    "DPL": "Difference in Positive Proportions in Labels (DPL)",
    "KL": "Kullback-Liebler Divergence (KL)",
    "JS": "Jensen-Shannon Divergence (JS)",
    "LP": "L-p Norm (LP)",
    "TVD": "Total Variation Distance (TVD)",
    "KS": "Kolmogorov-Smirnov Distance (KS)",
    "CDDL": "Conditional Demographic Disparity in Labels (CDDL)",
    "DPPL": "Difference in Positive Proportions in Predicted Labels (DPPL)",
    "DI": "Disparate Impact (DI)",
    "DCA": "Difference in Conditional Acceptance (DCA)",
    "DCR": "Difference in Conditional Rejection (DCR)",
    "RD": "Recall Difference (RD)",
    "SD": "Specificity Difference (SD)",
    "DAR": "Difference in Acceptance Rates (DAR)",
    "DRR": "Difference in Rejection Rates (DRR)",
    "AD": "Accuracy Difference (AD)",
    "TE": "Treatment Equality (TE)",
    "CDDPL": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
    "FT": "Flip Test (FT)",
    "GE": "Generalized Entropy (GE)",
}
PRE_TRAINING_CODES = ("CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD")
POST_TRAINING_CODES = (
    "AD", "CDDPL", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "FT", "GE", "RD", "SD", "TE",
)  # fmt: skip
_SECTIONS = (
    ("pre_training", "pre_training_bias_metrics"),
    ("post_training", "post_training_bias_metrics"),
)


def value_to_json(value: float | None) -> float | str | None:
    """±inf as ``"Infinity"``/``"-Infinity"`` (smclarify ``inf_as_str``), else unchanged."""
    if value is not None and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def value_from_json(value: Any) -> float | None:
    """Read a metric value written by :func:`value_to_json` (or by Clarify)."""
    if value is None:
        return None
    if isinstance(value, str):
        return float(value.replace("Infinity", "inf"))
    return float(value)


class FacetEntry(NamedTuple):
    """One facet value group: its ``value_or_threshold`` string and its metrics.

    ``configured_value`` is the analysis-config value (``"40"`` for a continuous facet
    written as ``"(40, 73]"``); it is not part of analysis.json and is what bias-drift
    violations report as ``facet_value``. ``None`` means the same as ``value_or_threshold``.
    """

    value_or_threshold: str
    metrics: tuple[MetricValue, ...]
    configured_value: str | None = None

    def metric(self, code: str) -> MetricValue | None:
        """The metric with this code, if present."""
        return next((m for m in self.metrics if m.code == code), None)

    def value(self, code: str) -> float | None:
        """The value of one metric (``None`` if absent or errored)."""
        m = self.metric(code)
        return None if m is None else m.value

    @property
    def facet_value(self) -> str:
        """The value reported in violations: the configured value, else the written one."""
        return self.value_or_threshold if self.configured_value is None else self.configured_value

    def to_json(self) -> dict[str, Any]:
        """``{"value_or_threshold", "metrics"}`` with metrics sorted by code."""
        metrics = []
        for m in sorted(self.metrics, key=lambda m: m.code):
            item: dict[str, Any] = {
                "name": m.code,
                "description": DESCRIPTIONS.get(m.code, m.code),
                "value": value_to_json(m.value),
            }
            if m.error is not None:
                item["error"] = m.error
            metrics.append(item)
        return {"value_or_threshold": self.value_or_threshold, "metrics": metrics}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> FacetEntry:
        """Read one facet entry."""
        metrics = tuple(
            MetricValue(str(m["name"]), value_from_json(m.get("value")), m.get("error"))
            for m in obj.get("metrics", [])
        )
        return cls(str(obj["value_or_threshold"]), metrics)


class StageReport(NamedTuple):
    """One stage (pre- or post-training): label, its positive values, facets in order."""

    label: str
    label_value_or_threshold: str
    facets: tuple[tuple[str, tuple[FacetEntry, ...]], ...]

    def selected(self, codes: Collection[str]) -> StageReport:
        """The stage with only these metrics in each facet entry (a config's ``methods``)."""
        facets = tuple(
            (name, tuple(e._replace(metrics=tuple(m for m in e.metrics if m.code in codes))
                         for e in entries))
            for name, entries in self.facets
        )  # fmt: skip
        return self._replace(facets=facets)

    def to_json(self) -> dict[str, Any]:
        """The stage object of analysis.json."""
        return {
            "label": self.label,
            "label_value_or_threshold": self.label_value_or_threshold,
            "facets": {name: [e.to_json() for e in entries] for name, entries in self.facets},
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> StageReport:
        """Read one stage object."""
        facets = tuple(
            (str(name), tuple(FacetEntry.from_json(e) for e in entries))
            for name, entries in obj.get("facets", {}).items()
        )
        return cls(str(obj.get("label", "")), str(obj.get("label_value_or_threshold", "")), facets)


class BiasAnalysis(NamedTuple):
    """The bias sections of one analysis.json (either stage may be absent)."""

    pre_training: StageReport | None
    post_training: StageReport | None

    def selected(
        self, pre_training: Collection[str] | None, post_training: Collection[str] | None
    ) -> BiasAnalysis:
        """Only the stages and metrics a config's ``methods`` names (None: leave the stage out).

        >>> from detectors.bias.metrics import MetricValue
        >>> entry = FacetEntry("F", (MetricValue("DI", 0.8), MetricValue("DPPL", 0.1)))
        >>> stage = StageReport("y", "1", (("sex", (entry,)),))
        >>> chosen = BiasAnalysis(stage, stage).selected(None, ["DI"])
        >>> chosen.pre_training, [m.code for m in chosen.post_training.facets[0][1][0].metrics]
        (None, ['DI'])
        """
        return BiasAnalysis(
            None if pre_training is None or self.pre_training is None
            else self.pre_training.selected(pre_training),
            None if post_training is None or self.post_training is None
            else self.post_training.selected(post_training),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """JSON-safe analysis.json content (``version`` "1.0")."""
        doc: dict[str, Any] = {"version": "1.0"}
        for attr, key in _SECTIONS:
            stage = getattr(self, attr)
            if stage is not None:
                doc[key] = stage.to_json()
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> BiasAnalysis:
        """Read analysis.json content, e.g. a baseline (the constraints of a bias monitor)."""
        stages = {
            attr: StageReport.from_json(doc[key]) if key in doc else None for attr, key in _SECTIONS
        }
        return cls(stages["pre_training"], stages["post_training"])
