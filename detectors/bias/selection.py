"""Which rows are facet d, and which labels are positive: Clarify's ``value_or_threshold``.

A categorical selector picks a row when its value is one of the configured values; when the
value's type differs (``"1"`` against ``1``) the configured values are converted to the row
value's type and the match is retried, as Clarify does for a whole column. A continuous
selector picks a row when its value is strictly above the threshold; the string Clarify
writes, ``"(t, max]"``, needs the running maximum of the column.

The data type is decided once (pinned in config, read by :func:`written_data_type` from the
``value_or_threshold`` string a baseline analysis.json holds, or by :func:`series_data_type`
on baseline data) and never re-decided per window.

Examples
--------
>>> sex = ValueSelector(values=("F",), data_type="categorical")
>>> sex.match("F"), sex.match("M"), sex.display(None)
(True, False, 'F')
>>> age = ValueSelector(values=(40,), data_type="continuous")
>>> age.match(41), age.match(40), age.match("52"), age.match("n/a")
(True, False, True, None)
>>> age.display(73), age.display(None)
('(40, 73]', '(40, 40]')
>>> ValueSelector(values=(1,), data_type="categorical").match("1")
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CATEGORICAL",
    "CONTINUOUS",
    "UNIQUENESS_THRESHOLD",
    "DataType",
    "ValueSelector",
    "parse_number",
    "series_data_type",
    "written_data_type",
]

DataType = Literal["categorical", "continuous"]
CATEGORICAL: DataType = "categorical"
CONTINUOUS: DataType = "continuous"
UNIQUENESS_THRESHOLD = 0.05  # smclarify common.UNIQUENESS_THRESHOLD
_INTERVAL = re.compile(r"\((?P<low>[^,]+), (?P<high>[^,\]]+)\]")  # pandas Interval: "(t, max]"


def is_missing(v: Any) -> bool:
    """Whether a value is null or a float NaN (a data problem, counted by callers)."""
    return v is None or (isinstance(v, float) and math.isnan(v))


def parse_number(v: Any) -> int | float | None:
    """Return ``v`` as an int or float (strings cast like pandas), or ``None`` if it is not one."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, str):
        text = v.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return None if math.isnan(number) else number
    return None


def _convert(value: Any, target: type) -> Any:
    """Convert one configured value to ``target`` the way Clarify's retry does, or ``None``.

    Clarify casts with the column's element type, so a number that is not whole truncates
    to an int (``[0.5]`` selects the 0s of an int column: its log says "Converted
    positive_label_values from [0.5] to [0]"), while a string such as ``"0.5"`` is no int
    and matches none.

    >>> _convert(0.5, int), _convert(-1.7, int), _convert("0.5", int), _convert("1.0", int)
    (0, -1, None, 1)
    """
    if target is str:
        return str(value)
    if target is bool:
        if isinstance(value, str):
            return {"True": True, "False": False}.get(value.strip())
        return bool(value) if value in (0, 1) else None
    number = parse_number(value)
    if number is None:
        return None
    if target is int:
        if isinstance(value, float) and math.isfinite(value):
            return int(value)
        return int(number) if float(number).is_integer() else None
    if target is float:
        return float(number)
    return None


def _format_break(x: int | float, as_float: bool) -> str:
    return repr(float(x)) if as_float else str(int(x))


