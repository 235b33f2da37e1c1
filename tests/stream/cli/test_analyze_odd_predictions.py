"""``driftline analyze --ground-truth`` over captures whose prediction or facet is no value.

One capture's output holds ``"label": [1, 0]``, another's an object nested 1,000 deep.
Bias looked such a prediction up in a set of the label's values (TypeError: unhashable),
and the whole run ended in ``driftline: error: unexpected TypeError … (a bug in driftline)``.
Now the array is left out of model quality and bias and counted, the deep one is an
unusable output (``too_deep``), and the model-quality figures are scikit-learn's on the
other captures.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest
from sklearn import metrics as skm

from stream.demo.labelled import (
    SyntheticModel,
    ground_truth_record,
    labelled_capture_record,
    write_labelled_baselines,
)
from tests.stream.cli.bias_left_out_rows import left_out_rows
from tests.stream.cli.labeled_files import capture_line, label_line, read_json, run, write_lines

T0 = 1_709_647_200.0
MODEL = SyntheticModel()


@pytest.fixture(scope="module")
def baseline_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("odd-predictions") / "baseline"
    write_labelled_baselines(folder, MODEL, n=2000)
    return folder


def test_a_prediction_that_is_an_array_or_nests_deep_is_counted_not_a_crash(
    tmp_path: Path, baseline_folder: Path
) -> None:
    rng = random.Random(5)
    rows = MODEL.schema.rows(rng, 40)
    answers = [MODEL.answer(rng, row) for row in rows]
    captures = [labelled_capture_record(f"k{i}", T0 + i * 0.2, row, answer)
                for i, (row, answer) in enumerate(zip(rows, answers, strict=True))]  # fmt: skip
    deep = '{"a":' * 1000 + "1" + "}" * 1000
    captures[0]["captureData"]["endpointOutput"]["data"] = '{"score": 0.7, "label": [1, 0]}'
    captures[1]["captureData"]["endpointOutput"]["data"] = f'{{"score": 0.7, "label": {deep}}}'
    capture_file = write_lines(tmp_path / "capture.jsonl",
                               [orjson.dumps(c).decode() for c in captures])  # fmt: skip
    labels = write_lines(tmp_path / "labels.jsonl", [
        orjson.dumps(ground_truth_record(f"k{i}", a.label)).decode()
        for i, a in enumerate(answers)
    ])  # fmt: skip
    out = tmp_path / "out"
    result = run(
        "analyze", "--capture", capture_file, "--baseline", baseline_folder, "--out", out,
        "--capture-index-names", "endpointInput", "--ground-truth", labels,
        "--inference-attribute", "label", "--probability-attribute", "score",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "too_deep=1" in result.output
    assert "prediction_not_a_number: 1" in result.output  # bias left the array out
    assert "prediction not 0/1: 1" in result.output  # and so did model quality
    usable = answers[2:]
    statistics = read_json(out / "model_quality" / "statistics.json")
    assert statistics["dataset"]["item_count"] == len(usable)
    accuracy = skm.accuracy_score([a.label for a in usable], [a.predicted for a in usable])
    block = statistics["binary_classification_metrics"]
    assert block["accuracy"]["value"] == pytest.approx(accuracy, abs=1e-12)


def test_a_facet_or_group_value_that_is_a_json_array_is_counted_not_a_crash(
    tmp_path: Path,
) -> None:
    """A one-versus-all facet (no ``value_or_threshold``) and a ``group_variable`` take their
    values as they come; a JSON request may give an array there, which the counts could not
    key (TypeError: unhashable) and the run ended as a bug. The 15 usable rows of
    :mod:`tests.stream.cli.bias_left_out_rows` (F: 6 rows, 2 predicted positive; M: 9 rows,
    6) are sent with row 3 (F, predicted positive) holding ``["F"]`` and row 4's age an
    array: row 3 is left out as ``facet_not_a_number``, row 4 counts without a group. By
    hand: DPPL(F) = 6/9 - 1/5 = 7/15, DI(F) = (1/5) / (6/9) = 3/10."""
    rows = [r for r in left_out_rows() if r[1] and r[3] != "maybe"]
    assert rows[3][:2] == (1, "F") and rows[4][:2] == (0, "F")
    data = write_lines(tmp_path / "train.csv", ["sex,age,label,prediction"] + [
        f"{sex},{age},{label},{predicted}" for predicted, sex, age, label in rows
    ])  # fmt: skip
    config = tmp_path / "bias.json"
    config.write_text(orjson.dumps({
        "label_values_or_threshold": [0.5], "label_data_type": "continuous",
        "facet": [{"name_or_index": "sex"}], "group_variable": "age",
    }).decode())  # fmt: skip
    baseline = tmp_path / "baseline"
    suggested = run(
        "baseline", "suggest", "--data", data, "--out", baseline, "--bias-config", config,
        "--label-column", "label", "--prediction-column", "prediction",
    )  # fmt: skip
    assert suggested.exit_code == 0, suggested.output
    captures, labels = [], []
    for i, (predicted, sex, age, label) in enumerate(rows):
        request = [[sex] if i == 3 else sex, [age] if i == 4 else age]
        record = orjson.loads(capture_line(f"k{i}", "", str(predicted)))
        record["captureData"]["endpointInput"].update(
            observedContentType="application/json", encoding="JSON",
            data=orjson.dumps({"instances": [request]}).decode(),
        )  # fmt: skip
        captures.append(orjson.dumps(record).decode())
        labels.append(label_line(f"k{i}", label))
    out = tmp_path / "out"
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "capture.jsonl", captures),
        "--baseline", baseline, "--out", out, "--capture-index-names", "endpointInput",
        "--ground-truth", write_lines(tmp_path / "labels.jsonl", labels),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "facet_not_a_number: 1" in result.output
    analysis = read_json(out / "bias" / "analysis.json")
    [female] = [f for f in analysis["post_training_bias_metrics"]["facets"]["sex"]
                if f["value_or_threshold"] == "F"]  # fmt: skip
    metrics = {m["name"]: m["value"] for m in female["metrics"]}
    assert metrics["DPPL"] == pytest.approx(7 / 15, abs=1e-12)
    assert metrics["DI"] == pytest.approx(3 / 10, abs=1e-12)
