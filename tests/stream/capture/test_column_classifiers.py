"""Both whole-column classifiers against Deequ's value-by-value reference.

Reference: :meth:`ColumnChunk.from_values` classifies each value with
``detectors.quality.value_types.classify`` and converts numbers with ``float``. Each test runs
for the Python classifier (``text_chunk``: a list of field texts, ``""`` missing) and the
pyarrow one (``column_chunk``: a text column, missing as null, as ``analyze`` and the
worker's large flushes give it); the worker's rows are split into such columns by
:mod:`stream.capture.csv_rows`, checked against ``str.split`` here too.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.quality.column_chunk import (
    COUNT_ALL,
    COUNT_NONE,
    COUNT_UNTIL_OVERFLOW,
    ColumnChunk,
)
from detectors.quality.feature_profile import FeatureProfile
from stream.capture.arrow_columns import JOIN_VALUES, SHORT_COLUMN, column_chunk, column_chunks
from stream.capture.csv_rows import row_columns, rows_text
from stream.capture.text_columns import text_chunk

NASTY = [
    "true", "false", "True", "nan", "NaN", "inf", "-inf", "Infinity", ".5", "5.", "-.5",
    "1.e5", "+ 7", "- 7", " 7", "7 ", "0x1F", "1e400", "1e-400", "007", "-0", "+5", "1E+05",
    "1_000", "١٢", "", "1e-0", "--1", "e5", "12a", "null", "[1]", '"3"', "{}", "-0.0", "0",
    "1.5e3", "2E-2", "123456789012345678901234567890", "9007199254740993", "\t5", "5\n",
]  # fmt: skip


def arrow_chunk(values: list[str], counting: str, max_exact: int = 1000) -> ColumnChunk:
    """The pyarrow classifier's chunk of the column whose empty fields are missing."""
    column = pa.array([value or None for value in values], type=pa.string())
    return column_chunk(column, counting, max_exact)


Classify = Callable[..., ColumnChunk]
CLASSIFIERS: dict[str, Classify] = {"python": text_chunk, "pyarrow": arrow_chunk}
each_classifier = pytest.mark.parametrize(
    "classify", list(CLASSIFIERS.values()), ids=list(CLASSIFIERS)
)


def _by_value(numbers: np.ndarray) -> np.ndarray:
    return numbers[np.lexsort((np.signbit(numbers), numbers))]


def assert_same_chunk(a: ColumnChunk, b: ColumnChunk) -> None:
    assert (a.rows, a.missing, a.types) == (b.rows, b.missing, b.types)
    # the same numbers with the same signs; a mixed column's come grouped by distinct text
    ordered_a, ordered_b = _by_value(a.numbers), _by_value(b.numbers)
    np.testing.assert_array_equal(ordered_a, ordered_b)
    assert np.signbit(ordered_a).tolist() == np.signbit(ordered_b).tolist()
    assert dict(zip(*a.text_counts, strict=True)) == dict(zip(*b.text_counts, strict=True))
    if a.number_counts is None or b.number_counts is None:
        assert a.number_counts is None
        return
    assert dict(zip(*a.number_counts, strict=True)) == dict(zip(*b.number_counts, strict=True))


def number_texts(rng: random.Random, max_exponent: int = 320) -> str:
    kind = rng.random()
    if kind < 0.4:
        return str(rng.randint(-(10**6), 10**6))
    if kind < 0.8:
        return f"{rng.gauss(0.0, 10.0 ** rng.randint(-5, 8)):.{rng.randint(0, 17)}f}"
    return f"{rng.uniform(1, 10):.{rng.randint(1, 12)}f}e{rng.randint(-max_exponent, max_exponent)}"


@pytest.mark.parametrize("value", NASTY)
@each_classifier
def test_each_awkward_value_alone_and_among_numbers(value: str, classify: Classify) -> None:
    for values in ([value], ["1", value, "2.5"], [value, value]):
        assert_same_chunk(classify(values, COUNT_ALL), ColumnChunk.from_values(values))


@each_classifier
def test_random_columns_equal_the_reference(classify: Classify) -> None:
    rng = random.Random(11)
    words = ["basic", "gold", "premium", "a", "b"]
    for _ in range(2000):
        n = rng.randint(1, 60)
        style = rng.random()
        values = []
        for _ in range(n):
            r = rng.random()
            if r < 0.05:
                values.append("")
            elif r < 0.08:
                values.append(rng.choice(NASTY))
            elif style < 0.5:
                values.append(number_texts(rng))
            else:
                values.append(rng.choice(words))
        assert_same_chunk(classify(values, COUNT_ALL), ColumnChunk.from_values(values))


@each_classifier
@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=30))
def test_any_double_written_by_repr_parses_to_itself(classify: Classify, xs: list[float]) -> None:
    values = [repr(x) for x in xs]
    chunk = classify(values, COUNT_ALL)
    expected = np.array([float(v) for v in values])
    np.testing.assert_array_equal(_by_value(chunk.numbers), _by_value(expected))  # in any order
    assert np.signbit(_by_value(chunk.numbers)).tolist() == np.signbit(_by_value(expected)).tolist()
    assert_same_chunk(chunk, ColumnChunk.from_values(values))


