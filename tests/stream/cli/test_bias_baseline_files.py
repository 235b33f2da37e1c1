"""``analyze`` with a bias baseline that cannot be used: one error line naming what is wrong.

A pinned ``flip_test_features`` that is not a list of column names:
``baseline suggest`` pins FT's feature columns in ``bias/analysis_config.json``. A number
there (hand-edited, or written by another tool) reached ``analyze`` as the last-resort line
"unexpected TypeError: 'int' object is not iterable (a bug in driftline …)", and a string
was read letter by letter as column names. Both are one error naming the key. A bias
folder with one of its two files: the missing one named (without analysis.json the
ModelBias monitor used to be left out of the run without a word).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result

from tests.stream.cli.bias_files import bias_baseline, bias_rows
from tests.stream.cli.labeled_files import capture_line, label_line, run, write_lines


def _analyze(tmp_path: Path, flip_test_features: object = None, without: str = "") -> Result:
    out = bias_baseline(tmp_path)
    config_path = out / "bias/analysis_config.json"
    if flip_test_features is not None:
        config = json.loads(config_path.read_text())
        config["flip_test_features"] = flip_test_features
        config_path.write_text(json.dumps(config))
    if without:
        (out / "bias" / without).unlink()
    window = bias_rows(45, 55)
    captures = write_lines(
        tmp_path / "c.jsonl",
        [
            capture_line(f"b{i}", f"{sex},{age}", str(p))
            for i, (p, sex, age, _) in enumerate(window)
        ],
    )
    truth = write_lines(
        tmp_path / "t.jsonl", [label_line(f"b{i}", r[3]) for i, r in enumerate(window)]
    )
    return run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "0",
    )  # fmt: skip


@pytest.mark.parametrize("value", [3, "age", {"age": 1}, [["age"]]])
def test_flip_test_features_not_a_list_of_names_is_one_error(tmp_path: Path, value: object) -> None:
    result = _analyze(tmp_path, value)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("driftline: error: bias baseline in "), line
    assert "analysis_config.json: flip_test_features must be a list of column names" in line


def test_flip_test_features_as_a_list_of_names_is_read(tmp_path: Path) -> None:
    result = _analyze(tmp_path, ["age"])
    assert result.exit_code == 0, result.output
    assert "ModelBias: Completed" in result.output


@pytest.mark.parametrize("missing", ["analysis.json", "analysis_config.json"])
def test_a_bias_folder_with_one_of_its_two_files_is_refused(tmp_path: Path, missing: str) -> None:
    """Without analysis.json, ModelBias was left out of the run without a word (exit 0)."""
    result = _analyze(tmp_path, without=missing)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line == f"driftline: error: no such file: {tmp_path / 'baseline/bias' / missing}"
