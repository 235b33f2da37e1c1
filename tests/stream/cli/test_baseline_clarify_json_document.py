"""``baseline suggest`` / ``analyze --data`` on a Clarify ``application/json`` dataset.

One JSON document holds every record, ``{"instances": [{"features": [...], "label": 1,
"predicted_label": 1}, ...]}``, and the config's ``features`` / ``label`` /
``predicted_label`` are JMESPaths over the whole document (``instances[*].features``), as
AWS's bias monitor example for a JSON endpoint baselines on. The document here is hand-made
in that shape (not AWS's file). The references are independent of the reading: the same
records given as JSON Lines through the JSON Lines path, the bias metrics by hand and the
feature statistics by numpy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.stream.cli.labeled_files import read_json, run, write_lines
from tests.stream.cli.test_baseline_clarify_jsonl import BLOCK, EXPECTED, HEADERS, METHODS

ROWS = BLOCK * 10  # (Age, Sex, Score, label, predicted): 70 records
FEATURES = ("Age", "Sex", "Score")


def _record(row: tuple[Any, ...]) -> dict[str, Any]:
    return {"features": list(row[:3]), "label": row[3], "predicted_label": row[4]}


def _config(dataset_type: str, **changes: Any) -> dict[str, Any]:
    paths = (
        {"features": "features", "label": "label", "predicted_label": "predicted_label"}
        if dataset_type == "application/jsonlines"
        else {
            "features": "instances[*].features",
            "label": "instances[*].label",
            "predicted_label": "instances[*].predicted_label",
        }
    )
    return {
        "dataset_type": dataset_type,
        **paths,
        "headers": HEADERS,
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "Sex", "value_or_threshold": [0]}],
        "methods": METHODS,
        **changes,
    }


def _suggest(folder: Path, data: Path, config: dict[str, Any], *extra: Any) -> Any:
    folder.mkdir(exist_ok=True)
    path = folder / "analysis_config.json"
    path.write_text(json.dumps(config))
    return run("baseline", "suggest", "--data", data, "--out", folder / "out",
               "--bias-config", path, *extra)  # fmt: skip


def _document(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, indent=2))  # indented: several lines, one document
    return path


def _one_line_error(result: Any, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("driftline: error: ")
    for part in parts:
        assert part in result.stderr, result.stderr


def test_a_document_gives_the_figures_of_the_same_records_as_json_lines(tmp_path: Path) -> None:
    records = [_record(r) for r in ROWS]
    records[3:3] = [  # counted and skipped in both forms, with their labels
        {"features": [30, 0], "label": 1, "predicted_label": 1},
        {"features": "30,0,0.5", "label": 1, "predicted_label": 1},
    ]
    doc = _document(tmp_path / "validation.json", {"instances": records})
    lines = write_lines(tmp_path / "validation.jsonl", [json.dumps(r) for r in records])
    as_doc = _suggest(tmp_path / "doc", doc, _config("application/json"))
    as_lines = _suggest(tmp_path / "lines", lines, _config("application/jsonlines"))
    assert as_doc.exit_code == 0, as_doc.output
    assert as_lines.exit_code == 0, as_lines.output
    assert "baseline: 70 rows, 3 features" in as_doc.output
    assert "bias: 70 rows, 0 left out" in as_doc.output
    for name in ("statistics.json", "constraints.json", "bias/analysis.json"):
        assert read_json(tmp_path / "doc/out" / name) == read_json(tmp_path / "lines/out" / name)
    stats = read_json(tmp_path / "doc/out/statistics.json")
    assert stats["dataset"]["item_count"] == 70
    features = {f["name"]: f for f in stats["features"]}
    assert tuple(features) == FEATURES  # the label and prediction left out
    for i, name in enumerate(FEATURES):
        values = np.array([r[i] for r in ROWS], dtype=np.float64)
        numeric = features[name]["numerical_statistics"]
        assert numeric["common"] == {"num_present": 70, "num_missing": 0}
        assert (numeric["min"], numeric["max"]) == (values.min(), values.max())
        assert numeric["sum"] == pytest.approx(values.sum(), rel=1e-12)
        assert numeric["std_dev"] == pytest.approx(values.std(), rel=1e-9)
    analysis = read_json(tmp_path / "doc/out/bias/analysis.json")
    metrics = {
        m["name"]: m["value"]
        for stage in ("pre_training_bias_metrics", "post_training_bias_metrics")
        for m in analysis[stage]["facets"]["Sex"][0]["metrics"]
    }
    assert metrics == pytest.approx(EXPECTED, rel=1e-12)
    assert analysis["pre_training_bias_metrics"]["label"] == "Target"  # Clarify's header


def test_a_two_dimensional_array_at_a_plain_key_is_read_too(tmp_path: Path) -> None:
    """``features`` finding a list of rows without a projection: one row per record."""
    doc = {
        "rows": [list(r[:3]) for r in ROWS],
        "labels": [r[3] for r in ROWS],
        "predictions": [r[4] for r in ROWS],
    }
    config = _config("application/json", features="rows", label="labels",
                     predicted_label="predictions")  # fmt: skip
    result = _suggest(tmp_path, _document(tmp_path / "v.json", doc), config)
    assert result.exit_code == 0, result.output
    analysis = read_json(tmp_path / "out/bias/analysis.json")
    (pre,) = analysis["pre_training_bias_metrics"]["facets"]["Sex"]
    assert {m["name"]: m["value"] for m in pre["metrics"]} == pytest.approx(
        {k: EXPECTED[k] for k in ("CI", "DPL")}, rel=1e-12
    )


def test_analyze_data_reads_the_document_as_the_baseline_did(tmp_path: Path) -> None:
    baseline = _document(tmp_path / "b.json", {"instances": [_record(r) for r in ROWS]})
    assert _suggest(tmp_path, baseline, _config("application/json")).exit_code == 0
    window = [(a + 10, s, sc * 2, y, p) for a, s, sc, y, p in BLOCK * 6]
    records = [_record(r) for r in window]
    records[5:5] = [{"features": [1, 2], "label": 1, "predicted_label": 0}]  # features_count
    data = _document(tmp_path / "window.json", {"instances": records})
    result = run("analyze", "--data", data, "--baseline", tmp_path / "out",
                 "--out", tmp_path / "run")  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    assert f"{len(window)} rows" in result.output
    assert "1 bad records (features_count=1)" in result.output
    features = {f["name"]: f for f in read_json(tmp_path / "run/statistics.json")["features"]}
    assert tuple(features) == FEATURES
    for i, name in enumerate(FEATURES):
        values = np.array([r[i] for r in window], dtype=np.float64)
        numeric = features[name]["numerical_statistics"]
        assert numeric["common"] == {"num_present": len(window), "num_missing": 0}
        assert numeric["sum"] == pytest.approx(values.sum(), rel=1e-12)


_GOOD = {"instances": [_record(r) for r in ROWS], "meta": {"count": 70}}
_NO_LABEL = {"instances": [*_GOOD["instances"][:-1], {"features": [1, 0, 0.5]}]}


@pytest.mark.parametrize(
    ("text", "changes", "parts"),
    [
        ('{"instances": [{"features": [1, 0, 0.5]}', {}, ("is not one JSON document",)),
        ('{"instances": []}\n{"instances": []}\n', {}, ("is not one JSON document",)),
        (json.dumps(_GOOD), {"features": "records[*].features"},
         ("features 'records[*].features' finds nothing",)),
        (json.dumps(_NO_LABEL), {},
         ("'instances[*].label' finds 69 values", "finds 70 rows")),
        (json.dumps(_GOOD), {"features": "meta.count"},
         ("features 'meta.count' finds a number", "not an array")),
        (json.dumps(_GOOD), {"label": "instances[0].label"},
         ("'instances[0].label' finds a number",)),
        (json.dumps(_GOOD), {"features": "meta"}, ("features 'meta' finds a JSON object",)),
        (json.dumps({"instances": [{"features": [1, 0], "label": 1, "predicted_label": 1}]}),
         {}, ("no record of", "features_count=1")),
    ],
    ids=["not-json", "json-lines", "no-match", "lengths-differ", "features-not-a-list",
         "label-not-a-list", "features-an-object", "no-usable-record"],
)  # fmt: skip
def test_a_document_that_cannot_be_lined_up_is_one_error_line(
    tmp_path: Path, text: str, changes: dict[str, str], parts: tuple[str, ...]
) -> None:
    data = tmp_path / "validation.json"
    data.write_text(text)
    _one_line_error(_suggest(tmp_path, data, _config("application/json", **changes)), *parts)


def _capture(key: str, row: tuple[Any, ...]) -> str:
    """A JSON endpoint's capture: ``{"instances": [{"features": [...]}]}`` in, predictions out."""
    request = {"instances": [{"features": list(row[:3])}]}
    answer = {"predictions": [{"predicted_label": row[4], "score": 0.5}]}
    part = {"observedContentType": "application/json", "encoding": "JSON"}
    data = {
        "endpointInput": {**part, "mode": "INPUT", "data": json.dumps(request)},
        "endpointOutput": {**part, "mode": "OUTPUT", "data": json.dumps(answer)},
    }
    meta = {"eventId": f"e-{key}", "inferenceId": key, "inferenceTime": "2024-03-05T14:07:31Z"}
    return json.dumps({"captureData": data, "eventMetadata": meta, "eventVersion": "0"})


