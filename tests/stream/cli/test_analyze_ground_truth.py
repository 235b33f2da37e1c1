"""``baseline suggest --problem-type`` and ``analyze --ground-truth``: model quality vs sklearn."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm

from tests.stream.cli.labeled_files import (
    a2i_output,
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)

HEADER = ("score", "age", "sex", "income", "label")
Row = tuple[Any, ...]
AUC_BOUND = 0.005  # the bound; the detector's stated bound is far tighter


def _binary_rows(rng: np.random.Generator, n: int, separation: float) -> list[Row]:
    rows = []
    for _ in range(n):
        label = int(rng.random() < 0.4)
        mean = 0.5 + (separation if label else -separation)
        score = float(np.clip(rng.normal(mean, 0.15), 0.0, 1.0))
        rows.append(
            (round(score, 6), int(rng.integers(18, 80)), rng.choice(["F", "M"]), 1000, label)
        )
    return rows


def _suggest(tmp_path: Path, rows: list[Row]) -> Path:
    data = write_csv(tmp_path / "validation.csv", HEADER, rows)
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out,
        "--problem-type", "BinaryClassification", "--label-column", "label",
        "--probability-column", "score", "--probability-threshold", "0.5",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def _captures(tmp_path: Path, rows: list[Row], name: str = "capture") -> Path:
    lines = [
        capture_line(f"inf-{i}", f"{age},{sex},{income}", str(score))
        for i, (score, age, sex, income, _) in enumerate(rows)
    ]
    return write_lines(tmp_path / name / "2024/03/05/14/part.jsonl", lines)


def _analyze_labelled(tmp_path: Path, rows: list[Row], baseline: Path, *extra: str):  # type: ignore[no-untyped-def]
    """``analyze`` of ``rows`` as captures and their labels into ``tmp_path/run``."""
    truth = write_lines(
        tmp_path / "labels.jsonl", [label_line(f"inf-{i}", r[4]) for i, r in enumerate(rows)]
    )
    return run(
        "analyze", "--capture", _captures(tmp_path, rows), "--baseline", baseline, "--out",
        tmp_path / "run", "--ground-truth", truth, "--probability-attribute", "0", *extra,
    )  # fmt: skip


def assert_binary_metrics(block: dict[str, Any], rows: list[Row], key: str = "value") -> None:
    """A statistics (or constraints) block holds scikit-learn's figures over ``rows``' pairs."""
    expected = _sklearn_binary([r[4] for r in rows], [r[0] for r in rows])
    for name, value in expected.items():
        bound = AUC_BOUND if name == "auc" else 1e-9
        assert block[name][key] == pytest.approx(value, abs=bound), name


def _sklearn_binary(y: list[int], s: list[float]) -> dict[str, float]:
    p = [int(v > 0.5) for v in s]
    tn, fp, fn, tp = skm.confusion_matrix(y, p, labels=[0, 1]).ravel()
    return {
        "accuracy": skm.accuracy_score(y, p),
        "precision": skm.precision_score(y, p, zero_division=0),
        "recall": skm.recall_score(y, p, zero_division=0),
        "f1": skm.f1_score(y, p, zero_division=0),
        "f0_5": skm.fbeta_score(y, p, beta=0.5, zero_division=0),
        "f2": skm.fbeta_score(y, p, beta=2, zero_division=0),
        "false_positive_rate": fp / (fp + tn),
        "true_negative_rate": tn / (fp + tn),
        "auc": skm.roc_auc_score(y, s),
    }


def test_baseline_thresholds_equal_sklearn_metrics(tmp_path: Path) -> None:
    rows = _binary_rows(np.random.default_rng(1), 400, 0.2)
    out = _suggest(tmp_path, rows)
    constraints = read_json(out / "model_quality/constraints.json")
    block = constraints["binary_classification_constraints"]
    assert_binary_metrics(block, rows, key="threshold")
    assert block["false_positive_rate"]["comparison_operator"] == "GreaterThanThreshold"
    assert block["accuracy"]["comparison_operator"] == "LessThanThreshold"
    stats = read_json(out / "model_quality/statistics.json")
    assert stats["dataset"]["item_count"] == 400
    # The data-quality baseline keeps every column of the file, label included.
    names = [f["name"] for f in read_json(out / "statistics.json")["features"]]
    assert names == list(HEADER)


def test_analyze_statistics_equal_sklearn_on_joined_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    out = _suggest(tmp_path, _binary_rows(rng, 300, 0.2))
    live = _binary_rows(rng, 300, 0.2)
    captures = _captures(tmp_path, live)
    labelled = [i for i in range(300) if i % 6 != 0]  # 250 labelled, 50 not
    lines = [label_line(f"inf-{i}", 1 - live[i][4]) for i in labelled[:5]]  # overwritten below
    lines += [label_line(f"inf-{i}", live[i][4]) for i in labelled]
    lines += [label_line(f"orphan-{i}", 1) for i in range(10)]
    truth = write_lines(tmp_path / "truth/2024/03/05/15/labels.jsonl", lines)
    result = run(
        "analyze", "--capture", captures.parent.parent, "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", truth.parent,
        "--probability-attribute", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "250 of 300 captures joined (coverage 83.3%), 50 without a label" in result.output
    assert "10 labels without a capture" in result.output
    assert "5 duplicate labels (last kept)" in result.output
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    block = stats["binary_classification_metrics"]
    assert stats["dataset"]["item_count"] == 250
    assert_binary_metrics(block, [live[i] for i in labelled])
    assert (tmp_path / "run/statistics.json").is_file()  # data quality still written
    assert "ModelQuality: " in result.output


def test_degraded_window_gives_sagemaker_violations(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    out = _suggest(tmp_path, _binary_rows(rng, 400, 0.25))
    live = _binary_rows(rng, 300, 0.02)  # scores barely separate the classes any more
    result = _analyze_labelled(tmp_path, live, out, "--fail-on-violation")
    assert result.exit_code == 1, result.output
    doc = read_json(tmp_path / "run/model_quality/constraint_violations.json")
    by_name = {v["metric_name"]: v for v in doc["violations"]}
    assert {"accuracy", "auc", "falsePositiveRate"} <= set(by_name)
    assert "false_positive_rate" not in by_name
    fpr = by_name["falsePositiveRate"]
    assert fpr["constraint_check_type"] == "GreaterThanThreshold"
    assert fpr["description"].startswith("Metric falsePositiveRate with ")
    threshold = read_json(out / "model_quality/constraints.json")[
        "binary_classification_constraints"
    ]["false_positive_rate"]["threshold"]
    assert fpr["description"].endswith(f"was GreaterThanThreshold '{threshold!r}'")
    assert set(fpr) == {"metric_name", "constraint_check_type", "description"}
    assert "ModelQuality: CompletedWithViolations" in result.output


def test_event_id_fallback_and_nothing_merged_fails(tmp_path: Path) -> None:
    rows = _binary_rows(np.random.default_rng(4), 40, 0.2)
    out = _suggest(tmp_path, rows)
    lines = [
        capture_line(f"e-{i}", f"{a},{s},{inc}", str(sc), with_inference_id=False)
        for i, (sc, a, s, inc, _) in enumerate(rows)
    ]
    captures = write_lines(tmp_path / "cap.jsonl", lines)
    truth = write_lines(
        tmp_path / "gt.jsonl", [label_line(f"e-{i}", r[4]) for i, r in enumerate(rows)]
    )
    ok = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "a",
        "--ground-truth", truth, "--probability-attribute", "0",
    )  # fmt: skip
    assert "40 of 40 captures joined" in ok.output
    stats = read_json(tmp_path / "a/model_quality/statistics.json")
    assert stats["dataset"]["item_count"] == 40
    other = write_lines(tmp_path / "other.jsonl", [label_line("nobody", 1)])
    failed = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "b",
        "--ground-truth", other, "--probability-attribute", "0",
    )  # fmt: skip
    assert failed.exit_code == 2
    assert "ModelQuality: Failed" in failed.output


def test_joined_pairs_without_one_usable_prediction_fail(tmp_path: Path) -> None:
    """Every capture has its label, but the output has one column: column 3 is no score.

    It was 'ModelQuality: Completed' with exit 0 and a statistics.json of no pair (accuracy
    0.0), i.e. a run that checked nothing looked like a passing one. Each output is now an
    unusable prediction (``no_prediction``), counted and stated, and the run fails.
    """
    rows = _binary_rows(np.random.default_rng(6), 40, 0.2)
    out = _suggest(tmp_path, rows)
    result = _analyze_labelled(tmp_path, rows, out, "--probability-attribute", "3")
    assert "unusable outputs: no_prediction=40" in result.output
    assert "the output holds no prediction at '3'" in result.output
    assert result.exit_code == 2, result.output
    assert "ModelQuality: Failed: no labelled predictions" in result.output
    assert not (tmp_path / "run/model_quality/statistics.json").exists()
    violations = read_json(tmp_path / "run/model_quality/constraint_violations.json")
    assert violations["violations"] == []


def test_joined_pairs_whose_labels_no_binary_monitor_can_use_fail(tmp_path: Path) -> None:
    """Every capture joins a label, but the labels are ``yes``/``no``: no pair is usable."""
    rows = _binary_rows(np.random.default_rng(6), 40, 0.2)
    out = _suggest(tmp_path, rows)
    truth = write_lines(
        tmp_path / "labels.jsonl",
        [label_line(f"inf-{i}", "yes" if r[4] else "no") for i, r in enumerate(rows)],
    )
    result = run(
        "analyze", "--capture", _captures(tmp_path, rows), "--baseline", out, "--out",
        tmp_path / "run", "--ground-truth", truth, "--probability-attribute", "0",
    )  # fmt: skip
    assert "40 of 40 captures joined" in result.output
    assert result.exit_code == 2, result.output
    assert (
        "ModelQuality: Failed: no usable labelled prediction: 40 of 40 labels not usable for "
        "model quality (not 0/1: 40)"
    ) in result.output
    assert not (tmp_path / "run/model_quality/statistics.json").exists()


def test_a2i_outputs_consolidated_by_majority(tmp_path: Path) -> None:
    rows = _binary_rows(np.random.default_rng(5), 60, 0.2)
    out = _suggest(tmp_path, rows)
    captures = _captures(tmp_path, rows[:4])
    answers = {0: ("yes", "yes"), 1: ("no", "no"), 2: ("yes", "no"), 3: ("no", "yes", "yes")}
    for i, workers in answers.items():
        (tmp_path / f"a2i/2024/03/05/15/00/00/loop-{i}").mkdir(parents=True)
        (tmp_path / f"a2i/2024/03/05/15/00/00/loop-{i}/output.json").write_text(
            a2i_output(f"inf-{i}", workers)
        )
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", tmp_path / "a2i", "--a2i-answer-path", "churned.label",
        "--a2i-value-map", "yes=1,no=0", "--probability-attribute", "0",
    )  # fmt: skip
    assert "3 of 4 captures joined" in result.output
    assert "A2I loops without a label: tie=1" in result.output
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    matrix = stats["binary_classification_metrics"]["confusion_matrix"]
    y = [1, 0, 1]  # loops 0, 1, 3 (loop 2 is a tie, rejected)
    p = [int(rows[i][0] > 0.5) for i in (0, 1, 3)]
    expected = skm.confusion_matrix(y, p, labels=[0, 1])
    assert [[matrix["0"]["0"], matrix["0"]["1"]], [matrix["1"]["0"], matrix["1"]["1"]]] == (
        expected.tolist()
    )


def test_regression_from_json_output(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    y = rng.normal(50, 10, 120)
    pred = y + rng.normal(0, 3, 120)
    data = write_csv(
        tmp_path / "v.csv", ("prediction", "x", "target"), zip(pred, y / 2, y, strict=True)
    )
    out = tmp_path / "b"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out, "--problem-type", "Regression",
        "--label-column", "target", "--prediction-column", "prediction",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [
        capture_line(f"r{i}", f"{y[i] / 2}", f'{{"prediction": {pred[i]}}}', json_output=True)
        for i in range(120)
    ]
    captures = write_lines(tmp_path / "c.jsonl", lines)
    truth = write_lines(
        tmp_path / "t.jsonl", [label_line(f"r{i}", repr(float(y[i]))) for i in range(120)]
    )
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "$.prediction",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    block = read_json(tmp_path / "run/model_quality/statistics.json")["regression_metrics"]
    assert block["mae"]["value"] == pytest.approx(skm.mean_absolute_error(y, pred), abs=1e-9)
    assert block["mse"]["value"] == pytest.approx(skm.mean_squared_error(y, pred), abs=1e-9)
    assert block["rmse"]["value"] == pytest.approx(math.sqrt(skm.mean_squared_error(y, pred)))
    assert block["r2"]["value"] == pytest.approx(skm.r2_score(y, pred), abs=1e-9)


def test_one_line_errors(tmp_path: Path) -> None:
    rows = _binary_rows(np.random.default_rng(7), 30, 0.2)
    data = write_csv(tmp_path / "v.csv", HEADER, rows)
    missing_column = run(
        "baseline", "suggest", "--data", data, "--out", tmp_path / "b",
        "--problem-type", "BinaryClassification", "--label-column", "churn",
        "--probability-column", "score",
    )  # fmt: skip
    assert missing_column.exit_code == 2
    assert missing_column.stderr.count("\n") == 1
    assert "has no column 'churn'" in missing_column.stderr
    out = _suggest(tmp_path, rows)
    captures = _captures(tmp_path, rows)
    no_truth = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "r",
        "--ground-truth", tmp_path / "nowhere", "--probability-attribute", "0",
    )  # fmt: skip
    assert no_truth.exit_code == 2
    assert no_truth.stderr == f"driftline: error: no such file or folder: {tmp_path / 'nowhere'}\n"


def test_a_baseline_of_unreadable_labels_is_refused_and_left_out_rows_are_counted(
    tmp_path: Path,
) -> None:
    def suggest(name: str, rows: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
        data = write_csv(tmp_path / f"{name}.csv", ("label", "prediction"), rows)
        return run(
            "baseline", "suggest", "--data", data, "--out", tmp_path / name,
            "--problem-type", "BinaryClassification", "--label-column", "label",
            "--prediction-column", "prediction",
        )  # fmt: skip

    words = suggest("words", [("yes", "yes"), ("no", "no"), ("yes", "no")])
    assert words.exit_code == 2
    assert words.stderr == (
        "driftline: error: no usable labelled row for BinaryClassification in 3 rows "
        "(first: label 'yes', prediction 'yes'); BinaryClassification needs 0/1 or "
        "true/false labels and predictions (or numeric scores)\n"
    )
    assert not (tmp_path / "words").exists()
    one_bad = suggest("one_bad", [("1", "1"), ("0", "0"), ("2", "1"), ("1", "0")])
    assert one_bad.exit_code == 0, one_bad.output
    assert "model quality: 3 labelled rows (BinaryClassification), 1 row left out" in (
        one_bad.stdout
    )


def test_a_constraint_on_a_metric_the_problem_type_lacks_is_one_line(tmp_path: Path) -> None:
    rows = _binary_rows(np.random.default_rng(9), 60, 0.2)
    out = _suggest(tmp_path, rows)
    path = out / "model_quality/constraints.json"
    doc = read_json(path)
    block = doc["binary_classification_constraints"]
    block["precison"] = block["truePositiveRate"] = {
        "threshold": 0.99, "comparison_operator": "LessThanThreshold"
    }  # fmt: skip
    path.write_text(json.dumps(doc))
    result = _analyze_labelled(tmp_path, rows, out)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("driftline: error: ")
    assert (
        "binary_classification_constraints names metrics BinaryClassification does not have: "
        "'precison', 'truePositiveRate'"
    ) in result.stderr


def test_a_baseline_without_constraints_says_nothing_was_checked(tmp_path: Path) -> None:
    rows = _binary_rows(np.random.default_rng(10), 60, 0.2)
    out = _suggest(tmp_path, rows)
    (out / "model_quality/constraints.json").unlink()
    result = _analyze_labelled(tmp_path, rows, out)
    assert result.exit_code == 0, result.output
    assert (
        "(BinaryClassification) (the baseline has no constraints.json: statistics only, "
        "nothing checked), 0 violations"
    ) in result.stdout


def test_multiclass_weighted_metrics_equal_sklearn(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    classes = np.array(["cat", "dog", "fox"])
    y = rng.choice(classes, 150, p=[0.5, 0.3, 0.2])
    pred = np.where(rng.random(150) < 0.7, y, rng.choice(classes, 150))
    data = write_csv(
        tmp_path / "v.csv", ("prediction", "x", "label"), zip(pred, range(150), y, strict=True)
    )
    out = tmp_path / "b"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out,
        "--problem-type", "MulticlassClassification", "--label-column", "label",
        "--prediction-column", "prediction",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [capture_line(f"m{i}", str(i), str(pred[i])) for i in range(150)]
    truth = write_lines(tmp_path / "t.jsonl", [label_line(f"m{i}", y[i]) for i in range(150)])
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", lines), "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", truth, "--inference-attribute", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    block = read_json(tmp_path / "run/model_quality/statistics.json")[
        "multiclass_classification_metrics"
    ]
    assert block["accuracy"]["value"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-9)
    for name, beta in (("weighted_f0_5", 0.5), ("weighted_f1", 1.0), ("weighted_f2", 2.0)):
        expected = skm.fbeta_score(y, pred, beta=beta, average="weighted", zero_division=0)
        assert block[name]["value"] == pytest.approx(expected, abs=1e-9), name
    for name, fn in (
        ("weighted_precision", skm.precision_score),
        ("weighted_recall", skm.recall_score),
    ):
        expected = fn(y, pred, average="weighted", zero_division=0)
        assert block[name]["value"] == pytest.approx(expected, abs=1e-9), name
    assert "ModelQuality: Completed:" in result.output  # same data as the baseline
