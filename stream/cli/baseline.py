"""``driftline baseline suggest``: baseline statistics and constraints from a data file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from detectors.attribution import AGG_METHODS
from detectors.model_quality.statistics import PROBLEM_TYPES
from stream.batch.data_files import FORMATS, DataFileError, DataFormat, data_size, detect_format
from stream.batch.data_quality_baseline import suggest_data_quality
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
from stream.monitors.data_quality import save_data_quality_baseline


def labeled_baseline_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the model-quality, bias and attribution options to ``baseline suggest``."""
    options = [
        click.option(
            "--problem-type",
            type=click.Choice(PROBLEM_TYPES),
            default=None,
            help="Model-quality baseline for this problem type (OUT/model_quality/).",
        ),
        click.option("--label-column", default=None, help="Column holding the ground truth."),
        click.option("--prediction-column", default=None, help="Column holding the prediction."),
        click.option(
            "--probability-column",
            default=None,
            help="Column holding the positive-class score (for AUC).",
        ),
        click.option(
            "--probability-threshold",
            type=click.FloatRange(0.0, 1.0),
            default=None,
            help="Without a prediction, score > threshold is the positive class "
            "[default: 0.5, or the bias config's].",
        ),
        click.option(
            "--bias-config",
            type=InputPath(dir_okay=False, path_type=Path),
            default=None,
            help="Clarify analysis config (facet, label_values_or_threshold, group_variable).",
        ),
        click.option(
            "--shap",
            type=InputPath(dir_okay=False, path_type=Path),
            default=None,
            help="Local SHAP values: JSON Lines of {inferenceId, shap: {...}} or a CSV.",
        ),
        click.option(
            "--shap-label", default="label0", show_default=True, help="Label of flat SHAP maps."
        ),
        click.option(
            "--shap-agg",
            type=click.Choice(AGG_METHODS),
            default="mean_abs",
            show_default=True,
            help="How local SHAP values become global ones.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


_BASELINES_OPTIONS = ("problem_type", "bias_config", "shap")
_COLUMN_OPTIONS = (
    "label_column",
    "prediction_column",
    "probability_column",
    "probability_threshold",
)


def check_labeled_options(options: dict[str, Any]) -> None:
    """Refuse column options that no requested baseline would use (they were ignored)."""
    if any(options.get(name) is not None for name in _BASELINES_OPTIONS):
        return
    given = [name for name in _COLUMN_OPTIONS if options.get(name) is not None]
    if given:
        flag = "--" + given[0].replace("_", "-")
        fail(f"{flag} is used only with --problem-type or --bias-config")


def suggest_labeled(data: Path, fmt: DataFormat, out: Path, options: dict[str, Any]) -> list[str]:
    """Run :func:`suggest_labeled_baselines` for the CLI: progress bar, one-line errors."""
    if all(options.get(name) is None for name in _BASELINES_OPTIONS):
        return []
    from stream.batch.labeled_baselines import (  # imported only by runs that need them
        LabeledBaselineError,
        LabeledBaselineRequest,
        suggest_labeled_baselines,
    )

    request = LabeledBaselineRequest(**options)
    try:
        with byte_progress(f"labelled baselines from {data.name}", data_size(data)) as bar:
            task = bar.task_ids[0]
            return suggest_labeled_baselines(
                data, fmt, out, request, lambda done: bar.update(task, completed=done)
            )
    except LabeledBaselineError as exc:
        fail(str(exc))


def clarify_data_format(fmt: DataFormat, options: dict[str, Any]) -> DataFormat:
    """The format reading a JSON Lines file as its Clarify bias config says, if it says so.

    A config of ``dataset_type`` ``application/jsonlines`` with ``features`` names each line's
    values by ``headers`` (``application/json``: each record's, its paths over the one JSON
    document): the data-quality profile takes those feature columns too.
    """
    if fmt.kind != "jsonl" or options.get("bias_config") is None:
        return fmt
    from stream.batch.labeled_baselines import (  # imported only by runs that need them
        LabeledBaselineError,
        LabeledBaselineRequest,
        clarify_format,
    )

    try:
        return clarify_format(fmt, LabeledBaselineRequest(**options))
    except LabeledBaselineError as exc:
        fail(str(exc))


def clarify_note(fmt: DataFormat) -> list[str]:
    """What the data-quality baseline of a Clarify-shaped JSON Lines file holds, and why."""
    if fmt.clarify is None:
        return []
    return [
        f"  note: data quality profiles the {len(fmt.clarify.features)} features at "
        f"{fmt.clarify.features_path!r}, named by the bias config's headers (the label left "
        "out); monitor the endpoint's requests against it with capture_index_names "
        "[endpointInput] (analyze: --capture-index-names endpointInput)"
    ]


@click.group()
def baseline() -> None:
    """Build baselines (SageMaker statistics.json / constraints.json)."""


@baseline.command()
@click.option(
    "--data",
    "data",
    required=True,
    type=InputPath(expected=DATA_FILE, path_type=Path),
    help="Training data: CSV (with a header line unless --no-header), JSON Lines, or Parquet: "
    "a file, or a folder of part files in one format read as one dataset (Spark's output; "
    "_SUCCESS and .crc files skipped; each CSV part with the same header).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for statistics.json and constraints.json.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Data format when the file suffix does not tell.",
)
@click.option(
    "--no-header",
    is_flag=True,
    help="The CSV has no header line: columns are _c0, _c1, … (SageMaker's header=False).",
)
@postprocessor_option
@labeled_baseline_options
def suggest(
    data: Path,
    out: Path,
    fmt: str | None,
    no_header: bool,
    postprocessor: Path | None,
    **labeled: Any,
) -> None:
    """Suggest a baseline from a data file, or a folder of its part files.

    With --problem-type, --bias-config or --shap it also writes the model-quality, bias and
    attribution baselines under OUT/model_quality/, OUT/bias/ and OUT/attribution/.
    """
    check_data_file(data)
    check_out_folder(out)
    check_labeled_options(labeled)
    post = load_postprocessor_option(postprocessor, out)
    try:
        data_format = clarify_data_format(detect_format(data, fmt, header=not no_header), labeled)
        with byte_progress(f"profiling {data.name}", data_size(data)) as bar:
            task = bar.task_ids[0]
            result, counts = suggest_data_quality(
                data, data_format, lambda done: bar.update(task, completed=done)
            )
    except DataFileError as exc:  # an OSError: the group's one line (no "[Errno 13]")
        fail(str(exc))
    if counts.rows == 0:
        fail(f"{data} has no data rows")
    extra_lines = suggest_labeled(data, data_format, out, labeled)
    save_data_quality_baseline(out, result)
    click.echo(
        f"baseline: {counts.rows} rows, {len(result.statistics.features)} features "
        f"-> {out}/statistics.json, {out}/constraints.json"
    )
    for line in clarify_note(data_format):
        click.echo(line)
    if counts.malformed:
        detail = ", ".join(f"{k}={v}" for k, v in sorted(counts.reasons.items()))
        click.echo(f"malformed lines: {counts.malformed} ({detail})")
    for line in extra_lines:
        click.echo(line)
    run_postprocessor_option(post, postprocessor)
