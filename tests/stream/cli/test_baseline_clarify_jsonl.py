"""``baseline suggest`` on a Clarify-shaped JSON Lines dataset: ``{"features": [...], "label": 1}``.

AWS's bias monitor examples for JSON Lines endpoints baseline on such lines with a Clarify
config of ``dataset_type`` ``application/jsonlines``, ``features`` and ``label`` JMESPaths and
``headers`` ending with the label's. The lines here are hand-made in that shape (not AWS's
file). The bias metrics are computed by hand (or by numpy over the shared JSON Lines bias
fixture), the data-quality statistics of the feature columns by numpy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.stream.cli.labeled_files import read_json, run, write_lines
from tests.stream.monitors import jsonl_bias_files as jsonl

# Clarify's order for a JSON Lines dataset: the feature names, the label's, the prediction's
HEADERS = ["Age", "Sex", "Score", "Target", "Prediction"]
# (Age, Sex, Score, label, predicted): facet d is Sex 0 (rows 1, 2, 6), facet a Sex 1
BLOCK = [
    (30, 0, 0.5, 1, 1),
    (40, 0, 0.25, 0, 1),
    (50, 1, 1.0, 1, 1),
    (20, 1, 0.75, 0, 0),
    (35, 1, 2.0, 1, 0),
    (45, 0, 1.5, 0, 0),
    (25, 1, 0.0, 1, 1),
]
ROWS = BLOCK * 10  # 2 labels in 70 rows: Clarify's rule makes label and facet categorical
# by hand, per block: n_a 4, n_d 3; labels a 3/4, d 1/3; predictions a 2/4, d 2/3;
# accuracy a 3/4 (row 5 wrong), d 2/3 (row 2 wrong)
EXPECTED = {
    "CI": (4 - 3) / 7,
    "DPL": 3 / 4 - 1 / 3,
    "DPPL": 2 / 4 - 2 / 3,
    "DI": (2 / 3) / (2 / 4),
    "AD": 3 / 4 - 2 / 3,
}
MALFORMED = [
    '{"features": [30, 0], "label": 1, "predicted_label": 1}',  # features_count
    '{"features": "30,0,0.5", "label": 1, "predicted_label": 1}',  # features_not_a_list
    '{"features": [[30, 0, 0.5]], "label": 1, "predicted_label": 1}',  # features_not_a_list
    '{"label": 1, "predicted_label": 1}',  # no_features
    '{"features": [30, 0, 0.5], "label": ',  # invalid_json
]
METHODS = {
    "pre_training_bias": {"methods": ["CI", "DPL"]},
    "post_training_bias": {"methods": ["DPPL", "DI", "AD"]},
}


def _config(**changes: Any) -> dict[str, Any]:
    return {
        "dataset_type": "application/jsonlines",
        "features": "features",
        "label": "label",
        "predicted_label": "predicted_label",
        "headers": HEADERS,
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "Sex", "value_or_threshold": [0]}],
        "methods": METHODS,
        **changes,
    }


def _flat_line(row: tuple[Any, ...]) -> str:
    return json.dumps({"features": list(row[:3]), "label": row[3], "predicted_label": row[4]})


def _nested_line(row: tuple[Any, ...]) -> str:
    """The notebook's other shape: features at ``data.features.values``, label ``data.label``."""
    data = {"features": {"values": list(row[:3])}, "label": row[3]}
    return json.dumps({"data": data, "output": {"predicted_label": row[4]}})


def _suggest(tmp_path: Path, lines: list[str], config: dict[str, Any], *extra: Any) -> Any:
    data = write_lines(tmp_path / "validation.jsonl", lines)
    path = tmp_path / "analysis_config.json"
    path.write_text(json.dumps(config))
    return run("baseline", "suggest", "--data", data, "--out", tmp_path / "out",
               "--bias-config", path, *extra)  # fmt: skip


def _metrics(tmp_path: Path, stage: str, facet: str = "Sex") -> dict[str, float]:
    doc = read_json(tmp_path / "out/bias/analysis.json")
    (entry,) = doc[stage]["facets"][facet]
    return {m["name"]: m["value"] for m in entry["metrics"]}


