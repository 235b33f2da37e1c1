"""SageMaker's data-quality ``constraints.json``: typed, read, written and suggested.

Missing ``monitoring_config`` keys take the analyzer container's defaults (not the public
doc table): type and domain thresholds 1.0, comparison ``Robust`` at 0.1, categorical
``LInfinity`` at 0.1. Per-feature overrides are found under ``monitoringConfigOverrides``,
``monitoring_config_overrides`` or ``string_constraints.monitoring_config_overrides``.

Examples
--------
>>> doc = {
...     "version": 0.0,
...     "features": [
...         {"name": "age", "inferred_type": "Integral", "completeness": 0.92,
...          "num_constraints": {"is_non_negative": True}},
...         {"name": "plan", "inferred_type": "String", "completeness": 1.0,
...          "string_constraints": {"domains": ["basic", "premium"],
...              "monitoring_config_overrides": {"evaluate_constraints": "Disabled"}}},
...     ],
...     "monitoring_config": {"distribution_constraints": {"comparison_threshold": 0.2}},
... }
>>> c = constraints_from_json(doc)
>>> c.monitoring_config.datatype_check_threshold, c.monitoring_config.distribution.comparison_method
(1.0, 'Robust')
>>> c.config_for("age").distribution.comparison_threshold
0.2
>>> c.config_for("plan").evaluate_constraints
False
>>> constraints_to_json(c)["monitoring_config"]["evaluate_constraints"]
'Enabled'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from detectors.quality.statistics import DatasetStatistics
from detectors.quality.value_types import FRACTIONAL, INTEGRAL, STRING, feature_identity

COMPARISON_METHODS = ("Robust", "Simple")
CATEGORICAL_DRIFT_METHODS = ("LInfinity", "ChiSquared")
DOMAIN_MAX_DISTINCT = 120  # Deequ's CategoricalRangeRule cardinality threshold
DOMAIN_MAX_SINGLETON_RATIO = 0.1


@dataclass(frozen=True, slots=True)
class DistributionConstraints:
    """``monitoring_config.distribution_constraints``."""

    perform_comparison: bool = True
    comparison_threshold: float = 0.1
    comparison_method: str = "Robust"
    categorical_comparison_threshold: float = 0.1
    categorical_drift_method: str = "LInfinity"

    def __post_init__(self) -> None:
        if self.comparison_method not in COMPARISON_METHODS:
            msg = (
                f"comparison_method must be one of {COMPARISON_METHODS}, "
                f"got {self.comparison_method!r}"
            )
            raise ValueError(msg)
        if self.categorical_drift_method not in CATEGORICAL_DRIFT_METHODS:
            msg = (
                f"categorical_drift_method must be one of {CATEGORICAL_DRIFT_METHODS}, "
                f"got {self.categorical_drift_method!r}"
            )
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class MonitoringConfig:
    """``monitoring_config``: global switches and thresholds."""

    evaluate_constraints: bool = True
    emit_metrics: bool = True
    datatype_check_threshold: float = 1.0
    domain_content_threshold: float = 1.0
    distribution: DistributionConstraints = field(default_factory=DistributionConstraints)

    def with_overrides(self, overrides: Mapping[str, Any]) -> MonitoringConfig:
        """This config with the keys of an override mapping applied (same keys as the file)."""
        if not overrides:
            return self
        top = _read_top(overrides)
        dist = dict(overrides.get("distribution_constraints", {}))
        dist.update({k: v for k, v in overrides.items() if k in _DIST_KEYS or k in _DIST_ALIASES})
        return replace(
            self, **top, distribution=replace(self.distribution, **_read_distribution(dist))
        )


@dataclass(frozen=True, slots=True)
class FeatureConstraints:
    """One feature's constraints; ``None`` fields were not suggested for it."""

    name: str
    inferred_type: str
    completeness: float | None = None
    is_non_negative: bool | None = None
    domains: tuple[str, ...] | None = None
    overrides: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Constraints:
    """A whole ``constraints.json``."""

    features: tuple[FeatureConstraints, ...]
    monitoring_config: MonitoringConfig = field(default_factory=MonitoringConfig)
    _by_name: dict[str, FeatureConstraints] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # each name's first entry, so that a lookup by name is not a scan of every feature
        object.__setattr__(self, "_by_name", {f.name: f for f in reversed(self.features)})

    def feature(self, name: str) -> FeatureConstraints | None:
        """The named feature's constraints (its first entry), or None."""
        return self._by_name.get(name)

    def config_for(self, name: str) -> MonitoringConfig:
        """The monitoring config with the feature's overrides applied."""
        f = self.feature(name)
        if f is None or not f.overrides:
            return self.monitoring_config
        return self.monitoring_config.with_overrides(dict(f.overrides))


_DIST_KEYS = {
    "perform_comparison",
    "comparison_threshold",
    "comparison_method",
    "categorical_comparison_threshold",
    "categorical_drift_method",
}
_DIST_ALIASES = {
    "comparion_method": "comparison_method",  # a typo in an old version of the docs
    "enable_comparisons": "perform_comparison",  # the SDK's first sample constraints.json (2019)
}
_METHOD_ALIASES = {"linf_robust": "Robust", "linf_simple": "Simple"}


