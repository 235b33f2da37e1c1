"""``driftline baseline suggest``'s data-quality part: profile a data file, suggest constraints.

Every format takes the columnar path (:mod:`stream.batch.columnar_profile`), parsed a batch
ahead on a thread: a CSV file as pyarrow's text columns, a JSON Lines file as pyarrow's
JSON-typed columns (:mod:`stream.batch.json_lines_profile`), read once, with no key scan (a
key becomes a feature where it first appears), a Parquet dataset as its typed columns
(:mod:`stream.batch.parquet_profile`), every column of its parts' schemas a feature. A JSON
block that pyarrow would read otherwise than orjson goes the row path,
:meth:`DatasetProfile.update_columns`. A Clarify-shaped JSON Lines file (``{"features":
[...], "label": 1}`` lines, or one ``application/json`` document of such records, read as
its bias config says: :mod:`stream.batch.clarify_json_lines`) profiles its feature columns
alone, named by the config's headers, as its endpoint's data-quality monitor names a
request's values.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from detectors.quality.constraints import suggest_constraints
from detectors.quality.dataset_profile import DatasetProfile
from stream.batch.clarify_json_lines import profile_features
from stream.batch.columnar_profile import ColumnarProfiler
from stream.batch.csv_reader import CsvFileError
from stream.batch.data_files import DataFileError, DataFormat, ReadCounts, open_csv, open_parquet
from stream.batch.json_lines_profile import profile_json_lines
from stream.batch.parquet_profile import profile_parquet
from stream.batch.prefetch import prefetched
from stream.monitors.data_quality import DataQualityBaseline


def suggest_data_quality(
    data: Path, fmt: DataFormat, progress: Callable[[int], None] | None = None
) -> tuple[DataQualityBaseline, ReadCounts]:
    """Profile a data file and suggest its data-quality baseline.

    ``progress`` is called with the byte position reached after each batch.
    """
    counts = ReadCounts()
    if fmt.clarify is not None:
        layout = fmt.clarify
        profile = profile_features(DatasetProfile(features=layout.features), data, layout,
                                   counts, progress)  # fmt: skip
    elif fmt.kind == "csv":
        profile = _profile_csv(data, fmt, counts, progress)
    elif fmt.kind == "parquet":
        reader = open_parquet(data, progress)
        profile = profile_parquet(DatasetProfile(features=reader.names), reader, counts)
    else:
        profile = _profile_jsonl(data, counts, progress)
    stats = profile.statistics()
    return DataQualityBaseline(stats, suggest_constraints(stats)), counts


def _profile_jsonl(
    data: Path, counts: ReadCounts, progress: Callable[[int], None] | None
) -> DatasetProfile:
    """One pass: each key becomes a feature where it first appears (no key scan first)."""
    profile = DatasetProfile(features=())
    profile_json_lines(profile, data, counts, progress, new_keys_are_features=True)
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
