"""``analyze --capture`` on batch-transform records as SageMaker's merge job writes them.

A merged record holds ``captureData.batchTransformOutput`` only and ``eventMetadata`` holds
only ``eventId``: no ``inferenceTime``. Data quality reads the transform's input columns
(``SageMakerOutput`` is the model's response, the other keys the request), model quality
finds the prediction in ``SageMakerOutput`` (JSON) or by column index in the whole CSV line,
as AWS's batch-transform examples configure it. Expected figures are numpy's and
scikit-learn's over the values the records were built from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm

from tests.stream.cli.batch_transform_files import joined_csv_line, joined_json_line, merged_record
from tests.stream.cli.bias_files import bias_baseline, bias_rows, post_training
from tests.stream.cli.labeled_files import read_json, run, write_csv, write_lines
from tests.stream.monitors.jsonl_bias_files import FACET, write_bias_folder, write_feature_csv
from tests.stream.monitors.jsonl_bias_files import reference as jsonl_bias_reference
from tests.stream.monitors.jsonl_bias_files import rows as jsonl_bias_rows

FEATURES = ("age", "hours", "sex")


def _live(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    """Transform outputs: features, a score, its predicted label (score > 0.5) and a label."""
    rows = []
    for _ in range(n):
        label = int(rng.random() < 0.4)
        score = round(float(np.clip(rng.normal(0.35 + 0.3 * label, 0.15), 0, 1)), 6)
        features = [int(rng.integers(18, 80)), int(rng.integers(10, 60)), int(rng.integers(0, 2))]
        rows.append({"features": features, "score": score, "label": label})
    return rows


def _baseline(tmp_path: Path, rng: np.random.Generator, columns: tuple[str, ...]) -> Path:
    rows = [(r["features"] + [r["score"], r["label"]])[: len(columns)] for r in _live(rng, 200)]
    data = write_csv(tmp_path / "train.csv", columns, rows)
    out = tmp_path / "baseline"
    result = run("baseline", "suggest", "--data", data, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def _feature_stats(path: Path) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in read_json(path)["features"]}


def _assert_numeric(feature: dict[str, Any], values: list[float]) -> None:
    stats = feature["numerical_statistics"]
    assert stats["common"]["num_present"] == len(values)
    assert stats["common"]["num_missing"] == 0
    assert stats["sum"] == pytest.approx(float(np.sum(values)), rel=1e-12)
    assert stats["mean"] == pytest.approx(float(np.mean(values)), rel=1e-12)
    assert stats["std_dev"] == pytest.approx(float(np.std(values)), rel=1e-9)
    assert (stats["min"], stats["max"]) == (min(values), max(values))


def _json_captures(tmp_path: Path, live: list[dict[str, Any]]) -> Path:
    lines = [
        joined_json_line(
            f"bt-{i}",
            {"predicted_label": int(r["score"] > 0.5), "score": r["score"]},
            r["features"],
            r["label"],
        )  # fmt: skip
        for i, r in enumerate(live)
    ]
    return write_lines(tmp_path / "merge/2024/01/21/01/part-00000.c000.jsonl", lines)


def test_json_lines_merged_records_give_the_inputs_data_quality(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    baseline = _baseline(tmp_path, rng, FEATURES)
    live = _live(rng, 60)
    captures = _json_captures(tmp_path, live)
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--capture-index-names", "endpointInput",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "60 records in 1 files, 60 rows" in result.output
    assert "bad records" not in result.output
    stats = _feature_stats(tmp_path / "run/statistics.json")
    assert list(stats) == list(FEATURES)  # the response's keys are no input columns
    for i, name in enumerate(FEATURES):
        _assert_numeric(stats[name], [r["features"][i] for r in live])


def test_json_lines_merged_records_put_the_response_first_by_default(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    baseline = _baseline(tmp_path, rng, FEATURES)
    live = _live(rng, 40)
    result = run(
        "analyze", "--capture", _json_captures(tmp_path, live), "--baseline", baseline,
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert "40 records in 1 files, 40 rows" in result.output, result.output
    stats = _feature_stats(tmp_path / "run/statistics.json")
    # Output columns first, as for an endpoint's capture: the response's named values, then
    # the request's list named on from the baseline's third position.
    assert {"predicted_label", "score", "sex", "_c3", "_c4"} <= set(stats)
    _assert_numeric(stats["score"], [r["score"] for r in live])
    _assert_numeric(stats["sex"], [r["features"][0] for r in live])


def test_csv_merged_records_are_read_as_whole_lines(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    columns = (*FEATURES, "score")
    baseline = _baseline(tmp_path, rng, columns)
    live = _live(rng, 50)
    lines = [joined_csv_line(f"bt-{i}", [*r["features"], r["score"]], r["label"])
             for i, r in enumerate(live)]  # fmt: skip
    captures = write_lines(tmp_path / "merge/part.jsonl", lines)
    for parts in ("endpointInput,endpointOutput", "endpointInput", "endpointOutput"):
        out = tmp_path / f"run-{parts}"
        result = run(
            "analyze", "--capture", captures, "--baseline", baseline, "--out", out,
            "--capture-index-names", parts,
        )  # fmt: skip
        assert "50 records in 1 files, 50 rows, 0 violations" in result.output, result.output
        stats = _feature_stats(out / "statistics.json")
        assert list(stats) == list(columns)  # the line once, whichever parts are named
        for i, name in enumerate(FEATURES):
            _assert_numeric(stats[name], [r["features"][i] for r in live])
        _assert_numeric(stats["score"], [r["score"] for r in live])


def test_unreadable_batch_records_are_counted_by_reason(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    baseline = _baseline(tmp_path, rng, FEATURES)
    live = _live(rng, 40)
    captures = _json_captures(tmp_path, live)
    bad = [
        merged_record("bt-x1", '{"SageMakerOutput": {"score": 0.4}, "features": [1,', "JSON", None),
        merged_record("bt-x2", '{"SageMakerOutput": {"score": 0.4}}', "XML", None),
        '{"eventMetadata": {"eventId": "bt-x3"}, "captureData": {}}',
    ]
    write_lines(captures, [*captures.read_text().splitlines(), *bad])
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--capture-index-names", "endpointInput",
    )  # fmt: skip
    assert "43 records in 1 files, 43 rows" in result.output, result.output
    assert "3 bad records (bad_encoding=1, bad_payload=1, missing_field=1)" in result.output
    stats = _feature_stats(tmp_path / "run/statistics.json")
    assert stats["age"]["numerical_statistics"]["common"]["num_missing"] == 3
    assert stats["age"]["numerical_statistics"]["sum"] == sum(r["features"][0] for r in live)


def _sklearn_binary(labels: list[int], scores: list[float]) -> dict[str, float]:
    predicted = [int(s > 0.5) for s in scores]
    return {
        "accuracy": skm.accuracy_score(labels, predicted),
        "precision": skm.precision_score(labels, predicted, zero_division=0),
        "recall": skm.recall_score(labels, predicted, zero_division=0),
        "f1": skm.f1_score(labels, predicted, zero_division=0),
        "auc": skm.roc_auc_score(labels, scores),
    }


def _model_quality_baseline(tmp_path: Path, rng: np.random.Generator) -> Path:
    rows = [
        (*r["features"], r["score"], int(r["score"] > 0.5), r["label"]) for r in _live(rng, 300)
    ]
    data = write_csv(tmp_path / "validation.csv", (*FEATURES, "score", "prediction", "label"), rows)
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out,
        "--problem-type", "BinaryClassification", "--label-column", "label",
        "--prediction-column", "prediction", "--probability-column", "score",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def _assert_model_quality(path: Path, live: list[dict[str, Any]]) -> None:
    stats = read_json(path)
    assert stats["dataset"]["item_count"] == len(live)
    block = stats["binary_classification_metrics"]
    expected = _sklearn_binary([r["label"] for r in live], [r["score"] for r in live])
    for name, value in expected.items():
        assert block[name]["value"] == pytest.approx(value, abs=0.005 if name == "auc" else 1e-9)


def test_json_merged_records_give_sklearns_model_quality(tmp_path: Path) -> None:
    """The merged file is its own ground truth, as SageMaker's merge output is."""
    rng = np.random.default_rng(9)
    baseline = _model_quality_baseline(tmp_path, rng)
    live = _live(rng, 250)
    captures = _json_captures(tmp_path, live)
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--ground-truth", captures, "--ground-truth-attribute", "label",
        "--inference-attribute", "predicted_label", "--probability-attribute", "score",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "250 of 250 captures joined" in result.output
    _assert_model_quality(tmp_path / "run/model_quality/statistics.json", live)