def _truth(key: str, label: Any) -> str:
    data = {"data": json.dumps({"instances": [{"label": label}]}), "encoding": "JSON"}
    meta = {"eventId": key}
    return json.dumps({"groundTruthData": data, "eventMetadata": meta, "eventVersion": "0"})


def test_the_endpoints_monitors_run_against_the_document_baseline(tmp_path: Path) -> None:
    """The same records captured: no column missing or extra, the bias figures by hand."""
    doc = _document(tmp_path / "b.json", {"instances": [_record(r) for r in ROWS]})
    assert _suggest(tmp_path, doc, _config("application/json")).exit_code == 0
    captures = write_lines(tmp_path / "c.jsonl", [_capture(f"k{i}", r) for i, r in enumerate(ROWS)])
    truth = write_lines(tmp_path / "t.jsonl", [_truth(f"k{i}", r[3]) for i, r in enumerate(ROWS)])
    analyzed = run(
        "analyze", "--capture", captures, "--baseline", tmp_path / "out", "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "predictions[*].predicted_label",
        "--capture-index-names", "endpointInput",
    )  # fmt: skip
    assert analyzed.exit_code == 0, analyzed.output
    assert "ModelBias: Completed: 70 labelled rows" in analyzed.output
    assert read_json(tmp_path / "run/constraint_violations.json")["violations"] == []
    window = read_json(tmp_path / "run/statistics.json")
    assert tuple(f["name"] for f in window["features"]) == FEATURES
    (post,) = read_json(tmp_path / "run/bias/analysis.json")["post_training_bias_metrics"][
        "facets"
    ]["Sex"]
    got = {m["name"]: m["value"] for m in post["metrics"]}
    assert {k: got[k] for k in ("DPPL", "DI", "AD")} == pytest.approx(
        {k: EXPECTED[k] for k in ("DPPL", "DI", "AD")}, rel=1e-12
    )


