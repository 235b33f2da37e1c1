"""Rows of text become text columns; any other rows are left to the row path."""

from __future__ import annotations

from typing import Any

import pytest

from stream.capture.text_rows import text_columns


def test_columns_follow_the_names_whatever_each_rows_key_order() -> None:
    rows = [{"b": "x", "a": "1"}, {"a": "", "b": None}, {"a": "2.5", "b": " "}]
    columns = text_columns(rows, ("a", "b"))
    assert columns is not None
    assert [c.to_pylist() for c in columns] == [["1", None, "2.5"], ["x", None, " "]]
    [single] = text_columns([{"a": "7"}], ("a",)) or []
    assert single.to_pylist() == ["7"]


@pytest.mark.parametrize(
    "rows",
    [
        [{"a": "1", "b": "x"}, {"a": 2, "b": "y"}],  # an int keeps its type: the row path's
        [{"a": "1", "b": "x"}, {"a": 1.5, "b": "y"}],
        [{"a": "1", "b": True}],
        [{"a": "1", "b": b"x"}],
        [{"a": "1", "b": ["x"]}],
        [{"a": "1"}],  # b absent
        [{"a": "1", "b": "x", "c": "extra"}],
        [{"a": "1", "c": "x"}],  # as many keys, one of them not a feature
        [{"a": "1", "b": "x"}, {"a": "2", "b": "\ud800"}],  # a lone surrogate: not UTF-8
    ],
)
def test_rows_that_are_not_plain_text_rows_stay_on_the_row_path(rows: list[dict[str, Any]]) -> None:
    assert text_columns(rows, ("a", "b")) is None


def test_writable_rows_replace_lone_surrogates_and_leave_the_rest_alone() -> None:
    from decimal import Decimal

    from stream.capture.text_rows import writable_rows

    plain = [{"a": "41", "b": None}, {"a": 7, "b": "é"}]
    assert writable_rows(plain) is plain  # orjson writes them: nothing to look at
    odd = [{"a": Decimal("1.5"), "b": object()}]
    assert writable_rows(odd) is odd  # orjson cannot, but no text holds a surrogate
    bad = [{"a": "x\udcff", "\ud800": 1, "c": ["\ud800"]}, {"a": "ok"}]
    fixed = writable_rows(bad)
    assert fixed == [{"a": "x\ufffd", "\ufffd": 1, "c": ["\ud800"]}, {"a": "ok"}]
    # a nested value is written through its repr (escaped) by the row path, never as raw text
