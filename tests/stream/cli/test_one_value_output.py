"""A model that returns one value, located with no inference or probability attribute.

AWS's churn bias-monitoring example deploys a model whose CSV output is one probability
and sets only ``probability_threshold_attribute=0.8`` (Clarify's ``ModelPredictedLabelConfig``
needs no ``label`` nor ``probability`` for one value). The fixture has that shape, with
hand-made values: a CSV request of features, a one-field CSV output, labels by inferenceId,
a bias config with ``label_values_or_threshold = [1]`` and ``probability_threshold = 0.8``,
model quality ``BinaryClassification``. ``analyze`` with no attribute, ``analyze
--probability-attribute 0`` and the worker configured with no attribute must give the same
figures, equal to DPPL/DI computed by hand and to scikit-learn's accuracy and F1 for
``score > 0.8``. A regression model's one value is its prediction: RMSE and R² equal
scikit-learn's.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
from sklearn import metrics as skm

from stream.config import DriftlineConfig, KafkaConfig, load_config
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.state import WorkerState
from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)
from tests.stream.monitors.clarify_files import positive_proportions_difference
from tests.stream.worker.test_labelled import Pipe

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z, the fake clock's time
THRESHOLD = 0.8  # AWS's example: EndpointInput(probability_threshold_attribute=0.8)
FEATURES = ("account_length", "calls", "plan")
BIAS_CONFIG = {
    "dataset_type": "text/csv",
    "headers": ["churn", *FEATURES],
    "label": "churn",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "account_length", "value_or_threshold": [100]}],
    "probability_threshold": THRESHOLD,
    "methods": {"post_training_bias": {"methods": ["DPPL", "DI"]}},
}


class Customer(NamedTuple):
    """One churn prediction: the request's features, the model's probability and the label."""

    account_length: int
    calls: int
    plan: str
    probability: float
    churn: int


def customers(seed: int, n: int) -> list[Customer]:
    """Churners score higher; long accounts (facet d) churn less often."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        length = rng.randint(1, 200)
        churn = int(rng.random() < (0.3 if length > 100 else 0.5))
        probability = rng.uniform(0.45, 1.0) if churn else rng.uniform(0.0, 0.9)
        out.append(Customer(length, rng.randint(0, 9), rng.choice("ab"), round(probability, 3),
                            churn))  # fmt: skip
    return out


def capture(key: str, seconds: float, request: str, output: str) -> str:
    """A capture line of AWS's shape (CSV request, CSV output) at ``seconds``."""
    doc = json.loads(capture_line(key, request, output))
    when = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    doc["eventMetadata"]["inferenceTime"] = when
    return json.dumps(doc)


