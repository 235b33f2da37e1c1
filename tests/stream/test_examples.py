"""The example configuration shipped in examples/ loads, and its baseline is usable."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import orjson
from scipy.stats import chi2_contingency, ks_2samp

from stream.capture.files import find_capture_files, layout_routing
from stream.config import load_config
from stream.demo.synthetic import SyntheticSchema
from stream.monitors.data_quality import load_data_quality_baseline

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "credit" / "driftline.toml"


def test_example_config_and_baseline_load() -> None:
    config = load_config(EXAMPLE, {})
    (monitor,) = config.monitors
    assert monitor.name == "credit-model"
    assert config.kafka.uses_embedded_broker
    baseline = load_data_quality_baseline(monitor.baseline)
    assert baseline.features == ("age", "income", "tenure_months", "score", "plan", "region")
    assert baseline.kinds == ("numeric", "numeric", "numeric", "numeric", "string", "string")


def test_compose_overrides_reach_the_config() -> None:
    env = {"DRIFTLINE_KAFKA_BOOTSTRAP_SERVERS": "kafka:9092", "DRIFTLINE_METRICS_HOST": "0.0.0.0"}
    config = load_config(EXAMPLE, env)
    assert config.kafka.bootstrap_servers == "kafka:9092"
    assert config.metrics.host == "0.0.0.0"


CAPTURES = EXAMPLE.parent / "captures"


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "make_captures", EXAMPLE.with_name("make_captures.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_captures_are_what_their_generator_writes(tmp_path: Path) -> None:
    written = load_generator().write_captures(tmp_path)
    committed = find_capture_files(CAPTURES)
    assert [p.relative_to(tmp_path) for p in written] == [
        p.relative_to(CAPTURES) for p in committed
    ]
    for new, old in zip(written, committed, strict=True):
        assert new.read_bytes() == old.read_bytes(), f"{old} is stale: run make_captures.py"
        assert layout_routing(old) == {"endpoint": "credit-endpoint", "variant": "AllTraffic"}


def test_example_captures_drift_in_income_and_plan_in_the_last_two_hours_only() -> None:
    """scipy's KS and chi-square tests against rows of the baseline's own law (seed 7)."""
    schema = SyntheticSchema.demo()
    reference = schema.rows(random.Random(7), 20_000)
    income = [float(r[1]) for r in reference]
    plans = ["basic", "premium", "gold"]
    reference_plans = [sum(r[4] == p for r in reference) for p in plans]
    p_values = []
    for file in find_capture_files(CAPTURES):
        rows = [orjson.loads(line)["captureData"]["endpointInput"]["data"].split(",")
                for line in file.read_bytes().splitlines()]  # fmt: skip
        assert len(rows) == 300 and all(len(r) == 6 for r in rows)
        live_plans = [sum(r[4] == p for r in rows) for p in plans]
        p_values.append((
            ks_2samp([float(r[1]) for r in rows], income).pvalue,
            chi2_contingency([live_plans, reference_plans]).pvalue,
        ))  # fmt: skip
    assert len(p_values) == 5
    clean, drifted = p_values[:3], p_values[3:]
    assert all(ks > 0.01 and chi > 0.01 for ks, chi in clean), p_values
    assert all(ks < 1e-6 and chi < 1e-6 for ks, chi in drifted), p_values
