"""``driftline baseline suggest``'s data-quality part: profile a data file, suggest constraints."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from detectors.quality.constraints import suggest_constraints
from detectors.quality.dataset_profile import DatasetProfile
from stream.batch.data_files import ReadCounts, read_columns
from stream.monitors.data_quality import DataQualityBaseline


def suggest_data_quality(
    data: Path, fmt: str, progress: Callable[[int], None] | None = None
) -> tuple[DataQualityBaseline, ReadCounts]:
    """Profile a data file and suggest its data-quality baseline.

    ``progress`` is called with the byte position reached after each batch.
    """
    counts = ReadCounts()
    names, batches = read_columns(data, fmt, counts, progress)
    profile = DatasetProfile(features=names)
    for batch in batches:
        profile.update_columns(batch.columns, batch.n_rows)
    stats = profile.statistics()
    return DataQualityBaseline(stats, suggest_constraints(stats)), counts
