"""``baseline suggest`` and ``analyze``: a bias config may name columns by 0-based index.

Clarify's facet ``name_or_index``, ``label``, ``predicted_label`` and ``group_variable`` may
be an index into the dataset's columns (the label's counted): ``headers[i]`` when the config
has headers, else the data file's ``i``-th column. A facet by index gives the metrics of the
same facet by name; its key in ``analysis.json`` and violations stays the configured index.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.stream.cli.bias_files import CONFIG, bias_rows
from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)
from tests.stream.monitors import jsonl_bias_files as jsonl

COLUMNS = ("prediction", "sex", "age", "label")  # bias_rows' columns
BY_INDEX = {
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": 1, "value_or_threshold": ["F"]}],  # sex
    "label": 3,
    "predicted_label": 0,
}
BY_NAME = {**CONFIG, "label": "label", "predicted_label": "prediction"}


def _suggest(tmp_path: Path, name: str, config: dict[str, Any], data: Path) -> Any:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(config))
    return run("baseline", "suggest", "--data", data, "--out", tmp_path / name,
               "--bias-config", path)  # fmt: skip


def _metrics(doc: dict[str, Any], facet: str) -> dict[str, Any]:
    (entry,) = doc["post_training_bias_metrics"]["facets"][facet]
    return {m["name"]: m["value"] for m in entry["metrics"]}


def _both_baselines(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "v.csv", COLUMNS, bias_rows(45, 55))
    for name, config in (("by_name", BY_NAME), ("by_index", BY_INDEX)):
        result = _suggest(tmp_path, name, config, data)
        assert result.exit_code == 0, result.output
        assert "warning" not in result.output  # the facet read something


def test_baseline_suggest_reads_a_facet_label_and_prediction_by_index(tmp_path: Path) -> None:
    _both_baselines(tmp_path)
    by_index = _metrics(read_json(tmp_path / "by_index/bias/analysis.json"), "1")
    assert by_index["DPPL"] == pytest.approx(55 / 100 - 45 / 100, abs=1e-12)  # q̂_a − q̂_d
    assert by_index["DI"] == pytest.approx((45 / 100) / (55 / 100), abs=1e-12)  # q̂_d / q̂_a
    assert by_index == _metrics(read_json(tmp_path / "by_name/bias/analysis.json"), "sex")
    config = read_json(tmp_path / "by_index/bias/analysis_config.json")
    assert config["facet"][0]["name_or_index"] == 1  # the configured key stays
    assert config["indexed_columns"] == {"3": "label", "0": "prediction", "1": "sex"}
    assert config["flip_test_features"] == ["sex", "age"]  # label and prediction left out
    analysis = read_json(tmp_path / "by_index/bias/analysis.json")
    assert analysis["post_training_bias_metrics"]["label"] == "label"  # the label column's name


def test_baseline_suggest_group_variable_by_index_gives_cddpl(tmp_path: Path) -> None:
    """The JSON Lines fixture's rows as one CSV; numpy's DPPL, DI, AD and CDDPL."""
    table = jsonl.rows()
    header = ("predicted", *jsonl.FEATURES, "label")  # Married, Workclass, Sex, Hours
    data = write_csv(tmp_path / "v.csv", header,
                     [(r.predicted, *r.features, r.label) for r in table])  # fmt: skip
    base = {"label_values_or_threshold": [1]}
    configs = {
        "by_name": {**base, "label": "label", "predicted_label": "predicted",
                    "facet": [{"name_or_index": "Sex", "value_or_threshold": [0]}],
                    "group_variable": "Workclass"},
        "by_index": {**base, "label": 5, "predicted_label": 0,
                     "facet": [{"name_or_index": 3, "value_or_threshold": [0]}],
                     "group_variable": 2},
    }  # fmt: skip
    for name, config in configs.items():
        result = _suggest(tmp_path, name, config, data)
        assert result.exit_code == 0, result.output
    by_index = _metrics(read_json(tmp_path / "by_index/bias/analysis.json"), "3")
    for metric, expected in jsonl.reference(table).items():
        assert by_index[metric] == pytest.approx(expected, abs=1e-12), metric
    assert by_index == _metrics(read_json(tmp_path / "by_name/bias/analysis.json"), "Sex")


def _analyze(tmp_path: Path, baseline: Path, name: str) -> Any:
    window = bias_rows(30, 60)
    lines = [capture_line(f"b{i}", f"{s},{a}", str(p)) for i, (p, s, a, _) in enumerate(window)]
    truth = [label_line(f"b{i}", r[3]) for i, r in enumerate(window)]
    return run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", lines), "--baseline", baseline,
        "--out", tmp_path / name, "--ground-truth", write_lines(tmp_path / "t.jsonl", truth),
        "--inference-attribute", "0",
    )  # fmt: skip


def test_analyze_reads_the_facet_a_baseline_resolved_by_index(tmp_path: Path) -> None:
    _both_baselines(tmp_path)
    by_index = _analyze(tmp_path, tmp_path / "by_index", "run_index")
    by_name = _analyze(tmp_path, tmp_path / "by_name", "run_name")
    assert by_index.exit_code == by_name.exit_code == 0, by_index.output
    assert "facet d is empty" not in by_index.output
    metrics = _metrics(read_json(tmp_path / "run_index/bias/analysis.json"), "1")
    assert metrics["DPPL"] == pytest.approx(0.60 - 0.30, abs=1e-12)
    assert metrics["DI"] == pytest.approx(0.30 / 0.60, abs=1e-12)
    assert metrics == _metrics(read_json(tmp_path / "run_name/bias/analysis.json"), "sex")
    violations = read_json(tmp_path / "run_index/bias/constraint_violations.json")["violations"]
    named = read_json(tmp_path / "run_name/bias/constraint_violations.json")["violations"]
    assert {v["metric_name"] for v in violations} == {v["metric_name"] for v in named} >= {
        "DPPL", "DI",
    }  # fmt: skip
    assert {v["facet"] for v in violations} == {"1"}


def _clarify_baseline(tmp_path: Path, config: dict[str, Any]) -> Path:
    """A data-quality baseline of the features and a bias folder as Clarify could leave it."""
    out = tmp_path / "baseline"
    data = jsonl.write_feature_csv(tmp_path / "features.csv", jsonl.rows())
    result = run("baseline", "suggest", "--data", data, "--out", out)
    assert result.exit_code == 0, result.output
    jsonl.write_bias_folder(out / "bias", config)
    return out


def _analyze_jsonl(
    tmp_path: Path,
    baseline: Path,
    records: list[dict[str, Any]],
    prediction: str = "predicted_label",
) -> Any:
    truth = [json.dumps(jsonl.label_record(f"k{i}", r.label)) for i, r in enumerate(WINDOW)]
    return run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", map(json.dumps, records)),
        "--baseline", baseline, "--out", tmp_path / "run",
        "--ground-truth", write_lines(tmp_path / "t.jsonl", truth),
        "--inference-attribute", prediction,
    )  # fmt: skip


WINDOW = jsonl.rows(300, seed=12)
# Sex and Workclass by their indices in the headers (Married, Workclass, Sex, Hours, Target)
JSONL_BY_INDEX = {
    **jsonl.CONFIG,
    "facet": [{"name_or_index": 2, "value_or_threshold": [jsonl.FACET_VALUE]}],
    "group_variable": 1,
}
# the CSV shape: headers Target, Married, Workclass, Sex, Hours; the label by index too
CSV_BY_INDEX = {
    **jsonl.CSV_CONFIG,
    "label": 0,
    "facet": [{"name_or_index": 3, "value_or_threshold": [jsonl.FACET_VALUE]}],
    "group_variable": 2,
}


@pytest.mark.parametrize(
    ("config", "record", "prediction"),
    [
        (JSONL_BY_INDEX, jsonl.capture_record, "predicted_label"),
        (CSV_BY_INDEX, jsonl.csv_capture_record, "0"),  # the CSV output's first column
    ],
    ids=["jsonl", "csv"],
)
def test_analyze_resolves_indices_by_a_clarify_configs_headers(
    tmp_path: Path, config: dict[str, Any], record: Any, prediction: str
) -> None:
    """A CSV request holds the features only: the label's header (index 0) is no value of it."""
    baseline = _clarify_baseline(tmp_path, config)
    records = [record(f"k{i}", row) for i, row in enumerate(WINDOW)]
    result = _analyze_jsonl(tmp_path, baseline, records, prediction)
    assert result.exit_code in (0, 1), result.output
    assert "ModelBias: Completed" in result.output
    assert "headers_mismatch" not in result.output
    doc = read_json(tmp_path / "run/bias/analysis.json")
    facet = str(config["facet"][0]["name_or_index"])
    metrics = _metrics(doc, facet)
    for name, expected in jsonl.reference(WINDOW).items():
        assert metrics[name] == pytest.approx(expected, abs=1e-12), name


