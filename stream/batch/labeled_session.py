"""The labelled monitors of one ``driftline analyze`` run: what to start, the inputs, the files.

Which monitors run:

Ground-truth records with ``"encoding": "JSON"`` have their label at
``--ground-truth-attribute`` (default: the bias baseline's ``analysis_config.json`` ``label``);
records it finds no single label in are counted by reason in the join summary.

- **ModelQuality** with ``--ground-truth`` when the problem type is known (``--problem-type``,
  else the block in ``BASELINE/model_quality/statistics.json`` or ``constraints.json``);
- **ModelBias** with ``--ground-truth`` when ``BASELINE/bias/`` holds a bias baseline (a
  folder with only one of its two files is refused, naming the missing one);
  ``--bias-drift-check`` picks the rule (``point`` by default, SageMaker's documented one);
- **ModelExplainability** when ``BASELINE/attribution/analysis.json`` exists and SHAP values
  come from ``--shap`` (JSON Lines joined by key, or a CSV taken row by row) or, without it,
  from a ``shap`` key in the capture outputs, or each record's ``explanations.kernel_shap``
  where the output is a Clarify online explainability response (a run with neither is
  skipped, not failed).

They are the worker's labelled monitors (:class:`~stream.monitors.labelled.LabelledSetup`)
over a :class:`~stream.batch.labeled_analysis.LabelledFileRun`; every verdict is given, however
few the labelled predictions (``min_count`` 1), as a SageMaker execution gives it.
Outputs go to ``OUT/model_quality/``, ``OUT/bias/`` and ``OUT/attribution/``
(:mod:`stream.batch.labeled_outputs`); the data-quality files in ``OUT/`` are unchanged.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from detectors.violations import COMPLETED, COMPLETED_WITH_VIOLATIONS, FAILED
from ground_truth.json_path import check_path
from stream.batch.label_files import A2ISettings, LabelCounts, LabelReader, parse_value_map
from stream.batch.labeled_analysis import FileJoinBounds, LabelledFileRun
from stream.batch.labeled_outputs import MonitorOutcome, join_summary, shap_notes, write_outcome
from stream.batch.labeled_request import LabeledAnalysisRequest
from stream.capture.files import iter_capture_lines, open_lines
from stream.capture.records import CaptureError, decode_capture
from stream.capture.rows import RowBuilder
from stream.monitors.attribution import iter_local_shap, load_attribution_baseline
from stream.monitors.bias import (
    ANALYSIS,
    ANALYSIS_CONFIG,
    BIAS,
    json_label_path,
    load_bias_baseline,
)
from stream.monitors.files import ATTRIBUTION, MODEL_QUALITY, BaselineError
from stream.monitors.labelled import ATTRIBUTION_DRIFT, LabelledSetup
from stream.monitors.labelled_evaluation import labelled_outcomes
from stream.monitors.labelled_setup import prediction_locator
from stream.monitors.model_quality import ModelQualityBaselineFiles, load_model_quality_baseline

_SEVERITY = {COMPLETED: 0, COMPLETED_WITH_VIOLATIONS: 1, FAILED: 2}
SHAP_JOINED, SHAP_FROM_CAPTURE = "topic", "capture"  # LabelledSetup.shap_source values
SHAP_UNKEYED = "file"  # a SHAP CSV: neither read from the capture nor joined by key


@dataclass(frozen=True)
class LabeledReport:
    """What the labelled monitors of a run found, for the CLI to print."""

    outcomes: tuple[MonitorOutcome, ...]
    join_summary: str | None  # None without ground truth
    attribution_skipped: bool  # an attribution baseline, but no SHAP values anywhere
    attribution_skipped_notes: str = ""  # e.g. ", unusable outputs: bad_explanations=1 …"

    @property
    def worst_status(self) -> str | None:
        """The worst execution status among the monitors, or None when none ran.

        SageMaker's status, which the exit code follows: a monitor without a verdict is
        ``Completed`` here (its printed line says "no verdict", see
        :attr:`MonitorOutcome.no_verdict <stream.batch.labeled_outputs.MonitorOutcome>`).
        """
        if not self.outcomes:
            return None
        return max((o.status for o in self.outcomes), key=_SEVERITY.__getitem__)


@dataclass
class LabeledSession:
    """The labelled monitors of one ``analyze`` run, their labels and SHAP values taken."""

    run: LabelledFileRun
    labels: LabelCounts | None  # what the label reader saw; None without --ground-truth
    shap_file: Path | None

    def add_captures(
        self, files: Sequence[Path], progress: Callable[[int], None] | None = None
    ) -> None:
        """Decode every capture record of ``files`` and take it into the join.

        A pass of its own rather than ``CaptureAnalyzer``'s ``on_record``: a record whose
        payload gives no data-quality row (e.g. a JSON output holding a ``shap`` object) still
        has a prediction, a key and SHAP values. Undecodable records are counted by the
        data-quality summary.
        """
        for line, size in iter_capture_lines(list(files)):
            if progress is not None:
                progress(size)
            if not line:
                continue
            try:
                record = decode_capture(line)
            except CaptureError:
                continue
            self.run.add_capture(record)

    def finish(self, out: Path) -> LabeledReport:
        """Evaluate the run's one window and write every labelled monitor's files."""
        run = self.run
        skipped = self.shap_file is None and run.accumulators.explained == 0
        outcomes = [
            write_outcome(out, outcome, run)
            for outcome in labelled_outcomes(run.setup, run.accumulators)
            if not (outcome.monitor_type == ATTRIBUTION_DRIFT and skipped)
        ]
        return LabeledReport(
            outcomes=tuple(outcomes),
            join_summary=None if self.labels is None else join_summary(run, self.labels),
            attribution_skipped=run.setup.attribution is not None and skipped,
            attribution_skipped_notes=shap_notes(run) if skipped else "",
        )


def _check_problem_type(
    problem_type: str | None, baseline: ModelQualityBaselineFiles, folder: Path
) -> None:
    """Refuse a run whose problem type is not the one the baseline was built for."""
    if problem_type != (baseline.problem_type or problem_type):
        msg = (
            f"--problem-type {problem_type} disagrees with the model-quality baseline in "
            f"{folder}, which is {baseline.problem_type}"
        )
        raise BaselineError(msg)


def _a2i_settings(request: LabeledAnalysisRequest) -> A2ISettings | None:
    """Where A2I outputs hold their answer, when ``--a2i-answer-path`` asks to read them."""
    if not request.a2i_answer_path:
        return None
    return A2ISettings(
        answer_path=request.a2i_answer_path,
        inference_id_path=request.a2i_inference_id_path,
        value_map=parse_value_map(request.a2i_value_map),
        method=request.a2i_consolidation,
    )


def _labelled_setup(
    baseline_dir: Path, builder: RowBuilder, request: LabeledAnalysisRequest
) -> LabelledSetup:
    """The monitors asked for, as the worker's setup; BaselineError/ValueError on bad input."""
    setup = LabelledSetup(labels=FileJoinBounds(), builder=builder, min_count=1,
                          bias_drift_check=request.bias_drift_check)  # fmt: skip
    mq_files = load_model_quality_baseline(baseline_dir / MODEL_QUALITY)
    problem_type = request.problem_type or mq_files.problem_type
    # either file makes a bias baseline: one without the other is reported, not skipped
    has_bias = any((baseline_dir / BIAS / name).is_file() for name in (ANALYSIS, ANALYSIS_CONFIG))
    if request.ground_truth is not None:
        _check_problem_type(problem_type, mq_files, baseline_dir / MODEL_QUALITY)
        if problem_type is None and not has_bias:
            msg = "--ground-truth needs --problem-type or a baseline with model_quality/ or bias/"
            raise BaselineError(msg)
        bias = load_bias_baseline(baseline_dir / BIAS) if has_bias else None
        predictor = (None, None) if bias is None else bias.predictor  # the SDK's defaults
        locator = prediction_locator(
            _checked(request.inference_attribute, "--inference-attribute") or predictor[0],
            _checked(request.probability_attribute, "--probability-attribute") or predictor[1],
            problem_type,
        )
        threshold = request.probability_threshold
        setup = replace(setup, locator=locator, bias_threshold=threshold,
                        probability_threshold=0.5 if threshold is None else threshold)  # fmt: skip
        if problem_type is not None:
            setup = replace(setup, problem_type=problem_type, model_quality_baseline=mq_files)
        if bias is not None:
            setup = replace(setup, bias=bias)
    if (baseline_dir / ATTRIBUTION / "analysis.json").is_file():
        source = SHAP_FROM_CAPTURE
        if request.shap is not None:
            source = SHAP_UNKEYED if request.shap.suffix.lower() == ".csv" else SHAP_JOINED
        attribution = load_attribution_baseline(baseline_dir / ATTRIBUTION)
        setup = replace(setup, attribution=attribution, shap_source=source)
    return setup


