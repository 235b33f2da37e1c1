"""Classify values as SageMaker's analyzer does (Deequ's ``StatefulDataType`` regexes).

A non-null text value is tested in order: Fractional, Integral, Boolean, else String.
JSON values keep their own type: ``int`` is Integral, ``float`` Fractional, ``bool``
Boolean. ``None``, ``""`` and a float NaN are missing.

Examples
--------
>>> [classify(v) for v in ["12", "-3.5", "1e5", "+ 7", "true", "12a"]]
['Integral', 'Fractional', 'Fractional', 'Integral', 'Boolean', 'String']
>>> [classify(v) for v in ["", None, 4, 2.0, True]]
['Missing', 'Missing', 'Integral', 'Fractional', 'Boolean']
>>> to_number("+ 7"), to_number("1e5"), to_number("x")
(7.0, 100000.0, None)
>>> infer_column_type(TypeCounts(integral=5, fractional=1))
'Fractional'
>>> infer_column_type(TypeCounts(integral=5, string=1)), infer_column_type(TypeCounts())
('String', 'Unknown')
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

INTEGRAL = "Integral"
FRACTIONAL = "Fractional"
STRING = "String"
BOOLEAN = "Boolean"
UNKNOWN = "Unknown"
MISSING = "Missing"

INFERRED_TYPES = (INTEGRAL, FRACTIONAL, STRING, BOOLEAN, UNKNOWN)  # what a baseline may say


def feature_identity(obj: Mapping[str, Any], document: str) -> tuple[str, str]:
    """A baseline feature's ``name`` and ``inferred_type``, checked.

    A name that is not a non-empty string (null, a number, a list) would become a feature
    called ``"None"`` that no column matches; an unknown type would turn its data-type check
    off. Both are the file's mistake.

    Examples
    --------
    >>> feature_identity({"name": "age", "inferred_type": "Integral"}, "statistics.json")
    ('age', 'Integral')
    >>> feature_identity({"name": "age"}, "constraints.json")
    ('age', 'Unknown')
    >>> feature_identity({"name": None}, "statistics.json")
    Traceback (most recent call last):
    ...
    ValueError: a feature in statistics.json has a 'name' that is not a text: None
    """
    if "name" not in obj:
        msg = f"a feature in {document} has no 'name'"
        raise ValueError(msg)
    name, inferred_type = obj["name"], obj.get("inferred_type", UNKNOWN)
    if not isinstance(name, str) or not name:
        msg = f"a feature in {document} has a 'name' that is not a text: {name!r}"
        raise ValueError(msg)
    if inferred_type not in INFERRED_TYPES:
        msg = (
            f"feature {name!r} in {document} has inferred_type {inferred_type!r}; "
            f"one of {', '.join(INFERRED_TYPES)} is expected"
        )
        raise ValueError(msg)
    return name, inferred_type


# Deequ's patterns, written so that Python's re and RE2 (pyarrow's columnar reader) read them
# alike: [0-9] because Java's \d matches only ASCII digits. Whole-value matches.
FRACTIONAL_PATTERN = r"[-+]? ?[0-9]+(?:\.[0-9]+|(?:\.[0-9]+)?[Ee][-+]?[0-9]+)"
INTEGRAL_PATTERN = r"[-+]? ?[0-9]+"
BOOLEAN_PATTERN = r"true|false"
_FRACTIONAL = re.compile(FRACTIONAL_PATTERN)
_INTEGRAL = re.compile(INTEGRAL_PATTERN)
_BOOLEAN = re.compile(BOOLEAN_PATTERN)
# One numeric value (Integral or Fractional) and a whole column of them joined by NUL.
# Possessive quantifiers: no backtracking, so a whole column is checked in ~40 ns a value.
_NUMBER = r"[-+]?+[0-9]++(?:\.[0-9]++)?+(?:[Ee][-+]?+[0-9]++)?+"
NUMERIC_COLUMN = re.compile(rf"{_NUMBER}(?:\x00{_NUMBER})*+")
# A value that is empty, starts like a number, or is exactly true/false needs classify().
MAYBE_NOT_STRING = re.compile(r"(?:^|\x00)(?:[-+ \d]|true(?:\x00|$)|false(?:\x00|$)|\x00|$)")
# Fractional markers in a column already known to be all numbers.
FRACTIONAL_WITH_EXPONENT = re.compile(r"\.\d+[Ee]", re.ASCII)


@dataclass(slots=True)
class TypeCounts:
    """How many present values looked like each type; mergeable by addition."""

    integral: int = 0
    fractional: int = 0
    boolean: int = 0
    string: int = 0

    @property
    def present(self) -> int:
        """Values that were not missing."""
        return self.integral + self.fractional + self.boolean + self.string

    def add(self, other: TypeCounts) -> None:
        """Add another batch's counts."""
        self.integral += other.integral
        self.fractional += other.fractional
        self.boolean += other.boolean
        self.string += other.string

    def share_matching(self, expected_type: str) -> float:
        """Share of present values typed exactly ``expected_type`` (1.0 when none is present).

        Deequ's ratio, which SageMaker's ``data_type_check`` reports: an Integral value does
        not count for Fractional, nor a number for String. AWS's SDK integration test expects
        a violation for numbers against a String constraint; the README gives the evidence
        for Fractional. A Boolean value counts for String: SageMaker's schema has no Boolean,
        and a column of them is inferred String (:func:`infer_column_type`). Unknown (no
        expectation) is always 1.0.

        >>> counts = TypeCounts(integral=1, fractional=3)
        >>> counts.share_matching(FRACTIONAL), counts.share_matching(STRING)
        (0.75, 0.0)
        >>> TypeCounts(boolean=2, string=2).share_matching(STRING)
        1.0
        """
        present = self.present
        if present == 0 or expected_type == UNKNOWN:
            return 1.0
        matching = {
            INTEGRAL: self.integral,
            FRACTIONAL: self.fractional,
            BOOLEAN: self.boolean,
            STRING: self.string + self.boolean,
        }.get(expected_type, present)
        return matching / present


