"""Label sets of ``driftline_violations_total`` for the labelled monitors.

A data-quality violation is counted under its check type and feature. The labelled monitors'
violations carry no feature name, so their ``feature`` label is what each one is about:

- model quality: the metric (``accuracy``, ``falsePositiveRate`` …) under its comparison
  operator (``LessThanThreshold`` …), as SageMaker writes them in the violation;
- bias drift: the facet (a feature of the data) under ``bias_drift_check``;
- feature attribution drift: the explained label under ``feature_attribution_drift_check``.

Every value comes from the baselines (constraints, analysis.json facets, global SHAP
labels), so the label set is bounded by config: anything else is counted as ``_other``.
The full set is known from the start, so the counter starts at 0 for each and
``increase()`` sees the first violation.

Examples
--------
>>> from detectors.violations import Violation
>>> known = {("LessThanThreshold", "accuracy"), ("bias_drift_check", "region")}
>>> labelled_violation_key(Violation("LessThanThreshold", "…", metric_name="accuracy"), known)
('LessThanThreshold', 'accuracy')
>>> bias = Violation("bias_drift_check", "…", metric_name="DPPL",
...                  extra=(("facet", "region"), ("facet_value", "south")))
>>> labelled_violation_key(bias, known)
('bias_drift_check', 'region')
>>> labelled_violation_key(Violation("bias_drift_check", "…", extra=(("facet", "x"),)), known)
('bias_drift_check', '_other')
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from detectors.attribution.drift_check import CHECK_TYPE as ATTRIBUTION_CHECK
from detectors.bias.drift_check import CHECK_TYPE as BIAS_CHECK
from detectors.model_quality.constraints import violation_metric_name
from detectors.violations import Violation

OTHER = "_other"  # a violation on something outside the baseline

ViolationKey = tuple[str, str]  # (check type, feature)


def labelled_violation_labels(setup: Any) -> list[ViolationKey]:
    """Every (check type, feature) the labelled monitors of ``setup`` can violate.

    ``setup`` is a :class:`~stream.monitors.labelled.LabelledSetup`, or None (no labelled
    monitor: no labels).
    """
    if setup is None:
        return []
    labels: list[ViolationKey] = []
    files = setup.model_quality_baseline
    constraints = None if files is None else files.constraints
    for metric, constraint in constraints.constraints.items() if constraints else ():
        labels.append((constraint.comparison_operator, violation_metric_name(metric)))
    if setup.bias is not None:
        analysis = setup.bias.analysis
        for stage in (analysis.pre_training, analysis.post_training):
            for facet, _ in stage.facets if stage is not None else ():
                labels.append((BIAS_CHECK, facet))
    if setup.attribution is not None:
        labels += [(ATTRIBUTION_CHECK, label) for label in setup.attribution.explanations]
    return list(dict.fromkeys(labels))


def violation_identity(violation: Violation) -> str:
    """The identity of a violation within a window: its check, metric, facet and label.

    >>> violation_identity(Violation("bias_drift_check", "…", metric_name="DI",
    ...                              extra=(("facet", "region"), ("facet_value", "south"))))
    'bias_drift_check|DI|facet=region|facet_value=south'
    """
    parts = [violation.constraint_check_type, violation.feature_name or violation.metric_name or ""]
    return "|".join(parts + [f"{key}={value}" for key, value in violation.extra])


def labelled_violation_key(violation: Violation, known: Collection[ViolationKey]) -> ViolationKey:
    """The (check type, feature) a labelled monitor's violation is counted under."""
    extra = dict(violation.extra)
    about = extra.get("facet") or extra.get("label") or violation.metric_name or OTHER
    key = (violation.constraint_check_type, about)
    return key if key in known else (violation.constraint_check_type, OTHER)
