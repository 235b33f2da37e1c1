"""``analyze --data`` on JSON Lines against the row path: same statistics, same verdicts.

The reference profiles the baseline's features from :func:`jsonl_batches` (orjson, line by
line) with :meth:`DatasetProfile.update_columns`, as ``analyze --data`` did before it read
pyarrow's blocks; each value keeps its own JSON type, which the data type check counts.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

from detectors.quality.constraints import suggest_constraints
from detectors.quality.dataset_profile import DatasetProfile
from stream.batch import json_lines_blocks as blocks
from stream.batch.data_files import DataFormat, ReadCounts
from stream.batch.dataset_analysis import analyze_dataset
from stream.batch.json_lines_rows import jsonl_batches
from stream.monitors.data_quality import DataQualityBaseline


def _training(n: int) -> DataQualityBaseline:
    profile = DatasetProfile(features=("count", "price", "plan"))
    rng = random.Random(1)
    profile.update_columns(
        {
            "count": [rng.randint(0, 9) for _ in range(n)],
            "price": [rng.randint(1, 9) + 0.5 for _ in range(n)],
            "plan": [rng.choice(["basic", "gold"]) for _ in range(n)],
        },
        n,
    )
    stats = profile.statistics()
    return DataQualityBaseline(stats, suggest_constraints(stats))


def _live_lines(rng: random.Random, n: int) -> bytes:
    lines = []
    for _ in range(n):
        row: dict[str, object] = {"plan": rng.choice(["basic", "gold", "platinum"])}
        if rng.random() < 0.9:  # an integer column that sometimes reads 2.5 or 3.0
            row["count"] = rng.choice([rng.randint(0, 9)] * 8 + [2.5, 3.0])
        if rng.random() < 0.9:
            row["price"] = rng.choice([rng.randint(1, 9) + 0.5, rng.randint(1, 9)])
        if rng.random() < 0.05:
            row["extra"] = "x"
        lines.append(orjson.dumps(row) + b"\n")
        if rng.random() < 0.01:
            lines.append(b"{not json\n")
    return b"".join(lines)


def _row_path(path: Path, baseline: DataQualityBaseline) -> tuple[object, object, dict]:
    monitor = baseline.monitor("analyze", min_window_count=30)
    counts = ReadCounts()
    for batch in jsonl_batches(path, counts):
        monitor.profile.update_columns(batch.columns, batch.n_rows)
    outcome = monitor.outcome()
    return outcome.statistics, outcome.evaluation, counts.reasons


@pytest.mark.parametrize("block_bytes", [300, 4096, 4 << 20])
@pytest.mark.parametrize("seed", range(4))
def test_json_lines_analysis_equals_the_row_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int, seed: int
) -> None:
    monkeypatch.setattr(blocks, "BLOCK_BYTES", block_bytes)
    baseline = _training(300)
    path = tmp_path / "live.jsonl"
    path.write_bytes(_live_lines(random.Random(seed), 350))
    result = analyze_dataset(path, DataFormat("jsonl"), baseline)
    statistics, evaluation, reasons = _row_path(path, baseline)
    got = {f.name: f for f in result.statistics.features}
    for want in statistics.features:  # type: ignore[attr-defined]
        have = got[want.name]
        assert (have.num_present, have.num_missing, have.type_counts) == (
            want.num_present,
            want.num_missing,
            want.type_counts,
        ), want.name
    assert result.statistics.extra_columns == statistics.extra_columns  # type: ignore[attr-defined]
    violations = {(v.feature_name, v.constraint_check_type) for v in result.evaluation.violations}
    expected = {(v.feature_name, v.constraint_check_type) for v in evaluation.violations}  # type: ignore[attr-defined]
    assert violations == expected
    assert ("count", "data_type_check") in violations  # the type check saw the 2.5s
    assert dict(result.counts.errors) == reasons
