"""The README's labelled worked example, up to the worker: files, both baselines, the config.

The worker half of the example is what tests/integration/test_labelled_worker.py runs on
the real broker; here the example's own files must build the baselines its config names.
"""

from __future__ import annotations

import csv
import json
import runpy
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from stream.cli import main
from stream.config.loader import load_config
from stream.worker.monitor_parts import load_baselines
from stream.worker.state import WorkerState

EXAMPLE = Path(__file__).parents[2] / "examples" / "labelled"
LABELLED = [
    "--problem-type", "BinaryClassification", "--label-column", "label",
    "--prediction-column", "prediction", "--probability-column", "probability",
    "--bias-config", "bias_config.json", "--shap", "training_shap.jsonl",
]  # fmt: skip


def test_the_example_builds_its_baselines_and_its_config_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLE / "driftline.toml", tmp_path)
    runpy.run_path(str(EXAMPLE / "make_files.py"), run_name="make_files")["main"](tmp_path)
    captures = sorted((tmp_path / "captures").rglob("*.jsonl"))
    labels = sorted((tmp_path / "groundtruth").rglob("*.jsonl"))
    assert [p.parent.name for p in captures] == ["14", "15"] == [p.parent.name for p in labels]

    runner = CliRunner()
    for args in (["--data", "features.csv", "--out", "baseline"],
                 ["--data", "training.csv", "--out", "labelled-baseline", *LABELLED]):  # fmt: skip
        result = runner.invoke(main, ["baseline", "suggest", *args])
        assert result.exit_code == 0, result.output

    with (tmp_path / "training.csv").open() as f:
        rows = list(csv.DictReader(f))
    accuracy = sum(r["label"] == r["prediction"] for r in rows) / len(rows)
    quality = tmp_path / "labelled-baseline" / "model_quality" / "statistics.json"
    statistics = json.loads(quality.read_text())
    baseline_accuracy = statistics["binary_classification_metrics"]["accuracy"]["value"]
    assert baseline_accuracy == pytest.approx(accuracy)  # counted from the file here

    config = load_config(tmp_path / "driftline.toml", {})
    baselines = load_baselines(config)  # data quality: the model's inputs only
    assert list(baselines["credit-model"].features) == [
        "age", "income", "tenure_months", "score", "plan", "region"
    ]  # fmt: skip
    state = WorkerState(config, baselines)  # every labelled baseline the config names loads
    assert set(state.labelled) == {"credit-model"}