def _one_line_error(result: Any, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("driftline: error: ")
    for part in parts:
        assert part in result.stderr


def test_baseline_suggest_refuses_an_index_out_of_range(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "v.csv", COLUMNS, bias_rows(45, 55))
    config = {**BY_INDEX, "facet": [{"name_or_index": 4, "value_or_threshold": ["F"]}]}
    _one_line_error(
        _suggest(tmp_path, "out", config, data),
        "facet 4 is a column index out of range: the baseline file's columns are prediction, "
        "sex, age, label (0 to 3)",
    )
    headers = {**BY_INDEX, "headers": ["prediction", "sex", "label"], "label": 2}
    _one_line_error(
        _suggest(tmp_path, "out", {**headers, "group_variable": 3}, data),
        "group_variable 3 is a column index out of range: the bias config's headers are",
    )


def test_analyze_refuses_an_index_nothing_names(tmp_path: Path) -> None:
    """A Clarify config without headers: the capture row's positions are not the dataset's."""
    no_headers = {key: value for key, value in JSONL_BY_INDEX.items() if key != "headers"}
    baseline = _clarify_baseline(tmp_path, no_headers)
    records = [jsonl.capture_record(f"k{i}", row) for i, row in enumerate(WINDOW)]
    _one_line_error(
        _analyze_jsonl(tmp_path, baseline, records),
        "group_variable 1 is a column index, but the bias config has no headers",
    )
    baseline = _clarify_baseline(tmp_path, {**JSONL_BY_INDEX, "group_variable": 5})
    _one_line_error(
        _analyze_jsonl(tmp_path, baseline, records),
        "group_variable 5 is a column index out of range: the bias config's headers are "
        "Married, Workclass, Sex, Hours, Target (0 to 4)",
    )