def _one_line_error(result: Any, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("driftline: error: ")
    for part in parts:
        assert part in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("line", "paths", "malformed"),
    [
        (_flat_line, {}, "features_count=1, features_not_a_list=2, invalid_json=1, "
                         "no_features=1"),
        (_nested_line, {"features": "data.features.values", "label": "data.label",
                        "predicted_label": "output.predicted_label"},
         "invalid_json=1, no_features=4"),  # the flat lines have nothing at the path
    ],
    ids=["features", "data.features.values"],
)  # fmt: skip
def test_bias_baseline_reads_the_features_and_label_paths(
    tmp_path: Path, line: Any, paths: dict[str, str], malformed: str
) -> None:
    lines = [line(r) for r in ROWS]
    lines[3:3] = MALFORMED  # skipped and counted, the other rows' figures unchanged
    result = _suggest(tmp_path, lines, _config(**paths))
    assert result.exit_code == 0, result.output
    assert "bias: 70 rows, 0 left out" in result.output
    assert f"malformed lines: 5 ({malformed})" in result.output
    pre = _metrics(tmp_path, "pre_training_bias_metrics")
    post = _metrics(tmp_path, "post_training_bias_metrics")
    for name, expected in EXPECTED.items():
        got = pre.get(name, post.get(name))
        assert got == pytest.approx(expected, abs=1e-12), name
    config = read_json(tmp_path / "out/bias/analysis_config.json")
    assert config["label"] == _config(**paths)["label"]  # a path still: ground truth's
    assert config["flip_test_features"] == ["Age", "Sex", "Score"]  # Target, Prediction left out
    assert config["facet"][0]["data_type"] == "categorical"


def test_data_quality_profiles_the_feature_columns_by_header(tmp_path: Path) -> None:
    lines = [_flat_line(r) for r in ROWS] + MALFORMED
    result = _suggest(tmp_path, lines, _config())
    assert result.exit_code == 0, result.output
    assert "baseline: 70 rows, 3 features" in result.output
    assert "capture-index-names endpointInput" in result.output
    stats = read_json(tmp_path / "out/statistics.json")
    assert stats["dataset"]["item_count"] == 70
    features = {f["name"]: f for f in stats["features"]}
    assert list(features) == ["Age", "Sex", "Score"]  # no label, no prediction
    types = {name: f["inferred_type"] for name, f in features.items()}
    assert types == {"Age": "Integral", "Sex": "Integral", "Score": "Fractional"}
    for i, name in enumerate(("Age", "Sex", "Score")):
        values = np.array([r[i] for r in ROWS], dtype=np.float64)
        numeric = features[name]["numerical_statistics"]
        assert numeric["common"] == {"num_present": 70, "num_missing": 0}
        assert (numeric["min"], numeric["max"]) == (values.min(), values.max())
        assert numeric["sum"] == pytest.approx(values.sum(), rel=1e-12)
        assert numeric["mean"] == pytest.approx(values.mean(), rel=1e-12)
        assert numeric["std_dev"] == pytest.approx(values.std(), rel=1e-9)
    constraints = read_json(tmp_path / "out/constraints.json")
    assert [f["name"] for f in constraints["features"]] == ["Age", "Sex", "Score"]


def _shared_lines(table: list[jsonl.Row]) -> list[str]:
    return [
        json.dumps({"features": r.features, "label": r.label, "predicted_label": r.predicted})
        for r in table
    ]


JSONL_CONFIG = {
    **jsonl.CONFIG,
    "dataset_type": "application/jsonlines",
    "features": "features",
    "predicted_label": "predicted_label",
    "headers": [*jsonl.HEADERS, "Prediction"],  # the predicted label's header last
}
WINDOW = jsonl.rows(300, seed=12)


