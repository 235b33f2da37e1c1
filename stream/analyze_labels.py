"""``driftline analyze``'s options for ground truth, bias and SHAP, and the runs they start.

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
from pathlib import Path
from typing import Any

import click

from detectors.violations import COMPLETED, COMPLETED_WITH_VIOLATIONS, FAILED
from stream.attribution_analysis import (
    ATTRIBUTION,
    AttributionRun,
    iter_local_shap,
    load_attribution_baseline,
)
from stream.baselines import BaselineError
from stream.bias_analysis import BIAS, BiasBaseline, BiasRun, load_bias_baseline
from stream.capture_files import iter_capture_lines
from stream.codecs import CaptureError, RowBuilder, decode_capture
from stream.commands.common import byte_progress
from stream.label_files import A2ISettings, parse_value_map, read_labels
from stream.labeled_analysis import LabeledCaptureRun, MonitorOutcome, describe
from stream.labeled_baselines import PROBLEM_TYPE_CHOICES
from stream.model_analysis import (
    MODEL_QUALITY,
    ModelQualityBaselineFiles,
    ModelQualityRun,
    load_model_quality_baseline,
)
from stream.predictions import PredictionLocator

_SEVERITY = {COMPLETED: 0, COMPLETED_WITH_VIOLATIONS: 1, FAILED: 2}


def labeled_analysis_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--ground-truth``, the prediction attributes, A2I and SHAP options."""
    options = [
        click.option(
            "--ground-truth",
            type=click.Path(path_type=Path),
            default=None,
            help="Ground-truth JSONL file, or a folder searched recursively.",
        ),
        click.option(
            "--problem-type",
            type=click.Choice(PROBLEM_TYPE_CHOICES),
            default=None,
            help="Model-quality problem type [default: the baseline's].",
        ),
        click.option(
            "--inference-attribute",
            default=None,
            help='Predicted label in the output: column index ("0") or JSON key/path.',
        ),
        click.option(
            "--probability-attribute",
            default=None,
            help='Score in the output: column index ("0") or JSON key/path.',
        ),
        click.option(
            "--probability-threshold",
            type=click.FloatRange(0.0, 1.0),
            default=None,
            help="Score > threshold is positive [default: 0.5, bias: the baseline config's].",
        ),
        click.option(
            "--a2i-answer-path",
            default=None,
            help="Read *.json A2I outputs too; dotted path of the answer in answerContent.",
        ),
        click.option(
            "--a2i-inference-id-path",
            default="inferenceId",
            show_default=True,
            help="Dotted path of the inference id in inputContent.",
        ),
        click.option("--a2i-value-map", default=None, help="Answer to label, e.g. yes=1,no=0."),
        click.option(
            "--a2i-consolidation",
            type=click.Choice(("majority", "mean", "median")),
            default="majority",
            show_default=True,
            help="How several workers' answers become one label.",
        ),
        click.option(
            "--shap",
            type=click.Path(path_type=Path),
            default=None,
            help="Local SHAP values: JSON Lines of {inferenceId, shap: {...}} or a CSV.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


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

    def add_captures(self, files: Sequence[Path]) -> None:
        """Decode every capture record of ``files`` and join it with its label.

        A pass of its own rather than ``CaptureAnalyzer``'s ``on_record``: a record whose
        payload gives no data-quality row (e.g. a JSON output holding a ``shap`` object) still
        has a prediction, a key and SHAP values. Undecodable records are counted by the
        data-quality summary.
        """
        total = sum(f.stat().st_size for f in files)
        with byte_progress("joining labels", total) as progress:
            task = progress.task_ids[0]
            for line, size in iter_capture_lines(list(files)):
                progress.advance(task, size)
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


def prepare_labeled(
    baseline_dir: Path,
    features: Sequence[str],
    capture_index_names: Sequence[str],
    options: dict[str, Any],
) -> LabeledSession | None:
    """Build the labelled monitors asked for; raise BaselineError/ValueError on bad input."""
    ground_truth: Path | None = options["ground_truth"]
    shap_file: Path | None = options["shap"]
    mq_baseline = load_model_quality_baseline(baseline_dir / MODEL_QUALITY)
    problem_type = options["problem_type"] or mq_baseline.problem_type
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
    threshold = options["probability_threshold"]
    if ground_truth is not None:
        if problem_type is None and not has_bias:
            msg = "--ground-truth needs --problem-type or a baseline with model_quality/ or bias/"
            raise BaselineError(msg)
        a2i = None
        if options["a2i_answer_path"]:
            a2i = A2ISettings(
                answer_path=options["a2i_answer_path"],
                inference_id_path=options["a2i_inference_id_path"],
                value_map=parse_value_map(options["a2i_value_map"]),
                method=options["a2i_consolidation"],
            )
        labels = read_labels(ground_truth, a2i)
        locator = PredictionLocator(
            inference_attribute=options["inference_attribute"],
            probability_attribute=options["probability_attribute"],
        )
        if problem_type is not None:
            model_quality = ModelQualityRun(
                problem_type, probability_threshold=0.5 if threshold is None else threshold
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


def finish_labeled(
    session: LabeledSession | None, out: Path, capture_files: Sequence[Path]
) -> str | None:
    """Join the captures, write and print the labelled monitors' results.

    Returns the worst execution status among them, or ``None`` when none ran.
    """
    if session is None:
        return None
    session.add_captures(capture_files)
    outcomes = session.finish(out)
    if session.run.labels is not None:
        click.echo(session.run.join_summary())
    if session.run.attribution is not None and not any(
        o.monitor == "ModelExplainability" for o in outcomes
    ):
        click.echo("ModelExplainability: skipped, no SHAP values")
    for outcome in outcomes:
        n = len(outcome.violations)
        click.echo(f"{outcome.monitor}: {outcome.status}: {outcome.summary}, {n} violations")
        for violation in outcome.violations:
            click.echo(describe(violation))
    if not outcomes:
        return None
    return max((o.status for o in outcomes), key=_SEVERITY.__getitem__)
