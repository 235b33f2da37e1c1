"""The example configuration shipped in examples/ loads, and its baseline is usable."""

from __future__ import annotations

from pathlib import Path

from stream.config import load_config
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
