"""A column the baseline lacks is profiled by the worker and merged over partitions.

SageMaker's analyzer profiles every column of the data it analyses, so the window's
``statistics.json`` describes an extra column as well (AWS's ``show_violation_df`` looks each
violation's feature up in the latest statistics). Here partition 0 captures CSV rows with one
value past the baseline's six (Spark names it ``_c6``) and partition 1 rows without it; the
aggregator's merged window must count the column in exactly partition 0's rows and hold the
moments numpy gives over its values.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np
import orjson
import pytest

from stream.config import MonitorConfig
from stream.demo.synthetic import SyntheticSchema, capture_record
from stream.worker.aggregator import Aggregator
from stream.worker.capture_path import CapturePath
from stream.worker.event_clock import PartitionActivity
from stream.worker.outputs import statistics_message, violation_messages
from stream.worker.windows import WindowPartial

T0 = datetime(2024, 3, 5, 14, 0, 0, tzinfo=UTC).timestamp()  # a window boundary for 10 s
SCHEMA = SyntheticSchema.demo()
BASELINE = SCHEMA.baseline(n=3000)
EXTRA = f"_c{len(SCHEMA.features)}"  # the first position past the baseline's columns


def _config() -> MonitorConfig:
    return MonitorConfig(name="m", window_seconds=10.0, allowed_lateness_seconds=2.0,
                         idle_close_seconds=30.0, capture_index_names=("endpointInput",),
                         min_window_count=30)  # fmt: skip


def _message(records: list[dict]) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in records)


def _partition_records(seed: int, n: int, extra: list[str] | None) -> list[dict]:
    """``n`` records inside the window at T0, then one at T0 + 30 that closes it."""
    rows = SCHEMA.rows(random.Random(seed), n + 1)
    if extra is not None:
        rows = [[*row, value] for row, value in zip(rows, [*extra, "0"], strict=True)]
    times = [T0 + 9.0 * i / n for i in range(n)] + [T0 + 30.0]
    return [
        capture_record(f"p{seed}-{k}", t, row)
        for k, (t, row) in enumerate(zip(times, rows, strict=True))
    ]


def _merged_window(fake_clock, with_extra: int, without_extra: int, extra: list[str]):
    path = CapturePath(_config(), BASELINE, activity=PartitionActivity(), now=fake_clock)
    path.update(0, 0, _message(_partition_records(1, with_extra, extra)))
    path.update(1, 0, _message(_partition_records(2, without_extra, None)))
    partials = [p for p in path.close_due(fake_clock().timestamp()) if p.window_start == T0]
    assert sorted(p.partition for p in partials) == [0, 1]
    activity = PartitionActivity()
    activity.on_caught_up(0, now=0.0)
    aggregator = Aggregator(_config(), BASELINE, partitions=2, partials_partition=0,
                            activity=activity, now=fake_clock)  # fmt: skip
    results = []
    for offset, partial in enumerate(partials, start=1):  # over the wire, as the topic has it
        results += aggregator.update(0, offset, WindowPartial.from_bytes(partial.to_bytes()))
    assert [r.window_start for r in results] == [T0]
    return results[0]


def test_an_extra_column_seen_in_one_partition_merges_into_exact_counts(fake_clock) -> None:
    with_extra, without_extra = 120, 80
    rng = random.Random(5)
    extra = [f"{rng.gauss(3.0, 2.0):.4f}" for _ in range(with_extra)]
    result = _merged_window(fake_clock, with_extra, without_extra, extra)
    doc = statistics_message(result)
    assert doc["dataset"]["item_count"] == with_extra + without_extra
    names = [f["name"] for f in doc["features"]]
    assert names == [*SCHEMA.features, EXTRA]  # after the baseline's columns
    entry = doc["features"][-1]
    assert entry["inferred_type"] == "Fractional"
    block = entry["numerical_statistics"]
    assert block["common"] == {"num_present": with_extra, "num_missing": without_extra}
    values = np.array([float(v) for v in extra])
    assert block["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert block["sum"] == pytest.approx(values.sum(), rel=1e-12)
    assert block["std_dev"] == pytest.approx(values.std(), rel=1e-9)  # population, as SageMaker
    assert (block["min"], block["max"]) == (values.min(), values.max())
    # the violation is as before, and its feature is now in the statistics (show_violation_df)
    violations = [v for v in violation_messages(result) if v["feature_name"] == EXTRA]
    assert [v["constraint_check_type"] for v in violations] == ["extra_column_check"]
    assert {v["feature_name"] for v in violation_messages(result)} <= set(names)
