"""What a labelled ``analyze`` run writes and prints: SageMaker's files and one line per monitor.

The outcomes come from :meth:`~stream.monitors.labelled.LabelledSetup.evaluate`, as the
worker's do; the files hold the runs' own SageMaker documents (driftline's counts — label
coverage, prediction and labelled counts — stay out of them and go to the printed lines):

- ``OUT/model_quality/statistics.json`` and ``constraint_violations.json``;
- ``OUT/bias/analysis.json`` and ``constraint_violations.json`` (Clarify's, version 1.0);
- ``OUT/attribution/analysis.json`` and ``constraint_violations.json``.

A monitor that failed (nothing joined, no usable labelled prediction, no SHAP values) writes
an empty violations file only.
A monitor's warnings (a bias facet that matched no row) are printed under its line; the
joined labels model quality could not use, and the rows bias left out, are said in its
line, by reason. A ``Completed`` monitor none of whose checks had a verdict is marked
``no_verdict`` (:func:`detectors.verdicts.lacks_verdict`, the status page's rule) so that its
line does not read as a clean pass; its files are SageMaker's as ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detectors.violations import FAILED, Violation
from detectors.violations import violations_document as to_document
from stream.batch.label_files import LabelCounts
from stream.batch.labeled_analysis import LabelledFileRun
from stream.monitors.bias import ANALYSIS, BIAS, left_out_note, left_out_reasons_text
from stream.monitors.files import ATTRIBUTION, STATISTICS, VIOLATIONS, write_json
from stream.monitors.labelled import (
    ATTRIBUTION_DRIFT,
    BIAS_DRIFT,
    MODEL_QUALITY,
    LabelledOutcome,
)
from stream.monitors.labelled_accumulators import LabelledAccumulators
from stream.monitors.model_quality import unusable_labels_note

MONITOR_NAMES = {
    MODEL_QUALITY: "ModelQuality",
    BIAS_DRIFT: "ModelBias",
    ATTRIBUTION_DRIFT: "ModelExplainability",
}
FOLDERS = {MODEL_QUALITY: "model_quality", BIAS_DRIFT: BIAS, ATTRIBUTION_DRIFT: ATTRIBUTION}


@dataclass(frozen=True)
class MonitorOutcome:
    """One monitor's execution status, violations and a summary line."""

    monitor: str
    status: str
    violations: tuple[Violation, ...]
    summary: str
    warnings: tuple[str, ...] = ()
    no_verdict: bool = False  # Completed, but no check had a verdict (detectors.verdicts)


def write_outcome(out: Path, outcome: LabelledOutcome, run: LabelledFileRun) -> MonitorOutcome:
    """Write one monitor's files under ``out``; return its status and summary line."""
    kind = outcome.monitor_type
    folder = out / FOLDERS[kind]
    version = None if kind == MODEL_QUALITY else "1.0"
    write_json(folder / VIOLATIONS, to_document(outcome.violations, version=version))
    acc = run.accumulators
    if outcome.status == FAILED:
        summary = _failure(kind, acc) + (shap_notes(run) if kind == ATTRIBUTION_DRIFT else "")
    elif kind == MODEL_QUALITY:
        summary = _model_quality(folder, acc)
        files = run.setup.model_quality_baseline
        if files is None or files.constraints is None:
            summary += " (the baseline has no constraints.json: statistics only, nothing checked)"
    elif kind == BIAS_DRIFT:
        summary = _bias(folder, acc)
    else:
        summary = _attribution(folder, outcome, run)
    return MonitorOutcome(MONITOR_NAMES[kind], outcome.status, outcome.violations, summary,
                          _warnings(outcome, acc), outcome.no_verdict)  # fmt: skip


def _warnings(outcome: LabelledOutcome, acc: LabelledAccumulators) -> tuple[str, ...]:
    """The outcome's warnings, but the unusable labels' one: the summary says it already."""
    said = None
    run = acc.model_quality
    if outcome.monitor_type == MODEL_QUALITY and run is not None and run.unusable_labels():
        said = unusable_labels_note(run.unusable_labels(), joined=run.merged)
    bias = acc.bias
    if outcome.monitor_type == BIAS_DRIFT and bias is not None and bias.n_invalid:
        said = left_out_note(bias.left_out_reasons(), joined=bias.n)
    return tuple(w for w in outcome.warnings if w != said)