def test_the_endpoints_monitors_run_against_the_baseline(tmp_path: Path) -> None:
    """Captured ``{"features": [...]}`` requests: no column missing or extra, the bias numpy's."""
    table = jsonl.rows()
    result = _suggest(tmp_path, _shared_lines(table), JSONL_CONFIG)
    assert result.exit_code == 0, result.output
    post = _metrics(tmp_path, "post_training_bias_metrics", jsonl.FACET)
    for name, expected in jsonl.reference(table).items():
        assert post[name] == pytest.approx(expected, abs=1e-12), name
    records = [json.dumps(jsonl.capture_record(f"k{i}", r)) for i, r in enumerate(WINDOW)]
    truth = [json.dumps(jsonl.label_record(f"k{i}", r.label)) for i, r in enumerate(WINDOW)]
    analyzed = run(
        "analyze", "--capture", write_lines(tmp_path / "capture.jsonl", records),
        "--baseline", tmp_path / "out", "--out", tmp_path / "run",
        "--ground-truth", write_lines(tmp_path / "truth.jsonl", truth),
        "--inference-attribute", "predicted_label", "--capture-index-names", "endpointInput",
    )  # fmt: skip
    assert analyzed.exit_code in (0, 1), analyzed.output
    assert "ModelBias: Completed" in analyzed.output
    assert "headers_mismatch" not in analyzed.output
    violations = read_json(tmp_path / "run/constraint_violations.json")["violations"]
    kinds = {v["constraint_check_type"] for v in violations}
    assert not kinds & {"missing_column_check", "extra_column_check", "data_type_check"}
    window = read_json(tmp_path / "run/statistics.json")
    assert [f["name"] for f in window["features"]] == list(jsonl.FEATURES)
    doc = read_json(tmp_path / "run/bias/analysis.json")
    (entry,) = doc["post_training_bias_metrics"]["facets"][jsonl.FACET]
    got = {m["name"]: m["value"] for m in entry["metrics"]}
    for name, expected in jsonl.reference(WINDOW).items():
        assert got[name] == pytest.approx(expected, abs=1e-12), name


def test_a_file_of_no_usable_line_is_one_error(tmp_path: Path) -> None:
    result = _suggest(tmp_path, MALFORMED, _config())
    _one_line_error(result, "no line of validation.jsonl holds a list of 3 feature values",
                    "features_count=1", "Age, Sex, Score")  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"headers": None}, "needs the config's headers"),
        ({"headers": ["Age", "Age", "Score", "Target", "Prediction"]}, "name Age more than once"),
        ({"label": 3}, "label 3 is not a JMESPath"),
        ({"features": "a..b"}, "features 'a..b' is not a JMESPath"),
    ],
    ids=["no-headers", "twice", "label-index", "bad-path"],
)
def test_a_config_that_cannot_name_the_values_is_one_error(
    tmp_path: Path, changes: dict[str, Any], said: str
) -> None:
    config = {k: v for k, v in _config(**changes).items() if v is not None}
    result = _suggest(tmp_path, [_flat_line(r) for r in ROWS], config)
    _one_line_error(result, "analysis_config.json: ", said)


def test_other_configs_still_refuse_nested_json(tmp_path: Path) -> None:
    """Without dataset_type jsonlines and features, the plain data-quality rule stands."""
    config = {k: v for k, v in _config().items() if k not in ("dataset_type", "features")}
    result = _suggest(tmp_path, [_flat_line(r) for r in ROWS], config)
    _one_line_error(result, "'features' holds nested JSON")


def test_a_folder_of_part_files_reads_as_one_dataset(tmp_path: Path) -> None:
    """Spark's JSON output of the same lines, in three parts: the hand-computed figures hold."""
    lines = [_flat_line(r) for r in ROWS]
    lines[3:3] = MALFORMED
    folder = tmp_path / "validation"
    for k, start in enumerate(range(0, len(lines), 25)):
        write_lines(folder / f"part-{k:05d}-1a2b-c000.json", lines[start : start + 25])
    (folder / "_SUCCESS").write_text("")
    config = tmp_path / "analysis_config.json"
    config.write_text(json.dumps(_config()))
    result = run("baseline", "suggest", "--data", folder, "--out", tmp_path / "out",
                 "--bias-config", config)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "bias: 70 rows, 0 left out" in result.output
    assert "baseline: 70 rows, 3 features" in result.output
    pre = _metrics(tmp_path, "pre_training_bias_metrics")
    post = _metrics(tmp_path, "post_training_bias_metrics")
    for name, expected in EXPECTED.items():
        assert pre.get(name, post.get(name)) == pytest.approx(expected, abs=1e-12), name


