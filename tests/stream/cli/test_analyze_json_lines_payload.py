"""``analyze --capture`` on JSON Lines requests of several lines, one instance per line.

AWS's JSON Lines bias and explainability monitor examples invoke a ``application/jsonlines``
endpoint with ``"\\n".join(test_data[:2])`` and capture, in one record, a request of two
lines (``{"features": [...]}`` each) and an answer of two lines (``{"predicted_label": ...,
"score": ...}`` each, the last one ending in a line break); their monitors locate
``features`` and ``predicted_label`` in each line. The records here are written by hand in
that shape with values of our own; figures are scikit-learn's (model quality) or numpy's
(bias, :func:`~tests.stream.monitors.jsonl_bias_files.reference`) over the instances.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.stream.cli.labeled_files import read_json, run, write_lines
from tests.stream.cli.test_analyze_ground_truth import _binary_rows, _suggest, assert_binary_metrics
from tests.stream.cli.test_analyze_json_ground_truth import json_label_line
from tests.stream.cli.test_analyze_multi_instance import requests
from tests.stream.monitors.jsonl_bias_files import (
    CONFIG,
    FACET,
    reference,
    rows,
    write_bias_folder,
    write_feature_csv,
)

JSON_LINES = "application/jsonlines"


def json_lines_capture(key: str, inputs: list[Any], outputs: list[Any]) -> str:
    """One capture record of a JSON Lines request and answer, a line per instance."""
    part = {"mode": "INPUT", "observedContentType": JSON_LINES, "encoding": "JSON"}
    request = {**part, "data": "\n".join(json.dumps(i) for i in inputs)}
    answer = {**part, "mode": "OUTPUT", "data": "".join(json.dumps(o) + "\n" for o in outputs)}
    return json.dumps({
        "captureData": {"endpointInput": request, "endpointOutput": answer},
        "eventMetadata": {"eventId": f"e-{key}", "inferenceId": key,
                          "inferenceTime": "2024-03-05T14:07:31Z"},
        "eventVersion": "0",
    })  # fmt: skip


def _model_quality_run(tmp_path: Path, live: list[Any], bad: dict[int, str] | None = None):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(41)
    out = _suggest(tmp_path, _binary_rows(rng, 300, 0.2))
    captures, labels = [], []
    for r, request in enumerate(requests(len(live))):
        instances = [live[i] for i in request]
        inputs = [{"features": [age, sex, income]} for _, age, sex, income, _ in instances]
        outputs = [{"predicted_label": int(s > 0.5), "score": s} for s, *_ in instances]
        line = json_lines_capture(f"req-{r}", inputs, outputs)
        if bad and r in bad:
            line = bad[r]
        captures.append(line)
        labels.append(
            json_label_line(f"req-{r}", {"instances": [{"label": x[4]} for x in instances]})
        )
    return run(
        "analyze", "--capture", write_lines(tmp_path / "c/2024/03/05/14/part.jsonl", captures),
        "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", write_lines(tmp_path / "t.jsonl", labels),
        "--ground-truth-attribute", "instances[*].label",
        "--inference-attribute", "predicted_label", "--probability-attribute", "score",
    )  # fmt: skip


def test_each_line_is_an_instance_joined_to_its_label(tmp_path: Path) -> None:
    live = _binary_rows(np.random.default_rng(42), 250, 0.2)  # (score, age, sex, income, label)
    result = _model_quality_run(tmp_path, live)
    assert "250 of 250 captures joined" in result.output, result.output
    assert "unusable" not in result.output and "bad_payload" not in result.output
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    assert stats["dataset"]["item_count"] == 250
    assert_binary_metrics(stats["binary_classification_metrics"], live)
    quality = read_json(tmp_path / "run/statistics.json")
    assert quality["dataset"]["item_count"] == 250  # a data-quality row per line
    score = next(f for f in quality["features"] if f["name"] == "score")  # the answer's key
    scores = [r[0] for r in live]
    numbers = score["numerical_statistics"]
    assert numbers["common"]["num_present"] == 250
    assert numbers["sum"] == pytest.approx(sum(scores), abs=1e-9)
    assert numbers["mean"] == pytest.approx(sum(scores) / 250, abs=1e-9)


def test_a_line_that_does_not_parse_refuses_its_record_whole(tmp_path: Path) -> None:
    live = _binary_rows(np.random.default_rng(43), 30, 0.2)
    split = requests(len(live))
    answer = [{"predicted_label": 1, "score": 0.9}] * 2
    broken = json.loads(json_lines_capture("req-1", [{"features": [1, "F", 1]}] * 2, answer))
    broken["captureData"]["endpointOutput"]["data"] = '{"predicted_label": 1}\n{"predicted_l\n'
    result = _model_quality_run(tmp_path, live, {1: json.dumps(broken)})
    assert "1 bad records (bad_payload=1)" in result.output, result.output  # data quality
    assert (
        "unusable outputs: bad_payload=1 (first: line 2 of the JSON Lines payload does not "
        "parse" in result.output
    )  # model quality: the record, never its first line alone
    kept = [live[i] for r, request in enumerate(split) if r != 1 for i in request]
    assert f"{len(kept)} of {len(kept)} captures joined" in result.output
    quality = read_json(tmp_path / "run/statistics.json")
    assert quality["dataset"]["item_count"] == len(kept) + 1  # a bad record: one empty row
    score = next(f for f in quality["features"] if f["name"] == "score")
    assert score["numerical_statistics"]["common"]["num_present"] == len(kept)  # none of req-1
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    assert stats["dataset"]["item_count"] == len(kept) == 28  # the 2 instances of req-1 are out
    assert_binary_metrics(stats["binary_classification_metrics"], kept)


def test_bias_reads_features_in_each_line_by_the_configs_headers(tmp_path: Path) -> None:
    """The config's ``features`` JMESPath is each line's, as in AWS's JSON Lines example."""
    out = tmp_path / "baseline"
    data = write_feature_csv(tmp_path / "features.csv", rows())
    assert run("baseline", "suggest", "--data", data, "--out", out).exit_code == 0
    write_bias_folder(out / "bias", {**CONFIG, "features": "features"})
    window = rows(300, seed=12)
    captures, labels = [], []
    for r, request in enumerate(requests(len(window))):
        instances = [window[i] for i in request]
        inputs = [{"features": row.features} for row in instances]
        outputs = [{"predicted_label": row.predicted, "score": 0.5} for row in instances]
        captures.append(json_lines_capture(f"b-{r}", inputs, outputs))
        labels.append(
            json_label_line(f"b-{r}", {"instances": [{"label": x.label} for x in instances]})
        )
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", captures), "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", write_lines(tmp_path / "t.jsonl", labels),
        "--ground-truth-attribute", "instances[*].label",
        "--inference-attribute", "predicted_label",
    )  # fmt: skip
    assert "300 of 300 captures joined" in result.output, result.output
    doc = read_json(tmp_path / "run/bias/analysis.json")
    entry = doc["post_training_bias_metrics"]["facets"][FACET][0]
    metrics = {m["name"]: m["value"] for m in entry["metrics"]}
    for name, expected in reference(window).items():
        assert metrics[name] == pytest.approx(expected, abs=1e-12), name
