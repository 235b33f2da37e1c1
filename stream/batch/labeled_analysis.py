"""``driftline analyze --ground-truth``: captures joined with labels, then model quality and bias.

The join follows SageMaker's rule (spec §2.3): a capture's key is ``inferenceId`` if present,
else ``eventId``; a label's key is ``eventMetadata.eventId``; inner join. Label files are
finite, so all labels are read first into a :class:`~stream.batch.label_files.LabelSet` (last label
wins) and each capture looks its key up as it streams past — a plain in-memory join rather than
the TTL-bounded :class:`~ground_truth.join.LabelJoiner`, whose bounds exist for endless
topics. Captures without a label are counted (label coverage = joined / captures), never
guessed; labels that match no capture are counted too.

Predictions come from the capture output (:class:`~stream.capture.predictions.PredictionLocator`);
a record whose output holds several rows is counted as ``multi_row_output`` and left out,
since one label belongs to one inference. Bias reads facet and group values from the
capture's feature row, built by the same :class:`~stream.capture.rows.RowBuilder` as data quality
(the baseline's feature names). SHAP values for attribution come from a ``--shap`` file or,
without one, from a ``shap`` key in the capture output.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detectors.violations import COMPLETED, COMPLETED_WITH_VIOLATIONS, FAILED, Violation
from detectors.violations import violations_document as to_document
from stream.batch.label_files import LabelSet
from stream.capture.predictions import PredictionLocator, shap_values
from stream.capture.records import CaptureError, CaptureRecord
from stream.capture.rows import RowBuilder
from stream.monitors.attribution import AttributionRun, per_label
from stream.monitors.bias import ANALYSIS, BiasBaseline, BiasRun, bias_violations
from stream.monitors.files import VIOLATIONS, write_json
from stream.monitors.model_quality import ModelQualityBaselineFiles, ModelQualityRun


@dataclass
class JoinCounts:
    """How captures and labels met."""

    captures: int = 0
    joined: int = 0
    unusable: Counter[str] = field(default_factory=Counter)
    matched_keys: set[str] = field(default_factory=set)

    @property
    def unlabelled(self) -> int:
        """Captures whose key has no label."""
        return self.captures - self.joined

    @property
    def label_coverage(self) -> float | None:
        """Joined captures / captures (every decoded capture has a key)."""
        return None if self.captures == 0 else self.joined / self.captures


@dataclass(frozen=True)
class MonitorOutcome:
    """One monitor's execution status, violations and a summary line."""

    monitor: str
    status: str
    violations: tuple[Violation, ...]
    summary: str


def _status(violations: list[Violation]) -> str:
    return COMPLETED_WITH_VIOLATIONS if violations else COMPLETED


