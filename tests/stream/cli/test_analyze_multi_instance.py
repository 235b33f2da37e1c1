"""``analyze --ground-truth`` on requests of several instances, in the shape of AWS's JSON
bias-monitor examples: a capture's output ``{"predictions": [{"predicted_label", "score"},
...]}`` holds one prediction per instance of the request (read at ``predictions[*]...``),
and one ground-truth record ``{"instances": [{"label": ...}, ...]}`` labels every instance
(read at ``instances[*].label``). Instance ``i`` joins label ``i``. The records are written
by hand in that shape, with values of our own; figures are scikit-learn's (model quality)
or numpy's by hand (bias) over the per-instance pairs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.stream.cli.bias_files import bias_baseline, bias_rows, post_training
from tests.stream.cli.labeled_files import capture_line, read_json, run, write_lines
from tests.stream.cli.test_analyze_ground_truth import (
    _binary_rows,
    _suggest,
    assert_binary_metrics,
)
from tests.stream.cli.test_analyze_json_ground_truth import json_label_line

SIZES = (1, 2, 3, 5, 4)  # instances per request, in turn


def requests(n: int) -> list[list[int]]:
    """Row indices 0..n-1 cut into requests of SIZES in turn."""
    out, start, turn = [], 0, 0
    while start < n:
        size = SIZES[turn % len(SIZES)]
        out.append(list(range(start, min(start + size, n))))
        start, turn = start + size, turn + 1
    return out


def test_n_instance_requests_join_instance_by_instance(tmp_path: Path) -> None:
    rng = np.random.default_rng(31)
    out = _suggest(tmp_path, _binary_rows(rng, 300, 0.2))
    live = _binary_rows(rng, 250, 0.2)  # (score, age, sex, income, label)
    captures, labels = [], []
    for r, request in enumerate(requests(len(live))):
        rows = [live[i] for i in request]
        output = {"predictions": [{"predicted_label": int(s > 0.5), "score": s} for s, *_ in rows]}
        inputs = "\n".join(f"{age},{sex},{income}" for _, age, sex, income, _ in rows)
        captures.append(capture_line(f"req-{r}", inputs, json.dumps(output), json_output=True))
        labels.append(json_label_line(f"req-{r}", {"instances": [{"label": x[4]} for x in rows]}))
    capture = write_lines(tmp_path / "c/2024/03/05/14/part.jsonl", captures)
    truth = write_lines(tmp_path / "t.jsonl", labels[::-1])  # order does not matter
    result = run(
        "analyze", "--capture", capture, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", truth, "--ground-truth-attribute", "instances[*].label",
        "--inference-attribute", "predictions[*].predicted_label",
        "--probability-attribute", "predictions[*].score",
    )  # fmt: skip
    assert "250 of 250 captures joined" in result.output, result.output
    assert "unusable" not in result.output
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    assert stats["dataset"]["item_count"] == 250
    assert_binary_metrics(stats["binary_classification_metrics"], live)


def test_bias_reads_each_instances_facet_and_label(tmp_path: Path) -> None:
    out = bias_baseline(tmp_path)
    window = bias_rows(30, 60)  # (prediction, sex, age, label)
    order = np.random.default_rng(32).permutation(len(window))  # facets mixed in a request
    window = [window[i] for i in order]
    captures, labels = [], []
    for r, request in enumerate(requests(len(window))):
        rows = [window[i] for i in request]
        output = {"predictions": [{"predicted_label": p} for p, *_ in rows]}
        inputs = "\n".join(f"{sex},{age}" for _, sex, age, _ in rows)
        captures.append(capture_line(f"b-{r}", inputs, json.dumps(output), json_output=True))
        labels.append(json_label_line(f"b-{r}", {"instances": [{"label": x[3]} for x in rows]}))
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", captures), "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", write_lines(tmp_path / "t.jsonl", labels),
        "--ground-truth-attribute", "instances[*].label",
        "--inference-attribute", "predictions[*].predicted_label",
    )  # fmt: skip
    assert "200 of 200 captures joined" in result.output, result.output
    metrics = post_training(read_json(tmp_path / "run/bias/analysis.json"))
    predicted = np.array([r[0] for r in window])
    sex = np.array([r[1] for r in window])
    label = np.array([r[3] for r in window])
    q_a, q_d = predicted[sex == "M"].mean(), predicted[sex == "F"].mean()
    assert metrics["DPPL"] == pytest.approx(q_a - q_d, abs=1e-12)  # 0.60 - 0.30
    assert metrics["DI"] == pytest.approx(q_d / q_a, abs=1e-12)
    # AD needs every instance's own label: accuracy of facet a minus facet d
    accuracy = {s: float((predicted[sex == s] == label[sex == s]).mean()) for s in ("M", "F")}
    assert metrics["AD"] == pytest.approx(accuracy["M"] - accuracy["F"], abs=1e-12)


def test_counts_that_differ_are_counted_never_paired(tmp_path: Path) -> None:
    rng = np.random.default_rng(33)
    out = _suggest(tmp_path, _binary_rows(rng, 300, 0.2))
    live = _binary_rows(rng, 60, 0.2)
    captures, labels = [], []
    for i, (score, age, sex, income, label) in enumerate(live):  # requests of two instances
        output = {"predictions": [{"predicted_label": int(score > 0.5), "score": score}] * 2}
        inputs = f"{age},{sex},{income}\n{age},{sex},{income}"
        captures.append(capture_line(f"r{i}", inputs, json.dumps(output), json_output=True))
        values = [{"label": label}] * (2 if i < 40 else 3 if i < 50 else 1)  # 40 fit, 20 do not
        labels.append(json_label_line(f"r{i}", {"instances": values}))
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", captures), "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", write_lines(tmp_path / "t.jsonl", labels),
        "--ground-truth-attribute", "instances[*].label",
        "--inference-attribute", "predictions[*].predicted_label",
        "--probability-attribute", "predictions[*].score",
    )  # fmt: skip
    assert "80 of 120 captures joined" in result.output, result.output
    first = "instance_count_mismatch=20 (first: inference 'r40' has 2 predictions but its label"
    assert f"{first} has 3 values" in result.output
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    assert stats["dataset"]["item_count"] == 80
    kept = [r for r in live[:40] for _ in range(2)]
    assert_binary_metrics(stats["binary_classification_metrics"], kept)


def test_a_label_line_that_is_a_json_array_is_its_records(tmp_path: Path) -> None:
    """AWS's batch-transform JSON example writes each label file as ``json.dumps([record])``."""
    rng = np.random.default_rng(34)
    out = _suggest(tmp_path, _binary_rows(rng, 300, 0.2))
    live = _binary_rows(rng, 40, 0.2)
    captures = [
        capture_line(f"inf-{i}", f"{age},{sex},{income}", str(score))
        for i, (score, age, sex, income, _) in enumerate(live)
    ]
    records = [json.loads(json_label_line(f"inf-{i}", {"label": r[4]})) for i, r in enumerate(live)]
    truth = tmp_path / "truth"
    for i in range(0, 40, 10):  # four files of one array each, AWS's layout
        write_lines(truth / f"2024/03/05/15/labels-{i}.jsonl", [json.dumps(records[i : i + 10])])
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", captures), "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", truth, "--ground-truth-attribute", "label",
        "--probability-attribute", "0",
    )  # fmt: skip
    assert "40 of 40 captures joined" in result.output, result.output
    assert "bad label records" not in result.output
    block = read_json(tmp_path / "run/model_quality/statistics.json")[
        "binary_classification_metrics"
    ]
    assert_binary_metrics(block, live)