def test_an_array_of_objects_read_by_a_multiselect_list_gives_the_json_lines_figures(
    tmp_path: Path,
) -> None:
    """AWS's Clarify JSON notebook's form: ``[{"Age": …, "Target": 1}, …]`` read with
    ``features`` ``[*]["Age", "Sex", "Score"]`` and ``label`` ``[*].Target``."""
    objects = [dict(zip((*FEATURES, "Target", "Prediction"), r, strict=True)) for r in ROWS]
    doc = _document(tmp_path / "validation.json", objects)
    config = _config("application/json", features='[*]["Age", "Sex", "Score"]',
                     label="[*].Target", predicted_label="[*].Prediction")  # fmt: skip
    as_doc = _suggest(tmp_path / "doc", doc, config)
    assert as_doc.exit_code == 0, as_doc.output
    lines = write_lines(tmp_path / "v.jsonl", [json.dumps(_record(r)) for r in ROWS])
    assert _suggest(tmp_path / "lines", lines, _config("application/jsonlines")).exit_code == 0
    for name in ("statistics.json", "constraints.json", "bias/analysis.json"):
        assert read_json(tmp_path / "doc/out" / name) == read_json(tmp_path / "lines/out" / name)
    analysis = read_json(tmp_path / "doc/out/bias/analysis.json")
    (post,) = analysis["post_training_bias_metrics"]["facets"]["Sex"]
    got = {m["name"]: m["value"] for m in post["metrics"]}
    assert got == pytest.approx({k: EXPECTED[k] for k in ("DPPL", "DI", "AD")}, rel=1e-12)
