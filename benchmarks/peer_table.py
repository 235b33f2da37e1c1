"""The peer table of issue 13, generated seeded: 1,000,000 x 20 training CSV and live capture.

16 numeric columns (normal, lognormal, gamma and two-normal mixtures, four of each; two of
them whole numbers) and 4 categorical columns with 5, 12, 25 and 50 Zipf-distributed values.
The training file is a CSV with a header (about 180 bytes a row); the live data is SageMaker
capture JSON Lines, one CSV row per record in ``endpointInput``, with a mean shift on a few
numeric columns and a reweighted category so that ``analyze`` has drift to report.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

N_NUMERIC = 16
CATEGORY_SIZES = (5, 12, 25, 50)
CHUNK_ROWS = 100_000
DRIFTED_COLUMNS = ("num_00", "num_05")


def feature_names() -> list[str]:
    return [f"num_{i:02d}" for i in range(N_NUMERIC)] + [
        f"cat_{i}" for i in range(len(CATEGORY_SIZES))
    ]


def _numeric(rng: np.random.Generator, i: int, n: int, drift: bool) -> np.ndarray:
    shift = 0.5 if drift and f"num_{i:02d}" in DRIFTED_COLUMNS else 0.0
    kind = i % 4
    if kind == 0:
        values = rng.normal(10.0 * i + shift * 10.0, 5.0 + i, n)
    elif kind == 1:
        values = rng.lognormal(1.0 + shift, 0.75, n)
    elif kind == 2:
        values = rng.gamma(2.0 + i / 4, 3.0, n) + shift
    else:
        pick = rng.random(n) < 0.3
        values = np.where(pick, rng.normal(-4.0, 1.0, n), rng.normal(6.0 + shift, 2.0, n))
    if i in (2, 6):  # whole numbers, as counts and ages are
        return np.rint(values)
    return np.round(values, 7)


def _categorical(rng: np.random.Generator, size: int, n: int, drift: bool) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1) ** 1.2
    if drift and size == CATEGORY_SIZES[0]:
        weights = weights[::-1]
    values = np.array([f"v{k:02d}" for k in range(size)])
    return values[rng.choice(size, n, p=weights / weights.sum())]


def table_chunk(rng: np.random.Generator, n: int, *, drift: bool = False) -> pa.Table:
    """``n`` rows of the peer table as an Arrow table (numbers as float64)."""
    columns: list[pa.Array] = [
        pa.array(_numeric(rng, i, n, drift)).cast(pa.int64())
        if i in (2, 6)
        else pa.array(_numeric(rng, i, n, drift))
        for i in range(N_NUMERIC)
    ]
    columns += [pa.array(_categorical(rng, size, n, drift)) for size in CATEGORY_SIZES]
    return pa.table(columns, names=feature_names())


def write_training_csv(path: Path, n_rows: int, seed: int = 13) -> None:
    """The training CSV with a header line."""
    rng = np.random.default_rng(seed)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    with path.open("wb") as handle:
        handle.write((",".join(feature_names()) + "\n").encode())
        for start in range(0, n_rows, CHUNK_ROWS):
            chunk = table_chunk(rng, min(CHUNK_ROWS, n_rows - start))
            pa_csv.write_csv(chunk, handle, write_options=options)


def write_wide_csv(path: Path, n_rows: int, n_columns: int, seed: int = 15) -> None:
    """A wide table with a header: ``n_columns`` normal columns written to four decimals."""
    rng = np.random.default_rng(seed)
    names = [f"f{i:03d}" for i in range(n_columns)]
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    with path.open("wb") as handle:
        handle.write((",".join(names) + "\n").encode())
        for start in range(0, n_rows, CHUNK_ROWS // 10):
            n = min(CHUNK_ROWS // 10, n_rows - start)
            values = np.round(rng.normal(0.0, 1.0, size=(n_columns, n)), 4)
            pa_csv.write_csv(pa.table(list(values), names=names), handle, write_options=options)


def write_training_parquet(path: Path, n_rows: int, seed: int = 13) -> None:
    """The rows of :func:`write_training_csv` as Parquet (snappy), a row group per chunk."""
    rng = np.random.default_rng(seed)
    first = table_chunk(rng, min(CHUNK_ROWS, n_rows))
    with pq.ParquetWriter(path, first.schema) as writer:
        writer.write_table(first)
        for start in range(CHUNK_ROWS, n_rows, CHUNK_ROWS):
            writer.write_table(table_chunk(rng, min(CHUNK_ROWS, n_rows - start)))


def write_training_jsonl(path: Path, n_rows: int, seed: int = 13) -> None:
    """The rows of :func:`write_training_csv` as JSON Lines (integers as ints, the rest floats)."""
    rng = np.random.default_rng(seed)
    with path.open("wb") as handle:
        for start in range(0, n_rows, CHUNK_ROWS):
            chunk = table_chunk(rng, min(CHUNK_ROWS, n_rows - start))
            handle.write(b"".join(orjson.dumps(row) + b"\n" for row in chunk.to_pylist()))


def capture_lines(n_rows: int, seed: int = 14, *, encoding: str = "CSV") -> Iterator[bytes]:
    """Capture records (one JSON line each) whose input is one drifted peer-table row.

    ``encoding`` ``"JSON"``: the row as a JSON array (``application/json``); ``"JSON_OBJECT"``:
    as a JSON object keyed by the feature names (captured as ``JSON``); ``"BASE64"``: the
    CSV line in base64 (what SageMaker captures when no content types are configured); else a
    CSV line.
    """
    rng = np.random.default_rng(seed)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    json = encoding in ("JSON", "JSON_OBJECT")
    content_type = "application/json" if json else "text/csv"
    for start in range(0, n_rows, CHUNK_ROWS):
        n = min(CHUNK_ROWS, n_rows - start)
        chunk = table_chunk(rng, n, drift=True)
        if encoding == "JSON_OBJECT":
            rows = [orjson.dumps(row).decode() for row in chunk.to_pylist()]
        elif encoding == "JSON":
            rows = [orjson.dumps(list(row.values())).decode() for row in chunk.to_pylist()]
        else:
            buffer = io.BytesIO()
            pa_csv.write_csv(chunk, buffer, write_options=options)
            rows = buffer.getvalue().decode().splitlines()
            if encoding == "BASE64":
                rows = [base64.b64encode(row.encode()).decode() for row in rows]
        for k, row in enumerate(rows, start=start):
            yield orjson.dumps(
                {
                    "captureData": {
                        "endpointInput": {
                            "observedContentType": content_type,
                            "mode": "INPUT",
                            "data": row,
                            "encoding": "JSON" if json else encoding,
                        }
                    },
                    "eventMetadata": {
                        "eventId": f"ev-{k}",
                        "inferenceId": f"inf-{k}",
                        "inferenceTime": f"2024-03-05T14:{(k // 1000) % 60:02d}:{k % 60:02d}Z",
                    },
                    "eventVersion": "0",
                }
            )


def write_capture_file(path: Path, n_rows: int, seed: int = 14, *, encoding: str = "CSV") -> None:
    """Live capture in SageMaker's layout: one JSON line per record (payloads as ``encoding``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for line in capture_lines(n_rows, seed, encoding=encoding):
            handle.write(line + b"\n")


def write_capture_files(folder: Path, n_rows: int, per_file: int, seed: int = 14) -> int:
    """The same records as :func:`write_capture_file`, ``per_file`` to a file, in hourly
    folders as SageMaker writes them (one file per instance and hour); returns the files.
    """
    lines = capture_lines(n_rows, seed)
    files = 0
    while chunk := list(islice(lines, per_file)):
        hour = folder / f"{files % 24:02d}"
        hour.mkdir(parents=True, exist_ok=True)
        (hour / f"part-{files:04d}.jsonl").write_bytes(b"\n".join(chunk) + b"\n")
        files += 1
    return files
