"""Bias and SHAP builders shared by the bias-drift and attribution-drift CLI tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from tests.stream.cli.labeled_files import run, write_csv

CONFIG = {
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
}


def bias_rows(positives_f: int, positives_m: int) -> list[tuple[int, str, float, int]]:
    """(prediction, sex, age, label): 100 rows per sex, the first ``positives_*`` predicted 1.

    Ages are spread so that no two neighbours of a facet-d row sit at one distance: every
    kNN algorithm then agrees on the flip test.
    """
    rows = []
    for sex, positives in (("F", positives_f), ("M", positives_m)):
        scale, shift = (0.7, 0.0) if sex == "F" else (0.53, 0.31)
        for i in range(100):
            age = round(20 + ((i * 37) % 100) * scale + shift, 2)
            rows.append((int(i < positives), sex, age, int(i % 2 == 0)))
    return rows


def flip_test_reference(rows: list[tuple[int, str, float, int]]) -> float:
    """Clarify's FT with scikit-learn's kNN: fit on facet a (M), predict facet d (F)."""
    a = [r for r in rows if r[1] == "M"]
    d = [r for r in rows if r[1] == "F"]
    knn = KNeighborsClassifier(n_neighbors=5).fit([[r[2]] for r in a], [r[0] for r in a])
    flipped = knn.predict([[r[2]] for r in d])
    own = np.array([r[0] for r in d])
    return float(np.sum((own == 1) & (flipped == 0)) - np.sum((own == 0) & (flipped == 1))) / len(d)


def bias_baseline(tmp_path: Path) -> Path:
    """``baseline suggest --bias-config`` on ``bias_rows(45, 55)``: DPPL 0.10, DI 45/55."""
    data = write_csv(tmp_path / "v.csv", ("prediction", "sex", "age", "label"), bias_rows(45, 55))
    config = tmp_path / "bias.json"
    config.write_text(json.dumps(CONFIG))
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out, "--bias-config", config,
        "--label-column", "label", "--prediction-column", "prediction",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def post_training(doc: dict[str, Any]) -> dict[str, Any]:
    """The post-training metrics of facet sex = F in a Clarify analysis, by name."""
    entry = doc["post_training_bias_metrics"]["facets"]["sex"][0]
    assert entry["value_or_threshold"] == "F"
    return {m["name"]: m["value"] for m in entry["metrics"]}


def shap_lines(
    rng: np.random.Generator, scales: tuple[float, ...], n: int
) -> list[dict[str, float]]:
    """``n`` records of local SHAP values of features a, b, c, normal with these scales."""
    return [
        {f: float(rng.normal(0.0, s)) for f, s in zip(("a", "b", "c"), scales, strict=True)}
        for _ in range(n)
    ]


def mean_abs(rows: list[dict[str, float]]) -> dict[str, float]:
    """Global SHAP values by mean absolute value (Clarify's default aggregation)."""
    return {f: float(np.mean([abs(r[f]) for r in rows])) for f in rows[0]}
