"""A bias baseline Clarify wrote: its config has no data_type, its analysis.json shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stream.capture.predictions import LocatedPrediction
from stream.monitors.bias import BiasRun, load_bias_baseline
from tests.stream.monitors.clarify_files import (
    CONFIG,
    ROWS,
    clarify_analysis,
    class_imbalance,
    positive_proportions_difference,
    write_clarify_bias,
)


def _metrics(run: BiasRun, facet: str) -> tuple[str, dict[str, float | None]]:
    stage = run.analysis().pre_training
    assert stage is not None
    entry = dict(stage.facets)[facet][0]
    return entry.value_or_threshold, {m.code: m.value for m in entry.metrics}


def _run(folder: Path) -> BiasRun:
    run = BiasRun(load_bias_baseline(folder).settings)
    for r in ROWS:
        row = {"F1": r.f1, "F2": r.f2, "F3": r.f3}
        run.update(row, r.label, LocatedPrediction(None, r.score))
    return run


def test_types_come_from_the_strings_clarify_wrote(tmp_path: Path) -> None:
    folder = write_clarify_bias(tmp_path, CONFIG, clarify_analysis())
    settings = load_bias_baseline(folder).settings
    assert settings.facet_data_type(0) == "continuous"  # "(0.5, 0.97]"
    assert settings.facet_data_type(1) == "categorical"  # "3"
    assert settings.label_data_type == "categorical"  # "1"


def test_interval_facet_is_a_threshold(tmp_path: Path) -> None:
    run = _run(write_clarify_bias(tmp_path, CONFIG, clarify_analysis()))
    written, metrics = _metrics(run, "F1")
    assert written == "(0.5, 0.97]"
    in_d = [r.f1 > 0.5 for r in ROWS]  # 6 rows, 4 positive; facet a 8 rows, 2 positive
    positive = [r.label == 1 for r in ROWS]
    assert metrics["CI"] == pytest.approx(class_imbalance(in_d), abs=1e-12)  # (8 − 6) / 14
    assert metrics["CI"] == pytest.approx(1 / 7, abs=1e-12)
    assert metrics["DPL"] == pytest.approx(positive_proportions_difference(in_d, positive))
    assert metrics["DPL"] == pytest.approx(2 / 8 - 4 / 6, abs=1e-12)


def test_categorical_number_is_unchanged(tmp_path: Path) -> None:
    run = _run(write_clarify_bias(tmp_path, CONFIG, clarify_analysis()))
    written, metrics = _metrics(run, "F3")
    assert written == "3"
    in_d = [r.f3 == 3 for r in ROWS]  # 5 rows, 2 positive; facet a 9 rows, 4 positive
    assert metrics["CI"] == pytest.approx(2 / 7, abs=1e-12)
    assert metrics["DPL"] == pytest.approx(4 / 9 - 2 / 5, abs=1e-12)
    assert metrics["DPL"] == pytest.approx(
        positive_proportions_difference(in_d, [r.label == 1 for r in ROWS])
    )


def test_a_pinned_type_stands(tmp_path: Path) -> None:
    config = json.loads(json.dumps(CONFIG))
    config["facet"][0]["data_type"] = "categorical"
    config["label_data_type"] = "continuous"
    settings = load_bias_baseline(write_clarify_bias(tmp_path, config, clarify_analysis())).settings
    assert settings.facet_data_type(0) == "categorical"
    assert settings.label_data_type == "continuous"


def test_a_continuous_label_is_read_too(tmp_path: Path) -> None:
    config = {**CONFIG, "label_values_or_threshold": [0]}
    analysis = clarify_analysis()
    analysis["pre_training_bias_metrics"]["label_value_or_threshold"] = "(0, 1]"
    settings = load_bias_baseline(write_clarify_bias(tmp_path, config, analysis)).settings
    assert settings.label_data_type == "continuous"  # Clarify's 0/1 label with [0]: y > 0


def test_a_string_the_baseline_does_not_explain_leaves_the_type_out(tmp_path: Path) -> None:
    folder = write_clarify_bias(tmp_path, CONFIG, clarify_analysis(f1_written="(0.7, 0.97]"))
    settings = load_bias_baseline(folder).settings
    assert "data_type" not in settings.config["facet"][0]
    assert settings.facet_data_type(0) == "categorical"  # the default, reported by a run
