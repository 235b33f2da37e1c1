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
from stream.capture.number_texts import plain_numbers

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
