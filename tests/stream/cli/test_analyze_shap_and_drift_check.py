"""``analyze --bias-drift-check`` and where SHAP values come from: a CSV, or nowhere."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from tests.stream.cli.bias_files import (
    bias_baseline,
    bias_rows,
    mean_abs,
    post_training,
    shap_lines,
)
from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)


def test_bias_drift_check_point_or_bootstrap(tmp_path: Path) -> None:
    out = bias_baseline(tmp_path)  # DPPL 0.10: the allowed range is [-0.10, 0.10]
    window = bias_rows(40, 55)  # DPPL 0.15 on 100 + 100 rows
    lines = [
        capture_line(f"b{i}", f"{sex},{age}", str(p)) for i, (p, sex, age, _) in enumerate(window)
    ]
    captures = write_lines(tmp_path / "c.jsonl", lines)
    truth = write_lines(
        tmp_path / "t.jsonl", [label_line(f"b{i}", r[3]) for i, r in enumerate(window)]
    )
    flagged = {}
    for mode in ("point", "bootstrap"):
        result = run(
            "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / mode,
            "--ground-truth", truth, "--inference-attribute", "0", "--bias-drift-check", mode,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert post_training(read_json(tmp_path / mode / "bias/analysis.json"))["DPPL"] == (
            pytest.approx(0.55 - 0.40, abs=1e-12)
        )
        doc = read_json(tmp_path / mode / "bias/constraint_violations.json")
        flagged[mode] = {v["metric_name"] for v in doc["violations"]}
    assert "DPPL" in flagged["point"]  # 0.15 is outside [-0.10, 0.10]
    # the monitor's 99.9 % normal interval of a difference of two proportions on 100 rows
    # each, 0.15 ± 3.29·sqrt(.55·.45/100 + .40·.60/100) ≈ [-0.08, 0.38], meets the range
    half_width = norm.ppf(0.9995) * np.sqrt(0.55 * 0.45 / 100 + 0.40 * 0.60 / 100)
    assert 0.15 - half_width < 0.10
    assert "DPPL" not in flagged["bootstrap"]


def _shap_baseline(tmp_path: Path, rng: np.random.Generator) -> Path:
    """A baseline with an attribution part: 40 SHAP rows over features a, b and c."""
    base_rows = shap_lines(rng, (0.5, 0.3, 0.1), 40)
    base_file = write_lines(
        tmp_path / "base.jsonl",
        [json.dumps({"inferenceId": f"x{i}", "shap": r}) for i, r in enumerate(base_rows)],
    )
    data = write_csv(tmp_path / "v.csv", ("score", "x"), [(0.5, 1), (0.7, 2)])
    out = tmp_path / "baseline"
    assert (
        run("baseline", "suggest", "--data", data, "--out", out, "--shap", base_file).exit_code == 0
    )
    return out


def test_shap_csv_rows_are_taken_as_they_are(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    out = _shap_baseline(tmp_path, rng)
    live_rows = shap_lines(rng, (0.5, 0.3, 0.1), 25)
    live_csv = write_csv(
        tmp_path / "live.csv", ("a", "b", "c"), [(r["a"], r["b"], r["c"]) for r in live_rows]
    )
    captures = write_lines(tmp_path / "c.jsonl", [capture_line("k", "1", "0.5")])  # no keys needed
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--shap", live_csv,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    live = read_json(tmp_path / "run/attribution/analysis.json")
    values = live["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert values == pytest.approx(mean_abs(live_rows), abs=1e-12)
    assert "ModelExplainability: Completed: 25 explained records" in result.output


def test_outputs_without_shap_values_skip_attribution_only(tmp_path: Path) -> None:
    out = bias_baseline(tmp_path)
    base_file = write_lines(
        tmp_path / "base.jsonl",
        [json.dumps({"inferenceId": "x", "shap": {"sex": 0.2, "age": 0.1}})],
    )
    data = write_csv(tmp_path / "s.csv", ("score", "x"), [(0.5, 1), (0.7, 2)])
    shap_base = tmp_path / "shap_baseline"
    assert (
        run(
            "baseline", "suggest", "--data", data, "--out", shap_base, "--shap", base_file
        ).exit_code
        == 0
    )
    (out / "attribution").mkdir()
    for name in ("analysis.json", "analysis_config.json"):
        (out / "attribution" / name).write_bytes((shap_base / "attribution" / name).read_bytes())
    window = bias_rows(45, 55)
    lines = [  # CSV outputs: a prediction each, no SHAP values
        capture_line(f"b{i}", f"{sex},{age}", str(p)) for i, (p, sex, age, _) in enumerate(window)
    ]
    truth = write_lines(
        tmp_path / "t.jsonl", [label_line(f"b{i}", r[3]) for i, r in enumerate(window)]
    )
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", lines), "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", truth, "--inference-attribute", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "labels: 200 of 200 captures joined (coverage 100.0%)" in result.output
    assert "ModelBias: Completed: 200 labelled rows" in result.output
    assert "ModelExplainability: skipped, no SHAP values" in result.output
    assert not (tmp_path / "run/attribution").exists()


def test_shap_values_of_other_features_only_fail_saying_so(tmp_path: Path) -> None:
    """Every live value was NaN, ranked as ties: 'Completed, nDCG 0.99', exit 0, before."""
    out = _shap_baseline(tmp_path, np.random.default_rng(17))  # features a, b, c
    live_csv = write_csv(tmp_path / "live.csv", ("foo", "bar"), [(0.2, 0.1), (0.3, 0.4)])
    captures = write_lines(tmp_path / "c.jsonl", [capture_line("k", "1", "0.5")])
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--shap", live_csv,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert (
        "ModelExplainability: Failed: none of 2 explained records has a SHAP value of the "
        "baseline's features (a, b, c)"
    ) in result.output
    assert "nDCG" not in result.output
