"""docker-compose.yml is valid Compose and wired to work on the first ``docker compose up``.

No Docker engine here: Debian's docker-compose validates the file against the Compose
schema and prints it normalised; yq turns that into JSON for the checks.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from stream.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: `make system-deps` installs it")
    return path


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = [tool("docker-compose"), "--project-directory", str(ROOT),
               "-f", str(ROOT / "docker-compose.yml"), "config"]  # fmt: skip
    normalised = subprocess.run(compose, capture_output=True, text=True, check=False)
    assert normalised.returncode == 0, normalised.stderr
    as_json = subprocess.run([tool("yq"), "."], input=normalised.stdout, capture_output=True,
                             text=True, check=False)  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    return json.loads(as_json.stdout)["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in service.get("environment", {}).items()}


def test_the_stack_has_kafka_workers_traffic_and_monitoring(services: dict[str, Any]) -> None:
    assert set(services) == {"kafka", "worker", "traffic", "prometheus", "alertmanager", "grafana"}
    assert services["worker"]["deploy"]["replicas"] == 2


def test_kafka_advertises_a_listener_the_host_can_reach(services: dict[str, Any]) -> None:
    env = environment(services["kafka"])
    advertised = dict(item.split("://") for item in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    host, port = advertised["HOST"].rsplit(":", 1)
    assert host == "localhost"
    published = {(str(p["published"]), p["target"]) for p in services["kafka"]["ports"]}
    assert (port, int(port)) in published
    assert f"HOST://:{port}" in env["KAFKA_LISTENERS"]
    assert "HOST:PLAINTEXT" in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    # the containers use the in-network listener
    assert (
        advertised["PLAINTEXT"]
        == environment(services["worker"])["DRIFTLINE_KAFKA_BOOTSTRAP_SERVERS"]
    )


def test_workers_are_health_checked_on_healthz_of_their_metrics_port(
    services: dict[str, Any],
) -> None:
    worker = services["worker"]
    config = load_config(ROOT / "examples" / "credit" / "driftline.toml", environment(worker))
    assert config.metrics.host == "0.0.0.0"  # reachable from Prometheus and the host
    check = " ".join(worker["healthcheck"]["test"])
    assert f"http://127.0.0.1:{config.metrics.port}/healthz" in check
    assert {p["target"] for p in worker["ports"]} == {config.metrics.port}
    # Prometheus scrapes /metrics of every replica found by the service's DNS name
    prometheus = (ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text()
    assert 'names: ["worker"]' in prometheus and f"port: {config.metrics.port}" in prometheus
    assert "metrics_path: /metrics" in prometheus
    for dependent in ("traffic", "prometheus"):
        assert services[dependent]["depends_on"]["worker"]["condition"] == "service_healthy"


def test_traffic_replays_the_example_captures_live_in_a_loop(services: dict[str, Any]) -> None:
    traffic = services["traffic"]
    command = traffic["command"]
    assert command[0] == "replay" and {"--live", "--loop"} <= set(command)
    (mount,) = traffic["volumes"]
    source, target, _ = mount.split(":")
    captures = Path(source) / Path(command[1]).relative_to(target)
    assert sorted(captures.rglob("*.jsonl")), captures


def test_mounted_files_exist_and_rule_paths_are_relative(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for mount in service.get("volumes", []):
            assert Path(mount.split(":")[0]).exists(), (name, mount)
    prometheus = (ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text()
    rules = re.findall(r"^  - (\S+)", prometheus.split("rule_files:")[1], re.MULTILINE)[0]
    assert not rules.startswith("/") and (ROOT / "deploy" / "prometheus" / rules).exists()


def test_build_context_leaves_out_the_virtualenv_and_test_data() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for heavy in (".venv", ".git", "tests", "*-data", "**/__pycache__"):
        assert heavy in ignored
    copied = re.findall(r"^COPY (.+) \S+$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    sources = {s for line in copied for s in line.split()}
    assert sources == {"pyproject.toml", "README.md", "detectors", "ground_truth", "stream"}
    assert not sources & set(ignored)
