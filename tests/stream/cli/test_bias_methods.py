"""A bias config's ``methods`` picks the stages and metrics, as Clarify's does.

AWS's ``ModelBiasCheckConfig(methods=[…])`` / ``DataBiasCheckConfig`` write
``{"methods": {"post_training_bias": {"methods": ["DPPL", "DI"]}}}`` (or only
``pre_training_bias``); smclarify's ``bias_report(metrics=…)`` then computes those metrics
alone, and the baseline ``analysis.json`` (the monitor's constraints) holds only them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.stream.cli.bias_files import CONFIG, bias_rows
from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)


def _baseline(tmp_path: Path, methods: Any) -> tuple[Path, Any]:
    data = write_csv(tmp_path / "v.csv", ("prediction", "sex", "age", "label"), bias_rows(45, 55))
    config = tmp_path / "bias.json"
    config.write_text(json.dumps({**CONFIG, "methods": methods}))
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out, "--bias-config", config,
        "--label-column", "label", "--prediction-column", "prediction",
    )  # fmt: skip
    return out, result


def _codes(stage: dict[str, Any]) -> list[str]:
    (entry,) = stage["facets"]["sex"]
    return [m["name"] for m in entry["metrics"]]


def test_a_list_of_post_training_methods_is_all_the_baseline_holds(tmp_path: Path) -> None:
    out, result = _baseline(tmp_path, {"post_training_bias": {"methods": ["DPPL", "DI"]}})
    assert result.exit_code == 0, result.output
    doc = read_json(out / "bias/analysis.json")
    assert set(doc) == {"version", "post_training_bias_metrics"}  # no pre-training stage
    stage = doc["post_training_bias_metrics"]
    assert _codes(stage) == ["DI", "DPPL"]  # sorted by code, as Clarify writes them
    values = {m["name"]: m["value"] for m in stage["facets"]["sex"][0]["metrics"]}
    # 45 of 100 F and 55 of 100 M predicted positive: DPPL = q_a - q_d, DI = q_d / q_a
    assert values["DPPL"] == pytest.approx(0.55 - 0.45, abs=1e-12)
    assert values["DI"] == pytest.approx(0.45 / 0.55, abs=1e-12)


def test_only_the_chosen_metrics_are_checked_in_a_window(tmp_path: Path) -> None:
    out, result = _baseline(tmp_path, {"post_training_bias": {"methods": ["DPPL", "DI"]}})
    assert result.exit_code == 0, result.output
    window = bias_rows(30, 60)
    captures = write_lines(
        tmp_path / "c.jsonl",
        [capture_line(f"b{i}", f"{s},{a}", str(p)) for i, (p, s, a, _) in enumerate(window)],
    )
    truth = write_lines(
        tmp_path / "t.jsonl", [label_line(f"b{i}", r[3]) for i, r in enumerate(window)]
    )
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    live = read_json(tmp_path / "run/bias/analysis.json")
    assert set(live) == {"version", "post_training_bias_metrics"}
    assert _codes(live["post_training_bias_metrics"]) == ["DI", "DPPL"]
    violations = read_json(tmp_path / "run/bias/constraint_violations.json")["violations"]
    # DPPL 0.30 > 0.10 and DI 0.5 below 1 - |45/55 - 1|: both break the baseline's range
    assert sorted(v["metric_name"] for v in violations) == ["DI", "DPPL"]


@pytest.mark.parametrize("methods", ["all", ["all"], {}])
def test_all_pre_training_methods_give_only_that_stage(tmp_path: Path, methods: Any) -> None:
    stage = {} if methods == {} else {"methods": methods}
    out, result = _baseline(tmp_path, {"pre_training_bias": stage})
    assert result.exit_code == 0, result.output
    doc = read_json(out / "bias/analysis.json")
    assert set(doc) == {"version", "pre_training_bias_metrics"}
    assert _codes(doc["pre_training_bias_metrics"]) == [
        "CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD",
    ]  # fmt: skip


def test_both_stages_all_methods_keep_every_metric(tmp_path: Path) -> None:
    out, result = _baseline(
        tmp_path,
        {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
    )
    assert result.exit_code == 0, result.output
    doc = read_json(out / "bias/analysis.json")
    assert len(_codes(doc["pre_training_bias_metrics"])) == 8
    assert len(_codes(doc["post_training_bias_metrics"])) == 13


@pytest.mark.parametrize(
    ("methods", "message"),
    [
        (
            {"post_training_bias": {"methods": ["DPPL", "DPL"]}},
            "methods.post_training_bias.methods: 'DPL' is not one of its metrics AD, CDDPL",
        ),
        ({"post_training_bias": {"methods": []}}, 'must be "all" or a list of metric names'),
        ({"report": {"name": "report"}}, "methods names neither pre_training_bias nor"),
        ({"post_training_bias": "all"}, "methods.post_training_bias must be a JSON object"),
    ],
)
def test_a_bad_methods_entry_is_one_error_line(
    tmp_path: Path, methods: dict[str, Any], message: str
) -> None:
    _, result = _baseline(tmp_path, methods)
    assert result.exit_code == 2
    assert result.stderr.startswith("driftline: error: ")
    assert message in result.stderr
    assert "Traceback" not in result.output