def classify(value: Any) -> str:
    """Return the type name of one value, or ``Missing``."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGRAL
    if isinstance(value, float):
        return MISSING if math.isnan(value) else FRACTIONAL
    text = value if isinstance(value, str) else str(value)
    if text == "":
        return MISSING
    if _FRACTIONAL.fullmatch(text):
        return FRACTIONAL
    if _INTEGRAL.fullmatch(text):
        return INTEGRAL
    if _BOOLEAN.fullmatch(text):
        return BOOLEAN
    return STRING


def join_texts(values: Sequence[Any]) -> str | None:
    """The values joined by NUL when every one is a str, else None (a whole-column test)."""
    try:
        return "\x00".join(values)
    except TypeError:
        return None


def to_number(value: Any) -> float | None:
    """The float of an Integral/Fractional value, else None."""
    kind = classify(value)
    if kind not in (INTEGRAL, FRACTIONAL):
        return None
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:  # an int beyond float64, as the text "1e400" reads: infinite
            return math.inf if value > 0 else -math.inf
    return float(str(value).replace(" ", ""))


def to_text(value: Any) -> str:
    """The categorical form of a present value (JSON booleans as ``true``/``false``).

    An int of more digits than ``str()`` writes (``sys.get_int_max_str_digits()``) is
    written in full all the same.

    >>> to_text(True), to_text(41), to_text(2.5), len(to_text(10**5000))
    ('true', '41', '2.5', 5001)
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except ValueError:  # Decimal writes any int's digits
        return str(Decimal(value))


def infer_column_type(counts: TypeCounts) -> str:
    """Column type from value types: Unknown, String, Fractional or Integral.

    Any String value, or Booleans mixed with numbers, make the column String; a column of
    only Booleans is reported as String too (SageMaker's schema has no Boolean).
    """
    if counts.present == 0:
        return UNKNOWN
    if counts.string or counts.boolean:
        return STRING
    if counts.fractional:
        return FRACTIONAL
    return INTEGRAL
