"""DatasetProfile.update_many over rows of one shape (the same keys in the same order, as
JSON objects and named CSV rows come): each feature gets its own column, hand-counted here."""

from __future__ import annotations

import pytest

from detectors.quality.dataset_profile import DatasetProfile


@pytest.mark.parametrize("order", [("plan", "zip", "x"), ("x", "plan", "zip")])
def test_rows_of_one_shape_reach_each_feature_by_name(order: tuple[str, ...]) -> None:
    """Keys in another order than the features, a feature absent, an extra column."""
    values = [
        {"x": "1.5", "plan": "a", "zip": "10"},
        {"x": "", "plan": "b", "zip": "20"},
        {"x": "4", "plan": "a", "zip": "30"},
    ]
    rows = [{key: row[key] for key in order} for row in values]
    profile = DatasetProfile(features=("x", "plan", "age"), kinds=("numeric", "string", "numeric"))
    profile.update_many(rows)
    stats = profile.statistics()
    x, plan, age, zip_code = (stats.feature(name) for name in ("x", "plan", "age", "zip"))
    assert (x.num_present, x.num_missing, x.num_absent) == (2, 1, 0)
    assert (x.numeric.sum, x.numeric.min, x.numeric.max) == (5.5, 1.5, 4.0)
    assert dict(plan.string.buckets) == {"a": 2, "b": 1}
    assert (age.num_present, age.num_missing, age.num_absent) == (0, 3, 3)
    assert (zip_code.num_present, zip_code.numeric.sum) == (3, 60.0)
    assert stats.extra_columns == ("zip",)
