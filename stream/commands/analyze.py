"""``driftline analyze``: one data-quality run over capture files, like a SageMaker execution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from detectors.quality.statistics_json import statistics_to_json
from detectors.violations import COMPLETED_WITH_VIOLATIONS, FAILED, violations_document
from stream.analysis import AnalysisResult, CaptureAnalyzer
from stream.analyze_labels import finish_labeled, labeled_analysis_options, prepare_labeled
from stream.baselines import (
    STATISTICS,
    VIOLATIONS,
    BaselineError,
    load_data_quality_baseline,
    write_json,
)
from stream.capture_files import find_capture_files
from stream.codecs import CAPTURE_PARTS
from stream.commands.common import byte_progress, fail
from stream.preprocess import ScriptError, load_preprocessor


def _summary(result: AnalysisResult) -> str:
    c = result.counts
    line = (
        f"{result.status}: {c.records} records in {c.files} files, {c.rows} rows, "
        f"{len(result.evaluation.violations)} violations"
    )
    if c.dropped:
        line += f", {c.dropped} dropped by the preprocessor"
    if c.bad_records:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(c.errors.items()))
        line += f", {c.bad_records} bad records ({reasons})"
    return line


@click.command()
@click.option(
    "--capture",
    "capture",
    required=True,
    type=click.Path(path_type=Path),
    help="A capture JSONL file, or a folder searched recursively.",
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
    type=click.Path(path_type=Path),
    default=None,
    help="A script defining SageMaker's preprocess_handler(inference_record).",
)
@click.option(
    "--capture-index-names",
    default=",".join(CAPTURE_PARTS),
    show_default=True,
    help="Capture parts that become columns, output columns first.",
)
@click.option(
    "--min-window-count", default=30, show_default=True, help="No drift verdict on fewer values."
)
@click.option("--fail-on-violation", is_flag=True, help="Exit 1 when there are violations.")
@labeled_analysis_options
def analyze(
    capture: Path,
    baseline_dir: Path,
    out: Path,
    preprocessor: Path | None,
    capture_index_names: str,
    min_window_count: int,
    fail_on_violation: bool,
    **labeled: Any,
) -> None:
    """Check capture files against a baseline; write statistics and violations.

    With --ground-truth (and --shap) it also runs model quality, bias drift and attribution
    drift against BASELINE/model_quality/, BASELINE/bias/ and BASELINE/attribution/.
    """
    try:
        baseline = load_data_quality_baseline(baseline_dir)
        files = find_capture_files(capture)
        script = load_preprocessor(preprocessor) if preprocessor else None
        parts = tuple(p.strip() for p in capture_index_names.split(",") if p.strip())
        session = prepare_labeled(baseline_dir, baseline.features, parts, labeled)
        analyzer = CaptureAnalyzer(
            baseline,
            preprocessor=script,
            capture_index_names=parts,
            min_window_count=min_window_count,
        )
    except (BaselineError, FileNotFoundError, ScriptError, ValueError) as exc:
        fail(str(exc))
    if not files:
        fail(f"no capture files (*.jsonl) under {capture}")
    total = sum(f.stat().st_size for f in files)
    with byte_progress("analyzing capture", total) as progress:
        task = progress.task_ids[0]
        for path in files:
            analyzer.add_file(path)
            progress.advance(task, path.stat().st_size)
    result = analyzer.result()
    write_json(out / STATISTICS, statistics_to_json(result.statistics))
    write_json(out / VIOLATIONS, violations_document(result.evaluation.violations))
    click.echo(_summary(result))
    for v in result.evaluation.violations:
        click.echo(f"  {v.constraint_check_type:<26} {v.feature_name}: {v.description}")
    labeled_status = finish_labeled(session, out, files)
    if FAILED in (result.status, labeled_status):
        raise SystemExit(2)
    if fail_on_violation and COMPLETED_WITH_VIOLATIONS in (result.status, labeled_status):
        raise SystemExit(1)


def register(group: click.Group) -> None:
    """Add ``analyze`` to the CLI."""
    group.add_command(analyze)
