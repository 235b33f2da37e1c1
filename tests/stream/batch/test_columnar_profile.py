"""The columnar path against the row path: same Deequ types, counts, moments and sketches.

References: :meth:`ColumnChunk.from_values` classifies value by value with
``detectors.quality.value_types.classify`` (Deequ's regexes), and the row path is
``DatasetProfile.update_columns`` over the same file read as Python values.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from detectors.quality.column_chunk import COUNT_ALL, COUNT_UNTIL_OVERFLOW, ColumnChunk
from detectors.quality.dataset_profile import DatasetProfile
from detectors.quality.feature_profile import FeatureProfile
from detectors.quality.statistics import DatasetStatistics
from stream.batch.columnar_profile import ColumnarProfiler, update_profile
from stream.batch.data_files import DataFormat, ReadCounts
from stream.batch.data_quality_baseline import suggest_data_quality
from stream.batch.validation_columns import read_columns
from stream.capture.arrow_columns import column_chunk
from stream.capture.text_rows import text_columns
from tests.stream.batch.profile_checks import same_chunk, same_statistics

NASTY = [
    "true", "false", "True", "nan", "NaN", "inf", "-inf", "Infinity", ".5", "5.", "-.5",
    "1.e5", "+ 7", "- 7", " 7", "7 ", "0x1F", "1e400", "1e-400", "007", "-0", "+5", "1E+05",
    "1_000", "١٢", "", "1,5", "--1", "e5", "12a",
]  # fmt: skip


def _random_column(rng: random.Random, n: int) -> list[str | None]:
    alphabet = list("0123456789" * 3) + list(".eE+- xXnaiftrul")
    numeric_bias = rng.random()
    values: list[str | None] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.1:
            values.append(None)
        elif r < 0.25:
            values.append(rng.choice(NASTY) or None)
        elif r < numeric_bias:
            values.append(str(rng.choice([rng.randint(-999, 999), round(rng.gauss(0, 50), 3)])))
        else:
            values.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))))
    return values


def test_columnar_types_equal_deequs_value_by_value() -> None:
    rng = random.Random(7)
    for _ in range(1500):
        values = _random_column(rng, rng.randint(1, 40))
        same_chunk(
            column_chunk(pa.array(values, pa.string()), COUNT_ALL), ColumnChunk.from_values(values)
        )


@pytest.mark.parametrize("values", [[v] for v in NASTY if v] + [["1", "2.5", "3e2", "-4"]])
def test_each_awkward_value_is_typed_as_deequ_types_it(values: list[str]) -> None:
    same_chunk(column_chunk(pa.array(values), COUNT_ALL), ColumnChunk.from_values(values))


def test_a_column_of_many_distinct_numbers_skips_counting_them() -> None:
    texts = [f"{x:.6f}" for x in np.random.default_rng(1).normal(size=5000)]
    values = pa.array(texts)
    assert column_chunk(values, COUNT_UNTIL_OVERFLOW, max_exact=1000).number_counts is None
    counted = column_chunk(values, COUNT_ALL, max_exact=1000).number_counts
    assert counted is not None and len(counted[0]) == len(set(texts))


def _profiles_equal(chunked: FeatureProfile, rows: FeatureProfile) -> None:
    assert (chunked.rows, chunked.missing, chunked.types) == (rows.rows, rows.missing, rows.types)
    assert chunked.moments.count == rows.moments.count
    if rows.moments.count:
        assert chunked.moments.sum == pytest.approx(rows.moments.sum, rel=1e-9, abs=1e-9)
        assert (chunked.moments.min, chunked.moments.max) == (rows.moments.min, rows.moments.max)
        assert chunked.moments.std_dev == pytest.approx(rows.moments.std_dev, rel=1e-9, abs=1e-9)
    assert chunked.categories.counts() == rows.categories.counts()
    assert chunked.numbers_as_categories == rows.numbers_as_categories


@pytest.mark.parametrize("kind", ["auto", "numeric", "string"])
def test_update_chunk_equals_update_many_batch_by_batch(kind: str) -> None:
    rng = random.Random(11)
    for _ in range(60):
        chunked = FeatureProfile(name="x", kind=kind, max_exact=50)
        rows = FeatureProfile(name="x", kind=kind, max_exact=50)
        for _ in range(rng.randint(1, 4)):
            values = _random_column(rng, rng.randint(1, 120))
            chunk = column_chunk(pa.array(values, pa.string()), chunked.number_counting, 50)
            chunked.update_chunk(chunk)
            rows.update_many(values)
        _profiles_equal(chunked, rows)


def _write_mixed_csv(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    lines = ["id,score,age,plan,flag,odd,sparse"]
    for i in range(n):
        score = f"{rng.gauss(0.5, 0.2):.4f}" if rng.random() > 0.02 else ""
        age = str(rng.randint(18, 90)) if i % 97 else f"{rng.randint(18, 90)}.0"
        plan = rng.choices(["basic", "premium", "enterprise", ""], [6, 3, 1, 1])[0]
        flag = rng.choice(["true", "false"])
        odd = rng.choice(["1", "2.5", "x", "", "nan", "+ 3"])
        sparse = "" if i % 50 else str(i)
        lines.append(f"{i},{score},{age},{plan},{flag},{odd},{sparse}")
    path.write_text("\n".join(lines) + "\n")


def _row_path_statistics(path: Path, fmt: DataFormat) -> DatasetStatistics:
    names, batches = read_columns(path, fmt, ReadCounts())
    profile = DatasetProfile(features=names)
    for batch in batches:
        profile.update_columns(batch.columns, batch.n_rows)
    return profile.statistics()


@pytest.mark.parametrize("n", [300, 150_000])
def test_baseline_statistics_equal_the_row_paths(tmp_path: Path, n: int) -> None:
    data = tmp_path / "mixed.csv"
    _write_mixed_csv(data, n, seed=n)
    fmt = DataFormat("csv")
    columnar, counts = suggest_data_quality(data, fmt)
    assert counts.rows == n
    same_statistics(columnar.statistics, _row_path_statistics(data, fmt))
    types = {f.name: f.inferred_type for f in columnar.statistics.features}
    assert types == {
        "id": "Integral", "score": "Fractional", "age": "Fractional", "plan": "String",
        "flag": "String", "odd": "String", "sparse": "Integral",
    }  # fmt: skip


def test_extra_and_absent_columns_match_update_columns() -> None:
    chunked = DatasetProfile(features=("a", "b"), kinds=("numeric", "string"))
    rows = DatasetProfile(features=("a", "b"), kinds=("numeric", "string"))
    columns = {"a": ["1", None, "3"], "z": ["x", "y", "z"]}
    update_profile(chunked, tuple(columns), [pa.array(v) for v in columns.values()], 3)
    rows.update_columns(columns, 3)
    assert chunked.extra_columns == rows.extra_columns == {"z": 3}
    for name in ("a", "b"):
        _profiles_equal(chunked.profiles[name], rows.profiles[name])
    assert chunked.profiles["b"].absent == rows.profiles["b"].absent == 3


def _batch_of_kind(rng: random.Random, kind: str, n: int) -> list[str | None]:
    if kind == "many_numbers":  # more distinct numbers than max_exact: counting may stop
        return [f"{rng.gauss(0, 1):.6f}" for _ in range(n)]
    if kind == "few_numbers":
        return [str(rng.randint(0, 5)) for _ in range(n)]
    if kind == "text":
        return [rng.choice(["a", "b", None, "3"]) for _ in range(n)]
    return _random_column(rng, n)


@pytest.mark.parametrize("seed", range(12))
def test_a_pipelined_profiler_equals_the_row_path_batch_after_batch(seed: int) -> None:
    # The profiler decides a column's counting while the batch before is still in flight.
    rng = random.Random(seed)
    kinds = ["many_numbers", "few_numbers", "text", "mixed"]
    columnar = DatasetProfile(features=("x", "y"), max_exact=50)
    rows = DatasetProfile(features=("x", "y"), max_exact=50)
    profiler = ColumnarProfiler(columnar, ("x", "y"))
    for _ in range(rng.randint(1, 6)):
        n = rng.randint(1, 400)
        columns = {name: _batch_of_kind(rng, rng.choice(kinds), n) for name in ("x", "y")}
        profiler.add([pa.array(v, pa.string()) for v in columns.values()], n)
        rows.update_columns(columns, n)
    profiler.drain()
    for name in ("x", "y"):
        _profiles_equal(columnar.profiles[name], rows.profiles[name])


@pytest.mark.filterwarnings("error")
def test_values_near_the_float_limit_make_finite_statistics_without_warnings(
    tmp_path: Path,
) -> None:
    values = [1.7e308, -1.7e308, 1.0e308, 1.79e308, -5.0] * 40
    data = tmp_path / "huge.csv"
    data.write_text("x\n" + "".join(f"{v!r}\n" for v in values))
    baseline, counts = suggest_data_quality(data, DataFormat("csv"))
    numeric = baseline.statistics.features[0].numeric
    assert counts.rows == len(values) and numeric is not None
    reference = np.asarray(values, dtype=np.float64)
    assert numeric.mean == pytest.approx(float(np.mean(reference / 1e300)) * 1e300, rel=1e-12)
    assert numeric.std_dev == pytest.approx(float(np.std(reference / 1e300)) * 1e300, rel=1e-9)
    assert (numeric.min, numeric.max) == (-1.7e308, 1.79e308)
    edges = [b.lower_bound for b in numeric.buckets] + [numeric.buckets[-1].upper_bound]
    assert all(np.isfinite(edges)) and edges[0] == -1.7e308 and edges[-1] == 1.79e308
    assert sum(b.count for b in numeric.buckets) == len(values)


def test_rows_of_text_as_columns_profile_as_the_rows_do() -> None:
    """A preprocessor's rows of text: ``text_columns`` + the columnar profile = the row path."""
    rng = random.Random(23)
    names = ("a", "b", "c")
    for _ in range(40):
        columnar, by_rows = (
            DatasetProfile(features=names, max_exact=50),
            DatasetProfile(features=names, max_exact=50),
        )
        profiler = ColumnarProfiler(columnar, names)
        for _ in range(rng.randint(1, 4)):
            n = rng.randint(1, 150)
            values = {name: _random_column(rng, n) for name in names}
            for column in values.values():  # the empty text as well: missing in both paths
                column[rng.randrange(n)] = ""
            rows = [{name: values[name][i] for name in rng.sample(names, 3)} for i in range(n)]
            columns = text_columns(rows, names)
            assert columns is not None
            profiler.add(columns, n)
            by_rows.update_many(rows)
        profiler.drain()
        assert columnar.item_count == by_rows.item_count
        for name in names:
            _profiles_equal(columnar.profiles[name], by_rows.profiles[name])