@dataclass(frozen=True, slots=True)
class ValueSelector:
    """Clarify's ``value_or_threshold`` for one column (facet, label or predicted label).

    Parameters
    ----------
    values
        Categorical: the selected values (OR). Continuous: exactly one numeric threshold.
    data_type
        ``"categorical"`` or ``"continuous"``, decided once.
    """

    values: tuple[Any, ...]
    data_type: DataType
    _converted: dict[type, frozenset[Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.data_type not in (CATEGORICAL, CONTINUOUS):
            msg = f"data_type must be 'categorical' or 'continuous', got {self.data_type!r}"
            raise ValueError(msg)
        if not self.values:
            msg = "values must hold at least one value or threshold"
            raise ValueError(msg)
        if self.data_type == CONTINUOUS:
            if len(self.values) != 1 or parse_number(self.values[0]) is None:
                msg = f"a continuous column needs exactly one numeric threshold, got {self.values}"
                raise ValueError(msg)

    @property
    def threshold(self) -> int | float:
        """The numeric threshold of a continuous selector."""
        number = parse_number(self.values[0])
        if number is None or self.data_type != CONTINUOUS:
            msg = "only a continuous selector has a threshold"
            raise ValueError(msg)
        return number

    def match(self, v: Any) -> bool | None:
        """Whether ``v`` is selected; ``None`` when ``v`` is missing or not comparable."""
        if is_missing(v):
            return None
        if self.data_type == CONTINUOUS:
            number = parse_number(v)
            return None if number is None else number > self.threshold
        if isinstance(v, list | dict):  # a JSON array or object: no value to compare
            return None
        if v in self.values:
            return True
        # a whole float (a ground-truth label: "1" reads as 1.0) is of the int column
        # pandas makes of whole numbers, so the values are cast as Clarify casts them there
        target = int if isinstance(v, float) and v.is_integer() else type(v)
        converted = self._converted.get(target)
        if converted is None:
            converted = frozenset(
                c for c in (_convert(x, target) for x in self.values) if c is not None
            )
            self._converted[target] = converted
        return v in converted

    def display(self, running_max: int | float | None) -> str:
        """The ``value_or_threshold`` string Clarify writes (``"(t, max]"`` when continuous).

        The bounds print as pandas prints an interval of the column: as floats when either
        is a float (``running_max`` is a float once the column held one) or the threshold
        was written as a string, which smclarify's ``ensure_series_data_type`` turns into a
        float; else as ints.

        When the maximum's absolute value equals the threshold, the string is empty:
        smclarify's ``_interval_index`` adds the maximum to the breaks only when
        ``abs(max)`` is not a threshold, and one break makes no interval.

        >>> age = ValueSelector(values=("40",), data_type="continuous")
        >>> age.display(73), ValueSelector(values=(40,), data_type="continuous").display(73.0)
        ('(40.0, 73.0]', '(40.0, 73.0]')
        >>> ValueSelector(values=(1,), data_type="continuous").display(1)
        ''
        """
        if self.data_type == CATEGORICAL:
            return ",".join(str(v) for v in self.values)
        t = float(self.threshold) if isinstance(self.values[0], str) else self.threshold
        if running_max is not None and abs(running_max) == t:
            return ""
        top = t if running_max is None else running_max
        lo, hi = sorted((t, top))
        as_float = isinstance(lo, float) or isinstance(hi, float)
        return f"({_format_break(lo, as_float)}, {_format_break(hi, as_float)}]"


def series_data_type(column: Sequence[Any], values: Sequence[Any] | None) -> DataType:
    """Decide categorical or continuous once, by Clarify's rule (spec §1.2) on sample data.

    Examples
    --------
    >>> series_data_type([0, 1, 1, 0], [0])       # 50% unique ints: continuous
    'continuous'
    >>> series_data_type([0, 1] * 50, [1])
    'categorical'
    >>> series_data_type([1.5, 2.5], [2.0]), series_data_type(["a", "b"], ["a"])
    ('continuous', 'categorical')
    """
    present = [v for v in column if not is_missing(v)]
    if (values is not None and len(values) > 1) or not present:
        return CATEGORICAL
    uniqueness = len(set(present)) / len(present)
    if all(isinstance(v, bool) for v in present):
        return CATEGORICAL
    if all(isinstance(v, str) for v in present):
        castable = all(isinstance(parse_number(v), int) for v in present)
        return CONTINUOUS if castable and uniqueness >= UNIQUENESS_THRESHOLD else CATEGORICAL
    if any(isinstance(v, float) for v in present) and all(
        isinstance(v, int | float) for v in present
    ):
        return CONTINUOUS
    if all(isinstance(v, int) for v in present):
        return CONTINUOUS if uniqueness >= UNIQUENESS_THRESHOLD else CATEGORICAL
    return CATEGORICAL


def written_data_type(values: Sequence[Any] | None, written: str) -> DataType | None:
    """The data type that Clarify's written ``value_or_threshold`` string shows, if it shows one.

    Clarify writes a continuous column's threshold ``t`` as the interval ``"(t, max]"`` (or
    ``"(max, t]"`` when no value is above ``t``, or ``""`` when ``abs(max)`` is ``t``:
    :meth:`ValueSelector.display`) and a categorical column's values joined by ``","``
    (spec §1.3). ``None`` when ``written`` is neither for ``values``: a string of some other
    config, or no values (one-versus-all, where the string is one facet value).

    Examples
    --------
    >>> written_data_type([0.5], "(0.5, 0.9936148802477393]")
    'continuous'
    >>> written_data_type([2], "(2, 4]"), written_data_type([5.0], "(3.0, 5.0]")
    ('continuous', 'continuous')
    >>> written_data_type([0.5], "0.5"), written_data_type(["F", "X"], "F,X")
    ('categorical', 'categorical')
    >>> written_data_type([0.5], "(0.7, 0.9]") is None, written_data_type(None, "F") is None
    (True, True)
    >>> written_data_type([1], "")  # the column's max was the threshold
    'continuous'
    """
    if not values:
        return None
    interval = _INTERVAL.fullmatch(written)
    threshold = parse_number(values[0]) if len(values) == 1 else None
    if written == "" and threshold is not None:
        return CONTINUOUS
    if interval is not None and threshold is not None:
        bounds = (parse_number(interval["low"]), parse_number(interval["high"]))
        if threshold in bounds:
            return CONTINUOUS
    if written == ",".join(str(v) for v in values):
        return CATEGORICAL
    return None
