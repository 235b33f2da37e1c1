"""constraints.json: container defaults, override locations, parsing and suggestion rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detectors.quality.constraints import (
    Constraints,
    FeatureConstraints,
    MonitoringConfig,
    constraints_from_json,
    constraints_to_json,
    monitoring_config_from_json,
    suggest_constraints,
)
from detectors.quality.dataset_profile import DatasetProfile

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sagemaker"

# Spec §5.2, the container's column.
CONTAINER_DEFAULTS = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 1.0,
    "domain_content_threshold": 1.0,
    "distribution_constraints": {
        "perform_comparison": "Enabled",
        "comparison_threshold": 0.1,
        "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity",
    },
}


def _doc(features: list[dict], monitoring_config: dict | None = None) -> dict:
    doc: dict = {"version": 0.0, "features": features}
    if monitoring_config is not None:
        doc["monitoring_config"] = monitoring_config
    return doc


@pytest.mark.parametrize("mc", [None, {}, {"distribution_constraints": {}}])
def test_missing_keys_take_container_defaults(mc: dict | None) -> None:
    c = constraints_from_json(_doc([{"name": "a", "inferred_type": "Integral"}], mc))
    assert constraints_to_json(c)["monitoring_config"] == CONTAINER_DEFAULTS


def test_fixture_round_trips() -> None:
    doc = json.loads((FIXTURES / "constraints.json").read_text())
    c = constraints_from_json(doc)
    assert constraints_to_json(c) == {
        **doc,
        "features": [{k: v for k, v in f.items() if v != {}} for f in doc["features"]],
    }


def test_sdk_shaped_fixture_overrides_and_typo_key() -> None:
    c = constraints_from_json(json.loads((FIXTURES / "constraints_sdk_overrides.json").read_text()))
    mc = c.monitoring_config
    assert mc.datatype_check_threshold == 0.5
    assert mc.domain_content_threshold == 1.0  # default
    assert mc.distribution.comparison_method == "Simple"  # read from "comparion_method"
    assert mc.distribution.categorical_drift_method == "ChiSquared"
    assert c.config_for("score").distribution.comparison_threshold == 0.5  # snake_case, top
    assert c.config_for("plan").evaluate_constraints is False  # under string_constraints
    assert c.config_for("age") == mc
    assert c.feature("age").completeness is None  # type: ignore[union-attr]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_sdks_first_sample_key_enable_comparisons_switches_drift(enabled: bool) -> None:
    """The SDK's 2019 sample constraints.json says ``enable_comparisons``, not
    ``perform_comparison``; ``false`` must switch the drift comparison off."""
    doc = {
        "features": [{"name": "m", "inferred_type": "String", "completeness": 1.0}],
        "monitoring_config": {
            "distribution_constraints": {"enable_comparisons": enabled, "min_domain_mass": 1.0}
        },
    }
    assert constraints_from_json(doc).monitoring_config.distribution.perform_comparison is enabled


@pytest.mark.parametrize(
    "feature",
    [
        {"monitoringConfigOverrides": {"comparison_threshold": 0.4}},
        {"monitoring_config_overrides": {"comparison_threshold": 0.4}},
        {"string_constraints": {"monitoring_config_overrides": {"comparison_threshold": 0.4}}},
        {"monitoringConfigOverrides": {"distribution_constraints": {"comparison_threshold": 0.4}}},
    ],
)
def test_the_three_override_locations(feature: dict) -> None:
    c = constraints_from_json(_doc([{"name": "f", "inferred_type": "String", **feature}]))
    assert c.config_for("f").distribution.comparison_threshold == 0.4
    assert c.config_for("other") == MonitoringConfig()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Enabled", True), ("Disabled", False), ("enabled", True), ("DISABLED", False), (True, True)],
)
def test_enabled_disabled_parsing(text: object, expected: bool) -> None:
    mc = monitoring_config_from_json({"evaluate_constraints": text, "emit_metrics": text})
    assert mc.evaluate_constraints is expected and mc.emit_metrics is expected


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="Enabled"):
        monitoring_config_from_json({"evaluate_constraints": "maybe"})
    with pytest.raises(ValueError, match="comparison_method"):
        monitoring_config_from_json({"distribution_constraints": {"comparison_method": "Exact"}})
    with pytest.raises(ValueError, match="categorical_drift_method"):
        monitoring_config_from_json(
            {"distribution_constraints": {"categorical_drift_method": "Hellinger"}}
        )
    with pytest.raises(ValueError, match="features"):
        constraints_from_json({"version": 0.0})


def test_doc_method_names_are_accepted() -> None:
    mc = monitoring_config_from_json(
        {"distribution_constraints": {"comparison_method": "linf_simple"}}
    )
    assert mc.distribution.comparison_method == "Simple"


def _suggest(columns: dict[str, list]) -> Constraints:
    n = len(next(iter(columns.values())))
    profile = DatasetProfile(features=tuple(columns))
    profile.update_columns(columns, n)
    return suggest_constraints(profile.statistics())


def test_suggestion_rules() -> None:
    n = 200
    plans = ["basic"] * 110 + ["premium"] * 60 + ["enterprise"] * 30
    c = _suggest(
        {
            "age": [str(20 + i % 50) if i % 10 else "" for i in range(n)],  # 10 % missing
            "delta": [str(i - 5) for i in range(n)],
            "ratio": [f"{i / 7:.3f}" for i in range(n)],
            "plan": plans,
            "many": [f"id{i % 150}" for i in range(n)],  # 150 distinct > 120
            "lonely": ["a"] * 100 + ["b"] * 80 + [f"s{i}" for i in range(20)],  # 20/22 singletons
        }
    )
    age, delta, ratio, plan, many, lonely = c.features
    assert (age.inferred_type, age.completeness, age.is_non_negative) == ("Integral", 0.9, True)
    assert (delta.inferred_type, delta.is_non_negative) == ("Integral", False)
    assert (ratio.inferred_type, ratio.completeness) == ("Fractional", 1.0)
    assert age.domains is None and ratio.domains is None
    assert plan.inferred_type == "String" and plan.is_non_negative is None
    assert plan.domains == ("basic", "premium", "enterprise")  # by descending frequency
    assert many.domains is None
    assert lonely.domains is None


def test_domain_thresholds_are_inclusive() -> None:
    # Exactly 120 distinct values, none a singleton: domains suggested.
    c = _suggest({"v": [f"v{i:03d}" for i in range(120)] * 2})
    assert c.features[0].domains is not None and len(c.features[0].domains) == 120
    # 10 values of which exactly one (10 %) is a singleton: still suggested.
    values = [f"w{i}" for i in range(9) for _ in range(3)] + ["single"]
    assert _suggest({"w": values}).features[0].domains is not None
    # 2 singletons of 10: not suggested.
    values = [f"w{i}" for i in range(8) for _ in range(3)] + ["s1", "s2"]
    assert _suggest({"w": values}).features[0].domains is None


def test_all_null_column_is_unknown() -> None:
    c = _suggest({"x": ["", ""], "y": ["1", "2"]})
    x = c.features[0]
    assert (x.inferred_type, x.completeness, x.is_non_negative, x.domains) == (
        "Unknown",
        0.0,
        None,
        None,
    )
    written = constraints_to_json(c)["features"][0]
    assert written == {"name": "x", "inferred_type": "Unknown", "completeness": 0.0}


def test_writer_keys() -> None:
    c = Constraints(
        (
            FeatureConstraints("a", "Integral", 1.0, True),
            FeatureConstraints(
                "b", "String", 0.5, None, ("x",), (("evaluate_constraints", "Disabled"),)
            ),
        )
    )
    doc = constraints_to_json(c)
    assert doc["version"] == 0.0
    assert doc["features"] == [
        {
            "name": "a",
            "inferred_type": "Integral",
            "completeness": 1.0,
            "num_constraints": {"is_non_negative": True},
        },
        {
            "name": "b",
            "inferred_type": "String",
            "completeness": 0.5,
            "string_constraints": {"domains": ["x"]},
            "monitoringConfigOverrides": {"evaluate_constraints": "Disabled"},
        },
    ]
    assert constraints_from_json(doc).config_for("b").evaluate_constraints is False
