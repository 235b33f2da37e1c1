"""One violation type for every check: data quality, model quality, bias and attribution.

SageMaker writes a different set of keys per monitor type (``feature_name`` for data
quality, ``metric_name`` for model quality, ``facet``/``facet_value`` for bias, ``label``
for attribution). :class:`Violation` carries all of them plus the figures driftline adds
(value, threshold, sample count); :meth:`Violation.to_sagemaker` writes only SageMaker's keys.

Examples
--------
>>> v = Violation(
...     constraint_check_type="baseline_drift_check",
...     description="Numerical distance: 0.31 exceeds numerical threshold: 0.1",
...     feature_name="age", value=0.31, threshold=0.1, sample_count=480,
... )
>>> sorted(v.to_sagemaker())
['constraint_check_type', 'description', 'feature_name']
>>> violations_document([v])["violations"][0]["feature_name"]
'age'
>>> execution_status([v]), execution_status([])
('CompletedWithViolations', 'Completed')
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "COMPLETED",
    "COMPLETED_WITH_VIOLATIONS",
    "FAILED",
    "Violation",
    "execution_status",
    "figure_text",
    "json_figure",
    "violations_document",
]

COMPLETED = "Completed"
COMPLETED_WITH_VIOLATIONS = "CompletedWithViolations"
FAILED = "Failed"


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken constraint, with the figures that broke it.

    ``extra`` holds monitor-specific SageMaker keys in the order they are written, e.g.
    ``(("facet", "Age"), ("facet_value", "40"))`` for bias or ``(("label", "label0"),)``
    for attribution drift.
    """

    constraint_check_type: str
    description: str
    feature_name: str | None = None
    metric_name: str | None = None
    value: float | None = None
    threshold: float | None = None
    sample_count: int | None = None
    extra: tuple[tuple[str, str], ...] = ()

    def to_sagemaker(self) -> dict[str, Any]:
        """Return the violation object exactly as SageMaker writes it."""
        out: dict[str, Any] = {}
        if self.feature_name is not None:
            out["feature_name"] = self.feature_name
        for key, value in self.extra:
            out[key] = value
        if self.metric_name is not None:
            out["metric_name"] = self.metric_name
        out["constraint_check_type"] = self.constraint_check_type
        out["description"] = self.description
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return SageMaker's keys plus driftline's figures (value, threshold, sample count).

        A non-finite figure is written as Clarify's analysis.json writes one (``"Infinity"``,
        ``"-Infinity"``; ``"NaN"``), never as a JSON null that hides it (orjson's choice).
        """
        out = self.to_sagemaker()
        out["value"] = json_figure(self.value)
        out["threshold"] = json_figure(self.threshold)
        out["sample_count"] = self.sample_count
        return out


def json_figure(x: float | None) -> float | str | None:
    """A figure for JSON: itself when finite (or None), else its :func:`figure_text`.

    >>> json_figure(0.25), json_figure(float("-inf")), json_figure(None)
    (0.25, '-Infinity', None)
    """
    if x is None or math.isfinite(x):
        return x
    return figure_text(x)


def figure_text(x: float) -> str:
    """A figure as SageMaker's descriptions print it: ``Infinity``, ``-Infinity``, ``NaN``.

    A finite figure prints as Python prints a float (``-36.69387755102041``).

    >>> figure_text(float("inf")), figure_text(float("-inf")), figure_text(-0.5)
    ('Infinity', '-Infinity', '-0.5')
    """
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return str(x)


def violations_document(
    violations: Iterable[Violation], *, version: str | None = None
) -> dict[str, Any]:
    """Build a ``constraint_violations.json`` document (bias/attribution add ``version``)."""
    doc: dict[str, Any] = {}
    if version is not None:
        doc["version"] = version
    doc["violations"] = [v.to_sagemaker() for v in violations]
    return doc


def execution_status(violations: Iterable[Violation]) -> str:
    """``Completed`` or ``CompletedWithViolations`` (a run that could not finish is ``Failed``)."""
    return COMPLETED_WITH_VIOLATIONS if any(True for _ in violations) else COMPLETED
