"""The numpy number check against Deequ's patterns, value by value (``value_types.classify``).

``plain_numbers`` is a fast path: where it answers, its floats and Fractional count must be
Deequ's; it may decline a column of numbers only when one is written with a space (``+ 7``),
which the pattern path then types.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.quality import value_types as vt
from stream.capture.number_texts import plain_numbers, plain_numbers_of_columns

number_like = st.text(alphabet="0123456789+-.eE", min_size=1, max_size=8)
well_formed = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.3e}"),
    st.sampled_from(["+5", "-0", "007", "1E+05", "1e400", "9" * 400, "0.5", "10.25e-3"]),
)
odd = st.sampled_from(["nan", "inf", "-Infinity", ".5", "5.", "-.5", "1.e3", "+ 7", " 7", "0x1F"])


def _deequ(values: list[str]) -> tuple[list[float], int] | None:
    kinds = [vt.classify(v) for v in values]
    if not set(kinds) <= {vt.INTEGRAL, vt.FRACTIONAL}:
        return None
    return [vt.to_number(v) for v in values], kinds.count(vt.FRACTIONAL)  # type: ignore[misc]


def _agrees(values: list[str], column: pa.Array | pa.ChunkedArray) -> None:
    """Where the fast path answers, Deequ agrees; it declines only numbers with a space."""
    got, expected = plain_numbers(column), _deequ(values)
    if expected is None:
        assert got is None, values
    elif got is None:
        assert any(" " in v for v in values), values  # "+ 7": the pattern path types it
    else:
        np.testing.assert_array_equal(got[0], np.asarray(expected[0], dtype=np.float64))
        assert got[1] == expected[1], values


@given(values=st.lists(st.one_of(number_like, well_formed, odd), min_size=1, max_size=30))
@settings(max_examples=600, deadline=None)
def test_plain_numbers_are_exactly_the_columns_deequ_types_as_numbers(values: list[str]) -> None:
    _agrees(values, pa.array(values, pa.string()))


@given(
    values=st.lists(st.one_of(well_formed, number_like), min_size=2, max_size=30),
    data=st.data(),
)
@settings(max_examples=200, deadline=None)
def test_sliced_and_chunked_columns_agree_too(values: list[str], data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=1, max_value=len(values) - 1))
    _agrees(values[cut:], pa.array(["x", *values], pa.string()).slice(cut + 1))
    _agrees(values, pa.chunked_array([values[:cut], values[cut:]], pa.string()))


def test_an_empty_column_has_no_numbers() -> None:
    numbers, fractional = plain_numbers(pa.array([], pa.string())) or (None, None)
    assert numbers is not None and numbers.size == 0 and fractional == 0


def _same_answer(
    got: tuple[np.ndarray, int] | None, expected: tuple[np.ndarray, int] | None
) -> None:
    assert (got is None) == (expected is None)
    if got is not None and expected is not None:
        np.testing.assert_array_equal(got[0], expected[0])
        assert got[1] == expected[1]


column_values = st.lists(st.one_of(well_formed, number_like, odd), min_size=0, max_size=12)


@given(columns=st.lists(column_values, min_size=1, max_size=6), data=st.data())
@settings(max_examples=400, deadline=None)
def test_columns_checked_together_get_each_column_s_own_answer(
    columns: list[list[str]], data: st.DataObject
) -> None:
    """Against the one-column check (itself held to Deequ above), chunked or sliced alike."""
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for values in columns:
        shape = data.draw(st.sampled_from(["array", "chunked", "sliced"]))
        if shape == "chunked" and len(values) > 1:
            cut = data.draw(st.integers(min_value=1, max_value=len(values) - 1))
            arrays.append(pa.chunked_array([values[:cut], values[cut:]], pa.string()))
        elif shape == "sliced":
            arrays.append(pa.array(["9.9", *values, "x"], pa.string()).slice(1, len(values)))
        else:
            arrays.append(pa.array(values, pa.string()))
    for got, column in zip(plain_numbers_of_columns(arrays), arrays, strict=True):
        _same_answer(got, plain_numbers(column))


def test_one_column_with_text_leaves_the_plain_ones_their_numbers() -> None:
    """A text column fails the joined cast: every column is then answered on its own."""
    got = plain_numbers_of_columns([pa.array(["1.5", "2"]), pa.array(["n/a", "7"])])
    assert got[1] is None and got[0] is not None
    assert got[0][0].tolist() == [1.5, 2.0] and got[0][1] == 1


def test_columns_of_misplaced_dots_and_exponents_are_told_apart() -> None:
    """Hand-counted: each flag belongs to the column whose bytes or values hold it."""
    columns = [
        pa.array(["1.5e3", "2", "0.25"]),  # Fractional: 1.5e3 and 0.25
        pa.array(["7", "5."]),  # a dot last in its value
        pa.array(["3", "4"]),  # Integral only
        pa.array(["-.5"]),  # a dot beside a sign
        pa.array(["1E5", "2.5E-1", "6"]),  # Fractional: both exponents
        pa.array([".5", "8"]),  # a dot first in its value
    ]
    got = plain_numbers_of_columns(columns)
    assert [None if g is None else g[1] for g in got] == [2, None, 0, None, 2, None]
    assert got[4] is not None and got[4][0].tolist() == [1e5, 0.25, 6.0]
