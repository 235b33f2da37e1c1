"""``driftline baseline suggest``: baseline statistics and constraints from a data file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from detectors.quality.constraints import suggest_constraints
from detectors.quality.dataset_profile import DatasetProfile
from stream.baselines import DataQualityBaseline, save_data_quality_baseline
from stream.commands.common import byte_progress, fail
from stream.datafiles import FORMATS, DataFileError, ReadCounts, detect_format, read_columns
from stream.labeled_baselines import labeled_baseline_options, suggest_labeled


def suggest_data_quality(
    data: Path, fmt: str | None, *, show_progress: bool = True
) -> tuple[DataQualityBaseline, ReadCounts]:
    """Profile a data file and suggest its data-quality baseline."""
    fmt = detect_format(data, fmt)
    counts = ReadCounts()
    with byte_progress(f"profiling {data.name}", data.stat().st_size) as progress:
        task = progress.task_ids[0]

        def advance(position: int) -> None:
            if show_progress:
                progress.update(task, completed=position)

        names, batches = read_columns(data, fmt, counts, advance)
        profile = DatasetProfile(features=names)
        for batch in batches:
            profile.update_columns(batch.columns, batch.n_rows)
    stats = profile.statistics()
    return DataQualityBaseline(stats, suggest_constraints(stats)), counts


@click.group()
def baseline() -> None:
    """Build baselines (SageMaker statistics.json / constraints.json)."""


@baseline.command()
@click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(path_type=Path),
    help="Training data: CSV with a header line, or JSON Lines.",
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
@labeled_baseline_options
def suggest(data: Path, out: Path, fmt: str | None, **labeled: Any) -> None:
    """Suggest a baseline from a data file.

    With --problem-type, --bias-config or --shap it also writes the model-quality, bias and
    attribution baselines under OUT/model_quality/, OUT/bias/ and OUT/attribution/.
    """
    try:
        result, counts = suggest_data_quality(data, fmt)
    except (DataFileError, OSError) as exc:
        fail(str(exc))
    if counts.rows == 0:
        fail(f"{data} has no data rows")
    extra_lines = suggest_labeled(data, detect_format(data, fmt), out, labeled)
    save_data_quality_baseline(out, result)
    click.echo(
        f"baseline: {counts.rows} rows, {len(result.statistics.features)} features "
        f"-> {out}/statistics.json, {out}/constraints.json"
    )
    if counts.malformed:
        detail = ", ".join(f"{k}={v}" for k, v in sorted(counts.reasons.items()))
        click.echo(f"malformed lines: {counts.malformed} ({detail})")
    for line in extra_lines:
        click.echo(line)


def register(group: click.Group) -> None:
    """Add ``baseline`` to the CLI."""
    group.add_command(baseline)
