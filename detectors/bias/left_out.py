"""Why a bias detector leaves a joined row out of a facet's counts.

A row counted in a tally's ``n`` but not in its cells has exactly one reason, so the
reasons of :meth:`BiasTally.left_out_reasons
<detectors.bias.tally.BiasTally.left_out_reasons>` sum to its ``n_invalid``. The observed
label is judged first, then the predicted label, then the facet value, so that a row's
label and prediction reasons are the same for every facet of a config. A selector refuses a
value only when it is missing (None, NaN), a JSON array or object (``*_not_a_number``: no
value to compare), or, for a continuous column, not a number to hold against the
threshold: a categorical label outside ``label_values_or_threshold`` is a negative label, as
in Clarify, never a refusal.

Examples
--------
>>> from detectors.bias.selection import ValueSelector
>>> facet = ValueSelector(("F",), "categorical")
>>> label = ValueSelector((0.5,), "continuous")
>>> left_out_reason(facet=None, label="maybe", predicted=1, facet_selector=facet,
...                 label_selector=label)
'label_not_a_number'
>>> left_out_reason(facet=None, label=1, predicted=None, facet_selector=facet,
...                 label_selector=label)
'prediction_missing'
>>> left_out_reason(facet=None, label=1, predicted=1, facet_selector=facet,
...                 label_selector=label)
'facet_missing'
>>> left_out_reason(facet="F", label=1, predicted=0, facet_selector=facet,
...                 label_selector=label) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from detectors.bias.selection import ValueSelector, is_missing
from detectors.left_out_counts import UNRECORDED  # a saved state's rows of no known reason

__all__ = [
    "FACET_MISSING",
    "FACET_NOT_A_NUMBER",
    "LABEL_MISSING",
    "LABEL_NOT_A_NUMBER",
    "LEFT_OUT_REASONS",
    "PREDICTION_MISSING",
    "PREDICTION_NOT_A_NUMBER",
    "UNRECORDED",
    "first_facet_reason",
    "left_out_reason",
]

LABEL_MISSING = "label_missing"  # no observed label: None or NaN
LABEL_NOT_A_NUMBER = "label_not_a_number"  # a continuous label's value is not a number ("maybe")
PREDICTION_MISSING = "prediction_missing"  # no predicted label and no score
PREDICTION_NOT_A_NUMBER = "prediction_not_a_number"  # a continuous label's prediction, not one
FACET_MISSING = "facet_missing"  # the row has no value of the facet's column
FACET_NOT_A_NUMBER = "facet_not_a_number"  # a continuous facet's value is not a number (or
# any facet's value is a JSON array or object)

# every reason a bias detector can give, in the order rows are judged
LEFT_OUT_REASONS: tuple[str, ...] = (
    LABEL_MISSING,
    LABEL_NOT_A_NUMBER,
    PREDICTION_MISSING,
    PREDICTION_NOT_A_NUMBER,
    FACET_MISSING,
    FACET_NOT_A_NUMBER,
)


def left_out_reason(
    *,
    facet: Any,
    label: Any,
    predicted: Any,
    facet_selector: ValueSelector | None,
    label_selector: ValueSelector,
) -> str | None:
    """Why a row is left out of a facet's counts, or None when it is counted.

    ``predicted`` is the row's predicted label (from its score when it has none);
    ``facet_selector`` is None for a one-versus-all facet, which refuses missing values only.
    """
    return _label_reason(label, predicted, label_selector) or _facet_reason(facet, facet_selector)


def first_facet_reason(
    values: Sequence[Any], selectors: Sequence[ValueSelector | None]
) -> str | None:
    """Why the first facet that cannot place a row leaves it out, or None when none.

    ``values`` are the row's values of the facets whose ``selectors`` (None: one-versus-all)
    they pair with, in config order. Only the facet values are judged: a row's label and
    prediction reasons are the same for every facet (:func:`left_out_reason` judges them
    first), so with several facets a row left out by any of them has one reason — its
    label's or prediction's, else this.

    >>> from detectors.bias.selection import ValueSelector
    >>> sex, age = ValueSelector(("F",), "categorical"), ValueSelector((40,), "continuous")
    >>> first_facet_reason(("F", "n/a"), (sex, age)), first_facet_reason((None, "n/a"), (sex, age))
    ('facet_not_a_number', 'facet_missing')
    >>> first_facet_reason(("M", 52), (sex, age)) is None
    True
    """
    for value, selector in zip(values, selectors, strict=True):
        reason = _facet_reason(value, selector)
        if reason is not None:
            return reason
    return None


def _label_reason(label: Any, predicted: Any, label_selector: ValueSelector) -> str | None:
    if label_selector.match(label) is None:
        return LABEL_MISSING if is_missing(label) else LABEL_NOT_A_NUMBER
    if label_selector.match(predicted) is None:
        return PREDICTION_MISSING if is_missing(predicted) else PREDICTION_NOT_A_NUMBER
    return None


def _facet_reason(facet: Any, facet_selector: ValueSelector | None) -> str | None:
    if is_missing(facet):
        return FACET_MISSING
    if isinstance(facet, list | dict):  # a JSON array or object, whatever the selector
        return FACET_NOT_A_NUMBER
    if facet_selector is not None and facet_selector.match(facet) is None:
        return FACET_NOT_A_NUMBER
    return None
