"""Profile a Parquet dataset column by column, as a JSON Lines file's typed columns are.

The batches of :class:`~stream.batch.parquet_files.ParquetColumns` go through a
:class:`~stream.batch.columnar_profile.ColumnarProfiler` with JSON typing
(:func:`~stream.batch.json_columns.json_column_chunk`), read a batch ahead on a thread: the
one columnar profile path of ``baseline suggest`` and ``analyze --data``. A part file that
lacks a column has it absent from its rows.
"""

from __future__ import annotations

from detectors.quality.dataset_profile import DatasetProfile
from stream.batch.columnar_profile import ColumnarProfiler
from stream.batch.data_files import DataFileError, ReadCounts
from stream.batch.json_columns import json_column_chunk
from stream.batch.parquet_files import ParquetColumns, ParquetFileError
from stream.batch.prefetch import prefetched
from stream.capture.arrow_columns import each_column


def profile_parquet(
    profile: DatasetProfile, reader: ParquetColumns, counts: ReadCounts
) -> DatasetProfile:
    """Add every row of ``reader``'s dataset to ``profile`` (columns not features are extra)."""
    profiler = ColumnarProfiler(profile, reader.names, classify=each_column(json_column_chunk))
    try:
        for batch in prefetched(reader.batches()):
            counts.rows += batch.n_rows
            profiler.add(batch.columns, batch.n_rows, batch.names)
        profiler.drain()
    except ParquetFileError as exc:
        raise DataFileError(str(exc)) from exc
    return profile