def _enabled(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("enabled", "disabled", "true", "false"):
        msg = f"expected 'Enabled' or 'Disabled', got {value!r}"
        raise ValueError(msg)
    return text in ("enabled", "true")


def _read_top(obj: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("evaluate_constraints", "emit_metrics"):
        if key in obj:
            out[key] = _enabled(obj[key])
    for key in ("datatype_check_threshold", "domain_content_threshold"):
        if key in obj:
            out[key] = float(obj[key])
    return out


def _read_distribution(obj: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw_key, value in obj.items():
        key = _DIST_ALIASES.get(raw_key, raw_key)
        if key == "perform_comparison":
            out[key] = _enabled(value)
        elif key in ("comparison_threshold", "categorical_comparison_threshold"):
            out[key] = float(value)
        elif key == "comparison_method":
            out[key] = _METHOD_ALIASES.get(str(value), str(value))
        elif key == "categorical_drift_method":
            out[key] = str(value)
    return out


def monitoring_config_from_json(obj: Mapping[str, Any] | None) -> MonitoringConfig:
    """Read ``monitoring_config``, filling missing keys with the container's defaults."""
    if not obj:
        return MonitoringConfig()
    dist = _read_distribution(obj.get("distribution_constraints", {}))
    return MonitoringConfig(**_read_top(obj), distribution=DistributionConstraints(**dist))


def _overrides_of(obj: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    for holder in (obj, obj.get("string_constraints") or {}, obj.get("num_constraints") or {}):
        for key in ("monitoringConfigOverrides", "monitoring_config_overrides"):
            if holder.get(key):
                return tuple(holder[key].items())
    return ()


def _completeness(value: Any, name: str) -> float:
    """A feature's completeness: a fraction in [0, 1] (-5 would turn its check off)."""
    completeness = float(value)
    if not 0.0 <= completeness <= 1.0:
        msg = f"completeness of {name!r} in constraints.json must be in [0, 1], got {value!r}"
        raise ValueError(msg)
    return completeness


def constraints_from_json(doc: Mapping[str, Any]) -> Constraints:
    """Read a ``constraints.json`` document written by SageMaker or driftline."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("features"), list):
        msg = "constraints.json has no 'features' list"
        raise ValueError(msg)
    features = []
    for obj in doc["features"]:
        name, inferred_type = feature_identity(obj, "constraints.json")
        num = obj.get("num_constraints") or {}
        string = obj.get("string_constraints") or {}
        domains = string.get("domains")
        features.append(
            FeatureConstraints(
                name=name,
                inferred_type=inferred_type,
                completeness=_completeness(obj["completeness"], name)
                if "completeness" in obj
                else None,
                is_non_negative=num.get("is_non_negative"),
                domains=tuple(str(d) for d in domains) if domains is not None else None,
                overrides=_overrides_of(obj),
            )
        )
    return Constraints(tuple(features), monitoring_config_from_json(doc.get("monitoring_config")))


def _on(flag: bool) -> str:
    return "Enabled" if flag else "Disabled"


def constraints_to_json(c: Constraints) -> dict[str, Any]:
    """Write constraints in SageMaker's layout."""
    features = []
    for f in c.features:
        obj: dict[str, Any] = {"name": f.name, "inferred_type": f.inferred_type}
        if f.completeness is not None:
            obj["completeness"] = f.completeness
        if f.is_non_negative is not None:
            obj["num_constraints"] = {"is_non_negative": f.is_non_negative}
        if f.domains is not None:
            obj["string_constraints"] = {"domains": list(f.domains)}
        if f.overrides:
            obj["monitoringConfigOverrides"] = dict(f.overrides)
        features.append(obj)
    m = c.monitoring_config
    d = m.distribution
    return {
        "version": 0.0,
        "features": features,
        "monitoring_config": {
            "evaluate_constraints": _on(m.evaluate_constraints),
            "emit_metrics": _on(m.emit_metrics),
            "datatype_check_threshold": m.datatype_check_threshold,
            "domain_content_threshold": m.domain_content_threshold,
            "distribution_constraints": {
                "perform_comparison": _on(d.perform_comparison),
                "comparison_threshold": d.comparison_threshold,
                "comparison_method": d.comparison_method,
                "categorical_comparison_threshold": d.categorical_comparison_threshold,
                "categorical_drift_method": d.categorical_drift_method,
            },
        },
    }


def suggest_constraints(stats: DatasetStatistics) -> Constraints:
    """Suggest constraints from baseline statistics, as SageMaker's baselining job does.

    Type and observed completeness for every feature; ``is_non_negative`` for numeric
    features (min >= 0); ``domains`` for string features with at most 120 distinct values of
    which at most 10 % occur once, ordered by descending frequency.
    """
    features = []
    for f in stats.features:
        non_negative = None
        domains = None
        if f.inferred_type in (INTEGRAL, FRACTIONAL) and f.numeric is not None:
            non_negative = f.numeric.min >= 0
        if f.inferred_type == STRING and f.string is not None and f.string.buckets:
            counts = f.string.buckets
            singletons = sum(1 for _, n in counts if n == 1)
            exact = f.string.distinct_count == len(counts)
            if exact and len(counts) <= DOMAIN_MAX_DISTINCT:
                if singletons / len(counts) <= DOMAIN_MAX_SINGLETON_RATIO:
                    domains = tuple(value for value, _ in counts)
        features.append(
            FeatureConstraints(
                name=f.name,
                inferred_type=f.inferred_type,
                completeness=f.completeness,
                is_non_negative=non_negative,
                domains=domains,
            )
        )
    return Constraints(tuple(features))
