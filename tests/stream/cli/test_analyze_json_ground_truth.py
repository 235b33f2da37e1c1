"""``analyze --ground-truth`` on JSON-encoded labels, in the shape AWS's bias-monitor examples
write them: ``{"groundTruthData": {"data": "{\\"label\\": 1}", "encoding": "JSON"}, ...}`` or
``{"instances": [{"label": 1}]}`` in ``data``. Model-quality figures are scikit-learn's on the
joined pairs; bias reads its label path from the baseline's ``analysis_config.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm

from tests.stream.cli.bias_files import bias_baseline, bias_rows, post_training
from tests.stream.cli.labeled_files import capture_line, read_json, run, write_lines
from tests.stream.cli.test_analyze_ground_truth import (
    _binary_rows,
    _captures,
    _suggest,
    assert_binary_metrics,
)


def json_label_line(key: str, data: Any) -> str:
    """A ground-truth record whose ``data`` is ``data`` dumped to JSON text."""
    return json.dumps(
        {
            "groundTruthData": {"data": json.dumps(data), "encoding": "JSON"},
            "eventMetadata": {"eventId": key},
            "eventVersion": "0",
        }
    )


def test_json_labels_at_a_projection_give_sklearns_model_quality(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    out = _suggest(tmp_path, _binary_rows(rng, 300, 0.2))
    live = _binary_rows(rng, 240, 0.2)
    labelled = [i for i in range(240) if i % 8 != 0]  # 210 labelled
    lines = [json_label_line(f"inf-{i}", {"instances": [{"label": live[i][4]}]}) for i in labelled]
    two = {"instances": [{"label": 0}, {"label": 1}]}  # two instances' labels, one prediction
    lines += [json_label_line(f"inf-{i}", two) for i in (0, 8, 16)]
    lines += [json_label_line(f"inf-{i}", {"instances": [{"score": 0.4}]}) for i in (24, 32)]
    truth = write_lines(tmp_path / "truth/2024/03/05/15/labels.jsonl", lines)
    result = run(
        "analyze", "--capture", _captures(tmp_path, live), "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", truth.parent,
        "--probability-attribute", "0", "--ground-truth-attribute", "instances[*].label",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "210 of 240 captures joined" in result.output
    assert "2 bad label records (missing_label=2)" in result.output
    assert "instance_count_mismatch=3" in result.output  # counted, not joined
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    assert stats["dataset"]["item_count"] == 210
    assert_binary_metrics(stats["binary_classification_metrics"], [live[i] for i in labelled])


def test_json_labels_without_a_path_are_counted_not_joined(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    out = _suggest(tmp_path, _binary_rows(rng, 300, 0.2))
    live = _binary_rows(rng, 40, 0.2)
    truth = write_lines(
        tmp_path / "t.jsonl",
        [json_label_line(f"inf-{i}", {"label": r[4]}) for i, r in enumerate(live)],
    )
    result = run(
        "analyze", "--capture", _captures(tmp_path, live), "--baseline", out, "--out",
        tmp_path / "run", "--ground-truth", truth, "--probability-attribute", "0",
    )  # fmt: skip
    assert "0 of 40 captures joined" in result.output
    assert "40 bad label records (no_label_path=40)" in result.output


@pytest.mark.parametrize(
    ("option", "path"),
    [
        ("--ground-truth-attribute", "instances[x].label"),
        ("--probability-attribute", "a || b"),  # found nothing: every output no_prediction
        ("--inference-attribute", "predictions[*].@"),
    ],
)
def test_a_bad_path_option_is_one_line(tmp_path: Path, option: str, path: str) -> None:
    out = _suggest(tmp_path, _binary_rows(np.random.default_rng(13), 100, 0.2))
    live = _binary_rows(np.random.default_rng(14), 10, 0.2)
    truth = write_lines(tmp_path / "t.jsonl", [json_label_line("inf-0", {"label": 1})])
    given = {"--probability-attribute": "0", "--ground-truth-attribute": "label", option: path}
    result = run(
        "analyze", "--capture", _captures(tmp_path, live), "--baseline", out, "--out",
        tmp_path / "run", "--ground-truth", truth, *(x for kv in given.items() for x in kv),
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("driftline: error: ")
    assert f"{option} {path!r}" in result.output
    assert "Traceback" not in result.output


def test_bias_takes_its_label_path_from_the_baseline_config(tmp_path: Path) -> None:
    out = bias_baseline(tmp_path)
    assert read_json(out / "bias/analysis_config.json")["label"] == "label"
    window = bias_rows(30, 60)  # (prediction, sex, age, label)
    captures = write_lines(
        tmp_path / "c.jsonl",
        [
            capture_line(f"b{i}", f"{sex},{age}", str(p))
            for i, (p, sex, age, _) in enumerate(window)
        ],
    )
    truth = write_lines(
        tmp_path / "t.jsonl",
        [json_label_line(f"b{i}", {"label": r[3]}) for i, r in enumerate(window)],
    )
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "0",
    )  # fmt: skip
    assert "200 of 200 captures joined" in result.output, result.output
    metrics = post_training(read_json(tmp_path / "run/bias/analysis.json"))
    # AD (accuracy difference) = ACC_a - ACC_d, a = sex M, d = sex F: needs every label
    a = [r for r in window if r[1] == "M"]
    d = [r for r in window if r[1] == "F"]
    accuracy_a = skm.accuracy_score([r[3] for r in a], [r[0] for r in a])
    accuracy_d = skm.accuracy_score([r[3] for r in d], [r[0] for r in d])
    assert metrics["AD"] == pytest.approx(accuracy_a - accuracy_d, abs=1e-12)


def test_aws_json_shapes_end_to_end_one_instance_a_request(tmp_path: Path) -> None:
    """AWS's JSON example: inputs ``{"instances": [...]}``, outputs ``{"predictions":
    [{"predicted_label", "score"}]}`` read with ``predictions[*].predicted_label`` /
    ``predictions[*].score``, labels ``{"instances": [{"label"}]}`` at ``instances[*].label``.
    A request of one instance gives one prediction; a request of two with a label of three
    values is counted (instance_count_mismatch), not paired by position."""
    rng = np.random.default_rng(15)
    out = _suggest(tmp_path, _binary_rows(rng, 300, 0.2))
    live = _binary_rows(rng, 120, 0.2)
    lines = []
    for i, (score, age, sex, income, _) in enumerate(live):
        output = {"predictions": [{"predicted_label": int(score > 0.5), "score": score}]}
        lines.append(capture_line(f"inf-{i}", f"{age},{sex},{income}", json.dumps(output),
                                  json_output=True))  # fmt: skip
    two = {"predictions": [{"predicted_label": 1, "score": 0.9}] * 2}
    lines.append(capture_line("inf-two", "30,F,1000", json.dumps(two), json_output=True))
    captures = write_lines(tmp_path / "c/part.jsonl", lines)
    truth = write_lines(
        tmp_path / "t.jsonl",
        [json_label_line(f"inf-{i}", {"instances": [{"label": r[4]}]}) for i, r in enumerate(live)]
        + [json_label_line("inf-two", {"instances": [{"label": 1}, {"label": 0}, {"label": 1}]})],
    )
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", truth, "--ground-truth-attribute", "instances[*].label",
        "--inference-attribute", "predictions[*].predicted_label",
        "--probability-attribute", "predictions[*].score",
    )  # fmt: skip
    assert "120 of 122 captures joined" in result.output, result.output
    assert "unusable outputs: instance_count_mismatch=1" in result.output
    block = read_json(tmp_path / "run/model_quality/statistics.json")[
        "binary_classification_metrics"
    ]
    assert_binary_metrics(block, live)
