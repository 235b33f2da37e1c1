"""Read the output topics' messages (see the outputs contract) into compact records.

Every message is keyed by (monitor, monitor type, window); a message without
``monitor_type`` is ``data_quality`` (older workers wrote none). Series — the lines of a
timeline — are named by :func:`series_name`: a feature or metric name, qualified by the
facet and its value (bias) or the label (attribution), so that a decision, a violation and a
statistics value of the same thing share one name.

Examples
--------
>>> series_name({"metric_name": "DPPL", "facet": "sex", "facet_value": "0"})
'DPPL [sex=0]'
>>> series_name({"feature_name": "income"})
'income'
>>> metric_values({"ndcg": {"label0": 0.93}, "label_coverage": 0.5}, "feature_attribution_drift")
{'ndcg [label=label0]': 0.93, 'label coverage': 0.5}
>>> metric_values({"binary_classification_metrics": {"true_positive_rate": {"value": 0.8}},
...                "label_coverage": None}, "model_quality")  # named as its decisions are
{'truePositiveRate': 0.8}
>>> window_key({"monitor": "m", "window_start": "2024-03-05T14:00:00Z"})
('m', 'data_quality', 1709647200.0, None)
>>> window_key({"monitor": "m", "window_start": "2024-03-05T14:00:00Z",
...             "window_end": "2024-03-05T14:00:10Z"})[3]
1709647210.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from detectors.model_quality.constraints import violation_metric_name

DATA_QUALITY = "data_quality"
MODEL_QUALITY = "model_quality"
BIAS_DRIFT = "bias_drift"
ATTRIBUTION_DRIFT = "feature_attribution_drift"
MODEL_QUALITY_SECTIONS = (
    "binary_classification_metrics",
    "multiclass_classification_metrics",
    "regression_metrics",
)
BIAS_SECTIONS = ("pre_training_bias_metrics", "post_training_bias_metrics")
LABEL_COVERAGE = "label coverage"
TOP_SHAP_FEATURES = 20


class MessageError(ValueError):
    """A message lacks what the contract promises (monitor, window bounds of a window)."""


def monitor_type(doc: Mapping[str, Any]) -> str:
    """The message's ``monitor_type``; ``data_quality`` when absent."""
    return str(doc.get("monitor_type") or DATA_QUALITY)


def window_key(doc: Mapping[str, Any]) -> tuple[str, str, float, float | None]:
    """(monitor, monitor type, window start, window end) of a windowed message.

    Times in POSIX seconds; the end is None when the message has none (an older worker's).
    """
    monitor, start, end = doc.get("monitor"), doc.get("window_start"), doc.get("window_end")
    if not isinstance(monitor, str) or not isinstance(start, str):
        msg = "message has no monitor or no window_start"
        raise MessageError(msg)
    end_seconds = parse_time(end) if isinstance(end, str) and end else None
    return monitor, monitor_type(doc), parse_time(start), end_seconds


