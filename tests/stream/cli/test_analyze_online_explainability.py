"""``analyze`` over the captures of an endpoint with SageMaker Clarify online explainability.

Such an endpoint answers with AWS's explainer response: the model's own response in
``predictions`` (its content type and data) and each request record's Kernel SHAP values in
``explanations.kernel_shap`` (``null`` for a record not explained, ``{}`` when none was).
The captures are written by hand in that shape (:mod:`tests.stream.explainer_captures`);
the expected figures are computed by hand from the values written: mean |SHAP| per feature
over every explained record, nDCG by Clarify's formula (and scikit-learn's ``ndcg_score``),
model quality by scikit-learn.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from tests.stream.cli.labeled_files import label_line, read_json, run, write_csv, write_lines
from tests.stream.cli.test_analyze_ground_truth import assert_binary_metrics
from tests.stream.cli.test_analyze_json_ground_truth import json_label_line
from tests.stream.explainer_captures import FEATURES, explainer_capture, explainer_output

BASELINE_SHAP = {"age": 0.5, "income": 0.3, "tenure": 0.1}  # mean |SHAP| of the baseline


def baseline(tmp_path: Path, shap_rows: list[dict] | None = None) -> Path:
    """Data quality over (probability, age, income, tenure); global SHAP of ``shap_rows``.

    By default two records of |SHAP| (0.5, 0.3, 0.1), so the baseline is BASELINE_SHAP.
    """
    rng = np.random.default_rng(7)
    rows = [
        (round(float(rng.random()), 4), int(rng.integers(20, 70)), int(rng.integers(1000, 9000)),
         int(rng.integers(0, 30)))
        for _ in range(60)
    ]  # fmt: skip
    data = write_csv(tmp_path / "train.csv", ("probability", *FEATURES), rows)
    if shap_rows is None:
        shap_rows = [
            dict(zip(FEATURES, s, strict=True)) for s in [(0.5, -0.3, 0.1), (-0.5, 0.3, -0.1)]
        ]
    shap = write_lines(
        tmp_path / "train_shap.jsonl",
        [json.dumps({"inferenceId": f"t{i}", "shap": r}) for i, r in enumerate(shap_rows)],
    )
    out = tmp_path / "baseline"
    result = run("baseline", "suggest", "--data", data, "--out", out, "--shap", shap)
    assert result.exit_code == 0, result.output
    return out


# Requests of 1, 2, 3 and 1 records: SHAP values of (age, income, tenure) per record; the
# second record of request 1 was not explained (null), request 3 explained none ({}), and
# request 2's explainer config named no features (no feature_header: named by position).
REQUESTS = [
    ("r0", [(31, 4200, 3)], "0.7\n", [(-0.2, 0.3, 0.6)], True),
    ("r1", [(45, 5100, 12), (52, 2300, 7)], "0.4\n0.3\n", [(0.1, -0.2, 0.4), None], True),
    ("r2", [(23, 8800, 1), (67, 1500, 25), (38, 6000, 9)], "0.9\n0.2\n0.6\n",
     [(0.0, 0.4, -0.5), (-0.1, 0.3, 0.5), (0.2, -0.3, 0.4)], False),
    ("r3", [(29, 3100, 4)], "0.5\n", None, True),
]  # fmt: skip
EXPLAINED = [
    (-0.2, 0.3, 0.6),
    (0.1, -0.2, 0.4),
    (0.0, 0.4, -0.5),
    (-0.1, 0.3, 0.5),
    (0.2, -0.3, 0.4),
]
LIVE_SHAP = {"age": 0.6 / 5, "income": 1.5 / 5, "tenure": 2.4 / 5}  # mean |SHAP| of EXPLAINED


def request_captures(tmp_path: Path) -> Path:
    lines = [
        json.dumps(
            explainer_capture(key, rows, explainer_output(
                scores, shap, features=FEATURES if named else None))
        )
        for key, rows, scores, shap, named in REQUESTS
    ]  # fmt: skip
    return write_lines(tmp_path / "capture/2024/03/05/14/part.jsonl", lines)


def reported_ndcg(out: Path) -> float:
    """The nDCG in the run's feature_attribution_drift_check violation."""
    doc = read_json(out / "attribution/constraint_violations.json")
    (violation,) = doc["violations"]
    found = re.search(r"drift (\S+) exceeds", violation["description"])
    assert found is not None, violation
    return float(found.group(1))


