"""The label interval a continuous label's bias analysis.json writes, baseline and window.

smclarify builds ``label_value_or_threshold`` with ``label_value_or_threshold(label_series,
positive_values)`` — from the label column alone, breaks ``sorted([t, max(label)])`` printed
as a pandas Interval — and its post-training path computes no other label text, so both
stages write the labels' interval however high the predicted labels go.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)

CONFIG = {
    "label_values_or_threshold": [0.5],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
    "label_data_type": "continuous",
}
# (prediction, sex, label): labels top out at 0.993, predicted labels at 1.0
BASELINE_ROWS = [(0.1, "F", 0.2), (0.6, "F", 0.993), (1.0, "M", 0.7), (0.9, "M", 0.4)]
# a window: labels top out at 0.81, predicted labels at 0.97
WINDOW_ROWS = [(0.97, "F", 0.81), (0.3, "F", 0.6), (0.2, "M", 0.1), (0.7, "M", 0.55)]


def _stages(doc: dict[str, object]) -> list[str]:
    return [
        doc[f"{stage}_training_bias_metrics"]["label_value_or_threshold"]  # type: ignore[index]
        for stage in ("pre", "post")
    ]


def _baseline(tmp_path: Path) -> Path:
    data = write_csv(tmp_path / "v.csv", ("prediction", "sex", "label"), BASELINE_ROWS)
    config = tmp_path / "bias.json"
    config.write_text(json.dumps(CONFIG))
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out, "--bias-config", config,
        "--label-column", "label", "--prediction-column", "prediction",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_baseline_suggest_writes_the_labels_interval_in_both_stages(tmp_path: Path) -> None:
    doc = read_json(_baseline(tmp_path) / "bias/analysis.json")
    assert _stages(doc) == ["(0.5, 0.993]", "(0.5, 0.993]"]


def test_a_window_writes_its_own_labels_interval_in_both_stages(tmp_path: Path) -> None:
    baseline = _baseline(tmp_path)
    captures = write_lines(
        tmp_path / "c.jsonl",
        [capture_line(f"k{i}", sex, str(p)) for i, (p, sex, _) in enumerate(WINDOW_ROWS)],
    )
    truth = write_lines(
        tmp_path / "t.jsonl", [label_line(f"k{i}", y) for i, (_, _, y) in enumerate(WINDOW_ROWS)]
    )
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _stages(read_json(tmp_path / "run/bias/analysis.json")) == ["(0.5, 0.81]", "(0.5, 0.81]"]
