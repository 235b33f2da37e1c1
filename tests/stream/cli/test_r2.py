"""R² in ``baseline suggest`` and ``analyze``: over the labels, as scikit-learn's ``r2_score``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)


def test_r2_in_baseline_and_run_is_over_the_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    y = rng.normal(10, 4, 150)
    pred = 0.6 * y + 4 + rng.normal(0, 1, 150)  # predictions vary less than the labels
    data = write_csv(tmp_path / "v.csv", ("prediction", "target"), zip(pred, y, strict=True))
    out = tmp_path / "b"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out, "--problem-type", "Regression",
        "--label-column", "target", "--prediction-column", "prediction",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    stats = read_json(out / "model_quality/statistics.json")["regression_metrics"]
    assert stats["r2"]["value"] == pytest.approx(skm.r2_score(y, pred), abs=1e-9)
    captures = write_lines(
        tmp_path / "c.jsonl",
        [capture_line(f"r{i}", "1", repr(float(p))) for i, p in enumerate(pred)],
    )
    truth = write_lines(
        tmp_path / "t.jsonl", [label_line(f"r{i}", repr(float(v))) for i, v in enumerate(y)]
    )
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    block = read_json(tmp_path / "run/model_quality/statistics.json")["regression_metrics"]
    assert block["r2"]["value"] == pytest.approx(skm.r2_score(y, pred), abs=1e-9)
    assert "ModelQuality: Completed:" in result.stdout  # the baseline's own rows: no r2 violation


def test_the_withdrawn_r2_formula_option_is_a_usage_error(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "v.csv", ("prediction", "target"), [(1.0, 1.5), (2.0, 2.5)])
    result = run(
        "baseline", "suggest", "--data", data, "--out", tmp_path / "b", "--problem-type",
        "Regression", "--label-column", "target", "--prediction-column", "prediction",
        "--r2-formula", "standard",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("driftline: error: No such option")