def parse_time(text: str) -> float:
    """ISO-8601 (``Z`` or an offset) as POSIX seconds; MessageError when it is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise MessageError(str(error)) from error
    if moment.tzinfo is None:
        msg = f"time without a timezone: {text!r}"
        raise MessageError(msg)
    return moment.timestamp()


def number(value: Any) -> float | None:
    """A finite float, or None (null, text, NaN and infinities included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def series_name(doc: Mapping[str, Any], name: str | None = None) -> str:
    """``feature_name`` or ``metric_name`` (or ``name``), qualified by facet or label."""
    base = name or doc.get("feature_name") or doc.get("metric_name") or ""
    if doc.get("facet") is not None:
        return f"{base} [{doc['facet']}={doc.get('facet_value', '')}]"
    if doc.get("label") is not None:
        return f"{base} [label={doc['label']}]"
    return str(base)


@dataclass(frozen=True, slots=True)
class ExecutionSummary:
    """What the windows table shows of one execution message."""

    status: str
    failure_reason: str
    record_count: int | None
    row_count: int | None
    violation_count: int
    revision: int
    complete: bool | None
    partitions_reported: tuple[int, ...]
    evaluated_windows: int | None
    finalised_by: str
    label_coverage: float | None
    warnings: tuple[str, ...] = ()  # e.g. a bias facet that matched no row

    @classmethod
    def from_message(cls, doc: Mapping[str, Any]) -> ExecutionSummary:
        """Read the fields the page shows; missing ones become None or empty."""
        partitions = doc.get("partitions_reported")
        partitions = partitions if isinstance(partitions, list) else []
        return cls(
            status=str(doc.get("status", "")),
            failure_reason=str(doc.get("failure_reason") or ""),
            record_count=_count(doc.get("record_count")),
            row_count=_count(doc.get("row_count")),
            violation_count=_count(doc.get("violation_count")) or 0,
            revision=_count(doc.get("revision")) or 0,
            complete=doc["complete"] if isinstance(doc.get("complete"), bool) else None,
            partitions_reported=tuple(int(p) for p in partitions if isinstance(p, int)),
            evaluated_windows=_count(doc.get("evaluated_windows")),
            finalised_by=str(doc.get("finalised_by") or ""),
            label_coverage=number(doc.get("label_coverage")),
            warnings=_texts(doc.get("warnings")),
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """One check taken: its series, figure, threshold and verdict (None: skipped)."""

    check_type: str
    name: str
    value: float | None
    threshold: float | None
    violated: bool | None
    sample_count: int | None

    @classmethod
    def from_message(cls, doc: Mapping[str, Any]) -> Decision:
        """Read one entry of an execution's ``decisions`` list."""
        violated = doc.get("violated")
        return cls(
            check_type=str(doc.get("check_type", "")),
            name=series_name(doc),
            value=number(doc.get("value")),
            threshold=number(doc.get("threshold")),
            violated=violated if isinstance(violated, bool) else None,
            sample_count=_count(doc.get("sample_count")),
        )


@dataclass(frozen=True, slots=True)
class ViolationSummary:
    """One violation as the page lists it."""

    check_type: str
    name: str
    value: float | None
    threshold: float | None
    sample_count: int | None
    description: str
    detected_at: str | None = None  # online alarms only
    detector: str | None = None
    partition: int | None = None

    @classmethod
    def from_message(cls, doc: Mapping[str, Any]) -> ViolationSummary:
        """Read one violations-topic message."""
        return cls(
            check_type=str(doc.get("constraint_check_type", "")),
            name=series_name(doc),
            value=number(doc.get("value")),
            threshold=number(doc.get("threshold")),
            sample_count=_count(doc.get("sample_count")),
            description=str(doc.get("description") or ""),
            detected_at=doc.get("detected_at") if isinstance(doc.get("detected_at"), str) else None,
            detector=str(doc["detector"]) if doc.get("detector") is not None else None,
            partition=_count(doc.get("partition")),
        )


def metric_values(doc: Mapping[str, Any], kind: str) -> dict[str, float | None]:
    """The headline figures of a model-quality, bias or attribution statistics message."""
    out: dict[str, float | None] = {}
    if kind == MODEL_QUALITY:
        for section in MODEL_QUALITY_SECTIONS:
            for name, entry in _mapping(doc.get(section)).items():
                if isinstance(entry, Mapping) and "value" in entry:  # named as in decisions
                    out[violation_metric_name(name)] = number(entry["value"])
    elif kind == BIAS_DRIFT:
        for section in BIAS_SECTIONS:
            facets = _mapping(_mapping(doc.get(section)).get("facets"))
            for facet, groups in facets.items():
                for group in groups if isinstance(groups, list) else []:
                    value = str(_mapping(group).get("value_or_threshold", ""))
                    for metric in _mapping(group).get("metrics") or []:
                        key = {"facet": facet, "facet_value": value}
                        name = series_name(key, str(_mapping(metric).get("name", "")))
                        out[name] = number(_mapping(metric).get("value"))
    elif kind == ATTRIBUTION_DRIFT:
        for label, value in _mapping(doc.get("ndcg")).items():
            out[series_name({"label": label}, "ndcg")] = number(value)
    if doc.get("label_coverage") is not None:  # null: the monitor needs no labels
        out[LABEL_COVERAGE] = number(doc.get("label_coverage"))
    return out


def global_shap(doc: Mapping[str, Any]) -> dict[str, tuple[tuple[str, float], ...]]:
    """Per label, the ``TOP_SHAP_FEATURES`` largest global SHAP values of an attribution body."""
    labels = _mapping(_mapping(doc.get("explanations")).get("kernel_shap"))
    out = {}
    for label, body in labels.items():
        values = _mapping(_mapping(body).get("global_shap_values"))
        figures = ((str(k), number(v)) for k, v in values.items())
        pairs = [(k, v) for k, v in figures if v is not None]
        out[str(label)] = tuple(sorted(pairs, key=lambda kv: -abs(kv[1]))[:TOP_SHAP_FEATURES])
    return out


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _count(value: Any) -> int | None:
    figure = number(value)
    return int(figure) if figure is not None else None


def _texts(value: Any) -> tuple[str, ...]:
    """The strings of a message's list field (none when it is not a list)."""
    return tuple(str(v) for v in value if isinstance(v, str)) if isinstance(value, list) else ()