def prepare_labeled(
    baseline_dir: Path,
    features: Sequence[str],
    capture_index_names: Sequence[str],
    request: LabeledAnalysisRequest,
) -> LabeledSession:
    """Build the labelled monitors asked for and take their labels and SHAP values.

    For a run :func:`~stream.batch.labeled_request.labelled_monitors_wanted` said yes to (it
    checked the SHAP file); raises BaselineError, FileNotFoundError or ValueError (one line
    each) on input that cannot be used.
    """
    shap_file = request.shap
    builder = RowBuilder(features=tuple(features), capture_index_names=tuple(capture_index_names))
    run = LabelledFileRun(_labelled_setup(baseline_dir, builder, request))
    labels = None
    if request.ground_truth is not None:
        label_path = json_label_path(_checked(request.ground_truth_attribute), run.setup.bias)
        reader = LabelReader(request.ground_truth, _a2i_settings(request), label_path)
        for label in reader:
            run.add_label(label)
        labels = reader.counts
    if shap_file is not None:
        _add_shap_file(run, shap_file)
    return LabeledSession(run, labels, shap_file)


def _checked(path: str | None, option: str = "--ground-truth-attribute") -> str | None:
    """A path option as given; ValueError (one line) when it is no path."""
    problem = None if path is None else check_path(path)
    if problem is not None:
        msg = f"{option} {path!r} is not a path like 'label' ({problem})"
        raise ValueError(msg)
    return path


def _add_shap_file(run: LabelledFileRun, path: Path) -> None:
    """A keyed JSON Lines file joins by key; a CSV's rows go to the window as they are.

    A CSV row holding a value that is not a finite number is refused whole and counted
    (``not_a_number``), as the keyed file and the attributions topic refuse such a record.
    """
    if run.setup.shap_source == SHAP_UNKEYED:
        errors: Counter[str] = Counter()
        for _, local in iter_local_shap(path, run.setup.plain_shap_label, errors):
            run.shap_records += 1
            if all(math.isfinite(v) for values in local.values() for v in values.values()):
                run.add_explanation(local)
            else:
                run.shap_errors["not_a_number"] += 1
        return
    with open_lines(path) as handle:
        for line in handle:
            if line.strip():
                run.add_shap_record(line)


def run_labeled(
    session: LabeledSession,
    out: Path,
    capture_files: Sequence[Path],
    progress: Callable[[int], None] | None = None,
) -> LabeledReport:
    """Join the captures and write the labelled monitors' files; ``progress`` gets bytes read."""
    session.add_captures(capture_files, progress)
    return session.finish(out)