def test_csv_merged_records_index_the_whole_line(tmp_path: Path) -> None:
    """``probability_attribute`` counts the input columns first (AWS's ``"69"`` example)."""
    rng = np.random.default_rng(10)
    baseline = _model_quality_baseline(tmp_path, rng)
    live = _live(rng, 220)
    lines = [joined_csv_line(f"bt-{i}", [*r["features"], r["score"]], r["label"])
             for i, r in enumerate(live)]  # fmt: skip
    captures = write_lines(tmp_path / "merge/part.jsonl", lines)
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--ground-truth", captures, "--probability-attribute", "3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "220 of 220 captures joined" in result.output
    _assert_model_quality(tmp_path / "run/model_quality/statistics.json", live)


def test_json_merged_records_give_bias_metrics_of_their_facet(tmp_path: Path) -> None:
    """AWS's JSON Lines bias example: facets from ``features``, ``predicted_label`` found in
    ``SageMakerOutput``, the label (``label``, the baseline's) in the record's own truth."""
    baseline = bias_baseline(tmp_path)
    window = bias_rows(30, 60)  # (prediction, sex, age, label)
    lines = [
        joined_json_line(f"bt-{i}", {"predicted_label": p}, [sex, age], label)
        for i, (p, sex, age, label) in enumerate(window)
    ]
    captures = write_lines(tmp_path / "merge/part.jsonl", lines)
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--ground-truth", captures, "--inference-attribute", "predicted_label",
    )  # fmt: skip
    assert "200 of 200 captures joined" in result.output, result.output
    metrics = post_training(read_json(tmp_path / "run/bias/analysis.json"))
    a = [r for r in window if r[1] == "M"]
    d = [r for r in window if r[1] == "F"]
    assert metrics["DPPL"] == pytest.approx(60 / 100 - 30 / 100, abs=1e-12)
    accuracy_a = skm.accuracy_score([r[3] for r in a], [r[0] for r in a])
    accuracy_d = skm.accuracy_score([r[3] for r in d], [r[0] for r in d])
    assert metrics["AD"] == pytest.approx(accuracy_a - accuracy_d, abs=1e-12)