def test_headers_without_the_predicted_labels_name_are_refused_saying_the_order(
    tmp_path: Path,
) -> None:
    """With ``predicted_label``, Clarify's headers end with the label's and the prediction's.

    Headers of the features and the label alone then name one feature too few: every line
    is counted, none read by position, and the one-line error says which headers name what.
    """
    lines = [_flat_line(r) for r in ROWS]
    result = _suggest(tmp_path, lines, _config(headers=["Age", "Sex", "Score", "Target"]))
    _one_line_error(result, "features_count=70", "headers name 2 features (Age, Sex; the last "
                    "headers, Score and Target, name the label and prediction)")  # fmt: skip


@pytest.mark.parametrize(
    ("line", "paths"),
    [
        (_flat_line, {}),
        (_nested_line, {"features": "data.features.values", "label": "data.label",
                        "predicted_label": "output.predicted_label"}),
    ],
    ids=["features", "data.features.values"],
)  # fmt: skip
def test_analyze_data_reads_the_lines_as_the_baseline_did(
    tmp_path: Path, line: Any, paths: dict[str, str]
) -> None:
    """``analyze --data`` on the same shape: the features at the pinned config's path."""
    assert _suggest(tmp_path, [line(r) for r in ROWS], _config(**paths)).exit_code == 0
    window = [(a + 10, s, sc * 2, y, p) for a, s, sc, y, p in BLOCK * 6]
    lines = [line(r) for r in window]
    lines[5:5] = ['{"label": 1}']  # no features: counted, not read
    data = write_lines(tmp_path / "window.jsonl", lines)
    result = run("analyze", "--data", data, "--baseline", tmp_path / "out",
                 "--out", tmp_path / "run")  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    assert f"{len(window)} rows" in result.output
    assert "1 bad records (no_features=1)" in result.output
    stats = read_json(tmp_path / "run/statistics.json")
    assert stats["dataset"]["item_count"] == len(window)
    features = {f["name"]: f for f in stats["features"]}
    assert list(features) == ["Age", "Sex", "Score"]
    for i, name in enumerate(("Age", "Sex", "Score")):
        values = np.array([r[i] for r in window], dtype=np.float64)
        numeric = features[name]["numerical_statistics"]
        assert numeric["common"] == {"num_present": len(window), "num_missing": 0}
        assert numeric["sum"] == pytest.approx(values.sum(), rel=1e-12)
        assert (numeric["min"], numeric["max"]) == (values.min(), values.max())


# A hand-edited headers_end_with: each was read as if absent, so the headers were taken to end
# with the label's and the prediction's, and a config pinned ["label"] lost a feature silently.
WRONG_HEADERS_END_WITH = ["label", 5, {"label": 1}, ["Target"], ["label", "score"]]


@pytest.mark.parametrize("pinned", WRONG_HEADERS_END_WITH, ids=repr)
def test_a_saved_headers_end_with_of_the_wrong_type_is_one_error_line(
    tmp_path: Path, pinned: Any
) -> None:
    from stream.monitors.bias import load_bias_baseline
    from stream.monitors.files import BaselineError

    assert _suggest(tmp_path, [_flat_line(r) for r in ROWS], _config()).exit_code == 0
    saved = tmp_path / "out/bias/analysis_config.json"
    config = read_json(saved)
    assert config["headers_end_with"] == ["label", "predicted_label"]  # as suggest pinned it
    saved.write_text(json.dumps({**config, "headers_end_with": pinned}))
    data = write_lines(tmp_path / "live.jsonl", [_flat_line(r) for r in ROWS[:40]])
    result = run("analyze", "--data", data, "--baseline", tmp_path / "out",
                 "--out", tmp_path / "run")  # fmt: skip
    _one_line_error(result, "bias baseline in", "headers_end_with must be a list")
    with pytest.raises(BaselineError, match="headers_end_with must be a list"):
        load_bias_baseline(tmp_path / "out/bias")  # the worker's and analyze --capture's


def test_a_given_headers_end_with_of_the_wrong_type_is_one_error_line(tmp_path: Path) -> None:
    result = _suggest(tmp_path, [_flat_line(r) for r in ROWS], _config(headers_end_with="label"))
    _one_line_error(result, "headers_end_with must be a list")
