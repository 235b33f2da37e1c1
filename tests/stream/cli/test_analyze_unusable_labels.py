"""``analyze --ground-truth`` says how many joined labels model quality could not use, and why.

40 captures each join a label; 4 of the labels are not binary (``2``, ``abc``, ``NaN``,
``0.5``), so model quality stands on the other 36, and the summary line says
``4 labels not usable for model quality (not 0/1: 4)`` (once: not again as a warning).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.stream.cli.labeled_files import label_line, read_json, run, write_lines
from tests.stream.cli.test_analyze_ground_truth import (
    _binary_rows,
    _captures,
    _suggest,
    assert_binary_metrics,
)

NOT_BINARY = ("2", "abc", "NaN", "0.5")


def test_labels_that_are_not_0_or_1_are_counted_in_the_summary_by_reason(tmp_path: Path) -> None:
    rows = _binary_rows(np.random.default_rng(11), 40, 0.2)
    baseline = _suggest(tmp_path, rows)
    labels = [NOT_BINARY[i] if i < len(NOT_BINARY) else r[4] for i, r in enumerate(rows)]
    truth = write_lines(
        tmp_path / "labels.jsonl", [label_line(f"inf-{i}", v) for i, v in enumerate(labels)]
    )
    result = run(
        "analyze", "--capture", _captures(tmp_path, rows), "--baseline", baseline, "--out",
        tmp_path / "run", "--ground-truth", truth, "--probability-attribute", "0",
    )  # fmt: skip
    assert "40 of 40 captures joined" in result.output
    assert (
        "36 labelled predictions (BinaryClassification), "
        "4 labels not usable for model quality (not 0/1: 4)"
    ) in result.output, result.output
    assert result.output.count("not usable for model quality") == 1
    statistics = read_json(tmp_path / "run/model_quality/statistics.json")
    assert statistics["dataset"]["item_count"] == 36
    assert_binary_metrics(statistics["binary_classification_metrics"], rows[len(NOT_BINARY) :])
