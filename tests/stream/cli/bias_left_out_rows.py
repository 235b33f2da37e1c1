"""20 bias rows of which 5 cannot be used, and the figures of the 15 that can, by hand.

Rows are ``(prediction, sex, age, label)``; the config's label is continuous with threshold
0.5. 3 rows have no ``sex`` (facet_missing), 2 have the label ``maybe`` (label_not_a_number).
Of the 15 usable rows 6 are facet d (F), 2 of them predicted and 3 observed positive, and
9 are facet a (M), 6 predicted and 3 observed positive: DPPL = 6/9 - 2/6 = 1/3,
DI = (2/6) / (6/9) = 1/2, CI = (9 - 6) / 15 = 1/5, DPL = 3/9 - 3/6 = -1/6.
"""

from __future__ import annotations

from typing import Any

CONFIG = {
    "label_values_or_threshold": [0.5],
    "label_data_type": "continuous",
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
}
REASONS = {"facet_missing": 3, "label_not_a_number": 2}
DPPL, DI, CI, DPL = 1 / 3, 1 / 2, 1 / 5, -1 / 6

# (observed, predicted) of the usable rows of each sex
_FEMALE = [(1, 1), (1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
_MALE = [(1, 1), (1, 1), (1, 0)] + [(0, 1)] * 4 + [(0, 0)] * 2


def left_out_rows() -> list[tuple[int, str, float, Any]]:
    """The 20 rows: the 15 usable ones, 3 without a sex, 2 labelled ``maybe``."""
    rows: list[tuple[int, str, float, Any]] = []
    for sex, pairs in (("F", _FEMALE), ("M", _MALE)):
        for observed, predicted in pairs:
            rows.append((predicted, sex, 20.0 + 3.1 * len(rows), observed))
    rows += [(1, "", 71.0, 1), (0, "", 72.5, 0), (1, "", 74.0, 0)]
    rows += [(1, "F", 75.5, "maybe"), (0, "M", 77.0, "maybe")]
    return rows
