"""Profile a JSON Lines file: pyarrow's blocks column by column, any other block row by row.

The blocks come from :func:`~stream.batch.json_lines_blocks.json_lines_blocks`; pyarrow's
go through a :class:`~stream.batch.columnar_profile.ColumnarProfiler` with JSON typing
(:func:`~stream.batch.json_columns.json_column_chunk`), the row path's batches through
:meth:`DatasetProfile.update_columns`. ``baseline suggest`` makes each key a feature where
it first appears (``new_keys_are_features``); ``analyze --data`` profiles the baseline's
features, and a key that is none of them is an extra column.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from detectors.quality.dataset_profile import DatasetProfile
from stream.batch.columnar_profile import ColumnarProfiler
from stream.batch.data_files import ReadCounts
from stream.batch.json_columns import json_column_chunk
from stream.batch.json_lines_blocks import ArrowBlock, json_lines_blocks
from stream.batch.prefetch import prefetched
from stream.capture.arrow_columns import each_column


def profile_json_lines(
    profile: DatasetProfile,
    path: Path,
    counts: ReadCounts,
    progress: Callable[[int], None] | None = None,
    *,
    new_keys_are_features: bool,
) -> None:
    """Add every row of the JSON Lines file at ``path`` to ``profile``, in one pass."""
    profiler = ColumnarProfiler(profile, (), classify=each_column(json_column_chunk))
    for block in prefetched(json_lines_blocks(path, counts, progress)):
        if new_keys_are_features:
            for name in block.columns:
                if name not in profile.profiles:
                    profile.add_feature(name)
        if isinstance(block, ArrowBlock):
            profiler.add(list(block.columns.values()), block.n_rows, list(block.columns))
        else:
            profiler.drain()
            profile.update_columns(block.columns, block.n_rows)
    profiler.drain()
