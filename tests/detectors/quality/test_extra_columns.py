"""Extra columns in a DatasetProfile: profiled, bounded, mergeable, and read from old states."""

from __future__ import annotations

import random

import numpy as np
import orjson
import pytest

from detectors.quality.checks import EXTRA_COLUMN, evaluate
from detectors.quality.constraints import suggest_constraints
from detectors.quality.dataset_profile import DatasetProfile

FEATURES = ("x", "plan")


def _profile(max_extra_columns: int = 100) -> DatasetProfile:
    return DatasetProfile(features=FEATURES, kinds=("numeric", "string"),
                          max_extra_columns=max_extra_columns)  # fmt: skip


def _rows(seed: int, n: int, extra: str | None) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for _ in range(n):
        row: dict[str, object] = {"x": str(rng.gauss(0, 1)), "plan": rng.choice("ab")}
        if extra is not None and rng.random() < 0.7:
            row[extra] = f"{rng.uniform(0, 50):.3f}"
        rows.append(row)
    return rows


def _values(rows: list[dict[str, object]], name: str) -> np.ndarray:
    return np.array([float(str(r[name])) for r in rows if name in r])


def test_merging_a_partition_with_and_one_without_the_column_counts_exactly() -> None:
    seen, unseen = _rows(1, 300, "zip"), _rows(2, 200, None)
    for first, second in ((seen, unseen), (unseen, seen)):  # either side may hold it
        a, b = _profile(), _profile()
        a.update_many(first)
        b.update_many(second)
        a = DatasetProfile.from_state(orjson.loads(orjson.dumps(a.to_state())))
        a.merge(b)
        zip_stats = a.statistics().feature("zip")
        assert zip_stats is not None and zip_stats.numeric is not None
        values = _values(seen, "zip")
        assert (zip_stats.num_present, zip_stats.num_missing) == (len(values), 500 - len(values))
        assert zip_stats.num_absent == 500 - len(values)
        assert zip_stats.numeric.mean == pytest.approx(values.mean(), rel=1e-12)
        assert zip_stats.numeric.std_dev == pytest.approx(values.std(), rel=1e-9)
        assert dict(a.extra_columns) == {"zip": len(values)}


def test_row_columns_and_chunk_paths_agree_on_an_extra_column() -> None:
    rows = _rows(3, 50, None)
    by_rows, by_columns = _profile(), _profile()
    by_rows.update_many(rows)
    by_columns.update_columns({name: [r[name] for r in rows] for name in FEATURES}, 50)
    later = [{**r, "new": str(i)} for i, r in enumerate(_rows(4, 30, None))]
    by_rows.update_many(later)
    columns = {name: [r[name] for r in later] for name in (*FEATURES, "new")}
    by_columns.update_columns(columns, 30)
    for p in (by_rows, by_columns):
        new = p.statistics().feature("new")
        assert new is not None and new.numeric is not None
        assert (new.num_present, new.num_missing, new.num_absent) == (30, 50, 50)
        assert new.numeric.sum == sum(range(30))


def test_past_the_bound_columns_are_counted_not_profiled() -> None:
    p = _profile(max_extra_columns=2)
    p.update_many([{"x": "1", "plan": "a", "e1": "1", "e2": "2", "e3": "3"}])
    p.update_many([{"x": "1", "plan": "a", "e3": "3"}])
    stats = p.statistics()
    kept = set(stats.extra_columns)
    assert kept == {"e1", "e2"} and p.extra_overflow == 2  # e3's two rows
    assert [f.name for f in stats.features] == ["x", "plan", "e1", "e2"]
    assert p.statistics().feature("e2").num_missing == 1  # absent from the second row
    baseline = _profile()
    baseline.update_many(_rows(5, 100, None))
    base = baseline.statistics()
    extra_checks = [v.feature_name for v in evaluate(base, suggest_constraints(base), stats,
                                                     min_window_count=1).violations
                    if v.constraint_check_type == EXTRA_COLUMN]  # fmt: skip
    assert sorted(extra_checks) == sorted(kept)


def test_a_version_1_state_is_read_and_its_extra_columns_stay_unprofiled() -> None:
    old = _profile()
    old.update_many(_rows(6, 40, "zip"))
    state = old.to_state()
    # what a worker before extra-column profiles wrote: version 1, counts only
    v1 = {**state, "version": 1, "state": {k: v for k, v in state["state"].items()
                                           if k != "extra_profiles"}}  # fmt: skip
    restored = DatasetProfile.from_state(v1)
    assert dict(restored.extra_columns) == dict(old.extra_columns)
    assert restored.statistics().feature("zip") is None
    new = _profile()
    new.update_many(_rows(7, 40, "zip"))
    for a, b in ((restored, new), (new, restored)):
        merged = DatasetProfile.from_state(a.to_state())
        merged.merge(DatasetProfile.from_state(b.to_state()))
        stats = merged.statistics()
        assert stats.feature("zip") is None  # half of its values were never profiled
        assert stats.extra_columns == ("zip",)
        assert merged.extra_columns["zip"] == old.extra_columns["zip"] + new.extra_columns["zip"]
    assert DatasetProfile.from_state(v1).item_count == 40


def test_the_checks_count_each_extra_column_once() -> None:
    baseline = _profile()
    baseline.update_many(_rows(9, 200, None))
    base = baseline.statistics()
    live = _profile()
    live.update_many(_rows(10, 100, "zip"))
    result = evaluate(base, suggest_constraints(base), live.statistics())
    extra = [v for v in result.violations if v.constraint_check_type == EXTRA_COLUMN]
    assert [v.description for v in extra] == [
        "Extra column: zip. Baseline has 2 columns, current data has 3."
    ]
