"""Synthetic data for benchmarks: a 20-feature training CSV and matching capture files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson

N_NUMERIC = 16
N_CATEGORICAL = 4
CATEGORIES = np.array(["basic", "premium", "enterprise", "trial", "family"])


def feature_names() -> list[str]:
    return [f"num_{i:02d}" for i in range(N_NUMERIC)] + [f"cat_{i}" for i in range(N_CATEGORICAL)]


def _columns(rng: np.random.Generator, n: int, shift: float = 0.0) -> list[np.ndarray]:
    cols: list[np.ndarray] = []
    for i in range(N_NUMERIC):
        if i % 2:
            cols.append(np.char.mod("%.4f", rng.normal(shift, 1.0, n)))
        else:
            cols.append(rng.integers(0, 100, n).astype(str))
    for _ in range(N_CATEGORICAL):
        cols.append(CATEGORIES[rng.integers(0, len(CATEGORIES), n)])
    return cols


def write_training_csv(path: Path, n_rows: int, seed: int = 1, chunk: int = 100_000) -> None:
    rng = np.random.default_rng(seed)
    with path.open("w") as f:
        f.write(",".join(feature_names()) + "\n")
        for start in range(0, n_rows, chunk):
            cols = _columns(rng, min(chunk, n_rows - start))
            lines = [",".join(row) for row in zip(*cols, strict=True)]
            f.write("\n".join(lines) + "\n")


def capture_lines(
    n_rows: int, seed: int = 2, shift: float = 0.0, start: int = 0, chunk: int = 100_000
):
    """Yield capture records (bytes, one per line) whose input is a 20-feature CSV row."""
    rng = np.random.default_rng(seed)
    for base in range(start, start + n_rows, chunk):
        n = min(chunk, start + n_rows - base)
        cols = _columns(rng, n, shift)
        for i, row in enumerate(zip(*cols, strict=True)):
            k = base + i
            yield orjson.dumps(
                {
                    "captureData": {
                        "endpointInput": {
                            "observedContentType": "text/csv",
                            "mode": "INPUT",
                            "data": ",".join(row),
                            "encoding": "CSV",
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


def write_capture_file(path: Path, n_rows: int, seed: int = 2, shift: float = 0.0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        for line in capture_lines(n_rows, seed, shift):
            f.write(line + b"\n")
