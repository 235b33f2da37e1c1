"""A bias baseline's ``predictor`` says where the model output holds its prediction.

Clarify's baselining analysis config carries the ``ModelPredictedLabelConfig`` in its
``predictor`` (``label``: where the predicted label is, ``probability``: where the score
is), as AWS's JSON bias-monitor example's baselining job logs it (``'predictor': {...,
'label': 'predictions[*].predicted_label', 'probability': 'predictions[*].score'}``). The
SDK's ``ModelBiasMonitor`` copies them into the schedule's ``inference_attribute`` and
``probability_attribute`` when the endpoint input gives none, so AWS's example configures
them once. driftline read neither: without ``--inference-attribute`` every such capture was
``no_prediction`` and the bias monitor Failed. Now a monitor that sets neither attribute
(``analyze`` options, ``[monitor.bias]`` or ``[monitor.model_quality]``) takes each from the
baseline's ``predictor``, as the SDK fills each one it was not given.

Rows and files are ours (the multi-instance test's shape); the figures are numpy's by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stream.config import MonitorConfig
from stream.config.sections import BiasDriftSettings
from stream.monitors.data_quality import load_data_quality_baseline
from stream.monitors.files import BaselineError
from stream.monitors.labelled_setup import labelled_setup
from tests.stream.cli.bias_files import bias_baseline, bias_rows, post_training
from tests.stream.cli.labeled_files import capture_line, read_json, run, write_lines
from tests.stream.cli.test_analyze_json_ground_truth import json_label_line
from tests.stream.cli.test_analyze_multi_instance import requests

PREDICTOR = {  # the SDK's ModelConfig and ModelPredictedLabelConfig, as Clarify's config holds them
    "model_name": "a-model",
    "instance_type": "ml.m5.xlarge",
    "initial_instance_count": 1,
    "accept_type": "application/json",
    "content_type": "application/json",
    "label": "predictions[*].predicted_label",
    "probability": "predictions[*].score",
}


def _with_predictor(out: Path, predictor: Any) -> Path:
    path = out / "bias/analysis_config.json"
    config = json.loads(path.read_text())
    path.write_text(json.dumps({**config, "predictor": predictor}))
    return out


def _files(tmp_path: Path, window: list[tuple[int, str, float, int]]) -> tuple[Path, Path]:
    """Captures of several instances, each output ``{"predictions": [{"predicted_label"}]}``."""
    captures, labels = [], []
    for r, request in enumerate(requests(len(window))):
        rows = [window[i] for i in request]
        output = {"predictions": [{"predicted_label": p} for p, *_ in rows]}
        inputs = "\n".join(f"{sex},{age}" for _, sex, age, _ in rows)
        captures.append(capture_line(f"b-{r}", inputs, json.dumps(output), json_output=True))
        labels.append(json_label_line(f"b-{r}", {"instances": [{"label": x[3]} for x in rows]}))
    return write_lines(tmp_path / "c.jsonl", captures), write_lines(tmp_path / "t.jsonl", labels)


def test_the_baselines_predictor_locates_the_prediction(tmp_path: Path) -> None:
    out = _with_predictor(bias_baseline(tmp_path), {**PREDICTOR, "probability": None})
    window = bias_rows(30, 60)  # (prediction, sex, age, label)
    capture, truth = _files(tmp_path, window)
    result = run(
        "analyze", "--capture", capture, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", truth, "--ground-truth-attribute", "instances[*].label",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "200 of 200 captures joined" in result.output, result.output
    assert "unusable" not in result.output
    metrics = post_training(read_json(tmp_path / "run/bias/analysis.json"))
    predicted = np.array([r[0] for r in window])
    sex = np.array([r[1] for r in window])
    q_a, q_d = predicted[sex == "M"].mean(), predicted[sex == "F"].mean()
    assert metrics["DPPL"] == pytest.approx(q_a - q_d, abs=1e-12)  # 0.60 - 0.30
    assert metrics["DI"] == pytest.approx(q_d / q_a, abs=1e-12)


def test_a_given_attribute_wins_over_the_predictor(tmp_path: Path) -> None:
    # the predictor points at keys this output lacks: what the command line says is read
    out = _with_predictor(bias_baseline(tmp_path), {"label": "nowhere"})
    capture, truth = _files(tmp_path, bias_rows(30, 60))
    result = run(
        "analyze", "--capture", capture, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", truth, "--ground-truth-attribute", "instances[*].label",
        "--inference-attribute", "predictions[*].predicted_label",
    )  # fmt: skip
    assert "200 of 200 captures joined" in result.output, result.output
    assert "unusable" not in result.output


def test_the_worker_takes_the_predictor_when_no_attribute_is_set(tmp_path: Path) -> None:
    out = _with_predictor(bias_baseline(tmp_path), PREDICTOR)
    monitor = MonitorConfig(name="m", baseline=out, window_seconds=60.0, bias=BiasDriftSettings())
    setup = labelled_setup(monitor, load_data_quality_baseline(out).features)
    assert setup is not None and setup.locator is not None
    assert setup.locator.inference_attribute == "predictions[*].predicted_label"
    assert setup.locator.probability_attribute == "predictions[*].score"


@pytest.mark.parametrize(
    ("predictor", "reason"),
    [
        ({"label": "predictions[x]"}, "predictor.label"),
        ({"probability": 1.5}, "predictor.probability"),
        ("predictions", "predictor must be a JSON object"),
    ],
)
def test_a_predictor_that_is_no_path_is_refused(
    tmp_path: Path, predictor: Any, reason: str
) -> None:
    out = _with_predictor(bias_baseline(tmp_path), predictor)
    monitor = MonitorConfig(name="m", baseline=out, window_seconds=60.0, bias=BiasDriftSettings())
    with pytest.raises(BaselineError, match=reason):
        labelled_setup(monitor, load_data_quality_baseline(out).features)