def test_every_explained_record_of_a_request_counts_in_mean_abs_shap(tmp_path: Path) -> None:
    assert [round(float(np.mean([abs(r[j]) for r in EXPLAINED])), 12) for j in range(3)] == [
        pytest.approx(v) for v in LIVE_SHAP.values()
    ]
    out = baseline(tmp_path)
    base = read_json(out / "attribution/analysis.json")["explanations"]["kernel_shap"]["label0"]
    assert base["global_shap_values"] == pytest.approx(BASELINE_SHAP, abs=1e-12)
    result = run("analyze", "--capture", request_captures(tmp_path), "--baseline", out,
                 "--out", tmp_path / "run")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "ModelExplainability: CompletedWithViolations: 5 explained records" in result.output
    live = read_json(tmp_path / "run/attribution/analysis.json")["explanations"]["kernel_shap"]
    assert live["label0"]["global_shap_values"] == pytest.approx(LIVE_SHAP, abs=1e-12)
    # Clarify's nDCG: features ranked by the live values (tenure, income, age), gains the
    # baseline's; the ideal ranking is the baseline's own (age, income, tenure)
    dcg = 0.1 / math.log2(2) + 0.3 / math.log2(3) + 0.5 / math.log2(4)
    idcg = 0.5 / math.log2(2) + 0.3 / math.log2(3) + 0.1 / math.log2(4)
    assert dcg / idcg == pytest.approx(0.729466, abs=1e-6)
    assert dcg / idcg == pytest.approx(ndcg_score([[0.5, 0.3, 0.1]], [[0.12, 0.3, 0.48]]))
    assert reported_ndcg(tmp_path / "run") == pytest.approx(dcg / idcg, abs=1e-12)


def test_data_quality_reads_the_models_predictions_not_the_response(tmp_path: Path) -> None:
    """The output's columns are the model's CSV predictions, one row per request record."""
    out = baseline(tmp_path)
    result = run("analyze", "--capture", request_captures(tmp_path), "--baseline", out,
                 "--out", tmp_path / "run")  # fmt: skip
    assert "bad records" not in result.output, result.output  # every request pairs
    stats = read_json(tmp_path / "run/statistics.json")
    assert stats["dataset"]["item_count"] == 7  # 1 + 2 + 3 + 1 records
    features = {f["name"]: f for f in stats["features"]}
    assert list(features) == ["probability", *FEATURES]
    probability = features["probability"]
    assert probability["inferred_type"] == "Fractional"
    scores = [0.7, 0.4, 0.3, 0.9, 0.2, 0.6, 0.5]
    assert probability["numerical_statistics"]["mean"] == pytest.approx(np.mean(scores))
    ages = [row[0] for _, rows, *_ in REQUESTS for row in rows]
    assert features["age"]["numerical_statistics"]["mean"] == pytest.approx(np.mean(ages))


def test_single_record_requests_give_model_quality_from_the_csv_predictions(
    tmp_path: Path,
) -> None:
    """AWS's tabular example: a CSV request of one record, the score at column 0."""
    out = baseline(tmp_path)
    rng = np.random.default_rng(8)
    rows = []  # (score, -, -, -, label), the shape assert_binary_metrics reads
    captures, labels = [], []
    for i in range(80):
        label = int(rng.random() < 0.4)
        score = round(float(np.clip(rng.normal(0.6 if label else 0.4, 0.15), 0, 1)), 6)
        rows.append((score, 0, 0, 0, label))
        shap = [float(v) for v in rng.normal(0, (0.5, 0.3, 0.1))]
        output = explainer_output(f"{score}\n", [shap])
        captures.append(json.dumps(explainer_capture(f"k{i}", [(30, 4000, 2)], output)))
        labels.append(label_line(f"k{i}", label))
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", captures), "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", write_lines(tmp_path / "t.jsonl", labels),
        "--problem-type", "BinaryClassification", "--probability-attribute", "0",
    )  # fmt: skip
    assert "80 of 80 captures joined" in result.output, result.output
    assert "ModelExplainability: Completed" in result.output
    assert "80 explained records" in result.output
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    assert_binary_metrics(stats["binary_classification_metrics"], rows)


