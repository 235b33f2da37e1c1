"""``DriftlineUnusableLabels`` gives the share of joined labels left out, each label once.

Model quality and bias each count the joined labels they leave out of a window in
``driftline_unusable_labels_total``, so a label neither can read (``maybe`` for a 0/1 label)
is counted under a model-quality reason and a ``bias_`` one. Here a worker runs both on the
20 rows of :mod:`tests.stream.cli.bias_left_out_rows`: 3 have no facet value (bias leaves
them out) and 2 are labelled ``maybe`` (both leave them out), so 5 of the 20 joined labels,
25 %, are left out of the monitor's metrics (by hand). The worker's counters, repeated
every minute, go through promtool with ``deploy/prometheus/alerts.yml``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from prometheus_client import CollectorRegistry

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.config.sections import BiasDriftSettings, ModelQualitySettings
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.metrics import register_worker_metrics
from stream.worker.state import WorkerState
from tests.deploy.test_monitoring_files import DEPLOY, tool
from tests.stream.cli.bias_left_out_rows import left_out_rows
from tests.stream.cli.labeled_files import label_line
from tests.stream.worker.saved_sources import saved_sources
from tests.stream.worker.test_bias_left_out import _capture, left_out_baseline
from tests.stream.worker.test_labelled import T0, Pipe, lines

COUNTERS = ("driftline_labels_joined_total", "driftline_unusable_labels_total")


def _rules() -> dict:
    """deploy/prometheus/alerts.yml, read by yq (JSON out)."""
    out = subprocess.run([tool("yq"), ".", str(DEPLOY / "prometheus" / "alerts.yml")],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout)


def _worker_counters(fake_clock, folder: Path) -> list[tuple[str, dict[str, str], float]]:
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        idle_close_seconds=5.0, min_window_count=1,
        model_quality=ModelQualitySettings(problem_type="BinaryClassification",
                                           inference_attribute="0"),
        bias=BiasDriftSettings(inference_attribute="0", drift_check="point"),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=(monitor,))  # fmt: skip
    ws = WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=fake_clock)
    ws.assign([0], [0])
    pipe = Pipe(ws)
    rows = left_out_rows()
    keys = [f"b{i}" for i in range(len(rows))]
    pipe.send("capture", lines(_capture(keys[i], f"{sex},{age}", str(p), T0 + i * 0.4)
                               for i, (p, sex, age, _) in enumerate(rows)))  # fmt: skip
    pipe.send(
        "labels", "\n".join(label_line(k, r[3]) for k, r in zip(keys, rows, strict=True)).encode()
    )
    pipe.send("capture", lines([_capture("closer", "F,30.0", "1", T0 + 15)]))
    pipe.tick()
    registry = CollectorRegistry()
    register_worker_metrics(registry, saved_sources(ws))
    return [(s.name, s.labels, s.value) for family in registry.collect()
            for s in family.samples if s.name in COUNTERS]  # fmt: skip


def test_a_label_both_checks_leave_out_counts_once_in_the_alert(fake_clock, tmp_path) -> None:
    counters = _worker_counters(
        fake_clock, left_out_baseline(tmp_path, "--problem-type", "BinaryClassification")
    )
    values = {(name, labels.get("reason")): value for name, labels, value in counters}
    assert values[("driftline_labels_joined_total", None)] == 20
    assert values[("driftline_unusable_labels_total", "bias_facet_missing")] == 3
    assert values[("driftline_unusable_labels_total", "bias_label_not_a_number")] == 2
    model_quality = {reason: v for (name, reason), v in values.items()
                     if name == "driftline_unusable_labels_total" and v
                     and not reason.startswith("bias_")}  # fmt: skip
    assert sum(model_quality.values()) == 2, model_quality  # the two "maybe" labels again

    def series(name: str, labels: dict[str, str]) -> str:
        inner = ", ".join(f'{k}="{v}"' for k, v in {"job": "driftline", **labels}.items())
        return f"{name}{{{inner}}}"

    the_window_every_minute = [
        {"series": series(name, labels), "values": f"0+{value:g}x60"}
        for name, labels, value in counters
    ]
    rule = next(r for g in _rules()["groups"] for r in g["rules"]
                if r.get("alert") == "DriftlineUnusableLabels")  # fmt: skip
    expected = {"exp_labels": {"severity": "warning", "monitor": "m"},
                "exp_annotations": {
                    "summary": "25% of m's joined labels are left out of its metrics",
                    "description": rule["annotations"]["description"]}}  # fmt: skip
    test = {
        "rule_files": [str(DEPLOY / "prometheus" / "alerts.yml")],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": the_window_every_minute,
            "alert_rule_test": [{"eval_time": "50m", "alertname": "DriftlineUnusableLabels",
                                 "exp_alerts": [expected]}],
        }],
    }  # fmt: skip
    path = tmp_path / "unusable_labels_test.yml"
    path.write_text(json.dumps(test))  # JSON is YAML
    out = subprocess.run([tool("promtool"), "test", "rules", str(path)],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