def request_of(c: Customer) -> str:
    return f"{c.account_length},{c.calls},{c.plan}"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data-quality files over the request's features; model-quality and bias baselines."""
    tmp = tmp_path_factory.mktemp("one_value")
    train = customers(1, 400)
    out = tmp / "baseline"
    data = write_csv(tmp / "features.csv", FEATURES, [c[:3] for c in train])
    assert run("baseline", "suggest", "--data", data, "--out", out).exit_code == 0
    labelled = write_csv(tmp / "train.csv", ("churn", *FEATURES, "probability"),
                         [(c.churn, *c[:3], c.probability) for c in train])  # fmt: skip
    config = tmp / "bias_config.json"
    config.write_text(json.dumps(BIAS_CONFIG))
    result = run(
        "baseline", "suggest", "--data", labelled, "--out", tmp / "full",
        "--problem-type", "BinaryClassification", "--label-column", "churn",
        "--probability-column", "probability", "--probability-threshold", THRESHOLD,
        "--bias-config", config,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for folder in ("model_quality", "bias"):
        shutil.copytree(tmp / "full" / folder, out / folder)
    return out


LIVE = customers(2, 80)


def _files(tmp_path: Path, live: list[Customer]) -> tuple[Path, Path]:
    captures = write_lines(
        tmp_path / "capture/churn/AllTraffic/2024/03/05/14/part.jsonl",
        [capture(f"c{i}", T0 + i * 0.1, request_of(c), str(c.probability))
         for i, c in enumerate(live)],
    )  # fmt: skip
    labels = write_lines(tmp_path / "labels.jsonl",
                         [label_line(f"c{i}", c.churn) for i, c in enumerate(live)])  # fmt: skip
    return captures, labels


def _analyze(tmp_path: Path, baseline: Path, name: str, *options: Any) -> Path:
    captures, labels = _files(tmp_path, LIVE)
    out = tmp_path / name
    result = run(
        "analyze", "--capture", captures.parent, "--baseline", baseline, "--out", out,
        "--ground-truth", labels, "--probability-threshold", THRESHOLD, *options,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "driftline: error" not in result.output
    return out


def _post_training(doc: dict[str, Any]) -> dict[str, float]:
    (entry,) = doc["post_training_bias_metrics"]["facets"]["account_length"]
    return {m["name"]: m["value"] for m in entry["metrics"]}


def _expected(live: list[Customer]) -> dict[str, float]:
    """DPPL and DI by hand, accuracy and F1 by scikit-learn, for ``score > 0.8``."""
    in_d = [c.account_length > 100 for c in live]  # a numeric facet threshold: v > 100
    predicted = [c.probability > THRESHOLD for c in live]
    d = [p for p, sel in zip(predicted, in_d, strict=True) if sel]
    a = [p for p, sel in zip(predicted, in_d, strict=True) if not sel]
    y = [c.churn for c in live]
    return {
        "DPPL": positive_proportions_difference(in_d, predicted),
        "DI": (sum(d) / len(d)) / (sum(a) / len(a)),
        "accuracy": skm.accuracy_score(y, predicted),
        "f1": skm.f1_score(y, predicted),
        "auc": skm.roc_auc_score(y, [c.probability for c in live]),
    }


def _figures(bias: dict[str, Any], quality: dict[str, Any]) -> dict[str, float]:
    metrics = quality["binary_classification_metrics"]
    post = _post_training(bias)
    return {"DPPL": post["DPPL"], "DI": post["DI"],
            **{k: metrics[k]["value"] for k in ("accuracy", "f1", "auc")}}  # fmt: skip


def _check(figures: dict[str, float], expected: dict[str, float]) -> None:
    for name, value in expected.items():
        tolerance = 2e-3 if name == "auc" else 1e-12  # AUC from a 10,000-bin score histogram
        assert figures[name] == pytest.approx(value, abs=tolerance), name


def _without_time(doc: dict[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    out["dataset"] = {k: v for k, v in out.get("dataset", {}).items() if k != "evaluation_time"}
    return out


def test_fixture_is_not_degenerate() -> None:
    expected = _expected(LIVE)
    assert 0 < expected["DI"] < 1 and expected["DPPL"] > 0  # facet d predicted to churn less
    assert 0 < expected["f1"] < 1


def test_analyze_reads_the_one_probability_without_an_attribute(
    tmp_path: Path, baseline: Path
) -> None:
    plain = _analyze(tmp_path, baseline, "plain")
    indexed = _analyze(tmp_path, baseline, "indexed", "--probability-attribute", "0")
    for name in ("bias/analysis.json", "model_quality/statistics.json"):
        assert _without_time(read_json(plain / name)) == _without_time(read_json(indexed / name))
    figures = _figures(read_json(plain / "bias/analysis.json"),
                       read_json(plain / "model_quality/statistics.json"))  # fmt: skip
    _check(figures, _expected(LIVE))
    quality = read_json(plain / "model_quality/statistics.json")
    assert quality["binary_classification_metrics"]["confusion_matrix"]  # every row joined
    assert sum(v for row in quality["binary_classification_metrics"]["confusion_matrix"].values()
               for v in row.values()) == len(LIVE)  # fmt: skip


WORKER_CONFIG = """
[[monitor]]
name = "churn"
baseline = "{baseline}"
window_seconds = 10.0
allowed_lateness_seconds = 0.0
idle_close_seconds = 5.0
min_window_count = 1
"""
BIAS_SECTION = '[monitor.bias]\ndrift_check = "point"\n'


def quality_section(problem_type: str) -> str:
    return (
        f'[monitor.model_quality]\nproblem_type = "{problem_type}"\nprobability_threshold = 0.8\n'
    )


def _worker(tmp_path: Path, clock: Any, baseline: Path, *sections: str) -> Pipe:
    """A worker from a config file with no inference or probability attribute anywhere."""
    path = tmp_path / "driftline.toml"
    path.write_text(WORKER_CONFIG.format(baseline=baseline) + "\n".join(sections))
    monitor = load_config(path, {}).monitor("churn")
    for section in (monitor.model_quality, monitor.bias):
        assert section is None or section.inference_attribute is section.probability_attribute
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=(monitor,))  # fmt: skip
    state = WorkerState(config, {"churn": load_data_quality_baseline(baseline)}, now=clock)
    state.assign({0}, {0})
    return Pipe(state)


def _send_window(pipe: Pipe, lines: list[str], labels: list[str], closing: str) -> None:
    pipe.send("labels", "\n".join(labels).encode())
    pipe.send("capture", "\n".join(lines).encode())
    pipe.send("capture", closing.encode())  # a record of the next window closes this one
    pipe.tick()


@pytest.mark.parametrize("with_quality", [True, False], ids=["quality_and_bias", "bias_alone"])
def test_the_worker_reads_the_one_probability_without_an_attribute(
    tmp_path: Path, baseline: Path, fake_clock: Any, with_quality: bool
) -> None:
    quality_config = quality_section("BinaryClassification") if with_quality else ""
    pipe = _worker(tmp_path, fake_clock, baseline, quality_config, BIAS_SECTION)
    lines = [capture(f"c{i}", T0 + i * 0.1, request_of(c), str(c.probability))
             for i, c in enumerate(LIVE)]  # fmt: skip
    labels = [label_line(f"c{i}", c.churn) for i, c in enumerate(LIVE)]
    # two values and no attribute to say which is the prediction: refused, counted
    lines.append(capture("two", T0 + 9.0, "150,1,a", "0.91,1"))
    labels.append(label_line("two", 1))
    _send_window(pipe, lines, labels, capture("next", T0 + 15, "10,1,a", "0.5"))
    bias = pipe.latest("bias_drift", T0)
    assert bias is not None
    expected = _expected(LIVE)
    post = _post_training(bias.outcome.statistics)
    _check({"DPPL": post["DPPL"], "DI": post["DI"]}, {k: expected[k] for k in ("DPPL", "DI")})
    quality = pipe.latest("model_quality", T0)
    assert (quality is not None) == with_quality
    if quality is not None:
        _check(_figures(bias.outcome.statistics, quality.outcome.statistics), expected)
    counts = pipe.ws.labelled["churn"].join.counts
    assert counts.joined == len(LIVE)
    assert dict(counts.unusable) == {"multi_row_output": 1}


def test_a_regression_models_one_value_is_its_prediction(tmp_path: Path, fake_clock: Any) -> None:
    rng = np.random.default_rng(4)
    y = rng.normal(50, 12, 90).round(3)
    predicted = (0.8 * y + 9 + rng.normal(0, 4, 90)).round(3)
    data = write_csv(tmp_path / "v.csv", ("prediction", "target"), zip(predicted, y, strict=True))
    baseline = tmp_path / "b"
    result = run(
        "baseline", "suggest", "--data", data, "--out", baseline, "--problem-type", "Regression",
        "--label-column", "target", "--prediction-column", "prediction",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [capture(f"r{i}", T0 + i * 0.1, "1", f"{p}") for i, p in enumerate(predicted)]
    labels = [label_line(f"r{i}", v) for i, v in enumerate(y)]
    captures = write_lines(tmp_path / "c/part.jsonl", lines)
    truth = write_lines(tmp_path / "t.jsonl", labels)
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--ground-truth", truth, "--problem-type", "Regression",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    expected = {"rmse": skm.root_mean_squared_error(y, predicted), "r2": skm.r2_score(y, predicted)}
    written = read_json(tmp_path / "run/model_quality/statistics.json")["regression_metrics"]
    pipe = _worker(tmp_path, fake_clock, baseline, quality_section("Regression"))
    _send_window(pipe, lines, labels, capture("next", T0 + 15, "1", "3.0"))
    found = pipe.latest("model_quality", T0)
    assert found is not None
    worker = found.outcome.statistics["regression_metrics"]
    for name, value in expected.items():
        assert written[name]["value"] == pytest.approx(value, abs=1e-9), name
        assert worker[name]["value"] == pytest.approx(value, abs=1e-9), name


def test_a_text_one_value_output_is_counted_without_a_score(tmp_path: Path, baseline: Path) -> None:
    """With no attribute a binary model's one value is its score: text there has none.

    80 probabilities and one output ``high`` (label 1). The text stays a predicted label,
    which is not one of the labels 0 and 1, so it is left out of the metrics; and it is the
    one prediction of 81 without a score. The figures are the 80 scored predictions' alone.
    """
    captures, labels = _files(tmp_path, LIVE)
    with captures.open("a") as file:
        file.write(capture("text", T0 + 9.0, "150,1,a", "high") + "\n")
    with labels.open("a") as file:
        file.write(label_line("text", 1) + "\n")
    result = run(
        "analyze", "--capture", captures.parent, "--baseline", baseline, "--out", tmp_path / "o",
        "--ground-truth", labels, "--probability-threshold", THRESHOLD,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "80 labelled predictions (BinaryClassification), 1 label not usable for model quality "
        "(prediction not 0/1: 1), 1 without a numeric score as the output's one value, "
    ) in result.output
    quality = read_json(tmp_path / "o/model_quality/statistics.json")
    metrics = quality["binary_classification_metrics"]
    expected = _expected(LIVE)
    _check({k: metrics[k]["value"] for k in ("accuracy", "f1", "auc")},
           {k: expected[k] for k in ("accuracy", "f1", "auc")})  # fmt: skip
