"""A facet that matched no row (or every row) is counted and reported, never a quiet run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stream.capture.predictions import LocatedPrediction
from stream.monitors.bias import BiasRun, FacetRows, load_bias_baseline
from tests.stream.monitors.clarify_files import CONFIG, ROWS, clarify_analysis, write_clarify_bias


def _run(tmp_path: Path, facets: list[dict[str, Any]], f1_written: str) -> BiasRun:
    config = {**json.loads(json.dumps(CONFIG)), "facet": facets}
    folder = write_clarify_bias(tmp_path, config, clarify_analysis(f1_written=f1_written))
    run = BiasRun(load_bias_baseline(folder).settings)
    for r in ROWS:
        run.update({"F1": r.f1, "F2": r.f2, "F3": r.f3}, r.label, LocatedPrediction(None, r.score))
    return run


def test_a_threshold_the_baseline_does_not_show_is_reported(tmp_path: Path) -> None:
    # "(0.7, 0.97]" was not written for 0.6: the type stays categorical, no F1 equals 0.6
    run = _run(tmp_path, [{"name_or_index": "F1", "value_or_threshold": [0.6]}], "(0.7, 0.97]")
    [rows] = run.facet_rows()
    assert rows == FacetRows("F1", "0.6", "categorical", False, d=0, a=len(ROWS))
    warning = rows.warning()
    assert warning is not None
    assert warning.startswith(
        "facet F1 value 0.6 (categorical by default) matched none of 14 rows: facet d is empty, "
        'so its bias metrics are null or 0; if 0.6 is a threshold, set "data_type": "continuous"'
    )
    stage = run.analysis().pre_training
    assert stage is not None
    assert all(m.value is None for m in stage.facets[0][1][0].metrics if m.code != "CDDL")


def test_pinned_and_full_facets_are_reported_without_the_hint(tmp_path: Path) -> None:
    facets = [
        {"name_or_index": "F3", "value_or_threshold": [4], "data_type": "categorical"},
        {"name_or_index": "F3", "value_or_threshold": [1, 2, 3]},
    ]
    none, every = (r.warning() for r in _run(tmp_path, facets, "(0.5, 0.97]").facet_rows())
    empty = "so its bias metrics are null or 0"
    assert (
        none == f"facet F3 value 4 (categorical) matched none of 14 rows: facet d is empty, {empty}"
    )
    assert every == (
        f"facet F3 value 1,2,3 (categorical) matched every one of 14 rows: facet a is empty, "
        f"{empty}"
    )


def test_facets_with_rows_on_both_sides_have_no_warning(tmp_path: Path) -> None:
    facets = CONFIG["facet"]
    rows = _run(tmp_path, facets, "(0.5, 0.97]").facet_rows()
    assert [(r.facet, r.d, r.a, r.warning()) for r in rows] == [
        ("F1", 6, 8, None),
        ("F3", 5, 9, None),
    ]


def test_one_versus_all_facets_are_not_counted(tmp_path: Path) -> None:
    assert _run(tmp_path, [{"name_or_index": "F2"}], "(0.5, 0.97]").facet_rows() == []
