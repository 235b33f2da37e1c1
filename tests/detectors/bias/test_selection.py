"""Reading a column's data type from the ``value_or_threshold`` string Clarify wrote."""

from __future__ import annotations

from typing import Any

import pytest

from detectors.bias.selection import written_data_type

CASES = [
    # spec §1.3 and V9: a continuous threshold t is written "(t, max]", or "(max, t]" above max
    ([0.5], "(0.5, 0.9936148802477393]", "continuous"),
    ([2], "(2, 4]", "continuous"),
    ([2.0], "(2.0, 3.0]", "continuous"),
    ([5.0], "(3.0, 5.0]", "continuous"),
    (["2"], "(2, 3]", "continuous"),  # a string threshold cast like pandas
    # smclarify writes "" when the column's max is the threshold (one break, no interval)
    ([1], "", "continuous"),
    ([0.5], "", "continuous"),
    (["F"], "", None),
    # categorical values are written joined by ","
    ([0.5], "0.5", "categorical"),
    ([3], "3", "categorical"),
    ([1, 2], "1,2", "categorical"),
    (["F"], "F", "categorical"),
    (["(1, 2]"], "(1, 2]", "categorical"),  # a category that looks like an interval
    # neither: a string written for another config says nothing
    ([0.5], "(0.7, 0.9]", None),
    ([0.5], "0.7", None),
    ([1, 2], "(1, 2]", None),
    (None, "F", None),  # one-versus-all: the string is one facet value
    ([], "", None),
]


@pytest.mark.parametrize(("values", "written", "expected"), CASES)
def test_written_string_shows_the_data_type(
    values: list[Any] | None, written: str, expected: str | None
) -> None:
    assert written_data_type(values, written) == expected