def test_aws_json_lines_bias_shape_names_the_facet_by_the_configs_headers(tmp_path: Path) -> None:
    """AWS's JSON Lines batch-transform bias example end to end: a bias config with headers
    and ``label``, merged records of ``{"SageMakerOutput": ..., "features": [...]}`` with
    ``{"label": ...}`` JSON truth, ``--inference-attribute predicted_label``."""
    out = tmp_path / "baseline"
    data = write_feature_csv(tmp_path / "features.csv", jsonl_bias_rows())
    assert run("baseline", "suggest", "--data", data, "--out", out).exit_code == 0
    write_bias_folder(out / "bias")
    window = jsonl_bias_rows(300, seed=12)
    lines = [
        joined_json_line(
            f"bt-{i}",
            {"predicted_label": row.predicted, "score": 0.9 if row.predicted else 0.1},
            row.features,
            row.label,
        )  # fmt: skip
        for i, row in enumerate(window)
    ]
    captures = write_lines(tmp_path / "merge/2023/01/21/01/part-00000.c000.jsonl", lines)
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", captures, "--inference-attribute", "predicted_label",
    )  # fmt: skip
    assert "300 of 300 captures joined" in result.output, result.output
    assert "ModelBias: Completed" in result.output
    doc = read_json(tmp_path / "run/bias/analysis.json")
    entry = doc["post_training_bias_metrics"]["facets"][FACET][0]
    metrics = {m["name"]: m["value"] for m in entry["metrics"]}
    for name, expected in jsonl_bias_reference(window).items():
        assert metrics[name] == pytest.approx(expected, abs=1e-12), name


def test_a_manifest_fails_the_run_saying_what_to_analyze(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    baseline = _baseline(tmp_path, rng, FEATURES)
    manifest = write_lines(
        tmp_path / "capture/input/2024/01/21/01/8d5c.jsonl",
        ['[{"prefix":"s3://acme/transform-input/"},"inputs-1.csv","inputs-2.csv"]'],
    )
    result = run(
        "analyze", "--capture", manifest, "--baseline", baseline, "--out", tmp_path / "run"
    )  # fmt: skip
    assert result.exit_code == 2
    assert "all 1 records are bad (batch_manifest=1)" in result.output
    assert "analyze those files with --data" in result.output


def test_a_record_nested_deeper_than_json_writes_is_counted_too_deep(tmp_path: Path) -> None:
    """orjson reads 1024 levels and writes 254: a 300-deep response stopped the run with
    "unexpected TypeError … (a bug in driftline)"; it is one bad record now."""
    rng = np.random.default_rng(14)
    baseline = _baseline(tmp_path, rng, FEATURES)
    live = _live(rng, 30)
    captures = _json_captures(tmp_path, live)
    deep = "[" * 300 + "]" * 300
    bad = merged_record("bt-deep", f'{{"SageMakerOutput": {deep}, "features": [1, 2, 3]}}',
                        "JSON", None)  # fmt: skip
    write_lines(captures, [*captures.read_text().splitlines(), bad])
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--capture-index-names", "endpointInput",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "31 records in 1 files, 31 rows" in result.output, result.output
    assert "1 bad records (too_deep=1)" in result.output
    stats = _feature_stats(tmp_path / "run/statistics.json")
    assert stats["age"]["numerical_statistics"]["sum"] == sum(r["features"][0] for r in live)
