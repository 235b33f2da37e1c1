"""Bias of a regression model whose output is one value, located with no attribute.

AWS's pipelines example (``sm-pipelines_clarify_model_monitor_integration``) checks the bias
of an XGBoost regression model of abalone rings with ``ModelPredictedLabelConfig()`` (no
``label``, ``probability`` nor ``probability_threshold``) and
``label_values_or_threshold=[15.0]``: the model's one output value is the predicted rings
count, held against 15 as the observed count is (Clarify's analysis-config page: with no
``label`` the CSV output is "a single numeric value corresponding to the score"; the
threshold of 0.5 is for binary classification). The fixture has that shape with hand-made
values: a CSV request ``sex,length``, a one-field CSV output, labels by inferenceId, a bias
baseline from a file with a ``prediction`` column. ``analyze`` with no attribute and the
worker with bias alone must give DPPL and DI computed by hand for ``prediction > 15`` —
before, the output was read as a score above 0.5, so every prediction was 1, never above
15, and the metrics were null.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.stream.cli.labeled_files import label_line, read_json, run, write_csv, write_lines
from tests.stream.cli.test_one_value_output import (
    BIAS_SECTION,
    T0,
    _send_window,
    _worker,
    capture,
    quality_section,
)

RINGS_THRESHOLD = 15.0
BIAS_CONFIG = {
    "dataset_type": "text/csv",
    "headers": ["rings", "sex", "length"],  # the request's features are read by these names
    "label": "rings",
    "predicted_label": "prediction",
    "label_values_or_threshold": [RINGS_THRESHOLD],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["M"]}],
    "methods": {"post_training_bias": {"methods": ["DPPL", "DI"]}},
}


class Abalone(NamedTuple):
    """One prediction: the request's features, the predicted and the observed rings."""

    sex: str
    length: float
    predicted: float
    rings: float


def abalones(seed: int, n: int) -> list[Abalone]:
    """Males (facet d) are older, and predicted so, more often than the others."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        sex = rng.choice("MFI")
        rings = round(rng.gauss(15.5 if sex == "M" else 13.0, 3.0), 1)
        out.append(Abalone(sex, round(rng.uniform(0.2, 0.8), 3),
                           round(rings + rng.gauss(0.0, 2.0), 2), rings))  # fmt: skip
    return out


LIVE = abalones(2, 90)


def _expected(live: list[Abalone]) -> dict[str, float]:
    """DPPL = q_a − q_d and DI = q_d / q_a by hand, q = share predicted above 15."""
    d = [a.predicted > RINGS_THRESHOLD for a in live if a.sex == "M"]
    rest = [a.predicted > RINGS_THRESHOLD for a in live if a.sex != "M"]
    q_d, q_a = sum(d) / len(d), sum(rest) / len(rest)
    return {"DPPL": q_a - q_d, "DI": q_d / q_a}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data-quality files over the request's features and the bias baseline."""
    tmp = tmp_path_factory.mktemp("one_value_regression")
    train = abalones(1, 300)
    out = tmp / "baseline"
    features = write_csv(tmp / "features.csv", ("sex", "length"),
                         [(a.sex, a.length) for a in train])  # fmt: skip
    assert run("baseline", "suggest", "--data", features, "--out", out).exit_code == 0
    labelled = write_csv(tmp / "train.csv", ("rings", "sex", "length", "prediction"),
                         [(a.rings, a.sex, a.length, a.predicted) for a in train])  # fmt: skip
    config = tmp / "bias_config.json"
    config.write_text(json.dumps(BIAS_CONFIG))
    result = run("baseline", "suggest", "--data", labelled, "--out", tmp / "full",
                 "--bias-config", config)  # fmt: skip
    assert result.exit_code == 0, result.output
    shutil.copytree(tmp / "full" / "bias", out / "bias")
    pinned = read_json(out / "bias" / "analysis_config.json")
    assert pinned["label_data_type"] == "continuous" and "probability_threshold" not in pinned
    return out


def _lines(live: list[Abalone]) -> tuple[list[str], list[str]]:
    captures = [capture(f"a{i}", T0 + i * 0.1, f"{a.sex},{a.length}", str(a.predicted))
                for i, a in enumerate(live)]  # fmt: skip
    labels = [label_line(f"a{i}", a.rings) for i, a in enumerate(live)]
    return captures, labels


def _post_training(doc: dict[str, Any]) -> dict[str, Any]:
    (entry,) = doc["post_training_bias_metrics"]["facets"]["sex"]
    return {m["name"]: m["value"] for m in entry["metrics"]}


def test_fixture_is_not_degenerate() -> None:
    expected = _expected(LIVE)
    assert expected["DPPL"] < 0 and expected["DI"] > 1  # facet d predicted older more often
    assert not all(a.predicted > RINGS_THRESHOLD for a in LIVE)


def test_analyze_holds_the_one_value_against_the_label_threshold(
    tmp_path: Path, baseline: Path
) -> None:
    captures, labels = _lines(LIVE)
    capture_file = write_lines(tmp_path / "capture/abalone/AllTraffic/2024/03/05/14/p.jsonl",
                               captures)  # fmt: skip
    truth = write_lines(tmp_path / "labels.jsonl", labels)
    result = run("analyze", "--capture", capture_file.parent, "--baseline", baseline,
                 "--out", tmp_path / "out", "--ground-truth", truth)  # fmt: skip
    assert result.exit_code == 0, result.output
    post = _post_training(read_json(tmp_path / "out/bias/analysis.json"))
    assert post == pytest.approx(_expected(LIVE), abs=1e-12)


@pytest.mark.parametrize("with_quality", [False, True], ids=["bias_alone", "with_regression"])
def test_the_worker_holds_the_one_value_against_the_label_threshold(
    tmp_path: Path, baseline: Path, fake_clock: Any, with_quality: bool
) -> None:
    sections = [BIAS_SECTION]
    if with_quality:  # model quality's Regression reads the value as the prediction too
        shutil.copytree(baseline, tmp_path / "b")
        baseline = tmp_path / "b"
        rows = [(a.predicted, a.rings) for a in abalones(1, 300)]
        data = write_csv(tmp_path / "v.csv", ("prediction", "rings"), rows)
        result = run("baseline", "suggest", "--data", data, "--out", tmp_path / "mq",
                     "--problem-type", "Regression", "--label-column", "rings",
                     "--prediction-column", "prediction")  # fmt: skip
        assert result.exit_code == 0, result.output
        shutil.copytree(tmp_path / "mq" / "model_quality", baseline / "model_quality")
        sections.append(quality_section("Regression"))
    pipe = _worker(tmp_path, fake_clock, baseline, *sections)
    captures, labels = _lines(LIVE)
    _send_window(pipe, captures, labels, capture("next", T0 + 15, "M,0.5", "12.0"))
    bias = pipe.latest("bias_drift", T0)
    assert bias is not None
    assert _post_training(bias.outcome.statistics) == pytest.approx(_expected(LIVE), abs=1e-12)