@each_classifier
def test_number_counts_follow_the_profiles_counting(classify: Classify) -> None:
    texts = [f"{x:.6f}" for x in np.random.default_rng(1).normal(size=5000)]
    assert classify(texts, COUNT_NONE).number_counts == ((), ())
    assert classify(texts, COUNT_UNTIL_OVERFLOW, max_exact=1000).number_counts is None
    few = [str(i % 7) for i in range(5000)]
    counted = classify(few, COUNT_UNTIL_OVERFLOW, max_exact=1000).number_counts
    assert counted is not None and dict(zip(*counted, strict=True)) == {
        str(i): few.count(str(i)) for i in range(7)
    }


@pytest.mark.parametrize("kind", ["auto", "numeric", "string"])
@each_classifier
def test_a_profile_fed_chunks_equals_one_fed_values(kind: str, classify: Classify) -> None:
    rng = random.Random(3)
    batches = [[number_texts(rng, 100) if rng.random() < 0.9 else "" for _ in range(800)]
               for _ in range(4)] + [["x", "1", "", "true"]]  # fmt: skip
    by_chunks = FeatureProfile(name="f", kind=kind, max_exact=500)
    by_values = FeatureProfile(name="f", kind=kind, max_exact=500)
    for values in batches:
        by_chunks.update_chunk(classify(values, by_chunks.number_counting, by_chunks.max_exact))
        by_values.update_many(values)
    a, b = by_chunks.statistics(), by_values.statistics()
    assert (a.num_present, a.num_missing, a.type_counts) == (
        b.num_present, b.num_missing, b.type_counts)  # fmt: skip
    assert (a.numeric is None) == (b.numeric is None)
    if a.numeric is not None and b.numeric is not None:
        assert (a.numeric.min, a.numeric.max, a.numeric.sum) == (
            b.numeric.min, b.numeric.max, pytest.approx(b.numeric.sum))  # fmt: skip
        assert a.numeric.mean == pytest.approx(b.numeric.mean)
    assert a.string == b.string
    assert by_chunks.numbers_as_categories == by_values.numbers_as_categories


# what a plain row's field can hold: no comma, quote or line break; no lone surrogate (orjson
# never decodes one)
plain_field_characters = st.characters(blacklist_categories=("Cs",), blacklist_characters=',"\r\n')


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=6).flatmap(
        lambda width: st.lists(
            st.lists(
                st.text(plain_field_characters, max_size=6),
                min_size=width,
                max_size=width,
            ),
            min_size=1,
            max_size=20,
        )
    )
)
def test_plain_rows_split_into_columns_as_str_split_splits_them(rows: list[list[str]]) -> None:
    width = len(rows[0])
    columns = row_columns(width).columns(rows_text(",".join(row) for row in rows))
    expected = [[row[i] or None for row in rows] for i in range(width)]
    assert [column.to_pylist() for column in columns] == expected


def test_a_batch_of_columns_classified_together_equals_each_alone() -> None:
    """``column_chunks`` joins short numeric columns: each chunk is its column's own.

    Columns of every shape side by side (numbers, numbers with one awkward value, words,
    missing values; short enough to be joined, and longer), with every counting; each
    chunk equals the one-column classifier's, and its types and numbers the reference's.
    """
    rng = random.Random(5)
    countings = [COUNT_NONE, COUNT_NONE, COUNT_NONE, COUNT_ALL, COUNT_UNTIL_OVERFLOW]
    for _ in range(60):
        rows = rng.choice([1, 7, 60, 700, SHORT_COLUMN - 1, SHORT_COLUMN])
        batch = []
        for _ in range(rng.randint(1, 12)):
            style = rng.random()
            values = [number_texts(rng, 300) for _ in range(rows)]
            if style < 0.15:
                values[rng.randrange(rows)] = rng.choice(NASTY)
            elif style < 0.25:
                values = [rng.choice(["basic", "gold"]) for _ in range(rows)]
            if rng.random() < 0.3:
                values[rng.randrange(rows)] = ""
            batch.append(values)
        chosen = [rng.choice(countings) for _ in batch]
        columns = [pa.array([v or None for v in values], pa.string()) for values in batch]
        chunks = column_chunks(columns, chosen, [1000] * len(batch))
        for chunk, column, counting, values in zip(chunks, columns, chosen, batch, strict=True):
            assert_same_chunk(chunk, column_chunk(column, counting, 1000))
            reference = ColumnChunk.from_values(values)
            assert (chunk.rows, chunk.missing, chunk.types) == (
                reference.rows,
                reference.missing,
                reference.types,
            )
            np.testing.assert_array_equal(_by_value(chunk.numbers), _by_value(reference.numbers))
    assert SHORT_COLUMN * 2 <= JOIN_VALUES  # the short columns above were joined in runs
