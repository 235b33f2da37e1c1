"""A JSON Lines bias monitor in the shape of AWS's example, with hand-made rows (not AWS's files).

The endpoint takes ``{"features": [...]}`` and answers ``{"predicted_label": 0|1, "score": p}``;
the bias config Clarify would run names the features with ``headers`` and ends them with the
label's header (``"Target"``), beside ``"label": "label"``. The data-quality baseline was
suggested on the feature columns alone, so its positional names (output columns first) put
``Sex`` on the request's first value (``Married``): reading the facet from that row is wrong.

The references are numpy over the same rows: DPPL, DI, AD and CDDPL as AWS defines them.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

FEATURES = ("Married", "Workclass", "Sex", "Hours")
HEADERS = [*FEATURES, "Target"]
FACET, FACET_VALUE, GROUP = "Sex", 0, "Workclass"
CONFIG: dict[str, Any] = {  # what Clarify's bias monitor runs: no data_type, no dataset_type
    "headers": HEADERS,
    "label": "label",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": FACET, "value_or_threshold": [FACET_VALUE]}],
    "group_variable": GROUP,
    "methods": {"post_training_bias": {"methods": "all"}},
}


class Row(NamedTuple):
    """One request's features, the model's answer and the true label."""

    married: int
    workclass: int
    sex: int
    hours: int
    predicted: int
    label: int

    @property
    def features(self) -> list[int]:
        """The request's ``features`` list, in header order."""
        return [self.married, self.workclass, self.sex, self.hours]


def rows(n: int = 400, seed: int = 11) -> list[Row]:
    """Rows whose predictions favour Sex 1 and, independently, Married 1."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        married, sex = rng.randint(0, 1), rng.randint(0, 1)
        workclass, hours = rng.randint(0, 2), rng.randint(20, 60)
        rate = 0.25 + 0.3 * sex + 0.2 * married
        label = int(rng.random() < rate)
        predicted = label if rng.random() < 0.8 else 1 - label
        out.append(Row(married, workclass, sex, hours, predicted, label))
    return out


def capture_record(key: str, row: Row, *, features: list[Any] | None = None) -> dict[str, Any]:
    """A JSON Lines capture record of the row (``features`` overrides the request's values)."""
    request = {"features": row.features if features is None else features}
    answer = {"predicted_label": row.predicted, "score": 0.9 if row.predicted else 0.1}
    return {
        "captureData": {
            "endpointInput": {"observedContentType": "application/jsonlines", "mode": "INPUT",
                              "data": json.dumps(request), "encoding": "JSON"},
            "endpointOutput": {"observedContentType": "application/jsonlines", "mode": "OUTPUT",
                               "data": json.dumps(answer), "encoding": "JSON"},
        },
        "eventMetadata": {"eventId": f"e-{key}", "inferenceId": key,
                          "inferenceTime": "2024-03-05T14:00:01Z"},
        "eventVersion": "0",
    }  # fmt: skip


def csv_capture_record(key: str, row: Row) -> dict[str, Any]:
    """The row captured from a CSV endpoint: the features in, the predicted label out."""
    record = capture_record(key, row)
    record["captureData"] = {
        "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                          "data": ",".join(map(str, row.features)), "encoding": "CSV"},
        "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT",
                           "data": str(row.predicted), "encoding": "CSV"},
    }  # fmt: skip
    return record


# The CSV shape of the same config: Clarify's CSV headers hold the label's column by name
CSV_CONFIG: dict[str, Any] = {**CONFIG, "headers": ["Target", *FEATURES], "label": "Target"}


def label_record(key: str, label: int) -> dict[str, Any]:
    """A ground-truth record (CSV-encoded label)."""
    return {"groundTruthData": {"data": str(label), "encoding": "CSV"},
            "eventMetadata": {"eventId": key}, "eventVersion": "0"}  # fmt: skip


def write_feature_csv(path: Path, table: list[Row]) -> Path:
    """The feature columns alone, as a data-quality baseline is suggested on them."""
    lines = [",".join(FEATURES), *(",".join(map(str, r.features)) for r in table)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_bias_folder(folder: Path, config: dict[str, Any] | None = None) -> Path:
    """``bias/analysis_config.json`` and an ``analysis.json`` Clarify could have written."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "analysis_config.json").write_text(json.dumps(config or CONFIG))
    metrics = [{"name": "DPPL", "description": "DPPL", "value": 0.3},
               {"name": "DI", "description": "DI", "value": 0.6}]  # fmt: skip
    entry = {"value_or_threshold": str(FACET_VALUE), "metrics": metrics}
    stage = {"label": "label", "label_value_or_threshold": "1", "facets": {FACET: [entry]}}
    analysis = {"version": "1.0", "post_training_bias_metrics": stage}
    (folder / "analysis.json").write_text(json.dumps(analysis))
    return folder


def reference(table: list[Row], facet: str = "sex") -> dict[str, float]:
    """DPPL, DI, AD and CDDPL of facet ``facet`` == 0 by numpy (AWS's definitions)."""
    d = np.array([getattr(r, facet) == FACET_VALUE for r in table])
    predicted = np.array([r.predicted for r in table])
    label = np.array([r.label for r in table])
    group = np.array([r.workclass for r in table])
    q_a, q_d = predicted[~d].mean(), predicted[d].mean()
    accuracy_a = (predicted[~d] == label[~d]).mean()
    accuracy_d = (predicted[d] == label[d]).mean()
    cdd = 0.0
    for g in np.unique(group):
        in_g = group == g
        accepted = (d & in_g & (predicted == 1)).sum() / (in_g & (predicted == 1)).sum()
        rejected = (d & in_g & (predicted == 0)).sum() / (in_g & (predicted == 0)).sum()
        cdd += in_g.sum() * (rejected - accepted)
    return {
        "DPPL": float(q_a - q_d),
        "DI": float(q_d / q_a),
        "AD": float(accuracy_a - accuracy_d),
        "CDDPL": float(cdd / len(table)),
    }