def _failure(kind: str, acc: LabelledAccumulators) -> str:
    if kind == MODEL_QUALITY:
        run = acc.model_quality
        if run is not None and run.merged:
            note = unusable_labels_note(run.unusable_labels(), joined=run.merged)
            return (
                f"no usable labelled prediction: {note}; see --inference-attribute / "
                "--probability-attribute"
            )
        return "no labelled predictions (nothing merged)"
    if kind == BIAS_DRIFT:
        bias = acc.bias
        if bias is not None and bias.n:
            return (
                f"no usable labelled row: {left_out_note(bias.left_out_reasons(), joined=bias.n)}"
            )
        return "no labelled rows with facet values"
    if acc.explained and acc.attribution is not None:
        if acc.attribution.unknown_labels:
            return acc.attribution.unknown_labels_note()
        features = ", ".join(acc.attribution.features())
        return (
            f"none of {acc.explained} explained records has a SHAP value of the baseline's "
            f"features ({features})"
        )
    return "no SHAP values found"


def _model_quality(folder: Path, acc: LabelledAccumulators) -> str:
    run = acc.model_quality
    assert run is not None
    statistics = run.statistics()
    write_json(folder / STATISTICS, statistics.to_statistics_json())
    summary = f"{statistics.item_count} labelled predictions ({run.problem_type})"
    unusable = run.unusable_labels()
    if unusable:
        summary += f", {unusable_labels_note(unusable)}"
    if run.missing_scores:
        summary += (
            f", {run.missing_scores} without a numeric score {_score_place(acc)}"
            f"{' (no AUC)' if run.missing_scores >= run.merged else ''}"
        )
    return summary


def _score_place(acc: LabelledAccumulators) -> str:
    """Where the score was looked for: the probability attribute, or the output's one value."""
    locator = acc.setup.locator
    if locator is not None and locator.reads_whole_output:
        return "as the output's one value"
    return "at the probability attribute"


def _bias(folder: Path, acc: LabelledAccumulators) -> str:
    run = acc.bias
    assert run is not None
    write_json(folder / ANALYSIS, run.analysis().to_json())
    summary = f"{run.n} labelled rows, {run.n_invalid} without a usable facet/label/prediction"
    if run.n_invalid:
        summary += f" ({left_out_reasons_text(run.left_out_reasons())})"
    return summary


def _attribution(folder: Path, outcome: LabelledOutcome, run: LabelledFileRun) -> str:
    attribution = run.accumulators.attribution
    assert attribution is not None
    write_json(folder / ANALYSIS, attribution.analysis())
    figures = ", ".join(f"{d['label']} nDCG {d['value']:.4f}" for d in outcome.decisions)
    return f"{run.accumulators.explained} explained records, {figures}{shap_notes(run)}"


def shap_notes(run: LabelledFileRun) -> str:
    """What a keyed SHAP file held that explained no capture, and unreadable captures.

    The captures whose output could not be read (e.g. ``bad_explanations``) are named here
    when no labels are wanted: the join line, which names them otherwise, is not printed.
    """
    notes = ""
    if not run.setup.needs_labels and run.join.counts.unusable:
        notes += f", {_unusable(run)}"
    if run.shap_without_capture:
        notes += f", {run.shap_without_capture} SHAP records without a capture"
    if run.shap_errors:
        bad = sum(run.shap_errors.values())
        notes += f", {bad} bad SHAP records ({_reasons(run.shap_errors)})"
    return notes


def _reasons(counts: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))


def join_summary(run: LabelledFileRun, labels: LabelCounts) -> str:
    """One line: captures, joined, coverage, unlabelled, orphan and duplicate labels, errors."""
    acc, counts = run.accumulators, run.join.counts
    coverage = "n/a" if acc.label_coverage is None else f"{acc.label_coverage:.1%}"
    line = (
        f"labels: {acc.labelled} of {acc.predictions} captures joined (coverage {coverage}), "
        f"{acc.predictions - acc.labelled} without a label, "
        f"{run.labels_without_capture} labels without a capture"
    )
    if counts.superseded_labels:
        line += f", {counts.superseded_labels} duplicate labels (last kept)"
    if counts.duplicate_predictions:
        line += f", {counts.duplicate_predictions} duplicate captures (only the first joins)"
    if labels.bad_records:
        line += f", {labels.bad_records} bad label records ({_reasons(labels.errors)})"
    if labels.loops_without_label:
        line += f", A2I loops without a label: {_reasons(labels.loops_without_label)}"
    if counts.unusable:
        line += f", {_unusable(run)}"
    return line


def _unusable(run: LabelledFileRun) -> str:
    """The captures whose output could not be used, by reason, with each one's first message."""
    first = run.join.unusable_first
    return "unusable outputs: " + ", ".join(
        f"{k}={v}" + (f" (first: {first[k]})" if k in first else "")
        for k, v in sorted(run.join.counts.unusable.items())
    )


def describe(violation: Violation) -> str:
    """One display line for a violation of any monitor."""
    where: Any = violation.feature_name or violation.metric_name or ""
    shown = " ".join([str(where), *(f"{k}={v}" for k, v in violation.extra)]).strip()
    return f"  {violation.constraint_check_type:<32} {shown}: {violation.description}"
