"""Parquet datasets as flat column batches: types, bounded batches, progress, folders."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from stream.batch.data_files import data_size
from stream.batch.json_columns import json_column_chunk
from stream.batch.parquet_files import (
    BATCH_ROWS,
    BATCH_VALUES,
    ParquetColumns,
    ParquetFileError,
    flat_column,
    unsupported_type,
)


@pytest.mark.parametrize(
    ("values", "integral", "fractional", "texts"),
    [
        (pa.array([1, None, 255], pa.uint8()), 2, 0, None),
        (pa.array([2**64 - 1], pa.uint64()), 1, 0, None),
        (pa.array([-(2**63)], pa.int64()), 1, 0, None),
        (pa.array([1.5, None], pa.float16()), 0, 1, None),
        (pa.array(["7", "x"], pa.string_view()), 1, 0, None),
        (pa.array(["7", "x"], pa.large_string()), 1, 0, None),
        (pa.array([date(2024, 3, 5)]), 0, 0, ["2024-03-05"]),
        (pa.array([time(14, 7)], pa.time64("us")), 0, 0, ["14:07:00.000000"]),
    ],
)
def test_flat_columns_are_typed_as_deequ_types_the_schema(
    values: pa.Array, integral: int, fractional: int, texts: list[str] | None
) -> None:
    """Integers of any width Integral, floats Fractional, text by its values, dates text."""
    assert unsupported_type(values.type) is None
    chunk = json_column_chunk(flat_column(values), "all")
    assert (chunk.types.integral, chunk.types.fractional) == (integral, fractional)
    if texts is not None:
        assert chunk.text_counts[0] == texts


@pytest.mark.parametrize(
    "kind",
    [
        pa.list_(pa.int64()),
        pa.struct([("a", pa.int64())]),
        pa.map_(pa.string(), pa.int64()),
        pa.binary(),
        pa.duration("s"),
        pa.dictionary(pa.int32(), pa.binary()),
    ],
)
def test_columns_without_a_flat_value_are_refused(kind: pa.DataType) -> None:
    assert unsupported_type(kind) is not None


def test_batches_are_bounded_by_rows_and_values_and_progress_ends_at_the_size(
    tmp_path: Path,
) -> None:
    wide = pa.table({f"c{i}": pa.array(range(20_000), pa.int32()) for i in range(100)})
    pq.write_table(wide, tmp_path / "wide.parquet", row_group_size=20_000)
    narrow = pa.table({"a": pa.array(range(150_000), pa.int32())})
    pq.write_table(narrow, tmp_path / "narrow.parquet")
    for name, width, rows in (("wide", 100, 20_000), ("narrow", 1, 150_000)):
        seen: list[int] = []
        reader = ParquetColumns(tmp_path / f"{name}.parquet", seen.append)
        sizes = [batch.n_rows for batch in reader.batches()]
        assert sum(sizes) == rows
        assert max(sizes) <= min(BATCH_ROWS, BATCH_VALUES // width)
        size = (tmp_path / f"{name}.parquet").stat().st_size
        assert seen[-1] == size and seen == sorted(seen)


def test_a_part_truncated_after_its_footer_was_read_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "part-0.parquet"
    pq.write_table(pa.table({"a": list(range(1000))}), path)
    reader = ParquetColumns(path)  # footer read: fine
    whole = path.read_bytes()
    path.write_bytes(whole[:100] + b"\x00" * (len(whole) - 108) + whole[-8:])
    with pytest.raises(ParquetFileError, match="part-0.parquet"):
        list(reader.batches())


_PEAK_OF_A_READ = """
import sys
from pathlib import Path
import pyarrow as pa
from stream.batch.parquet_files import ParquetColumns
for batch in ParquetColumns(Path(sys.argv[1])).batches():
    pass
print(pa.default_memory_pool().max_memory())
"""


def test_reading_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """pyarrow's pre-buffering read far ahead: 184 MiB for 1 M rows, 459 MiB for 3 M."""
    peaks = []
    for groups in (2, 8):
        table = pa.table(
            {f"c{i}": pa.array(range(50_000 * groups), pa.float64()) for i in range(8)}
        )
        path = tmp_path / f"g{groups}.parquet"
        pq.write_table(table, path, row_group_size=50_000)  # 3.2 MB a row group
        done = subprocess.run(
            [sys.executable, "-c", _PEAK_OF_A_READ, str(path)],
            capture_output=True,
            check=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])},
        )
        peaks.append(int(done.stdout.split()[-1]))
    assert peaks[1] < 1.5 * peaks[0], peaks


def test_a_folder_s_progress_counts_its_part_files_only(tmp_path: Path) -> None:
    """Spark's _SUCCESS and .crc files are no data: the bar ends where the last part does."""
    for i in range(2):
        pq.write_table(pa.table({"a": list(range(1000 * (i + 1)))}), tmp_path / f"part-{i}.parquet")
    (tmp_path / "_SUCCESS").write_bytes(b"x" * 5000)
    (tmp_path / ".part-0.parquet.crc").write_bytes(b"x" * 5000)
    seen: list[int] = []
    reader = ParquetColumns(tmp_path, seen.append)
    assert sum(batch.n_rows for batch in reader.batches()) == 3000
    parts = sum(p.stat().st_size for p in tmp_path.glob("part-*.parquet"))
    assert seen[-1] == data_size(tmp_path) == parts
