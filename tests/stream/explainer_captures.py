"""Capture records of an endpoint with SageMaker Clarify online explainability, written by hand.

The shape is AWS's documented response (``version``, ``predictions`` with the model's own
``content_type`` and ``data``, optional ``label_headers``, ``explanations.kernel_shap``
with one entry per request record, ``null`` where a record was not explained, ``{}`` when
none was); the values are our own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

FEATURES = ("age", "income", "tenure")
Shap = Sequence[float] | Sequence[Sequence[float]]  # per feature: one value, or one per output


def kernel_shap_record(values: Shap, features: Sequence[str] | None = FEATURES) -> list[dict]:
    """One record's explanation: a feature object per value (no ``feature_header`` if None)."""
    out = []
    for i, value in enumerate(values):
        attribution = list(value) if isinstance(value, list | tuple) else [value]
        feature: dict[str, Any] = {"attributions": [{"attribution": attribution}]}
        if features is not None:
            feature["feature_header"] = features[i]
        out.append(feature)
    return out


def explainer_output(
    predictions: str,
    records: Sequence[Shap | None] | None,
    *,
    content_type: str = "text/csv; charset=utf-8",
    features: Sequence[str] | None = FEATURES,
    label_headers: Sequence[str] | None = None,
) -> str:
    """The response text: ``records`` None gives ``"explanations": {}`` (nothing explained)."""
    doc: dict[str, Any] = {
        "version": "1.0",
        "predictions": {"content_type": content_type, "data": predictions},
    }
    if label_headers is not None:
        doc["label_headers"] = list(label_headers)
    doc["explanations"] = (
        {}
        if records is None
        else {
            "kernel_shap": [None if r is None else kernel_shap_record(r, features) for r in records]
        }
    )
    return json.dumps(doc)


def explainer_capture(
    key: str, input_rows: Sequence[Sequence[Any]], output: str, time: str = "2024-03-05T14:07:31Z"
) -> dict[str, Any]:
    """A data-capture record: a CSV request of ``input_rows``, the explainer's response."""
    return {
        "captureData": {
            "endpointInput": {
                "observedContentType": "text/csv",
                "mode": "INPUT",
                "data": "\n".join(",".join(map(str, row)) for row in input_rows),
                "encoding": "CSV",
            },
            "endpointOutput": {
                "observedContentType": "application/json",
                "mode": "OUTPUT",
                "data": output,
                "encoding": "JSON",
            },
        },
        "eventMetadata": {"eventId": f"evt-{key}", "inferenceId": key, "inferenceTime": time},
        "eventVersion": "0",
    }
