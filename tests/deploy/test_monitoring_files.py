"""The Prometheus rules, Alertmanager config and Grafana dashboard in deploy/ are valid and
refer only to metrics the worker exposes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
METRIC = re.compile(r"\bdriftline_[a-z_]+")


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: `make setup` installs Debian's prometheus package")
    return path


def exposed_metric_names() -> set[str]:
    source = (ROOT / "stream" / "worker" / "metrics.py").read_text()
    names: set[str] = set()
    for family, name in re.findall(r"(\w+MetricFamily)\(\s*\"(driftline_[a-z_]+)\"", source):
        names.add(name + "_total" if family.startswith("Counter") else name)
    return names


def test_alert_rules_are_valid() -> None:
    out = subprocess.run(
        [promtool(), "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_alert_rules_fire_as_specified() -> None:
    out = subprocess.run(
        [promtool(), "test", "rules", "alerts_test.yml"],
        cwd=DEPLOY / "prometheus",
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_prometheus_config_is_valid(tmp_path: Path) -> None:
    config = (DEPLOY / "prometheus" / "prometheus.yml").read_text()
    (tmp_path / "alerts.yml").write_text((DEPLOY / "prometheus" / "alerts.yml").read_text())
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/alerts.yml", "alerts.yml")
    )
    out = subprocess.run(
        [promtool(), "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_rules_and_dashboard_use_only_exposed_metrics() -> None:
    exposed = exposed_metric_names()
    assert "driftline_drift_distance" in exposed
    assert "driftline_violations_total" in exposed
    used = set(METRIC.findall((DEPLOY / "prometheus" / "alerts.yml").read_text()))
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "driftline.json").read_text())
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            used |= set(METRIC.findall(target["expr"]))
    assert used, "no driftline metric referenced"
    assert used <= exposed, f"not exposed by stream/worker/metrics.py: {sorted(used - exposed)}"


def test_dashboard_panels_have_unique_ids_and_the_prometheus_datasource() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "driftline.json").read_text())
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert all(p["datasource"]["uid"] == "prometheus" for p in dashboard["panels"])
