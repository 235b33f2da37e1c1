"""``driftline analyze --data``: a CSV, JSON Lines or Parquet dataset checked against a baseline.

The same profile and checks as a capture run, over a data file (or a folder of part files,
read as one: its files are the parts) read as ``baseline suggest`` reads it
(:mod:`stream.batch.data_files`, :mod:`stream.batch.json_lines_profile`). A CSV with a
header names its columns; without one (``header=False``) columns are named positionally
from the baseline's features, as SageMaker names captured CSV, and values beyond them
become ``_c<i>`` extra columns.
Rows the reader had to fix (too many fields, an unreadable row) are counted by reason.
A JSON Lines file whose baseline was suggested from a Clarify-shaped dataset (its pinned bias
config gives ``features``: :func:`~stream.batch.clarify_json_lines.baseline_layout`) is read
as ``baseline suggest`` read that dataset: each line's features at that path, named by the
config's headers (:func:`~stream.batch.clarify_json_lines.profile_features`); a line without
them is counted by reason. A config of ``dataset_type`` ``application/json`` reads the file
as one JSON document, its paths over the whole of it
(:mod:`stream.batch.clarify_json_document`).

Examples
--------
>>> baseline_names(("age", "plan"), ("_c0", "_c1", "_c2"))
('age', 'plan', '_c2')
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from detectors.quality.checks import EvaluationResult
from detectors.violations import FAILED
from stream.batch.capture_analysis import AnalysisResult, CaptureCounts
from stream.batch.clarify_json_lines import profile_features
from stream.batch.columnar_profile import ColumnarProfiler
from stream.batch.csv_reader import CsvFileError
from stream.batch.data_files import (
    DataFileError,
    DataFormat,
    ReadCounts,
    data_parts,
    open_csv,
    open_parquet,
)
from stream.batch.json_lines_profile import profile_json_lines
from stream.batch.parquet_profile import profile_parquet
from stream.batch.prefetch import prefetched
from stream.monitors.data_quality import DataQualityBaseline


def baseline_names(features: Sequence[str], file_names: Sequence[str]) -> tuple[str, ...]:
    """Positional names for a header-less file: the baseline's features, then ``_c<i>``."""
    return tuple(features[i] if i < len(features) else name for i, name in enumerate(file_names))


def analyze_dataset(
    data: Path,
    fmt: DataFormat,
    baseline: DataQualityBaseline,
    *,
    min_window_count: int = 30,
    progress: Callable[[int], None] | None = None,
) -> AnalysisResult:
    """Profile ``data`` with the baseline's features and kinds, and evaluate it."""
    read = ReadCounts()
    monitor = baseline.monitor("analyze", min_window_count=min_window_count)
    profile = monitor.profile
    if fmt.clarify is not None:
        profile_features(profile, data, fmt.clarify, read, progress)
    elif fmt.kind == "csv":
        reader = open_csv(data, fmt, read, progress)
        names = reader.names if fmt.header else baseline_names(baseline.features, reader.names)
        profiler = ColumnarProfiler(profile, names)
        try:
            for batch in prefetched(reader.batches()):
                read.rows += batch.n_rows
                profiler.add(batch.columns, batch.n_rows)
            profiler.drain()
        except CsvFileError as exc:
            raise DataFileError(str(exc)) from exc
    elif fmt.kind == "parquet":
        profile_parquet(profile, open_parquet(data, progress), read)
    else:
        profile_json_lines(profile, data, read, progress, new_keys_are_features=False)
    counts = CaptureCounts(files=len(data_parts(data, fmt.kind)), records=read.rows, rows=read.rows)
    counts.errors.update(Counter(read.reasons))
    outcome = monitor.outcome()
    if read.rows == 0:  # nothing to judge: Failed, saying why (as a capture run does)
        bad = f" ({read.malformed} malformed lines)" if read.malformed else ""
        failure = f"no data rows in {data.name}{bad}"
        empty = EvaluationResult((), ())
        return AnalysisResult(outcome.statistics, empty, counts, FAILED, failure)
    return AnalysisResult(outcome.statistics, outcome.evaluation, counts, outcome.status)
