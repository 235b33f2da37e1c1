"""Captures that one labelled monitor cannot read and the others can, written by hand.

With model quality on, a capture whose prediction is refused (an output of several CSV
records, or one without a score) still holds SHAP values the attribution monitor reads; a
capture whose explanation is refused (a value that is not a number, a count of records that
does not match, a feature without a name) still holds a prediction model quality joins.
Features are ``(age, income, tenure)`` (:mod:`tests.stream.explainer_captures`); the
expected figures are computed by hand in the tests.
"""

from __future__ import annotations

import json
from typing import Any

from tests.stream.explainer_captures import explainer_capture, explainer_output

# one-record requests whose prediction and explanation are both good: (key, score, label, SHAP)
GOOD = [
    ("g0", 0.8, 1, (0.2, -0.1, 0.3)),
    ("g1", 0.3, 0, (-0.4, 0.2, 0.0)),
    ("g2", 0.6, 0, (0.1, 0.1, -0.2)),
    ("g3", 0.2, 1, (0.0, -0.3, 0.1)),
]
# requests of several CSV records: model quality refuses them (multi_row_output), each
# explained record counts for attribution (m1's second record was not explained)
SEVERAL = [
    ("m0", "0.7\n0.1\n", [(0.5, 0.2, -0.1), (-0.3, 0.0, 0.4)]),
    ("m1", "0.9\n0.4\n0.5\n", [(0.1, 0.1, 0.1), None, (-0.2, 0.4, 0.0)]),
]
# a model's own JSON output without a score but with a ``shap`` object (no_prediction)
NO_SCORE = ("n0", (0.3, -0.1, 0.2))
# one-record requests with a good prediction and an explanation that cannot be read:
# (key, score, label, response text)
BAD_EXPLANATIONS = [
    ("b0", 0.9, 0, explainer_output("0.9\n", [(0.7, 0.1, 0.2)]).replace("0.7", '"high"')),
    ("b1", 0.7, 1, explainer_output("0.7\n", [(0.1, 0.2, 0.3), (0.3, 0.2, 0.1)])),
    ("u0", 0.4, 0, explainer_output("0.4\n", [(0.1, 0.2, 0.3, 0.4)], features=None)),
]


def good_captures(times: list[str]) -> list[dict[str, Any]]:
    """GOOD's captures, at ``times``."""
    return [
        explainer_capture(key, [(30, 4000, 2)], explainer_output(f"{score}\n", [shap]), at)
        for (key, score, _, shap), at in zip(GOOD, times, strict=True)
    ]


def several_captures(times: list[str]) -> list[dict[str, Any]]:
    """SEVERAL's captures and NO_SCORE's, at ``times``."""
    out = [
        explainer_capture(key, [(30, 4000, 2)] * len(shap), explainer_output(scores, shap), at)
        for (key, scores, shap), at in zip(SEVERAL, times[: len(SEVERAL)], strict=True)
    ]
    key, shap = NO_SCORE
    plain = explainer_capture(key, [(30, 4000, 2)], "", times[len(SEVERAL)])
    values = dict(zip(("age", "income", "tenure"), shap, strict=True))
    plain["captureData"]["endpointOutput"]["data"] = json.dumps({"score": None, "shap": values})
    return [*out, plain]


def bad_explanation_captures(times: list[str]) -> list[dict[str, Any]]:
    """BAD_EXPLANATIONS' captures, at ``times``."""
    return [
        explainer_capture(key, [(30, 4000, 2)], text, at)
        for (key, _, _, text), at in zip(BAD_EXPLANATIONS, times, strict=True)
    ]
