"""Debian's Prometheus scraping two workers on a real broker, with driftline's alert rules.

Live traffic (event time = now) drifts in ``income`` only. Through Prometheus' HTTP API:
every rule is healthy and every alert expression evaluates; every dashboard query
evaluates, with data in the rows that have traffic; the drift alert fires for income alone,
once; and after the worker that aggregates the monitor is stopped, the other takes over
and the alert fires again exactly once for income.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stream.demo.synthetic import capture_record
from stream.kafka.broker import die_with_parent, free_port
from stream.kafka.capture_producer import CaptureProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.deploy.dashboard import dashboard, grafana_to_promql, panel_queries, variable_selector
from tests.integration.workers import SCHEMA, WorkerProcess, wait_for, write_config

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[2]
ALERT_RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
# rows whose panels must show data with data-quality traffic; the labelled monitors' rows
# must evaluate but stay empty until such a monitor runs
ROWS_WITH_TRAFFIC = {"Overview", "Data quality", "Pipeline", "Workers and Kafka"}


class Prometheus:
    """``prometheus`` from PATH on a free port, scraping ``targets`` every second."""

    def __init__(self, folder: Path, targets: list[str]) -> None:
        binary = shutil.which("prometheus")
        if binary is None:
            pytest.fail("prometheus is missing: `make system-deps` installs Debian's package")
        config = {  # JSON is YAML
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(ALERT_RULES)],
            "scrape_configs": [{"job_name": "driftline", "static_configs": [{"targets": targets}]}],
        }
        (folder / "prometheus.yml").write_text(json.dumps(config))
        self.port = free_port()
        self._log = (folder / "prometheus.log").open("wb")
        self.process = subprocess.Popen(
            [binary, f"--config.file={folder / 'prometheus.yml'}",
             f"--storage.tsdb.path={folder / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self._log, stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )  # fmt: skip
        wait_for(self.ready, 30, "Prometheus to be ready")

    def ready(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/-/ready"
            return urllib.request.urlopen(url, timeout=2).status == 200
        except OSError:
            return False

    def api(self, path: str, **params: str) -> Any:
        """``data`` of an HTTP API answer; AssertionError with Prometheus' error otherwise."""
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        try:
            answer = json.load(urllib.request.urlopen(url, timeout=10))
        except urllib.error.HTTPError as error:
            answer = json.load(error)
        assert answer["status"] == "success", f"{params}: {answer.get('error')}"
        return answer["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's result vector (a scalar as one sample)."""
        data = self.api("query", query=expr)
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        return data["result"]

    def firing(self, alertname: str) -> list[dict[str, str]]:
        """Labels of the firing alerts called ``alertname``."""
        alerts = self.api("alerts")["alerts"]
        return [a["labels"] for a in alerts
                if a["labels"]["alertname"] == alertname and a["state"] == "firing"]  # fmt: skip

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def send_live_traffic(bootstrap: str, topic: str, stop: threading.Event) -> None:
    """~300 records a second stamped with the current time; income drifted throughout."""
    rng = random.Random(17)
    with CaptureProducer(bootstrap_servers=bootstrap, topic=topic, linger_seconds=0.1) as out:
        k = 0
        while not stop.is_set():
            rows = SCHEMA.rows(rng, 30, {"income"})
            now = time.time()
            out.send_many(capture_record(f"r{k + i}", now, row) for i, row in enumerate(rows))
            k += len(rows)
            stop.wait(0.1)


@pytest.fixture
def stack(tmp_path: Path, kafka_bootstrap: str) -> Iterator[tuple[Prometheus, list[WorkerProcess]]]:
    """Two workers (monitor ``m``, 10-second windows, ADWIN online), live traffic, Prometheus."""
    names = TopicNames.from_prefix("prom")
    ensure_topics_sync(kafka_bootstrap, names, 4, 1)
    config = write_config(tmp_path, kafka_bootstrap, "prom", online_detectors=["adwin"])
    workers = [WorkerProcess(config, tmp_path / f"worker-{i}.log") for i in range(2)]
    stop = threading.Event()
    traffic = threading.Thread(
        target=send_live_traffic, args=(kafka_bootstrap, names.capture, stop), daemon=True
    )
    prometheus = None
    try:
        shares = lambda: [w.assigned() for w in workers]  # noqa: E731
        wait_for(lambda: sum(shares()) == 4 and min(shares()) > 0, 60, "both workers to own some")
        traffic.start()
        targets = [f"127.0.0.1:{w.metrics_port}" for w in workers]
        prometheus = Prometheus(tmp_path, targets)
        yield prometheus, workers
    finally:
        stop.set()
        if traffic.is_alive():
            traffic.join(10)
        if prometheus is not None:
            prometheus.stop()
        for worker in workers:
            worker.stop()


def test_rules_and_dashboard_with_two_workers_and_a_handover(stack) -> None:
    prometheus, workers = stack
    wait_for(lambda: prometheus.query('count(up{job="driftline"} == 1) == 2'), 30,
             "both workers scraped")  # fmt: skip
    fired = wait_for(lambda: prometheus.firing("DriftlineFeatureDrift"), 90, "the drift alert")
    assert [(a["monitor"], a["feature"]) for a in fired] == [("m", "income")]
    # one worker exports the window gauges: the one that aggregates m
    (owner,) = prometheus.query('driftline_aggregating_since_timestamp_seconds{monitor="m"}')
    distance = prometheus.query("driftline_drift_distance")
    assert {s["metric"]["instance"] for s in distance} == {owner["metric"]["instance"]}
    assert {s["metric"]["feature"] for s in distance} == set(SCHEMA.features)

    wait_for(lambda: prometheus.query('driftline_consumer_lag_messages{job="driftline"}'), 30,
             "consumer lag from both workers")  # fmt: skip
    time.sleep(3)  # a few more scrapes: rates over [1m] need two samples of every series
    assert_rules_are_healthy_and_evaluate(prometheus)
    assert_dashboard_queries_evaluate(prometheus)

    # stop the worker that aggregates m: the other takes over and fires the alert again
    stopped = next(w for w in workers if owner["metric"]["instance"].endswith(f":{w.metrics_port}"))
    survivor = next(w for w in workers if w is not stopped)
    assert stopped.stop() < 15
    survivor_instance = f"127.0.0.1:{survivor.metrics_port}"
    wait_for(lambda: prometheus.query(
        f'driftline_last_closed_window_end_timestamp_seconds{{instance="{survivor_instance}"}}'
    ), 120, "a window closed by the surviving worker")  # fmt: skip
    time.sleep(2)  # an evaluation of the rules after that scrape
    fired = wait_for(lambda: prometheus.firing("DriftlineFeatureDrift"), 30, "the alert again")
    assert [(a["monitor"], a["feature"]) for a in fired] == [("m", "income")]
    distance = prometheus.query("driftline_drift_distance")
    assert {s["metric"]["instance"] for s in distance} == {survivor_instance}
    counts = prometheus.query("count by (monitor, feature) (driftline_drift_distance)")
    assert {float(s["value"][1]) for s in counts} == {1.0}


def assert_rules_are_healthy_and_evaluate(prometheus: Prometheus) -> None:
    groups = prometheus.api("rules")["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) == ALERT_RULES.read_text().count("- alert:") + ALERT_RULES.read_text().count(
        "- record:"
    )
    for rule in rules:
        assert rule["health"] == "ok", (rule["name"], rule.get("lastError"))
        prometheus.query(rule["query"])  # raises with Prometheus' error message


def assert_dashboard_queries_evaluate(prometheus: Prometheus) -> None:
    """Every query evaluates; every panel of a row with traffic shows some data."""
    with_data: dict[tuple[str, str], bool] = {}
    for row, title, query in panel_queries():
        result = prometheus.query(grafana_to_promql(query))
        with_data[(row, title)] = with_data.get((row, title), False) or bool(result)
    empty = [
        panel for panel, data in with_data.items() if panel[0] in ROWS_WITH_TRAFFIC and not data
    ]
    assert not empty, f"no data: {empty}"
    board = dashboard()
    for annotation in board["annotations"]["list"]:
        if "expr" in annotation:
            assert prometheus.query(grafana_to_promql(annotation["expr"])), annotation["name"]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            selector = variable_selector(variable["query"]["query"])
            assert prometheus.query(grafana_to_promql(selector)), variable["name"]
