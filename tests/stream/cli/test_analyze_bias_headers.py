"""``analyze --ground-truth``: a JSON Lines bias monitor names its facet by the config's headers.

SageMaker's bias monitor names the request's ``features`` by ``headers`` ("the last header
becomes the header of the label column" for JSON Lines), whatever the data-quality monitor's
capture index names; a request whose value count does not fit the headers is refused with a
stated, counted reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.stream.cli.labeled_files import read_json, run, write_lines
from tests.stream.monitors.jsonl_bias_files import (
    CONFIG,
    FACET,
    capture_record,
    label_record,
    reference,
    rows,
    write_bias_folder,
    write_feature_csv,
)


def _baseline(tmp_path: Path, config: dict | None = None) -> Path:
    out = tmp_path / "baseline"
    data = write_feature_csv(tmp_path / "features.csv", rows())
    result = run("baseline", "suggest", "--data", data, "--out", out)
    assert result.exit_code == 0, result.output
    write_bias_folder(out / "bias", config)
    return out


def _analyze(tmp_path: Path, baseline: Path, records: list[dict], *extra: str):
    captures = write_lines(tmp_path / "capture.jsonl", [json.dumps(r) for r in records])
    truth = write_lines(
        tmp_path / "truth.jsonl",
        [json.dumps(label_record(r["eventMetadata"]["inferenceId"], label)) for r, label in
         zip(records, [row.label for row in WINDOW], strict=True)],
    )  # fmt: skip
    return run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "predicted_label", *extra,
    )  # fmt: skip


WINDOW = rows(300, seed=12)


def _post_training(tmp_path: Path) -> dict[str, float | None]:
    doc = read_json(tmp_path / "run/bias/analysis.json")
    entry = doc["post_training_bias_metrics"]["facets"][FACET][0]
    assert entry["value_or_threshold"] == "0"
    return {m["name"]: m["value"] for m in entry["metrics"]}


@pytest.mark.parametrize("index_names", [None, "endpointInput", "endpointOutput,endpointInput"])
def test_the_facet_is_the_header_named_feature_whatever_the_capture_index_names(
    tmp_path: Path, index_names: str | None
) -> None:
    baseline = _baseline(tmp_path)
    records = [capture_record(f"k{i}", row) for i, row in enumerate(WINDOW)]
    extra = () if index_names is None else ("--capture-index-names", index_names)
    result = _analyze(tmp_path, baseline, records, *extra)
    assert result.exit_code in (0, 1), result.output
    assert "ModelBias: Completed" in result.output
    metrics = _post_training(tmp_path)
    for name, expected in reference(WINDOW).items():
        assert metrics[name] == pytest.approx(expected, abs=1e-12), name
    # the data-quality row's Sex (the request's first value, Married) gives other figures
    assert metrics["DPPL"] != pytest.approx(reference(WINDOW, facet="married")["DPPL"])


def test_requests_the_headers_do_not_fit_are_refused_counted_and_said(tmp_path: Path) -> None:
    """Three values where the headers name four features: no column is guessed."""
    baseline = _baseline(tmp_path)
    records = [capture_record(f"k{i}", row) for i, row in enumerate(WINDOW)]
    short = {0, 1, 2}
    for i in short:
        records[i] = capture_record(f"k{i}", WINDOW[i], features=WINDOW[i].features[:3])
    result = _analyze(tmp_path, baseline, records)
    assert result.exit_code in (0, 1), result.output
    assert "unusable outputs: headers_mismatch=3 (first: " in result.output
    assert "the request holds 3 feature values, but the bias config's headers name 4" in (
        result.output
    )
    kept = [row for i, row in enumerate(WINDOW) if i not in short]
    metrics = _post_training(tmp_path)
    for name, expected in reference(kept).items():
        assert metrics[name] == pytest.approx(expected, abs=1e-12), name


def test_a_facet_the_headers_do_not_name_is_one_line(tmp_path: Path) -> None:
    config = {**CONFIG, "headers": ["Married", "Workclass", "Gender", "Hours", "Target"]}
    baseline = _baseline(tmp_path, config)
    records = [capture_record(f"k{i}", row) for i, row in enumerate(WINDOW)]
    result = _analyze(tmp_path, baseline, records)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("driftline: error: ")
    assert "do not name ['Sex', 'Workclass']" not in result.stderr  # Workclass is named
    assert "do not name ['Sex']" in result.stderr
