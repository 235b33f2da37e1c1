"""The observation every model-quality detector takes: a label joined to its prediction.

Binary labels may arrive as ``bool``, ``0``/``1``, ``0.0``/``1.0`` or the strings
``"0"``/``"1"``/``"true"``/``"false"``; :func:`binary_label` maps them to ``0``/``1`` and
anything else to ``None`` (the detectors count such rows as invalid, they never raise).

Examples
--------
>>> LabeledPrediction(actual=1, predicted=None, score=0.83)
LabeledPrediction(actual=1, predicted=None, score=0.83)
>>> [binary_label(v) for v in (True, 0, 1.0, "1", " false ", 2, None, "cat")]
[1, 0, 1, 1, 0, None, None, None]
>>> class_label(1.0), class_label("setosa"), class_label(None)
('1', 'setosa', None)

numpy scalars count as the numbers they hold:

>>> binary_label(np.int64(1)), class_label(np.float32(2.0)), finite_or_none(np.int32(3))
(1, '2', 3.0)

A predicted label is missing when it is ``None`` or NaN (not when it is merely not binary):

>>> is_missing(None), is_missing(float("nan")), is_missing(np.float32("nan")), is_missing("cat")
(True, True, True, False)
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

__all__ = [
    "LabeledPrediction",
    "binary_label",
    "class_label",
    "finite_or_none",
    "is_missing",
    "regression_number",
]

Label = bool | int | float | str | None

_TRUE_TEXT = frozenset({"1", "1.0", "true"})
_FALSE_TEXT = frozenset({"0", "0.0", "false"})
# The binary labels among Python's own numbers: 1 == 1.0 == True and 0 == -0.0 == False, with
# equal hashes, so one lookup decides a bool, int or float (NaN equals nothing: None).
_BINARY_NUMBERS = {0: 0, 1: 1}


class LabeledPrediction(NamedTuple):
    """One prediction with its ground-truth label.

    ``score`` is the predicted probability of the positive class (binary only), for AUC and
    the curves. A given ``predicted`` label is the prediction (SageMaker's
    ``inference_attribute``); binary detectors derive one as ``score > probability_threshold``
    only when it is missing (:func:`is_missing`), as SageMaker does with
    ``probability_threshold_attribute``.
    """

    actual: Label
    predicted: Label = None
    score: float | None = None


def binary_label(value: Label) -> int | None:
    """Return ``1``/``0`` for a binary label, ``None`` when it is not one."""
    kind = type(value)
    if kind is int or kind is float or kind is bool:  # the usual labels, without ABC checks
        return _BINARY_NUMBERS.get(value)  # type: ignore[arg-type]
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, numbers.Real):
        if value == 1:
            return 1
        if value == 0:
            return 0
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_TEXT:
            return 1
        if text in _FALSE_TEXT:
            return 0
    return None


def class_label(value: Label) -> str | None:
    """Return a class label as SageMaker's string key (``1.0`` → ``"1"``), ``None`` if missing."""
    if value is None:
        return None
    kind = type(value)
    if kind is str:  # the usual labels, without ABC checks
        return value  # type: ignore[return-value]
    if kind is int:
        return str(value)
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def finite_or_none(value: object) -> float | None:
    """Return ``value`` as a finite float, or ``None`` (missing, NaN, infinite, non-numeric)."""
    kind = type(value)
    if kind is not float and kind is not int:  # the usual scores and targets skip the ABCs
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


REGRESSION_MAX_MAGNITUDE = 2.0**240  # ~1.8e72: a fourth power (error² · label²) stays finite


def regression_number(value: object) -> float | None:
    """``value`` as a float a regression detector can sum, or ``None``.

    :func:`finite_or_none`, and at most :data:`REGRESSION_MAX_MAGNITUDE` in magnitude: the
    detector sums products of squares (for its bootstrap), which a finite ``1e200`` takes
    past the largest double; an infinite sum cannot be saved as JSON (it is ``null``).

    >>> regression_number(3.5), regression_number(1e200), regression_number(float("nan"))
    (3.5, None, None)
    """
    number = finite_or_none(value)
    return number if number is not None and abs(number) <= REGRESSION_MAX_MAGNITUDE else None


def is_missing(value: object) -> bool:
    """Whether a label is absent: ``None`` or a NaN (a blank cell), not merely invalid."""
    if value is None:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)
