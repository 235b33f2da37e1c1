"""statistics.json: a hand-written SageMaker-format fixture loads; the writer follows spec §4."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from detectors.quality.dataset_profile import DatasetProfile
from detectors.quality.statistics_json import statistics_from_json, statistics_to_json

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sagemaker"

# Spec §4.5, the 13-row dataset (age missing once), as it would reach a baseline job.
AGES = ["34", "51", "27", "45", "62", "38", "29", "", "41", "55", "33", "47", "39"]
PLANS = ["basic"] * 7 + ["premium"] * 4 + ["enterprise"] * 2


def _fixture() -> dict:
    return json.loads((FIXTURES / "statistics.json").read_text())


def test_fixture_loads_with_floats_everywhere_and_unknown_keys() -> None:
    stats = statistics_from_json(_fixture())
    assert stats.item_count == 41
    assert stats.names == ("score", "age", "plan")
    assert [f.inferred_type for f in stats.features] == ["Fractional", "Integral", "String"]
    age = stats.feature("age")
    assert age is not None and age.numeric is not None
    assert (age.num_present, age.num_missing) == (40, 1)
    assert age.completeness == 40 / 41
    assert (age.numeric.min, age.numeric.max, age.numeric.sum) == (20.0, 69.0, 1495.0)
    assert (age.numeric.sketch_c, age.numeric.sketch_k) == (0.64, 8.0)
    plan = stats.feature("plan")
    assert plan is not None and plan.string is not None
    assert plan.string.buckets == (("basic", 21), ("premium", 12), ("enterprise", 8))
    assert plan.string.distinct_count == 3.0


def test_fixture_kll_levels_weigh_powers_of_two() -> None:
    age = statistics_from_json(_fixture()).feature("age")
    assert age is not None and age.numeric is not None
    cdf = age.numeric.distribution
    assert cdf.total_weight == 40.0  # 16 * 1 + 0 * 2 + 6 * 4 (spec §4.4)
    assert float(cdf.rank(33.0)) == 18.0
    # The file's buckets were computed by hand from the levels with the exact min/max.
    file_counts = [b.count for b in age.numeric.buckets]
    assert cdf.bucket_counts(age.numeric.min, age.numeric.max) == file_counts
    assert [b.lower_bound for b in age.numeric.buckets][:3] == [20.0, 24.9, 29.8]


def test_fixture_evaluates_against_current_data() -> None:
    from detectors.quality.checks import evaluate
    from detectors.quality.constraints import constraints_from_json

    baseline = statistics_from_json(_fixture())
    constraints = constraints_from_json(json.loads((FIXTURES / "constraints.json").read_text()))
    ages = [26, 24, 34, 60, 27, 48, 51, 37, 46, 21, 21, 29, 53, 40, 34, 48] + [20, 22, 33, 40] * 6

    def window(age_shift: int) -> DatasetProfile:
        live = DatasetProfile(features=baseline.names, kinds=("numeric", "numeric", "string"))
        live.update_many(
            [
                {"score": str(0.1 + 0.02 * (i % 41)), "age": str(a + age_shift), "plan": p}
                for i, (a, p) in enumerate(
                    zip(
                        ages * 5,
                        (["basic"] * 4 + ["premium"] * 2 + ["enterprise"]) * 30,
                        strict=False,
                    )
                )
            ]
        )
        return live

    clean = evaluate(baseline, constraints, window(0).statistics())
    assert clean.violations == ()
    assert {d.check_type for d in clean.decisions} >= {
        "completeness_check",
        "data_type_check",
        "baseline_drift_check",
        "categorical_values_check",
    }
    drifted = evaluate(baseline, constraints, window(40).statistics())
    assert [(v.feature_name, v.constraint_check_type) for v in drifted.violations] == [
        ("age", "baseline_drift_check")
    ]


def test_writer_layout_follows_the_spec() -> None:
    profile = DatasetProfile(features=("age", "plan"))
    profile.update_many([{"age": a, "plan": p} for a, p in zip(AGES, PLANS, strict=True)])
    doc = orjson.loads(orjson.dumps(statistics_to_json(profile.statistics())))
    assert doc["version"] == 0.0 and isinstance(doc["version"], float)
    assert doc["dataset"] == {"item_count": 13}
    age, plan = doc["features"]
    assert set(age) == {"name", "inferred_type", "numerical_statistics"}
    assert age["inferred_type"] == "Integral"
    ns = age["numerical_statistics"]
    assert set(ns) == {"common", "mean", "sum", "std_dev", "min", "max", "distribution"}
    assert ns["common"] == {"num_present": 12, "num_missing": 1}
    assert (ns["mean"], ns["sum"], ns["min"], ns["max"]) == (41.75, 501.0, 27.0, 62.0)
    assert ns["std_dev"] == pytest.approx(10.199060414240781, rel=1e-12)
    kll = ns["distribution"]["kll"]
    assert set(kll) == {"buckets", "sketch"}
    assert len(kll["buckets"]) == 10
    assert all(set(b) == {"lower_bound", "upper_bound", "count"} for b in kll["buckets"])
    assert [b["count"] for b in kll["buckets"]] == [2, 1, 1, 2, 1, 2, 1, 0, 1, 1]
    assert kll["buckets"][0]["lower_bound"] == 27.0 and kll["buckets"][-1]["upper_bound"] == 62.0
    sketch = kll["sketch"]
    assert set(sketch["parameters"]) == {"c", "k"}
    assert sketch["parameters"]["c"] == 0.64 and isinstance(sketch["parameters"]["k"], float)
    assert sorted(sketch["data"][0]) == sorted(float(a) for a in AGES if a)
    assert plan["inferred_type"] == "String"
    ss = plan["string_statistics"]
    assert ss["common"] == {"num_present": 13, "num_missing": 0}
    assert ss["distinct_count"] == 3.0 and isinstance(ss["distinct_count"], float)
    assert ss["distribution"]["categorical"]["buckets"] == [
        {"value": "basic", "count": 7},
        {"value": "premium", "count": 4},
        {"value": "enterprise", "count": 2},
    ]


def test_written_statistics_read_back() -> None:
    profile = DatasetProfile(features=("age", "plan"))
    profile.update_many([{"age": a, "plan": p} for a, p in zip(AGES, PLANS, strict=True)])
    doc = statistics_to_json(profile.statistics())
    back = statistics_from_json(orjson.loads(orjson.dumps(doc)))
    assert statistics_to_json(back) == doc


def test_reader_tolerates_sparse_documents() -> None:
    doc = {
        "features": [
            {"name": "empty", "inferred_type": "Unknown"},
            {
                "name": "n",
                "inferred_type": "Integral",
                "numerical_statistics": {"common": {"num_present": 2, "num_missing": 1}},
            },
        ]
    }
    stats = statistics_from_json(doc)
    assert stats.item_count == 3  # no dataset block: the largest feature row count
    empty = stats.feature("empty")
    assert empty is not None and empty.numeric is None and empty.string is None
    assert stats.feature("n").numeric is None  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="features"):
        statistics_from_json({"version": 0.0})
    with pytest.raises(ValueError, match="name"):
        statistics_from_json({"features": [{"inferred_type": "String"}]})


def test_buckets_without_sketch_approximate_the_distribution() -> None:
    doc = _fixture()
    del doc["features"][1]["numerical_statistics"]["distribution"]["kll"]["sketch"]
    age = statistics_from_json(doc).feature("age")
    assert age is not None and age.numeric is not None
    assert age.numeric.distribution.total_weight == 40.0
