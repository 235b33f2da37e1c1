"""A bias baseline in the shape Clarify writes it, with hand-made values (not AWS's files).

``analysis_config.json`` has no ``data_type`` (Clarify's has none): facet F1 is a numeric
threshold that Clarify treated as continuous and wrote as the interval ``"(0.5, 0.97]"``;
facet F3 is a number that Clarify treated as categorical and wrote as ``"3"``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple


class Row(NamedTuple):
    """One labelled prediction: the score, features F1 (float), F2 (group), F3 (int), label."""

    score: float
    f1: float
    f2: str
    f3: int
    label: int


# 0.5 itself is facet a: a continuous facet is v > t
ROWS = [
    Row(0.81, 0.97, "x", 3, 1),
    Row(0.32, 0.12, "y", 1, 0),
    Row(0.67, 0.55, "x", 2, 1),
    Row(0.44, 0.50, "y", 3, 0),
    Row(0.91, 0.78, "x", 1, 1),
    Row(0.15, 0.31, "y", 2, 1),
    Row(0.58, 0.66, "x", 3, 0),
    Row(0.22, 0.05, "y", 1, 0),
    Row(0.73, 0.89, "x", 2, 0),
    Row(0.38, 0.42, "y", 3, 1),
    Row(0.12, 0.27, "x", 1, 0),
    Row(0.95, 0.71, "y", 2, 1),
    Row(0.49, 0.33, "x", 3, 0),
    Row(0.08, 0.18, "y", 1, 0),
]

CONFIG: dict[str, Any] = {  # Clarify's keys only: no data_type, no label_data_type
    "dataset_type": "text/csv",
    "headers": ["Label", "F1", "F2", "F3"],
    "label": "Label",
    "label_values_or_threshold": [1],
    "facet": [
        {"name_or_index": "F1", "value_or_threshold": [0.5]},
        {"name_or_index": "F3", "value_or_threshold": [3]},
    ],
    "group_variable": "F2",
    "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": "all"}},
}


def _entry(written: str, ci: float, dpl: float) -> dict[str, Any]:
    return {
        "value_or_threshold": written,
        "metrics": [
            {"name": "CI", "description": "Class Imbalance (CI)", "value": ci},
            {
                "name": "DPL",
                "description": "Difference in Positive Proportions in Labels (DPL)",
                "value": dpl,
            },
        ],
    }


def clarify_analysis(f1_written: str = "(0.5, 0.97]", f3_written: str = "3") -> dict[str, Any]:
    """Clarify's analysis.json (pre-training stage) for CONFIG, with generous baseline values."""
    return {
        "version": "1.0",
        "pre_training_bias_metrics": {
            "label": "Label",
            "label_value_or_threshold": "1",
            "facets": {
                "F1": [_entry(f1_written, 0.9, 0.9)],
                "F3": [_entry(f3_written, 0.9, 0.9)],
            },
        },
    }


def write_clarify_bias(folder: Path, config: dict[str, Any], analysis: dict[str, Any]) -> Path:
    """Write ``analysis_config.json`` and ``analysis.json`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "analysis_config.json").write_text(json.dumps(config))
    (folder / "analysis.json").write_text(json.dumps(analysis))
    return folder


def class_imbalance(in_d: list[bool]) -> float:
    """CI = (n_a − n_d) / n."""
    n_d = sum(in_d)
    return (len(in_d) - 2 * n_d) / len(in_d)


def positive_proportions_difference(in_d: list[bool], positive: list[bool]) -> float:
    """DPL (or DPPL with predicted labels) = q_a − q_d, q = positives / rows of the facet."""
    d = [p for p, sel in zip(positive, in_d, strict=True) if sel]
    a = [p for p, sel in zip(positive, in_d, strict=True) if not sel]
    return sum(a) / len(a) - sum(d) / len(d)
