"""The labelled monitors of one ``driftline analyze`` run: what to start, the join, the files.

Which monitors run:

- **ModelQuality** with ``--ground-truth`` when the problem type is known (``--problem-type``,
  else the block in ``BASELINE/model_quality/statistics.json`` or ``constraints.json``);
- **ModelBias** with ``--ground-truth`` when ``BASELINE/bias/`` holds a bias baseline;
- **ModelExplainability** when ``BASELINE/attribution/analysis.json`` exists and SHAP values
  come from ``--shap`` or, without it, from a ``shap`` key in the capture outputs (a run
  with neither is skipped, not failed).

Outputs go to ``OUT/model_quality/``, ``OUT/bias/`` and ``OUT/attribution/``; the
data-quality files in ``OUT/`` are unchanged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from detectors.violations import COMPLETED, COMPLETED_WITH_VIOLATIONS, FAILED
from stream.batch.label_files import A2ISettings, parse_value_map, read_labels
from stream.batch.labeled_analysis import LabeledCaptureRun, MonitorOutcome
from stream.capture.files import iter_capture_lines
from stream.capture.predictions import PredictionLocator
from stream.capture.records import CaptureError, decode_capture
from stream.capture.rows import RowBuilder
from stream.monitors.attribution import (
    ATTRIBUTION,
    AttributionRun,
    iter_local_shap,
    load_attribution_baseline,
)
from stream.monitors.bias import BIAS, BiasBaseline, BiasRun, load_bias_baseline
from stream.monitors.files import BaselineError
from stream.monitors.model_quality import (
    MODEL_QUALITY,
    ModelQualityBaselineFiles,
    ModelQualityRun,
    load_model_quality_baseline,
)

_SEVERITY = {COMPLETED: 0, COMPLETED_WITH_VIOLATIONS: 1, FAILED: 2}


@dataclass(frozen=True)
class LabeledAnalysisRequest:
    """What ``analyze`` was asked for beyond data quality (the CLI's labelled options)."""

    ground_truth: Path | None = None
    problem_type: str | None = None
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float | None = None
    r2_formula: str = "sagemaker"
    a2i_answer_path: str | None = None
    a2i_inference_id_path: str = "inferenceId"
    a2i_value_map: str | None = None
    a2i_consolidation: str = "majority"
    shap: Path | None = None


@dataclass(frozen=True)
class LabeledReport:
    """What the labelled monitors of a run found, for the CLI to print."""

    outcomes: tuple[MonitorOutcome, ...]
    join_summary: str | None  # None without ground truth
    attribution_skipped: bool  # an attribution baseline, but no SHAP values anywhere

    @property
    def worst_status(self) -> str | None:
        """The worst execution status among the monitors, or None when none ran."""
        if not self.outcomes:
            return None
        return max((o.status for o in self.outcomes), key=_SEVERITY.__getitem__)


class LabeledSession:
    """The labelled monitors of one ``analyze`` run, and what they need to finish."""

    def __init__(
        self,
        run: LabeledCaptureRun,
        model_quality_baseline: ModelQualityBaselineFiles,
        bias_baseline: BiasBaseline | None,
        shap_file: Path | None,
    ) -> None:
        self.run = run
        self.model_quality_baseline = model_quality_baseline
        self.bias_baseline = bias_baseline
        self.shap_file = shap_file

    def add_captures(
        self, files: Sequence[Path], progress: Callable[[int], None] | None = None
    ) -> None:
        """Decode every capture record of ``files`` and join it with its label.

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
            self.run.on_record(record)

    def finish(self, out: Path) -> list[MonitorOutcome]:
        """Feed a SHAP file if given, then write every labelled monitor's files."""
        run = self.run
        if self.shap_file is not None and run.attribution is not None:
            errors: Counter[str] = Counter()
            for _, local in iter_local_shap(self.shap_file, "label0", errors):
                run.attribution.update(local)
        outcomes = [run.finish_model_quality(out, self.model_quality_baseline)]
        if self.bias_baseline is not None:
            outcomes.append(run.finish_bias(out, self.bias_baseline))
        explained = run.attribution is not None and run.attribution.records > 0
        if self.shap_file is not None or explained:
            outcomes.append(run.finish_attribution(out))
        return [o for o in outcomes if o is not None]


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


def prepare_labeled(
    baseline_dir: Path,
    features: Sequence[str],
    capture_index_names: Sequence[str],
    request: LabeledAnalysisRequest,
) -> LabeledSession | None:
    """Build the labelled monitors asked for; raise BaselineError/ValueError on bad input."""
    ground_truth = request.ground_truth
    shap_file = request.shap
    mq_baseline = load_model_quality_baseline(baseline_dir / MODEL_QUALITY)
    problem_type = request.problem_type or mq_baseline.problem_type
    if ground_truth is not None:
        _check_problem_type(problem_type, mq_baseline, baseline_dir / MODEL_QUALITY)
    has_bias = (baseline_dir / BIAS / "analysis.json").is_file()
    has_attribution = (baseline_dir / ATTRIBUTION / "analysis.json").is_file()
    if shap_file is not None and not has_attribution:
        msg = f"--shap needs an attribution baseline: {baseline_dir / ATTRIBUTION}/analysis.json"
        raise BaselineError(msg)
    if shap_file is not None and not shap_file.is_file():
        msg = f"no such SHAP file: {shap_file}"
        raise FileNotFoundError(msg)
    if ground_truth is None and not has_attribution:
        return None
    labels = locator = model_quality = bias = bias_baseline = None
    threshold = request.probability_threshold
    if ground_truth is not None:
        if problem_type is None and not has_bias:
            msg = "--ground-truth needs --problem-type or a baseline with model_quality/ or bias/"
            raise BaselineError(msg)
        labels = read_labels(ground_truth, _a2i_settings(request))
        locator = PredictionLocator(
            inference_attribute=request.inference_attribute,
            probability_attribute=request.probability_attribute,
        )
        if problem_type is not None:
            model_quality = ModelQualityRun(
                problem_type,
                probability_threshold=0.5 if threshold is None else threshold,
                r2_formula=request.r2_formula,
                scores_expected=request.probability_attribute is not None,
            )
        if has_bias:
            bias_baseline = load_bias_baseline(baseline_dir / BIAS)
            bias = BiasRun(bias_baseline.settings, probability_threshold=threshold)
    attribution = None
    if has_attribution:
        attribution = AttributionRun(load_attribution_baseline(baseline_dir / ATTRIBUTION))
    run = LabeledCaptureRun(
        labels=labels,
        locator=locator,
        builder=RowBuilder(features=features, capture_index_names=tuple(capture_index_names)),
        model_quality=model_quality,
        bias=bias,
        attribution=attribution,
        shap_from_capture=attribution is not None and shap_file is None,
    )
    return LabeledSession(run, mq_baseline, bias_baseline, shap_file)


def run_labeled(
    session: LabeledSession,
    out: Path,
    capture_files: Sequence[Path],
    progress: Callable[[int], None] | None = None,
) -> LabeledReport:
    """Join the captures and write the labelled monitors' files; ``progress`` gets bytes read."""
    session.add_captures(capture_files, progress)
    outcomes = session.finish(out)
    run = session.run
    explained = any(o.monitor == "ModelExplainability" for o in outcomes)
    return LabeledReport(
        outcomes=tuple(outcomes),
        join_summary=run.join_summary() if run.labels is not None else None,
        attribution_skipped=run.attribution is not None and not explained,
    )
