"""The dashboard's drift panel draws each feature's own threshold, evaluated by promtool.

SageMaker's constraints give numerical and categorical features their own thresholds
(``comparison_threshold``, ``categorical_comparison_threshold``), and a ChiSquared
categorical feature's gauges carry 1 - its threshold. The panel drew one threshold line per
monitor, the largest: with 0.1 for numbers and 0.2 for categories, age drifted to 0.15
(violated) sat under the only threshold line there was. The reference is the gauges' input.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.deploy.dashboard import grafana_to_promql, panel_queries
from tests.deploy.test_monitoring_files import tool

GAUGES = {  # feature: (distance, threshold) in the last closed window
    "age": (0.15, 0.1),  # numerical: violated
    "plan": (0.05, 0.2),  # categorical: clean
}


def test_each_feature_is_drawn_against_its_own_threshold(tmp_path: Path) -> None:
    (threshold,) = [
        grafana_to_promql(query)
        for _, title, query in panel_queries()
        if title == "Drift distance per feature" and "driftline_drift_threshold" in query
    ]
    series = []
    for feature, (distance, limit) in GAUGES.items():
        labels = f'job="driftline",instance="w1:9108",monitor="m",feature="{feature}"'
        series.append(
            {"series": f"driftline_drift_distance{{{labels}}}", "values": f"{distance}x10"}
        )
        series.append({"series": f"driftline_drift_threshold{{{labels}}}", "values": f"{limit}x10"})
    expected = [{"labels": f'{{monitor="m",feature="{f}"}}', "value": limit}
                for f, (_, limit) in GAUGES.items()]  # fmt: skip
    test = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": series,
                   "promql_expr_test": [{"expr": threshold, "eval_time": "5m",
                                         "exp_samples": expected}]}],
    }  # fmt: skip
    path = tmp_path / "drift_panel_test.yml"
    path.write_text(json.dumps(test))  # JSON is YAML
    out = subprocess.run([tool("promtool"), "test", "rules", str(path)],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
