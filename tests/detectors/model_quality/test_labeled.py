"""How a label, prediction or score is read: every kind of value, each expectation by hand.

Python's own ints, floats and bools are decided without the ABC checks other values go
through; these tables hold both kinds of value to the same rules.
"""

from __future__ import annotations

import enum
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from detectors.model_quality.labeled import binary_label, class_label, finite_or_none


class Flag(enum.IntEnum):
    NO = 0
    YES = 1


BINARY = [
    (True, 1),
    (False, 0),
    (1, 1),
    (0, 0),
    (2, None),
    (-1, None),
    (10**30, None),
    (1.0, 1),
    (0.0, 0),
    (-0.0, 0),
    (0.5, None),
    (math.nan, None),
    (math.inf, None),
    (np.bool_(True), 1),
    (np.int64(1), 1),
    (np.int8(0), 0),
    (np.float32(1.0), 1),
    (np.float64(0.0), 0),
    (np.float64(math.nan), None),
    (Flag.YES, 1),
    (Fraction(1, 1), 1),
    (Decimal("0"), None),  # a Decimal is not a numbers.Real
    ("1", 1),
    (" true ", 1),
    ("FALSE", 0),
    ("0.0", 0),
    ("yes", None),
    ("", None),
    (None, None),
    ([1], None),
]


@pytest.mark.parametrize(("value", "expected"), BINARY)
def test_binary_label(value: object, expected: int | None) -> None:
    got = binary_label(value)  # type: ignore[arg-type]
    assert got == expected
    assert got is None or type(got) is int


FINITE = [
    (0.25, 0.25),
    (-3, -3.0),
    (0, 0.0),
    (10**20, 1e20),
    (math.nan, None),
    (math.inf, None),
    (-math.inf, None),
    (True, None),  # a bool is a label, not a score
    (np.bool_(False), None),
    (np.float32(0.5), 0.5),
    (np.int64(7), 7.0),
    (np.float64(math.inf), None),
    (Fraction(1, 4), 0.25),
    (Flag.YES, 1.0),
    ("0.5", None),
    (None, None),
    (Decimal("0.5"), None),
]


@pytest.mark.parametrize(("value", "expected"), FINITE)
def test_finite_or_none(value: object, expected: float | None) -> None:
    got = finite_or_none(value)
    assert got == expected
    assert got is None or type(got) is float


CLASSES = [
    (None, None),
    ("setosa", "setosa"),
    ("", ""),
    (3, "3"),
    (-2, "-2"),
    (True, "1"),
    (np.bool_(False), "0"),
    (np.int64(4), "4"),
    (Flag.YES, "1"),
    (2.0, "2"),
    (2.5, "2.5"),
    (-0.0, "0"),
    (math.nan, None),
    (math.inf, None),
    (np.float32(2.0), "2"),
    (Fraction(5, 2), "2.5"),
]


@pytest.mark.parametrize(("value", "expected"), CLASSES)
def test_class_label(value: object, expected: str | None) -> None:
    assert class_label(value) == expected  # type: ignore[arg-type]
