"""``driftline analyze``: one data-quality run over capture files, like a SageMaker execution."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from detectors.quality.checks import BASELINE_DRIFT
from detectors.quality.statistics_json import statistics_to_json
from detectors.verdicts import evaluation_lacks_verdict, status_word
from detectors.violations import COMPLETED_WITH_VIOLATIONS, FAILED, violations_document
from stream.batch.capture_analysis import AnalysisResult, CaptureAnalyzer
from stream.batch.data_files import FORMATS, DataFileError, DataFormat, data_size, detect_format
from stream.batch.labeled_request import LabeledAnalysisRequest, labelled_monitors_wanted
from stream.capture.files import find_capture_files
from stream.capture.gc_thresholds import cycles_collected_less_often
from stream.capture.records import CAPTURE_PARTS
from stream.cli.labeled_options import labeled_analysis_options
from stream.cli.output import (
    DATA_FILE,
    InputPath,
    byte_progress,
    check_data_file,
    check_out_folder,
    fail,
)
from stream.cli.postprocessor_option import (
    load_postprocessor_option,
    postprocessor_option,
    run_postprocessor_option,
)
from stream.monitors.data_quality import load_data_quality_baseline
from stream.monitors.files import (
    MODEL_QUALITY,
    STATISTICS,
    VIOLATIONS,
    BaselineError,
    write_json,
)

if TYPE_CHECKING:  # the labelled monitors' modules load only for runs that use them
    from stream.batch.labeled_session import LabeledReport, LabeledSession


def _summary(result: AnalysisResult) -> str:
    c = result.counts
    if result.failure is not None:
        return f"{result.status}: {result.failure}"
    evaluation = result.evaluation
    no_verdict = evaluation_lacks_verdict(result.status, evaluation)
    line = (
        f"{status_word(result.status, no_verdict)}: {c.records} records in {c.files} files, "
        f"{c.rows} rows, {len(evaluation.violations)} violations"
    )
    if no_verdict:
        reasons = sorted({d.reason for d in evaluation.decisions
                          if d.check_type == BASELINE_DRIFT and d.reason})  # fmt: skip
        line += f", no drift check had a verdict ({'; '.join(reasons) or 'skipped'})"
    if c.dropped:
        line += f", {c.dropped} dropped by the preprocessor"
    if c.bad_records:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(c.errors.items()))
        line += f", {c.bad_records} bad records ({reasons})"
    return line


def _print_labeled(report: LabeledReport) -> None:
    from stream.batch.labeled_outputs import describe

    if report.join_summary is not None:
        click.echo(report.join_summary)
    if report.attribution_skipped:
        click.echo(
            f"ModelExplainability: skipped, no SHAP values{report.attribution_skipped_notes}"
        )
    for outcome in report.outcomes:
        n = len(outcome.violations)
        status = status_word(outcome.status, outcome.no_verdict)
        click.echo(f"{outcome.monitor}: {status}: {outcome.summary}, {n} violations")
        for warning in outcome.warnings:
            click.echo(f"  warning: {warning}")
        for violation in outcome.violations:
            click.echo(describe(violation))


@click.command()
@click.option(
    "--capture",
    "capture",
    default=None,
    type=InputPath(expected="a capture file or folder", path_type=Path),
    help="A capture JSONL file (or gzip-compressed), or a folder searched recursively.",
)
@click.option(
    "--data",
    "data",
    default=None,
    type=InputPath(expected=DATA_FILE, path_type=Path),
    help="Instead of --capture: a CSV, JSON Lines or Parquet dataset: a file, or a folder of "
    "part files read as one (Spark's output; _SUCCESS and .crc files skipped).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Format of --data.")
@click.option(
    "--no-header", is_flag=True, help="--data CSV has no header: columns named from the baseline."
)
@click.option(
    "--baseline",
    "baseline_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder with statistics.json and constraints.json.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for statistics.json and constraint_violations.json.",
)
@click.option(
    "--preprocessor",
    type=InputPath(dir_okay=False, path_type=Path),
    default=None,
    help="A script defining SageMaker's preprocess_handler(inference_record).",
)
@click.option(
    "--preprocessor-output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder standing in for SageMaker's /opt/ml/processing/output for the preprocessor "
    "(its files and preprocessing.log) [default: OUT/preprocessor].",
)
@postprocessor_option
@click.option(
    "--capture-index-names",
    default=",".join(CAPTURE_PARTS),
    show_default=True,
    help="Capture parts that become columns, output columns first.",
)
@click.option(
    "--min-window-count",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="No drift verdict on fewer values.",
)
@click.option("--fail-on-violation", is_flag=True, help="Exit 1 when there are violations.")
@labeled_analysis_options
def analyze(
    capture: Path | None,
    data: Path | None,
    fmt: str | None,
    no_header: bool,
    baseline_dir: Path,
    out: Path,
    preprocessor: Path | None,
    preprocessor_output: Path | None,
    postprocessor: Path | None,
    capture_index_names: str,
    min_window_count: int,
    fail_on_violation: bool,
    **labeled: Any,
) -> None:
    """Check capture files against a baseline; write statistics and violations.

    With --ground-truth (and --shap) it also runs model quality, bias drift and attribution
    drift against BASELINE/model_quality/, BASELINE/bias/ and BASELINE/attribution/.
    """
    check_out_folder(out)
    _refuse_out_over_the_baseline(out, baseline_dir)
    if (capture is None) == (data is None):
        fail(
            "give one of --capture (capture files) or --data (a CSV, JSON Lines or Parquet dataset)"
        )
    _refuse_options_of_the_other_input(data is not None)
    post = load_postprocessor_option(postprocessor, out)
    if data is not None:
        check_data_file(data)
        result = _analyze_data(data, fmt, no_header, baseline_dir, min_window_count)
        _report(result, out)
        run_postprocessor_option(post, postprocessor, failed=result.status == FAILED)
        _exit(result.status, None, fail_on_violation)
        return
    parts = tuple(p.strip() for p in capture_index_names.split(",") if p.strip())
    request = LabeledAnalysisRequest(**labeled)
    analyzer, files, session = _prepare_capture_run(
        capture, baseline_dir, out, (preprocessor, preprocessor_output), parts, request,
        min_window_count,
    )  # fmt: skip
    if not files:
        fail(f"no capture files (*.jsonl, *.jsonl.gz) under {capture}")
    total = sum(f.stat().st_size for f in files)
    with cycles_collected_less_often(), byte_progress("analyzing capture", total) as progress:
        task = progress.task_ids[0]
        analyzer.add_files(files, lambda path: progress.advance(task, path.stat().st_size))
    result = analyzer.result()
    _report(result, out, analyzer)
    labeled_status = None
    if session is not None:
        from stream.batch.labeled_session import run_labeled

        with byte_progress("joining labels", total) as progress:
            task = progress.task_ids[0]
            report = run_labeled(session, out, files, lambda n: progress.advance(task, n))
        _print_labeled(report)
        labeled_status = report.worst_status
    failed = FAILED in (result.status, labeled_status)
    run_postprocessor_option(post, postprocessor, failed=failed)
    _exit(result.status, labeled_status, fail_on_violation)


CAPTURE_ONLY = ("ground_truth", "shap", "preprocessor", "preprocessor_output",
                "capture_index_names")  # fmt: skip
DATA_ONLY = ("fmt", "no_header")


def _refuse_out_over_the_baseline(out: Path, baseline_dir: Path) -> None:
    """Refuse an --out whose statistics.json would replace a baseline's (the run's own)."""
    for folder in (baseline_dir, baseline_dir / MODEL_QUALITY):
        if out.resolve() == folder.resolve() and (folder / STATISTICS).exists():
            fail(
                f"--out {out} holds the baseline's {STATISTICS}, which the run's would replace; "
                "give another folder"
            )


def _refuse_options_of_the_other_input(with_data: bool) -> None:
    """Stop on an option the run would ignore: a capture option with --data, or the reverse."""
    ctx = click.get_current_context()
    given = [
        param
        for param in ctx.command.params
        if param.name in (CAPTURE_ONLY if with_data else DATA_ONLY)
        and ctx.get_parameter_source(param.name) != click.core.ParameterSource.DEFAULT
    ]
    if given:
        names = " and ".join(param.opts[0] for param in given)
        kind = "--capture files, not on --data" if with_data else "--data, not on --capture files"
        fail(f"{names} work{'s' if len(given) == 1 else ''} on {kind}")


def _prepare_capture_run(
    capture: Path,
    baseline_dir: Path,
    out: Path,
    preprocessor: tuple[Path | None, Path | None],
    parts: tuple[str, ...],
    request: LabeledAnalysisRequest,
    min_window_count: int,
) -> tuple[CaptureAnalyzer, list[Path], LabeledSession | None]:
    """The data-quality analyzer, the capture files and the labelled monitors of a run.

    ``preprocessor`` is the script and its output folder (default ``OUT/preprocessor``).
    """
    from stream.capture.preprocess import ScriptError, load_preprocessor

    script_path, script_output = preprocessor
    try:
        baseline = load_data_quality_baseline(baseline_dir)
        files = find_capture_files(capture)
        session = None
        if labelled_monitors_wanted(baseline_dir, request):
            from stream.batch.labeled_session import prepare_labeled

            session = prepare_labeled(baseline_dir, baseline.features, parts, request)
        script = None
        if script_path is not None:
            script = load_preprocessor(
                script_path, output_dir=script_output or out / "preprocessor"
            )
        analyzer = CaptureAnalyzer(
            baseline,
            preprocessor=script,
            capture_index_names=parts,
            min_window_count=min_window_count,
            labels=session.run.waiting_label if session is not None else None,
        )
    except (BaselineError, FileNotFoundError, ScriptError, ValueError) as exc:
        fail(str(exc))
    return analyzer, files, session


def _analyze_data(
    data: Path, fmt: str | None, no_header: bool, baseline_dir: Path, min_window_count: int
) -> AnalysisResult:
    # Loaded only by --data runs: a capture run does not pay for them (~20 ms).
    from stream.batch.clarify_json_lines import baseline_layout
    from stream.batch.dataset_analysis import analyze_dataset

    try:
        baseline = load_data_quality_baseline(baseline_dir)
        data_format = detect_format(data, fmt, header=not no_header)
        layout = baseline_layout(baseline_dir) if data_format.kind == "jsonl" else None
        if layout is not None:  # read as baseline suggest read the Clarify-shaped dataset
            data_format = DataFormat(data_format.kind, data_format.header, layout)
        with byte_progress(f"analyzing {data.name}", data_size(data)) as bar:
            task = bar.task_ids[0]
            return analyze_dataset(
                data,
                data_format,
                baseline,
                min_window_count=min_window_count,
                progress=lambda done: bar.update(task, completed=done),
            )
    except (BaselineError, DataFileError) as exc:  # an OSError: the group's one line
        fail(str(exc))


def _report(result: AnalysisResult, out: Path, analyzer: CaptureAnalyzer | None = None) -> None:
    write_json(out / STATISTICS, statistics_to_json(result.statistics))
    write_json(out / VIOLATIONS, violations_document(result.evaluation.violations))
    click.echo(_summary(result))
    if analyzer is not None and analyzer.preprocessor is not None:
        for line in analyzer.preprocessor.error_summary():
            click.echo(f"  preprocess_handler failed: {line}")
    for v in result.evaluation.violations:
        click.echo(f"  {v.constraint_check_type:<26} {v.feature_name}: {v.description}")


def _exit(status: str, labeled_status: str | None, fail_on_violation: bool) -> None:
    if FAILED in (status, labeled_status):
        raise SystemExit(2)
    if fail_on_violation and COMPLETED_WITH_VIOLATIONS in (status, labeled_status):
        raise SystemExit(1)
