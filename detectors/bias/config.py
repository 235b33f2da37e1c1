"""Typed bias configuration built from Clarify's analysis-config keys (spec §1.1).

Examples
--------
>>> config = BiasConfig.from_analysis_config({
...     "label": "approved",
...     "label_values_or_threshold": [1],
...     "facet": [{"name_or_index": "Age", "value_or_threshold": [40]},
...               {"name_or_index": "Sex"}],
...     "group_variable": "zip",
... })
>>> config.facets[0]
FacetConfig(name_or_index='Age', value_or_threshold=(40,))
>>> config.facets[1].value_or_threshold is None, config.probability_threshold
(True, 0.5)
>>> config.predicted_label(0.7), config.predicted_label(0.5)
(1, 0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["BiasConfig", "FacetConfig"]


@dataclass(frozen=True, slots=True)
class FacetConfig:
    """One ``facet`` entry; no ``value_or_threshold`` means one-versus-all per value."""

    name_or_index: str | int
    value_or_threshold: tuple[Any, ...] | None = None

    @property
    def name(self) -> str:
        """The facet key written in analysis.json and in violations."""
        return str(self.name_or_index)


@dataclass(frozen=True, slots=True)
class BiasConfig:
    """The bias keys of a Clarify analysis config (``BiasAnalysisConfig`` for the monitor).

    ``probability_threshold``: a score **>** threshold is predicted label 1, else 0.
    """

    label_values_or_threshold: tuple[Any, ...]
    facets: tuple[FacetConfig, ...]
    group_variable: str | int | None = None
    probability_threshold: float = 0.5
    label: str | int | None = None

    def __post_init__(self) -> None:
        if not self.label_values_or_threshold:
            msg = "label_values_or_threshold must hold at least one value"
            raise ValueError(msg)
        if not self.facets:
            msg = "facet must list at least one facet"
            raise ValueError(msg)

    def predicted_label(self, score: float) -> int:
        """Map a model score to a predicted label with ``probability_threshold``."""
        return 1 if score > self.probability_threshold else 0

    @classmethod
    def from_analysis_config(cls, config: Mapping[str, Any]) -> BiasConfig:
        """Build from an analysis_config.json mapping (other keys are ignored)."""
        if "label_values_or_threshold" not in config or "facet" not in config:
            msg = "analysis config needs 'label_values_or_threshold' and 'facet'"
            methods = config.get("methods")
            if isinstance(methods, Mapping) and "shap" in methods:
                msg += " (this one is an explainability config: its methods hold 'shap')"
            raise ValueError(msg)
        if not isinstance(config["facet"], list) or not all(
            isinstance(entry, Mapping) and "name_or_index" in entry for entry in config["facet"]
        ):
            msg = f"facet must be a list of {{'name_or_index': …}} objects, got {config['facet']!r}"
            raise ValueError(msg)
        facets = []
        for entry in config["facet"]:
            values = entry.get("value_or_threshold")
            facets.append(
                FacetConfig(
                    name_or_index=entry["name_or_index"],
                    value_or_threshold=None
                    if values is None
                    else _values(entry, "value_or_threshold"),
                )
            )
        threshold = config.get("probability_threshold", 0.5)
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)
        ):
            msg = f"probability_threshold must be a number, got {threshold!r}"
            raise ValueError(msg)
        return cls(
            label_values_or_threshold=_values(config, "label_values_or_threshold"),
            facets=tuple(facets),
            group_variable=config.get("group_variable"),
            probability_threshold=float(threshold),
            label=config.get("label"),
        )


def _values(holder: Mapping[str, Any], key: str) -> tuple[Any, ...]:
    """A list of values or one threshold, as Clarify's config gives it (a JSON array).

    A string or an object would be read item by item: ``"10"`` as the labels "1" and "0".
    """
    values = holder[key]
    if not isinstance(values, list) or not all(isinstance(v, str | int | float) for v in values):
        msg = f"{key} must be a JSON array of values (or one threshold), got {values!r}"
        raise ValueError(msg)
    return tuple(values)
