"""The Prometheus rules and config, the Alertmanager config and the Grafana dashboard in
deploy/ are valid, refer only to metrics a worker exposes, and cover what it exposes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from stream.status.board import TOPIC_KINDS, StatusBoard
from stream.status.follower import TopicFollower
from stream.status.service import FollowerCollector
from stream.worker.metric_sources import WorkerSources
from stream.worker.metrics import register_worker_metrics
from tests.deploy.dashboard import dashboard, dashboard_queries, grafana_to_promql, panels

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
METRIC = re.compile(r"\b(?:driftline|process|python)_[a-z_]+")
# Prometheus' own series the rules and panels may use
PROMETHEUS_SERIES = {"up", "ALERTS"}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: `make system-deps` installs it")
    return path


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


def exposed_metric_names() -> set[str]:
    """Every sample name a worker's registry exposes, its families empty or not."""
    registry = CollectorRegistry()
    sources = WorkerSources(list, list, set, dict, capture_partitions=1)
    register_worker_metrics(registry, sources)
    # the status page's follower exports on the same registry
    topics = {kind: f"driftline.{kind}" for kind in TOPIC_KINDS}
    registry.register(FollowerCollector(TopicFollower(StatusBoard(), "localhost:9092", topics)))
    names = set()
    for family in registry.collect():
        names.add(family.name + "_total" if family.type == "counter" else family.name)
        names |= {sample.name for sample in family.samples}
    return names


def test_alert_rules_are_valid() -> None:
    out = run(tool("promtool"), "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml"))
    assert out.returncode == 0, out.stdout + out.stderr


def test_alert_rules_fire_as_specified() -> None:
    out = run(tool("promtool"), "test", "rules", "alerts_test.yml", cwd=DEPLOY / "prometheus")
    assert out.returncode == 0, out.stdout + out.stderr


def test_alert_tests_cover_replicas_first_violation_absent_gauges_and_gone_workers() -> None:
    names = re.findall(r"^  - name: (.+)$", (DEPLOY / "prometheus" / "alerts_test.yml").read_text(),
                       re.MULTILINE)  # fmt: skip
    for topic in ("two replicas", "first violation", "absent window gauges", "worker gone"):
        assert any(topic in name for name in names), names


def test_prometheus_config_is_valid_as_shipped() -> None:
    out = run(tool("promtool"), "check", "config", str(DEPLOY / "prometheus" / "prometheus.yml"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 rule files found" in out.stdout


def test_alertmanager_config_is_valid_and_its_receiver_a_placeholder() -> None:
    config = DEPLOY / "alertmanager" / "alertmanager.yml"
    out = run(tool("amtool"), "check-config", str(config))
    assert out.returncode == 0, out.stdout + out.stderr
    settings = [
        line for line in config.read_text().splitlines() if not line.lstrip().startswith("#")
    ]
    assert "  receiver: replace-me-driftline-team" in settings
    assert "  - name: replace-me-driftline-team" in settings
    # no integration (the old webhook pointed at Alertmanager itself under compose)
    assert not [line for line in settings if "_configs:" in line]


def test_rules_and_dashboard_use_only_exposed_metrics() -> None:
    exposed = exposed_metric_names()
    assert {"driftline_drift_distance", "driftline_violations_total"} <= exposed
    assert {"process_cpu_seconds_total", "python_info"} <= exposed
    used = set(METRIC.findall((DEPLOY / "prometheus" / "alerts.yml").read_text()))
    for query in dashboard_queries():
        used |= set(METRIC.findall(query))
    assert used <= exposed, f"not exposed by the worker: {sorted(used - exposed)}"


def test_every_driftline_metric_has_a_panel_or_an_alert() -> None:
    exposed = {name for name in exposed_metric_names() if name.startswith("driftline_")}
    on_dashboard = {m for q in dashboard_queries() for m in METRIC.findall(q)}
    in_rules = set(METRIC.findall((DEPLOY / "prometheus" / "alerts.yml").read_text()))
    assert exposed - on_dashboard - in_rules == set()
    # the seven the issue found without a panel or alert
    for name in ("online_alarms_total", "sampled_out_events_total", "windows_closed_total",
                 "postprocessor_failures_total", "late_partials_total", "assigned_partitions",
                 "send_failures_total"):  # fmt: skip
        assert f"driftline_{name}" in on_dashboard


def test_every_driftline_metric_is_in_the_readmes_table() -> None:
    """The README's metric table names each metric a worker exports, and no other."""
    exposed = {name for name in exposed_metric_names() if name.startswith("driftline_")}
    exposed = {n for n in exposed if not n.endswith("_created")}  # prometheus_client's own
    readme = (ROOT / "README.md").read_text()
    tabled = set(re.findall(r"^\| `(driftline_[a-z_]+)` \|", readme, flags=re.MULTILINE))
    families = {n for n in exposed if n in tabled or f"{n}_total" not in exposed}
    assert tabled - exposed == set(), "in the README, not exported"
    assert families - tabled == set(), "exported, not in the README's table"


def test_dashboard_queries_parse_as_promql(tmp_path: Path) -> None:
    """promtool parses each query as a recording rule (Grafana's variables substituted)."""
    rules = [
        {"record": f"dashboard:query_{i}", "expr": grafana_to_promql(query)}
        for i, query in enumerate(dashboard_queries())
        if not query.startswith("label_values(")
    ]
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}))
    out = run(tool("promtool"), "check", "rules", str(path))
    assert out.returncode == 0, out.stdout + out.stderr


def test_dashboard_follows_grafana_conventions() -> None:
    board = dashboard()
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["monitor"]["multi"] and variables["monitor"]["includeAll"]
    rows = [p["title"] for p in board["panels"] if p["type"] == "row"]
    for monitor_type in (
        "Data quality",
        "Model quality",
        "Bias drift",
        "Feature attribution drift",
    ):
        assert monitor_type in rows
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels():
        where = panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, where
        assert panel["fieldConfig"]["defaults"].get("unit"), where
        assert panel.get("description"), where
        for target in panel["targets"]:
            expr = target["expr"]
            assert 'job=~"$job"' in expr or "ALERTS" in expr, where
            if re.search(r"\b(rate|increase)\(", expr):
                assert "[$__rate_interval]" in expr or "[$__range]" in expr, where


def test_dashboard_panels_tile_without_overlapping() -> None:
    taken: set[tuple[int, int]] = set()
    for panel in dashboard()["panels"]:
        grid = panel["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {(grid["x"] + dx, grid["y"] + dy) for dx in range(grid["w"])
                 for dy in range(grid["h"])}  # fmt: skip
        assert not cells & taken, panel["title"]
        taken |= cells
