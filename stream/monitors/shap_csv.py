"""A row of a CSV of local SHAP values, with Clarify's column names read as Clarify writes them.

SageMaker Clarify's ``explanations_shap/out.csv`` names each column ``<feature>_label<k>``:
``Age_label0``, … for a model of one output, and the same columns again with ``_label1``, …
for each further output (AWS's Clarify notebooks strip ``_label0`` to get the feature names
of ``analysis.json``). A header in which every column is so named is read that way: one
output's values are a plain ``{feature: value}`` map (the label the caller gives a row of
any other CSV), several outputs' are ``{label: {feature: value}}``. A CSV of other names is
taken as it is, its header the feature names.

Examples
--------
>>> row = {"Age_label0": "0.2", "Sex_label0": "-0.1"}
>>> clarify_row(row, clarify_columns(list(row)))
{'Age': '0.2', 'Sex': '-0.1'}
>>> row = {"Age_label0": "0.2", "Age_label1": "-0.2"}
>>> clarify_row(row, clarify_columns(list(row)))
{'label0': {'Age': '0.2'}, 'label1': {'Age': '-0.2'}}
>>> clarify_columns(["age", "plan_label0"]) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["clarify_columns", "clarify_row"]

_CLARIFY_COLUMN = re.compile(r"(?P<feature>.+)_(?P<label>label\d+)")


def clarify_columns(header: Sequence[str] | None) -> dict[str, tuple[str, str]] | None:
    """(label, feature) of each column of a Clarify ``out.csv`` header, else None."""
    columns = {}
    for name in header or ():
        match = _CLARIFY_COLUMN.fullmatch(name)
        if match is None:
            return None
        columns[name] = (match["label"], match["feature"])
    return columns or None


def clarify_row(
    row: Mapping[str, Any], columns: Mapping[str, tuple[str, str]] | None
) -> Mapping[str, Any]:
    """``row`` as it is, or by :func:`clarify_columns`: one output plain, several by label."""
    if columns is None:
        return row
    by_label: dict[str, dict[str, Any]] = {}
    for name, value in row.items():
        label, feature = columns[name]
        by_label.setdefault(label, {})[feature] = value
    return next(iter(by_label.values())) if len(by_label) == 1 else by_label
