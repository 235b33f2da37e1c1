"""``analyze`` against a bias baseline Clarify wrote: its config has no data_type."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)
from tests.stream.monitors.clarify_files import (
    CONFIG,
    ROWS,
    clarify_analysis,
    class_imbalance,
    positive_proportions_difference,
    write_clarify_bias,
)


def _baseline(tmp_path: Path, config: dict[str, Any], analysis: dict[str, Any]) -> Path:
    """Data-quality files from ``baseline suggest`` on the rows, and Clarify's bias files."""
    rows = [(r.score, r.f1, r.f2, r.f3) for r in ROWS]
    data = write_csv(tmp_path / "train.csv", ("score", "F1", "F2", "F3"), rows)
    out = tmp_path / "baseline"
    result = run("baseline", "suggest", "--data", data, "--out", out)
    assert result.exit_code == 0, result.output
    write_clarify_bias(out / "bias", config, analysis)
    return out


def _analyze(
    tmp_path: Path,
    baseline: Path,
    request: Callable[[Any], str] = lambda r: f"{r.f1},{r.f2},{r.f3}",
) -> tuple[str, dict[str, Any]]:
    """``analyze --ground-truth`` of every row, its request's CSV by ``request``."""
    captures = write_lines(
        tmp_path / "capture.jsonl",
        [capture_line(f"k{i}", request(r), str(r.score)) for i, r in enumerate(ROWS)],
    )
    truth = write_lines(
        tmp_path / "truth.jsonl", [label_line(f"k{i}", r.label) for i, r in enumerate(ROWS)]
    )
    result = run(
        "analyze", "--capture", captures, "--ground-truth", truth, "--baseline", baseline,
        "--out", tmp_path / "run", "--probability-attribute", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output, read_json(tmp_path / "run/bias/analysis.json")


def _entry(doc: dict[str, Any], stage: str, facet: str) -> tuple[str, dict[str, Any]]:
    entry = doc[f"{stage}_training_bias_metrics"]["facets"][facet][0]
    return entry["value_or_threshold"], {m["name"]: m["value"] for m in entry["metrics"]}


def test_an_interval_facet_is_continuous_and_its_metrics_are_computed_by_hand(
    tmp_path: Path,
) -> None:
    output, doc = _analyze(tmp_path, _baseline(tmp_path, CONFIG, clarify_analysis()))
    assert "warning" not in output
    in_d = [r.f1 > 0.5 for r in ROWS]
    written, pre = _entry(doc, "pre", "F1")
    assert written == "(0.5, 0.97]"  # the window's maximum, as Clarify writes it
    assert pre["CI"] == pytest.approx(class_imbalance(in_d), abs=1e-12)
    labels = [r.label == 1 for r in ROWS]
    assert pre["DPL"] == pytest.approx(positive_proportions_difference(in_d, labels), abs=1e-12)
    _, post = _entry(doc, "post", "F1")
    predicted = [r.score > 0.5 for r in ROWS]
    assert post["DPPL"] == pytest.approx(
        positive_proportions_difference(in_d, predicted), abs=1e-12
    )
    # the categorical number is unchanged: rows with F3 == 3
    written, pre = _entry(doc, "pre", "F3")
    assert written == "3"
    assert pre["CI"] == pytest.approx(class_imbalance([r.f3 == 3 for r in ROWS]), abs=1e-12)


def test_a_facet_matching_no_row_is_a_warning(tmp_path: Path) -> None:
    config = {
        **json.loads(json.dumps(CONFIG)),
        "facet": [{"name_or_index": "F1", "value_or_threshold": [0.6]}],
    }
    baseline = _baseline(tmp_path, config, clarify_analysis(f1_written="(0.7, 0.97]"))
    output, doc = _analyze(tmp_path, baseline)
    lines = output.splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith("ModelBias: Completed"))
    assert lines[line + 1].startswith(
        "  warning: facet F1 value 0.6 (categorical by default) matched none of 14 rows: "
        "facet d is empty"
    )
    _, pre = _entry(doc, "pre", "F1")
    assert pre["CI"] is None and pre["DPL"] is None


def test_the_flip_test_runs_on_the_features_the_clarify_config_headers_name(
    tmp_path: Path,
) -> None:
    """A config Clarify ran pins no flip_test_features: FT took no feature and errored
    ("FlipTest needs feature vectors") in every window, where Clarify computes it on the
    headers less label and facet. Reference: sklearn's 1-NN (facet a has 9 rows, so k = 1)."""
    from sklearn.neighbors import KNeighborsClassifier

    config = {
        "headers": ["Label", "F1", "F3"],
        "label": "Label",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "F3", "value_or_threshold": [3]}],
    }
    ft = {"name": "FT", "description": "Flip Test (FT)", "value": 0.9}
    analysis = {
        "version": "1.0",
        "post_training_bias_metrics": {
            "label": "Label",
            "label_value_or_threshold": "1",
            "facets": {"F3": [{"value_or_threshold": "3", "metrics": [ft]}]},
        },
    }
    data = write_csv(tmp_path / "train.csv", ("F1", "F3"), [(r.f1, r.f3) for r in ROWS])
    baseline = tmp_path / "baseline"
    assert run("baseline", "suggest", "--data", data, "--out", baseline).exit_code == 0
    write_clarify_bias(baseline / "bias", config, analysis)
    _, doc = _analyze(tmp_path, baseline, lambda r: f"{r.f1},{r.f3}")
    _, post = _entry(doc, "post", "F3")
    a = [r for r in ROWS if r.f3 != 3]
    d = [r for r in ROWS if r.f3 == 3]
    knn = KNeighborsClassifier(n_neighbors=1).fit([[r.f1] for r in a], [r.score > 0.5 for r in a])
    flipped = knn.predict([[r.f1] for r in d])
    model = [r.score > 0.5 for r in d]
    expected = (
        sum(m and not k for m, k in zip(model, flipped, strict=True))
        - sum(k and not m for m, k in zip(model, flipped, strict=True))
    ) / len(d)
    assert post["FT"] == pytest.approx(expected, abs=1e-12)
