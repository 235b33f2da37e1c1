"""JSON-typed Arrow columns against ColumnChunk.from_values over the same Python values.

The reference classifies value by value (``detectors.quality.value_types.classify``), as the
row path classifies what orjson decodes.
"""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from detectors.quality import value_types as vt
from detectors.quality.column_chunk import COUNT_ALL, COUNT_NONE, COUNT_UNTIL_OVERFLOW, ColumnChunk
from stream.batch.json_columns import json_column_chunk
from tests.stream.batch.profile_checks import same_chunk

TEXTS = ["7", "-2.5", "1e3", "+ 7", "true", "false", "nan", "", "gold", "x y", "007", " 7"]


def _random_values(rng: random.Random, kind: str, n: int) -> list[object]:
    def one() -> object:
        if rng.random() < 0.1:
            return None
        if kind == "int":
            return rng.randint(-40, 40)
        if kind == "float":  # some integral, written as floats (3.0): still Fractional
            return float(rng.randint(-5, 5)) if rng.random() < 0.3 else round(rng.gauss(0, 9), 3)
        if kind == "bool":
            return rng.random() < 0.3
        return rng.choice(TEXTS)

    return [one() for _ in range(n)]


@pytest.mark.parametrize("kind", ["int", "float", "bool", "text"])
@pytest.mark.parametrize("seed", range(5))
def test_a_column_of_one_json_type_classifies_as_value_by_value(kind: str, seed: int) -> None:
    rng = random.Random(seed)
    values = _random_values(rng, kind, rng.randint(1, 300))
    arrow = pa.array(values, {"int": pa.int64(), "float": pa.float64()}.get(kind))
    same_chunk(json_column_chunk(arrow, COUNT_ALL), ColumnChunk.from_values(values))


def test_chunked_columns_and_all_null_columns() -> None:
    values = [1.5, None, -0.0, 0.0, 2.0]
    chunked = pa.chunked_array([values[:2], values[2:]], pa.float64())
    same_chunk(json_column_chunk(chunked, COUNT_ALL), ColumnChunk.from_values(values))
    nulls = json_column_chunk(pa.array([None, None]), COUNT_ALL)
    assert (nulls.rows, nulls.missing, nulls.numbers.size) == (2, 2, 0)


def test_zero_and_negative_zero_are_two_categories_as_in_the_row_path() -> None:
    chunk = json_column_chunk(pa.array([0.0, -0.0, -0.0]), COUNT_ALL)
    assert chunk.number_counts is not None
    assert dict(zip(*chunk.number_counts, strict=True)) == {"0.0": 1, "-0.0": 2}


def test_number_counting_follows_the_profiles_decision() -> None:
    many = pa.array([i + 0.5 for i in range(200)])
    assert json_column_chunk(many, COUNT_NONE).number_counts == ((), ())
    assert json_column_chunk(many, COUNT_UNTIL_OVERFLOW, max_exact=50).number_counts is None
    counted = json_column_chunk(many, COUNT_ALL, max_exact=50).number_counts
    assert counted is not None and len(counted[0]) == 200
    few = json_column_chunk(pa.array([1, 2, 2] * 100), COUNT_UNTIL_OVERFLOW, max_exact=50)
    assert few.number_counts is not None
    assert dict(zip(*few.number_counts, strict=True)) == {"1": 100, "2": 200}


@pytest.mark.parametrize("seed", range(5))
def test_a_list_of_ints_and_floats_classifies_as_value_by_value(seed: int) -> None:
    # What the reader hands over where pyarrow would read 10 and 2.5 as two floats.
    rng = random.Random(seed)
    values = [rng.choice([None, rng.randint(-9, 9), rng.randint(-9, 9) / 2]) for _ in range(300)]
    same_chunk(json_column_chunk(values, COUNT_ALL), ColumnChunk.from_values(values))


def test_a_list_counts_its_numbers_as_far_as_the_profile_does() -> None:
    many: list[object] = [i + 0.5 for i in range(200)] + [1]
    assert json_column_chunk(many, COUNT_NONE).number_counts == ((), ())
    assert json_column_chunk(many, COUNT_UNTIL_OVERFLOW, max_exact=50).number_counts is None
    assert json_column_chunk(many[150:], COUNT_UNTIL_OVERFLOW, max_exact=50).number_counts is None
    few = json_column_chunk([10, 2.5, None, 10], COUNT_UNTIL_OVERFLOW, max_exact=50)
    assert few.types == vt.TypeCounts(integral=2, fractional=1)
    assert few.number_counts is not None
    assert dict(zip(*few.number_counts, strict=True)) == {"10": 2, "2.5": 1}


def test_a_nested_column_is_refused() -> None:
    with pytest.raises(ValueError, match="not a flat value"):
        json_column_chunk(pa.array([[1], [2]]), COUNT_ALL)
