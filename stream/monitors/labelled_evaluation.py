"""How a window's labelled accumulators are judged: each monitor type's outcome.

- model quality: SageMaker's statistics and the baseline's constraints (a violation per
  broken constraint, SageMaker's text), with the joined labels it could not use counted by
  reason and named in a warning;
- bias drift: Clarify's analysis and ``bias_drift_check`` against the baseline analysis
  (``bootstrap`` or ``point``, see :func:`stream.monitors.bias.bias_violations`), with the
  rows of facet d and facet a of each configured facet (``facet_rows``), the joined rows it
  left out counted by reason and named in a warning, and a warning for a
  facet that matched no row (or every row), whose metrics are all null;
- attribution drift: global SHAP values and ``feature_attribution_drift_check`` (nDCG).

No verdict is given on fewer than ``min_count`` labelled (or explained) predictions; every
decision is still reported, with ``violated`` null.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from detectors.bias.analysis import BiasAnalysis, FacetEntry
from detectors.bias.drift_check import matching_entry
from detectors.model_quality.constraints import breaks, violation_metric_name
from detectors.violations import COMPLETED, COMPLETED_WITH_VIOLATIONS, FAILED, Violation
from stream.monitors.bias import BiasRun, bias_violations, left_out_note
from stream.monitors.labelled import (
    ATTRIBUTION_DRIFT,
    BIAS_DRIFT,
    MODEL_QUALITY,
    LabelledOutcome,
    LabelledSetup,
)
from stream.monitors.labelled_accumulators import LabelledAccumulators
from stream.monitors.model_quality import ModelQualityRun, unusable_labels_note


def labelled_outcomes(setup: LabelledSetup, acc: LabelledAccumulators) -> list[LabelledOutcome]:
    """Every labelled monitor's outcome for a window's merged accumulators."""
    out = []
    if acc.model_quality is not None:
        out.append(model_quality_outcome(setup, acc))
    if acc.bias is not None and setup.bias is not None:
        out.append(bias_outcome(setup, acc))
    if acc.attribution is not None:
        out.append(attribution_outcome(setup, acc))
    return out


def _status(violations: tuple[Violation, ...] | list[Violation]) -> str:
    return COMPLETED_WITH_VIOLATIONS if violations else COMPLETED


def _counts(acc: LabelledAccumulators) -> dict[str, Any]:
    return {
        "label_coverage": acc.label_coverage,
        "labelled_count": acc.labelled,
        "prediction_count": acc.predictions,
    }


def _unusable(run: ModelQualityRun) -> dict[str, Any]:
    """The joined labels model quality left out: how many, and how many for each reason."""
    reasons = run.unusable_labels()
    return {"unusable_label_count": sum(reasons.values()), "unusable_labels": reasons}


def _bias_left_out(run: BiasRun) -> dict[str, Any]:
    """The joined rows bias left out: how many, and how many for each reason."""
    reasons = run.left_out_reasons()
    return {"unusable_label_count": sum(reasons.values()), "unusable_labels": reasons}


def model_quality_outcome(setup: LabelledSetup, acc: LabelledAccumulators) -> LabelledOutcome:
    """The window's model-quality statistics, its constraint checks and their violations.

    Joined labels it could not use are counted by reason beside the counts
    (``unusable_label_count``, ``unusable_labels``) and named in a warning.
    """
    run = acc.model_quality
    assert run is not None
    counts = {**_counts(acc), **_unusable(run)}
    if run.merged == 0:
        why = "no labelled prediction yet"
        return LabelledOutcome(MODEL_QUALITY, FAILED, counts, (), (), acc.label_coverage, why)
    statistics = run.statistics()
    reasons = run.unusable_labels()
    if statistics.item_count == 0:  # metrics of no pair (accuracy 0.0) would mean nothing
        why = f"none usable: {unusable_labels_note(reasons, joined=run.merged)}"
        return LabelledOutcome(MODEL_QUALITY, FAILED, counts, (), (), acc.label_coverage, why)
    warnings = (unusable_labels_note(reasons, joined=run.merged),) if reasons else ()
    files = setup.model_quality_baseline
    constraints = None if files is None else files.constraints
    enough = statistics.item_count >= setup.min_count
    violations = tuple(run.violations(statistics, constraints)) if enough else ()
    decisions = []
    for name, constraint in constraints.constraints.items() if constraints else ():
        metric = statistics.metrics.get(name)
        if metric is None:
            continue
        op, threshold = constraint.comparison_operator, constraint.threshold
        decisions.append(
            {
                "check_type": op,
                "metric_name": violation_metric_name(name),
                "value": metric.value,
                "threshold": threshold,
                "violated": breaks(metric.value, op, threshold) if enough else None,
                "sample_count": statistics.item_count,
            }
        )
    doc = {**statistics.to_statistics_json(), **counts}
    return LabelledOutcome(
        MODEL_QUALITY,
        _status(violations),
        doc,
        violations,
        tuple(decisions),
        acc.label_coverage,
        warnings=warnings,
    )


def bias_outcome(setup: LabelledSetup, acc: LabelledAccumulators) -> LabelledOutcome:
    """The window's Clarify analysis and its ``bias_drift_check`` against the baseline.

    Joined rows left out (no facet value, label or prediction usable for the config) are
    counted by reason beside the counts (``unusable_label_count``, ``unusable_labels``) and
    named in a warning.
    """
    run, baseline = acc.bias, setup.bias
    assert run is not None and baseline is not None
    counts = {**_counts(acc), **_bias_left_out(run)}
    reasons = run.left_out_reasons()
    rows = run.n - run.n_invalid
    if rows <= 0:
        why = "no labelled row with facet values yet"
        if run.n:
            why = f"none usable: {left_out_note(reasons, joined=run.n)}"
        return LabelledOutcome(BIAS_DRIFT, FAILED, counts, (), (), acc.label_coverage, why)
    mode = "point" if setup.bias_drift_check == "point" else "bootstrap"
    enough = rows >= setup.min_count
    if enough:
        analysis, found = bias_violations(run, baseline.analysis, mode)
    else:  # no verdict: the bootstrap (~20 ms a window) would decide nothing
        analysis, found = run.analysis(), []
    violations = tuple(found)
    flagged = {(v.extra, v.metric_name) for v in found}
    decisions = []
    stage = analysis.post_training
    for facet, entries in stage.facets if stage is not None else ():
        for entry in entries:
            reference = _baseline_entry(baseline.analysis, facet, entry, entries)
            for metric in entry.metrics:
                if metric.value is None:
                    continue
                base = None if reference is None else reference.value(metric.code)
                extra = (("facet", facet), ("facet_value", entry.facet_value))
                verdict = (extra, metric.code) in flagged if enough and base is not None else None
                decisions.append(
                    {
                        "check_type": "bias_drift_check",
                        "metric_name": metric.code,
                        "facet": facet,
                        "facet_value": entry.facet_value,
                        "value": metric.value,
                        "threshold": base,
                        "violated": verdict,
                        "sample_count": rows,
                    }
                )
    facet_rows = run.facet_rows()
    warnings = tuple(w for f in facet_rows if (w := f.warning()) is not None)
    if reasons:
        warnings = (left_out_note(reasons, joined=run.n), *warnings)
    doc = {**analysis.to_json(), **counts, "facet_rows": [f._asdict() for f in facet_rows]}
    return LabelledOutcome(
        BIAS_DRIFT,
        _status(violations),
        doc,
        violations,
        tuple(decisions),
        acc.label_coverage,
        warnings=warnings,
    )


def _baseline_entry(
    analysis: BiasAnalysis, facet: str, entry: FacetEntry, entries: Sequence[FacetEntry]
) -> FacetEntry | None:
    """The baseline's entry ``entry`` (one of a window's ``entries``) is checked against."""
    stage = analysis.post_training
    base_entries = dict(stage.facets).get(facet, ()) if stage is not None else ()
    for base in base_entries:
        if matching_entry(entries, base, single=len(base_entries) == 1) is entry:
            return base
    return None


def attribution_outcome(setup: LabelledSetup, acc: LabelledAccumulators) -> LabelledOutcome:
    """The window's global SHAP values and their nDCG against the baseline, per label."""
    run = acc.attribution
    assert run is not None
    results = run.results(threshold=setup.ndcg_threshold)
    counts = {"explained_count": acc.explained, "prediction_count": acc.predictions}
    if not results:
        why = "no SHAP values yet"
        if acc.explained:
            why = run.unknown_labels_note() or (
                f"no SHAP value of the baseline's features in {acc.explained} explained records"
            )
        return LabelledOutcome(ATTRIBUTION_DRIFT, FAILED, counts, (), (), None, why)
    enough = acc.explained >= setup.min_count
    violations = tuple(r.violation for r in results if r.violation is not None and enough)
    decisions = tuple(
        {
            "check_type": "feature_attribution_drift_check",
            "metric_name": "ndcg",
            "label": r.label,
            "value": r.ndcg,
            "threshold": setup.ndcg_threshold,
            "violated": (r.violation is not None) if enough else None,
            "sample_count": acc.explained,
        }
        for r in results
    )
    doc = {**run.analysis(), "ndcg": {r.label: r.ndcg for r in results}, **counts}
    return LabelledOutcome(ATTRIBUTION_DRIFT, _status(violations), doc, violations, decisions, None)
