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

Without ``methods`` both stages report every metric; with it, only the stages and metrics
it names (smclarify's ``bias_report(metrics=…)``), as Clarify writes them:

>>> chosen = BiasConfig.from_analysis_config({
...     "label_values_or_threshold": [1], "facet": [{"name_or_index": "Sex"}],
...     "methods": {"post_training_bias": {"methods": ["DI", "DPPL"]}}})
>>> chosen.pre_training_methods, chosen.post_training_methods
(None, ('DI', 'DPPL'))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from detectors.bias.analysis import POST_TRAINING_CODES, PRE_TRAINING_CODES

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
    ``pre_training_methods`` / ``post_training_methods``: the metric codes each stage
    reports (``None``: the stage is not run), from the config's ``methods``.
    """

    label_values_or_threshold: tuple[Any, ...]
    facets: tuple[FacetConfig, ...]
    group_variable: str | int | None = None
    probability_threshold: float = 0.5
    label: str | int | None = None
    pre_training_methods: tuple[str, ...] | None = PRE_TRAINING_CODES
    post_training_methods: tuple[str, ...] | None = POST_TRAINING_CODES

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
        pre_training, post_training = _stage_methods(config)
        return cls(
            label_values_or_threshold=_values(config, "label_values_or_threshold"),
            facets=tuple(facets),
            group_variable=config.get("group_variable"),
            probability_threshold=float(threshold),
            label=config.get("label"),
            pre_training_methods=pre_training,
            post_training_methods=post_training,
        )


_STAGES = (("pre_training_bias", PRE_TRAINING_CODES), ("post_training_bias", POST_TRAINING_CODES))
StageCodes = tuple[str, ...] | None


def _stage_methods(config: Mapping[str, Any]) -> tuple[StageCodes, StageCodes]:
    """The metric codes of each stage the config's ``methods`` asks for.

    No ``methods`` key: both stages, every metric. Otherwise a stage runs only when
    ``methods`` has its key, with every metric for ``"all"`` (or ``["all"]``, or no inner
    ``methods``) and else the listed codes, which must be the stage's (smclarify refuses
    others: "Invalid metric_name").
    """
    if "methods" not in config:
        return PRE_TRAINING_CODES, POST_TRAINING_CODES
    methods = config["methods"]
    if not isinstance(methods, Mapping):
        msg = f"methods must be a JSON object of analysis stages, got {methods!r}"
        raise ValueError(msg)
    if not any(key in methods for key, _ in _STAGES):
        msg = (
            "methods names neither pre_training_bias nor post_training_bias, so no bias "
            f"metric would be computed (it holds {sorted(map(str, methods))})"
        )
        raise ValueError(msg)
    pre, post = (
        None if key not in methods else _codes(key, methods[key], codes) for key, codes in _STAGES
    )
    return pre, post


def _codes(key: str, stage: Any, codes: tuple[str, ...]) -> tuple[str, ...]:
    """One stage's codes: all for ``"all"``, else the listed ones, checked."""
    if not isinstance(stage, Mapping):
        msg = f'methods.{key} must be a JSON object such as {{"methods": "all"}}'
        raise ValueError(msg)
    names = stage.get("methods", "all")
    if names == "all" or names == ["all"]:
        return codes
    if not isinstance(names, list) or not names:
        msg = f'methods.{key}.methods must be "all" or a list of metric names, got {names!r}'
        raise ValueError(msg)
    unknown = [n for n in names if n not in codes]
    if unknown:
        msg = f"methods.{key}.methods: {unknown[0]!r} is not one of its metrics {', '.join(codes)}"
        raise ValueError(msg)
    return tuple(c for c in codes if c in names)


def _values(holder: Mapping[str, Any], key: str) -> tuple[Any, ...]:
    """A list of values or one threshold, as Clarify's config gives it (a JSON array).

    A string or an object would be read item by item: ``"10"`` as the labels "1" and "0".
    """
    values = holder[key]
    if not isinstance(values, list) or not all(isinstance(v, str | int | float) for v in values):
        msg = f"{key} must be a JSON array of values (or one threshold), got {values!r}"
        raise ValueError(msg)
    return tuple(values)
