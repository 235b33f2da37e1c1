"""``driftline baseline suggest``'s data-quality part: profile a data file, suggest constraints.

A CSV file takes the columnar path (pyarrow batches parsed a batch ahead on a thread,
:mod:`stream.batch.columnar_profile`);
JSON Lines rows, whose values keep their JSON types, are read once (no key scan: a key
becomes a feature where it first appears) and go column by column through
:meth:`DatasetProfile.update_columns`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from detectors.quality.constraints import suggest_constraints
from detectors.quality.dataset_profile import DatasetProfile
from stream.batch.columnar_profile import ColumnarProfiler
from stream.batch.csv_reader import CsvFileError
from stream.batch.data_files import DataFileError, DataFormat, ReadCounts, jsonl_batches, open_csv
from stream.batch.prefetch import prefetched
from stream.monitors.data_quality import DataQualityBaseline


def suggest_data_quality(
    data: Path, fmt: DataFormat, progress: Callable[[int], None] | None = None
) -> tuple[DataQualityBaseline, ReadCounts]:
    """Profile a data file and suggest its data-quality baseline.

    ``progress`` is called with the byte position reached after each batch.
    """
    counts = ReadCounts()
    if fmt.kind == "csv":
        profile = _profile_csv(data, fmt, counts, progress)
    else:
        profile = _profile_jsonl(data, counts, progress)
    stats = profile.statistics()
    return DataQualityBaseline(stats, suggest_constraints(stats)), counts


def _profile_jsonl(
    data: Path, counts: ReadCounts, progress: Callable[[int], None] | None
) -> DatasetProfile:
    """One pass: each key becomes a feature where it first appears (no key scan first)."""
    profile = DatasetProfile(features=())
    for batch in jsonl_batches(data, counts, progress):
        for name in batch.columns:
            if name not in profile.profiles:
                profile.add_feature(name)
        profile.update_columns(batch.columns, batch.n_rows)
    return profile


def _profile_csv(
    data: Path, fmt: DataFormat, counts: ReadCounts, progress: Callable[[int], None] | None
) -> DatasetProfile:
    reader = open_csv(data, fmt, counts, progress)
    profile = DatasetProfile(features=reader.names)
    profiler = ColumnarProfiler(profile, reader.names)
    try:
        for batch in prefetched(reader.batches()):
            counts.rows += batch.n_rows
            profiler.add(batch.columns, batch.n_rows)
        profiler.drain()
    except CsvFileError as exc:
        raise DataFileError(str(exc)) from exc
    return profile