class LabeledCaptureRun:
    """Takes decoded capture records one by one and feeds the labelled monitors."""

    def __init__(
        self,
        *,
        labels: LabelSet | None,
        locator: PredictionLocator | None,
        builder: RowBuilder,
        model_quality: ModelQualityRun | None = None,
        bias: BiasRun | None = None,
        attribution: AttributionRun | None = None,
        shap_from_capture: bool = False,
    ) -> None:
        self.labels = labels
        self.locator = locator
        self.builder = builder
        self.model_quality = model_quality
        self.bias = bias
        self.attribution = attribution
        self.shap_from_capture = shap_from_capture
        self.counts = JoinCounts()

    def on_record(self, record: CaptureRecord) -> None:
        """Join one capture with its label and feed the monitors."""
        if self.shap_from_capture and self.attribution is not None:
            self._add_shap(record)
        if self.labels is None or self.locator is None:
            return
        self.counts.captures += 1
        label = self.labels.get(record.join_key)
        if label is None:
            return
        self.counts.joined += 1
        self.counts.matched_keys.add(record.join_key)
        output = record.endpoint_output
        if output is None:
            self.counts.unusable["missing_output"] += 1
            return
        try:
            predictions = self.locator.locate(output)
            rows = self.builder.rows(record) if self.bias is not None else [{}]
        except CaptureError as exc:
            self.counts.unusable[exc.reason] += 1
            return
        if len(predictions) != 1 or len(rows) != 1:
            self.counts.unusable["multi_row_output"] += 1
            return
        value = label.values[0]
        if self.model_quality is not None:
            self.model_quality.update(value, predictions[0])
        if self.bias is not None:
            self.bias.update(rows[0], value, predictions[0])

    def _add_shap(self, record: CaptureRecord) -> None:
        assert self.attribution is not None
        output = record.endpoint_output
        try:
            found = None if output is None else shap_values(output)
        except CaptureError:
            found = None
        if found:
            self.attribution.update(per_label(found, "label0"))

    @property
    def labels_without_capture(self) -> int:
        """Labels whose key matched no capture."""
        return 0 if self.labels is None else len(self.labels) - len(self.counts.matched_keys)

    def join_summary(self) -> str:
        """One line: captures, joined, coverage, unlabelled and orphan labels."""
        c = self.counts
        coverage = "n/a" if c.label_coverage is None else f"{c.label_coverage:.1%}"
        line = (
            f"labels: {c.joined} of {c.captures} captures joined (coverage {coverage}), "
            f"{c.unlabelled} without a label, "
            f"{self.labels_without_capture} labels without a capture"
        )
        if self.labels is not None:
            lc = self.labels.counts
            if lc.duplicates:
                line += f", {lc.duplicates} duplicate labels (last kept)"
            if lc.bad_records:
                reasons = ", ".join(f"{k}={v}" for k, v in sorted(lc.errors.items()))
                line += f", {lc.bad_records} bad label records ({reasons})"
            if lc.loops_without_label:
                reasons = ", ".join(f"{k}={v}" for k, v in sorted(lc.loops_without_label.items()))
                line += f", A2I loops without a label: {reasons}"
        if c.unusable:
            reasons = ", ".join(f"{k}={v}" for k, v in sorted(c.unusable.items()))
            line += f", joined but unusable: {reasons}"
        return line

    def finish_model_quality(
        self, out: Path, baseline: ModelQualityBaselineFiles
    ) -> MonitorOutcome | None:
        """Write ``model_quality/statistics.json`` and ``constraint_violations.json``."""
        run = self.model_quality
        if run is None:
            return None
        folder = out / "model_quality"
        statistics = run.statistics() if run.merged else None
        if statistics is None or statistics.item_count == 0:
            write_json(folder / VIOLATIONS, to_document([]))
            why = f"none of {run.merged} merged rows usable" if run.merged else "nothing merged"
            return MonitorOutcome("ModelQuality", FAILED, (), f"no labelled predictions ({why})")
        violations = run.violations(statistics, baseline.constraints)
        write_json(folder / "statistics.json", statistics.to_statistics_json())
        write_json(folder / VIOLATIONS, to_document(violations))
        invalid = run.merged - statistics.item_count
        summary = f"{statistics.item_count} labelled predictions ({run.problem_type})"
        if invalid:
            summary += f", {invalid} left out (label or prediction not usable)"
        if run.missing_scores:
            summary += (
                f", {run.missing_scores} without a numeric score at the probability attribute"
                f"{' (no AUC)' if run.missing_scores >= run.merged else ''}"
            )
        return MonitorOutcome("ModelQuality", _status(violations), tuple(violations), summary)

    def finish_bias(self, out: Path, baseline: BiasBaseline) -> MonitorOutcome | None:
        """Write ``bias/analysis.json`` and ``bias/constraint_violations.json``."""
        run = self.bias
        if run is None:
            return None
        folder = out / "bias"
        if run.n - run.n_invalid <= 0:
            write_json(folder / VIOLATIONS, to_document([], version="1.0"))
            return MonitorOutcome("ModelBias", FAILED, (), "no labelled rows with facet values")
        analysis, violations = bias_violations(run, baseline.analysis)
        write_json(folder / ANALYSIS, analysis.to_json())
        write_json(folder / VIOLATIONS, to_document(violations, version="1.0"))
        summary = f"{run.n} labelled rows, {run.n_invalid} without a usable facet/label/prediction"
        return MonitorOutcome("ModelBias", _status(violations), tuple(violations), summary)

    def finish_attribution(self, out: Path) -> MonitorOutcome | None:
        """Write ``attribution/analysis.json`` and ``attribution/constraint_violations.json``."""
        run = self.attribution
        if run is None:
            return None
        folder = out / "attribution"
        results = run.results()
        if not results:
            write_json(folder / VIOLATIONS, to_document([], version="1.0"))
            return MonitorOutcome("ModelExplainability", FAILED, (), "no SHAP values found")
        violations = [r.violation for r in results if r.violation is not None]
        write_json(folder / ANALYSIS, run.analysis())
        write_json(folder / VIOLATIONS, to_document(violations, version="1.0"))
        figures = ", ".join(f"{r.label} nDCG {r.ndcg:.4f}" for r in results)
        summary = f"{run.records} explained records, {figures}"
        return MonitorOutcome(
            "ModelExplainability", _status(violations), tuple(violations), summary
        )


def describe(violation: Violation) -> str:
    """One display line for a violation of any monitor."""
    where: Any = violation.feature_name or violation.metric_name or ""
    shown = " ".join([str(where), *(f"{k}={v}" for k, v in violation.extra)]).strip()
    return f"  {violation.constraint_check_type:<32} {shown}: {violation.description}"