def test_json_predictions_of_instances_join_labels_and_shap_instance_by_instance(
    tmp_path: Path,
) -> None:
    """A JSON model response of N instances: N labels, and N records of SHAP values."""
    out = baseline(tmp_path)
    scores = [[0.8, 0.3], [0.6], [0.2, 0.9, 0.4]]
    truth = [[1, 0], [0], [0, 1, 1]]
    shap = [[(0.1, 0.2, 0.3), (-0.3, 0.1, 0.0)], [(0.2, 0.2, -0.2)],
            [(0.0, -0.4, 0.1), (0.5, 0.1, 0.1), (-0.1, 0.0, 0.3)]]  # fmt: skip
    captures, labels = [], []
    for r, (s, y, v) in enumerate(zip(scores, truth, shap, strict=True)):
        model = json.dumps({"predictions": [{"score": x} for x in s]})
        output = explainer_output(model, v, content_type="application/json")
        captures.append(json.dumps(explainer_capture(f"q{r}", [(40, 5000, 5)] * len(s), output)))
        labels.append(json_label_line(f"q{r}", {"instances": [{"label": x} for x in y]}))
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", captures), "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", write_lines(tmp_path / "t.jsonl", labels),
        "--problem-type", "BinaryClassification", "--ground-truth-attribute",
        "instances[*].label", "--probability-attribute", "predictions[*].score",
    )  # fmt: skip
    assert "6 of 6 captures joined" in result.output, result.output
    assert "6 explained records" in result.output
    records = [x for request in shap for x in request]
    expected = {f: sum(abs(x[j]) for x in records) / 6 for j, f in enumerate(FEATURES)}
    assert expected == pytest.approx({"age": 1.2 / 6, "income": 1.0 / 6, "tenure": 1.0 / 6})
    live = read_json(tmp_path / "run/attribution/analysis.json")["explanations"]["kernel_shap"]
    assert live["label0"]["global_shap_values"] == pytest.approx(expected, abs=1e-12)
    pairs = [
        (x, 0, 0, 0, y)
        for s, t in zip(scores, truth, strict=True)
        for x, y in zip(s, t, strict=True)
    ]
    stats = read_json(tmp_path / "run/model_quality/statistics.json")
    assert stats["dataset"]["item_count"] == 6
    assert_binary_metrics(stats["binary_classification_metrics"], pairs)


def test_several_outputs_are_ranked_per_label_header(tmp_path: Path) -> None:
    yes = [dict(zip(FEATURES, s, strict=True)) for s in [(0.5, 0.3, 0.1)]]
    no = [dict(zip(FEATURES, s, strict=True)) for s in [(0.1, 0.3, 0.5)]]
    out = baseline(tmp_path, [{"yes": yes[0], "no": no[0]}])
    per_record = [  # per feature: (yes, no)
        [(0.4, -0.1), (0.2, 0.3), (0.1, -0.6)],
        [(-0.6, 0.1), (0.2, -0.1), (0.0, 0.4)],
    ]
    output = explainer_output("0.7,0.3\n0.6,0.4\n", per_record, label_headers=["yes", "no"])
    capture = json.dumps(explainer_capture("m0", [(30, 4000, 2), (50, 2000, 9)], output))
    result = run("analyze", "--capture", write_lines(tmp_path / "c.jsonl", [capture]),
                 "--baseline", out, "--out", tmp_path / "run")  # fmt: skip
    assert "ModelExplainability: Completed: 2 explained records" in result.output, result.output
    live = read_json(tmp_path / "run/attribution/analysis.json")["explanations"]["kernel_shap"]
    assert live["yes"]["global_shap_values"] == pytest.approx(
        {"age": 0.5, "income": 0.2, "tenure": 0.05}, abs=1e-12
    )
    assert live["no"]["global_shap_values"] == pytest.approx(
        {"age": 0.1, "income": 0.2, "tenure": 0.5}, abs=1e-12
    )
    assert "yes nDCG 1.0000, no nDCG 1.0000" in result.output


def test_explanations_that_cannot_be_read_are_counted_with_their_reason(tmp_path: Path) -> None:
    out = baseline(tmp_path)
    good = explainer_output("0.7\n", [(-0.2, 0.3, 0.6)])
    text = explainer_output("0.7\n", [(-0.2, 0.3, 0.6)]).replace("-0.2", '"high"')
    too_few = explainer_output("0.7\n0.2\n", [(-0.2, 0.3, 0.6)])  # 2 records, 1 explanation
    lines = [
        json.dumps(explainer_capture(key, rows, output))
        for key, rows, output in [
            ("g", [(30, 4000, 2)], good),
            ("t", [(30, 4000, 2)], text),
            ("f", [(30, 4000, 2), (31, 4100, 3)], too_few),
        ]
    ]
    result = run("analyze", "--capture", write_lines(tmp_path / "c.jsonl", lines),
                 "--baseline", out, "--out", tmp_path / "run")  # fmt: skip
    assert "1 explained records" in result.output, result.output
    assert (
        "unusable outputs: bad_explanations=2 (first: record 0, feature 'age' has the "
        'attribution "high")' in result.output
    )
