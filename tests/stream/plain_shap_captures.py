"""Captures of a model whose own JSON output holds its SHAP values, some malformed, by hand.

Each output is ``{"score": s, "shap": {feature: value}}`` over the features ``(age, income,
tenure)`` of :mod:`tests.stream.explainer_captures`. GOOD's SHAP values are those of
:mod:`tests.stream.split_refusal_captures`' GOOD, so their mean |SHAP| is computed by hand
there (``GOOD_FOUR``). MALFORMED's ``shap`` is not SHAP values: each one is counted
``bad_explanations`` while its prediction still joins its label. UNEXPLAINED's output has
no ``shap`` key, or ``"shap": null``: not explained, and not an error.
"""

from __future__ import annotations

import json
from typing import Any

from tests.stream.explainer_captures import FEATURES, explainer_capture
from tests.stream.split_refusal_captures import GOOD

ABSENT = object()  # no ``shap`` key in the output

# (key, score, label, shap)
PLAIN_GOOD = [
    (key, score, label, dict(zip(FEATURES, shap, strict=True))) for key, score, label, shap in GOOD
]
MALFORMED = [
    ("x0", 0.9, 0, {"age": "high", "income": 0.1, "tenure": 0.2}),  # a value not a number
    ("x1", 0.7, 1, [0.3, 0.1, 0.2]),  # a list, not an object
    ("x2", 0.4, 0, {"label0": {"age": 0.1}, "income": 0.2}),  # a label mixed with a value
    ("x3", 0.1, 1, {"age": True, "income": 0.2, "tenure": 0.1}),  # a boolean
]
UNEXPLAINED = [("n0", 0.6, 1, ABSENT), ("n1", 0.45, 0, None)]


def plain_captures(rows: list[tuple[str, float, int, Any]], times: list[str]) -> list[dict]:
    """A capture per row: a CSV request, the model's JSON output with its score and shap."""
    out = []
    for (key, score, _, shap), at in zip(rows, times, strict=True):
        output: dict[str, Any] = {"score": score}
        if shap is not ABSENT:
            output["shap"] = shap
        out.append(explainer_capture(key, [(30, 4000, 2)], json.dumps(output), at))
    return out
