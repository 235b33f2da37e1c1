"""SHAP files' non-numbers and unreadable lines are counted or refused, never dropped silently.

A SHAP file of feature values (text columns) used to give ``null`` global values, a baseline
that driftline itself then refuses to load; unreadable lines and non-numbers were dropped
without a word, in ``baseline suggest --shap`` and in ``analyze --shap`` with a CSV. The
figures below are worked out by hand: mean |φ| over the numbers only.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from stream.cli import main
from stream.monitors.attribution import load_attribution_baseline
from tests.stream.cli.labeled_files import capture_line, read_json, run, write_csv, write_lines


def _suggest(tmp_path: Path, shap: Path) -> Result:
    data = tmp_path / "train.csv"
    data.write_text("age,plan\n41,basic\n19,gold\n")
    args = ["baseline", "suggest", "--data", data, "--shap", shap, "--out", tmp_path / "out"]
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_shap_csv_of_feature_values_is_refused_with_one_line(tmp_path: Path) -> None:
    shap = tmp_path / "shap.csv"
    shap.write_text("age,plan\n41,basic\n19,gold\n")
    result = _suggest(tmp_path, shap)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        "driftline: error: shap.csv holds no numeric SHAP value for 'plan' (label label0); "
        "local SHAP values must be numbers"
    ]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "attribution" / "analysis.json").exists()


def test_unreadable_lines_and_non_numbers_are_counted_not_averaged(tmp_path: Path) -> None:
    shap = tmp_path / "shap.jsonl"
    lines = [
        {"inferenceId": "1", "shap": {"age": 1.0, "plan": -2.0}},
        {"inferenceId": "2", "shap": {"age": -3.0, "plan": "x"}},
        {"inferenceId": "3"},
    ]
    shap.write_text("\n".join([*map(json.dumps, lines), "not json"]) + "\n")
    result = _suggest(tmp_path, shap)
    assert result.exit_code == 0, result.output
    assert (
        "attribution: global SHAP (mean_abs) of label0, left out: invalid_json=1, "
        "missing_shap=1, not_a_number=1 -> "
    ) in result.output
    baseline = load_attribution_baseline(tmp_path / "out" / "attribution")
    # mean |φ|: age (|1| + |-3|) / 2 = 2.0; plan |-2| / 1 = 2.0 ("x" left out)
    assert dict(baseline.explanations["label0"].global_shap_values) == {"age": 2.0, "plan": 2.0}


def test_a_shap_file_of_no_usable_line_says_what_was_left_out(tmp_path: Path) -> None:
    """It said only "holds no SHAP values", of a file of SHAP records with NaN, say."""
    shap = tmp_path / "shap.jsonl"
    shap.write_text('{"inferenceId": "1", "shap": {"age": NaN}}\n{"inferenceId": "2"}\n')
    result = _suggest(tmp_path, shap)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"driftline: error: {shap} holds no SHAP values (left out: invalid_json=1, missing_shap=1)"
    ]


def test_analyze_refuses_a_shap_csv_row_holding_a_non_number(tmp_path: Path) -> None:
    """A text value used to be dropped in silence, its row's other values averaged."""
    base = tmp_path / "base.jsonl"
    base.write_text(json.dumps({"inferenceId": "1", "shap": {"a": 1.0, "b": 1.0}}) + "\n")
    assert _suggest(tmp_path, base).exit_code == 0
    live = write_csv(tmp_path / "live.csv", ("a", "b"), [(1.0, 2.0), (3.0, "x"), (-5.0, 4.0)])
    captures = write_lines(tmp_path / "c.jsonl", [capture_line("k", "1", "0.5")])
    result = run(
        "analyze", "--capture", captures, "--baseline", tmp_path / "out",
        "--out", tmp_path / "run", "--shap", live,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "ModelExplainability: Completed: 2 explained records, label0 nDCG 1.0000, "
        "1 bad SHAP records (not_a_number=1)"
    ) in result.output
    doc = read_json(tmp_path / "run" / "attribution" / "analysis.json")
    # mean |φ| of the two whole rows: a (|1| + |-5|) / 2 = 3.0, b (2 + 4) / 2 = 3.0
    values = doc["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert values == {"a": 3.0, "b": 3.0}
