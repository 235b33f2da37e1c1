"""``baseline suggest --bias-config`` and ``analyze`` say why bias left rows out, by reason.

The rows of :mod:`tests.stream.cli.bias_left_out_rows`: 20, of which 3 have no facet value
and 2 the label ``maybe`` for a continuous label threshold; the metrics are those of the 15
usable rows, computed by hand there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.stream.cli.bias_files import post_training
from tests.stream.cli.bias_left_out_rows import CI, CONFIG, DI, DPL, DPPL, left_out_rows
from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)

HEADER = ("prediction", "sex", "age", "label")


def _suggest(tmp_path: Path, rows: list) -> tuple[Path, str]:
    data = write_csv(tmp_path / "v.csv", HEADER, rows)
    config = tmp_path / "bias.json"
    config.write_text(json.dumps(CONFIG))
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out, "--bias-config", config,
        "--label-column", "label", "--prediction-column", "prediction",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result.output


def _pre_training(doc: dict) -> dict:
    entry = doc["pre_training_bias_metrics"]["facets"]["sex"][0]
    return {m["name"]: m["value"] for m in entry["metrics"]}


def test_baseline_suggest_says_why_rows_were_left_out(tmp_path: Path) -> None:
    out, output = _suggest(tmp_path, left_out_rows())
    assert "bias: 20 rows, 5 left out (facet_missing: 3, label_not_a_number: 2) -> " in output
    analysis = read_json(out / "bias/analysis.json")
    post, pre = post_training(analysis), _pre_training(analysis)
    assert post["DPPL"] == pytest.approx(DPPL, abs=1e-12)
    assert post["DI"] == pytest.approx(DI, abs=1e-12)
    assert pre["CI"] == pytest.approx(CI, abs=1e-12)
    assert pre["DPL"] == pytest.approx(DPL, abs=1e-12)


def test_analyze_says_why_bias_left_rows_out_once(tmp_path: Path) -> None:
    rows = left_out_rows()
    usable = [r for r in rows if r[1] and r[3] != "maybe"]
    baseline, _ = _suggest(tmp_path, usable)
    captures = write_lines(
        tmp_path / "c.jsonl",
        [capture_line(f"b{i}", f"{sex},{age}", str(p)) for i, (p, sex, age, _) in enumerate(rows)],
    )
    truth = write_lines(
        tmp_path / "t.jsonl", [label_line(f"b{i}", r[3]) for i, r in enumerate(rows)]
    )
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "20 labelled rows, 5 without a usable facet/label/prediction "
        "(facet_missing: 3, label_not_a_number: 2)"
    ) in result.output, result.output
    assert "left out of bias" not in result.output  # the line says it: no warning again
    post = post_training(read_json(tmp_path / "run/bias/analysis.json"))
    assert post["DPPL"] == pytest.approx(DPPL, abs=1e-12)
    assert post["DI"] == pytest.approx(DI, abs=1e-12)


def test_a_window_whose_rows_bias_all_left_out_says_why(tmp_path: Path) -> None:
    rows = left_out_rows()
    baseline, _ = _suggest(tmp_path, [r for r in rows if r[1] and r[3] != "maybe"])
    window = rows[:4]  # 4 usable rows, each labelled "maybe" here
    captures = write_lines(
        tmp_path / "c.jsonl",
        [capture_line(f"b{i}", f"{s},{a}", str(p)) for i, (p, s, a, _) in enumerate(window)],
    )
    truth = write_lines(tmp_path / "t.jsonl", [label_line(f"b{i}", "maybe") for i in range(4)])
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "0",
    )  # fmt: skip
    assert (
        "ModelBias: Failed: no usable labelled row: "
        "4 of 4 labelled rows left out of bias (label_not_a_number: 4)"
    ) in result.output, result.output
