"""``baseline suggest`` on Parquet: the same baseline as the same data written as CSV.

SageMaker's analyzer accepts a Parquet dataset (``{"Parquet": {}}``) and Clarify a
``dataset_type`` of ``application/x-parquet``. Each fixture is written here with pyarrow, once
as Parquet and once as CSV (values as Python writes them, a null as an empty field), and
both go through the command: the statistics and constraints must agree — counts, sums,
means, min/max, completeness, types, categorical buckets exactly (floating sums to a few
ulps, since the two readers batch the rows differently), the KLL buckets each within the
sketch's error of numpy's exact histogram — and a small table's figures are checked by hand.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from datasketches import kll_doubles_sketch

from stream.cli import main
from tests.stream.cli.bias_files import CONFIG, bias_rows, post_training
from tests.stream.cli.labeled_files import read_json, run
from tests.stream.cli.test_analyze_ground_truth import HEADER, _binary_rows, assert_binary_metrics

N_ROWS = 30_000
REPORT_FILES = ("statistics", "constraint_violations")
KLL_K = 400  # the profile's sketch size
# A bucket's count is a difference of two ranks, each within the sketch's rank error.
BUCKET_SLACK = 2 * kll_doubles_sketch.get_normalized_rank_error(KLL_K, False) * N_ROWS


def _table(n: int = N_ROWS, seed: int = 7) -> pa.Table:
    """Integers, decimals-as-floats, text, digit text, booleans; each column with some nulls."""
    rng = np.random.default_rng(seed)

    def holes(values: list[Any], share: float) -> list[Any]:
        return [None if rng.random() < share else v for v in values]

    return pa.table(
        {
            "age": pa.array(holes(rng.integers(18, 90, n).tolist(), 0.05), pa.int64()),
            "income": pa.array(holes(np.round(rng.lognormal(10, 0.6, n), 2).tolist(), 0.03)),
            "plan": pa.array(holes(rng.choice(["basic", "gold", "pro"], n).tolist(), 0.1)),
            "zip": pa.array(holes([f"{z:05d}" for z in rng.integers(100, 99999, n)], 0.0)),
            "churned": pa.array(holes((rng.random(n) < 0.3).tolist(), 0.02)),
        }
    )


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write_csv(path: Path, table: pa.Table) -> Path:
    lines = [",".join(table.column_names)]
    lines += [",".join(map(_csv_text, row.values())) for row in table.to_pylist()]
    path.write_text("\n".join(lines) + "\n")
    return path


def _suggest(data: Path, out: Path, *extra: Any) -> dict[str, Any]:
    result = run("baseline", "suggest", "--data", data, "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return {
        "statistics": read_json(out / "statistics.json"),
        "constraints": read_json(out / "constraints.json"),
    }  # noqa: E501


def _flat_without_kll(doc: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A feature's statistics as ``{dotted.key: value}``, its KLL distribution left out."""
    flat: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "kll":
            continue
        if isinstance(value, dict):
            flat.update(_flat_without_kll(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def _assert_same_baseline(parquet: dict[str, Any], csv: dict[str, Any]) -> None:
    """Equal but for the KLL sketch (its compactions depend on batching) and float rounding."""
    assert parquet["constraints"] == csv["constraints"]
    _assert_same_statistics(parquet["statistics"], csv["statistics"])


def _assert_same_statistics(parquet: dict[str, Any], csv: dict[str, Any]) -> None:
    assert parquet["dataset"] == csv["dataset"]
    pairs = zip(parquet["features"], csv["features"], strict=True)
    for got, want in pairs:
        got_flat, want_flat = _flat_without_kll(got), _flat_without_kll(want)
        assert got_flat.keys() == want_flat.keys()
        for key, value in want_flat.items():
            expected = pytest.approx(value, rel=1e-12) if isinstance(value, float) else value
            assert got_flat[key] == expected, (got["name"], key)


def _assert_kll_buckets_within_error(doc: dict[str, Any], table: pa.Table) -> None:
    """Each numeric feature's buckets hold numpy's exact counts, within the sketch's error."""
    for feature in doc["features"]:
        numeric = feature.get("numerical_statistics")
        if numeric is None:
            continue
        values = np.array([v for v in table.column(feature["name"]).to_pylist() if v is not None])
        if feature["name"] == "zip":
            values = values.astype(np.float64)
        buckets = numeric["distribution"]["kll"]["buckets"]
        edges = [buckets[0]["lower_bound"]] + [b["upper_bound"] for b in buckets]
        exact, _ = np.histogram(values, bins=edges)
        assert edges[0] == values.min() and edges[-1] == values.max()
        for bucket, count in zip(buckets, exact, strict=True):
            assert abs(bucket["count"] - count) <= BUCKET_SLACK, (feature["name"], bucket)


def test_parquet_gives_the_csv_baseline(tmp_path: Path) -> None:
    table = _table()
    pq.write_table(table, tmp_path / "train.parquet", row_group_size=7_000)
    parquet = _suggest(tmp_path / "train.parquet", tmp_path / "p")
    csv = _suggest(_write_csv(tmp_path / "train.csv", table), tmp_path / "c")
    _assert_same_baseline(parquet, csv)
    types = [f["inferred_type"] for f in parquet["statistics"]["features"]]
    # Deequ: a long column Integral, a double Fractional, text typed by its values (the
    # zip codes are digits: Integral, as a CSV field), a boolean column String (SageMaker's
    # schema has no Boolean).
    assert types == ["Integral", "Fractional", "String", "Integral", "String"]
    _assert_kll_buckets_within_error(parquet["statistics"], table)
    age = parquet["statistics"]["features"][0]["numerical_statistics"]
    ages = [v for v in table.column("age").to_pylist() if v is not None]
    assert age["common"] == {"num_present": len(ages), "num_missing": N_ROWS - len(ages)}
    assert (age["sum"], age["min"], age["max"]) == (sum(ages), min(ages), max(ages))
    assert age["mean"] == pytest.approx(np.mean(ages), rel=1e-12)
    assert age["std_dev"] == pytest.approx(np.std(ages), rel=1e-9)


def test_a_small_table_by_hand(tmp_path: Path) -> None:
    """Decimal, float32, dictionary text, timestamps, NaN and an all-null column, hand-checked."""
    table = pa.table(
        {
            "age": pa.array([41, None, 19, 33], pa.int16()),
            "price": pa.array(
                [Decimal("1.10"), None, Decimal("2.20"), Decimal("3.30")], pa.decimal128(10, 2)
            ),
            "ratio": pa.array([0.5, 0.25, None, 1.0], pa.float32()),
            "score": pa.array([0.5, float("nan"), 1.5, None]),
            "plan": pa.array(["gold", "basic", None, "gold"]).dictionary_encode(),
            "seen": pa.array(
                [datetime(2024, 3, 5, 14, tzinfo=UTC), None, datetime(2024, 3, 6, tzinfo=UTC), None]
            ),
            "note": pa.array([None, None, None, None], pa.null()),
        }
    )
    pq.write_table(table, tmp_path / "small.parquet")
    result = run(
        "baseline", "suggest", "--data", tmp_path / "small.parquet", "--out", tmp_path / "o"
    )
    assert result.exit_code == 0, result.output
    assert "baseline: 4 rows, 7 features" in result.output
    stats = {f["name"]: f for f in read_json(tmp_path / "o/statistics.json")["features"]}
    constraints = {f["name"]: f for f in read_json(tmp_path / "o/constraints.json")["features"]}
    age = stats["age"]["numerical_statistics"]
    assert stats["age"]["inferred_type"] == "Integral"
    assert (age["sum"], age["mean"], age["min"], age["max"]) == (93.0, 31.0, 19.0, 41.0)
    assert constraints["age"]["completeness"] == 0.75
    price = stats["price"]["numerical_statistics"]  # decimal: Fractional, exact as written
    assert stats["price"]["inferred_type"] == "Fractional"
    assert (price["min"], price["max"], price["sum"]) == (1.1, 3.3, pytest.approx(6.6))
    ratio = stats["ratio"]["numerical_statistics"]
    assert stats["ratio"]["inferred_type"] == "Fractional" and ratio["sum"] == 1.75
    score = stats["score"]["numerical_statistics"]  # NaN is missing, as in the row path
    assert score["common"] == {"num_present": 2, "num_missing": 2} and score["mean"] == 1.0
    plan = stats["plan"]["string_statistics"]
    assert stats["plan"]["inferred_type"] == "String" and plan["distinct_count"] == 2.0
    buckets = {b["value"]: b["count"] for b in plan["distribution"]["categorical"]["buckets"]}
    assert buckets == {"gold": 2, "basic": 1}
    assert stats["seen"]["inferred_type"] == "String"  # Deequ: a timestamp is String
    assert constraints["seen"]["completeness"] == 0.5
    assert stats["note"] == {"name": "note", "inferred_type": "Unknown"}  # as an empty CSV column
    assert constraints["note"]["completeness"] == 0.0


def test_a_folder_of_spark_part_files(tmp_path: Path) -> None:
    """Spark's output: part files, _SUCCESS and hidden .crc checksums; one baseline of all."""
    table = _table(9_000, seed=8)
    folder = tmp_path / "train"
    folder.mkdir()
    for i, start in enumerate(range(0, 9_000, 3_000)):
        name = f"part-{i:05d}-2f1c-c000.snappy.parquet"
        pq.write_table(table.slice(start, 3_000), folder / name, compression="snappy")
        (folder / f".{name}.crc").write_bytes(b"\x00crc")
    (folder / "_SUCCESS").write_bytes(b"")
    parquet = _suggest(folder, tmp_path / "p")
    csv = _suggest(_write_csv(tmp_path / "train.csv", table), tmp_path / "c")
    _assert_same_baseline(parquet, csv)
    assert parquet["statistics"]["dataset"]["item_count"] == 9_000


def test_parts_with_different_columns_are_one_table(tmp_path: Path) -> None:
    folder = tmp_path / "train"
    folder.mkdir()
    pq.write_table(pa.table({"a": [1, 2], "b": ["x", "y"]}), folder / "part-0.parquet")
    pq.write_table(pa.table({"a": [3, 4, 5], "c": [0.5, 1.5, 2.5]}), folder / "part-1.parquet")
    doc = _suggest(folder, tmp_path / "o")
    stats = {f["name"]: f for f in doc["statistics"]["features"]}
    assert list(stats) == ["a", "b", "c"]
    assert stats["a"]["numerical_statistics"]["sum"] == 15.0
    assert stats["b"]["string_statistics"]["common"] == {"num_present": 2, "num_missing": 3}
    assert stats["c"]["numerical_statistics"]["common"] == {"num_present": 3, "num_missing": 2}


def _labelled(tmp_path: Path) -> tuple[Path, Path, list[tuple[Any, ...]]]:
    rows = _binary_rows(np.random.default_rng(11), 500, 0.2)
    columns = list(zip(*rows, strict=True))
    table = pa.table({name: list(values) for name, values in zip(HEADER, columns, strict=True)})
    pq.write_table(table, tmp_path / "validation.parquet")
    return tmp_path / "validation.parquet", _write_csv(tmp_path / "validation.csv", table), rows


def test_model_quality_baseline_from_parquet(tmp_path: Path) -> None:
    parquet, csv, rows = _labelled(tmp_path)
    options = ("--problem-type", "BinaryClassification", "--label-column", "label",
               "--probability-column", "score", "--probability-threshold", "0.5")  # fmt: skip
    _suggest(parquet, tmp_path / "p", *options)
    _suggest(csv, tmp_path / "c", *options)
    assert read_json(tmp_path / "p/model_quality/constraints.json") == read_json(
        tmp_path / "c/model_quality/constraints.json"
    )
    stats = read_json(tmp_path / "p/model_quality/statistics.json")
    csv_stats = read_json(tmp_path / "c/model_quality/statistics.json")
    for doc in (stats, csv_stats):
        doc["dataset"].pop("evaluation_time")  # when each run wrote it
    assert stats == csv_stats
    assert stats["dataset"]["item_count"] == 500
    assert_binary_metrics(stats["binary_classification_metrics"], rows)


def test_bias_baseline_from_parquet_with_clarify_dataset_type(tmp_path: Path) -> None:
    rows = bias_rows(45, 55)
    names = ("prediction", "sex", "age", "label")
    table = pa.table({n: list(v) for n, v in zip(names, zip(*rows, strict=True), strict=True)})
    pq.write_table(table, tmp_path / "v.parquet")
    outs = {}
    for data, dataset_type in (
        (tmp_path / "v.parquet", "application/x-parquet"),
        (_write_csv(tmp_path / "v.csv", table), "text/csv"),
    ):
        config = tmp_path / f"bias-{data.suffix[1:]}.json"
        config.write_text(json.dumps({**CONFIG, "dataset_type": dataset_type, "label": "label"}))
        out = tmp_path / data.suffix[1:]
        _suggest(data, out, "--bias-config", config, "--prediction-column", "prediction")
        outs[data.suffix] = read_json(out / "bias/analysis.json")
    assert outs[".parquet"] == outs[".csv"]
    metrics = post_training(outs[".parquet"])
    # 45 of 100 F rows predicted positive against 55 of 100 M rows.
    assert metrics["DPPL"] == pytest.approx(0.55 - 0.45)
    assert metrics["DI"] == pytest.approx(0.45 / 0.55)


def test_analyze_data_reads_parquet_as_its_csv(tmp_path: Path) -> None:
    table = _table(5_000, seed=9)
    pq.write_table(table, tmp_path / "train.parquet")
    _suggest(tmp_path / "train.parquet", tmp_path / "b")
    live = _table(5_000, seed=10)
    older = pc.add(live.column("age"), 25)  # drift for the check to find
    live = live.set_column(0, "age", older)
    pq.write_table(live, tmp_path / "live.parquet")
    reports = {}
    for data in (tmp_path / "live.parquet", _write_csv(tmp_path / "live.csv", live)):
        out = tmp_path / f"r{data.suffix}"
        result = run("analyze", "--data", data, "--baseline", tmp_path / "b", "--out", out)
        assert result.exit_code == 0, result.output
        reports[data.suffix] = [read_json(out / f"{n}.json") for n in REPORT_FILES]
    (parquet_stats, parquet_violations), (csv_stats, csv_violations) = reports.values()
    _assert_same_statistics(parquet_stats, csv_stats)
    found = [_checked(doc) for doc in (parquet_violations, csv_violations)]
    assert found[0] == found[1]
    assert ("age", "baseline_drift_check", None) in found[0]


def _checked(violations: dict[str, Any]) -> set[tuple[str, str, str | None]]:
    """Each violation's feature, check and description (a drift's distance is a KLL estimate)."""
    return {
        (v["feature_name"], check, None if check == "baseline_drift_check" else v["description"])
        for v in violations["violations"]
        if (check := v["constraint_check_type"])
    }


def _one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("driftline: error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _try(data: Path, tmp_path: Path, *extra: str) -> Result:
    """The command's result, exceptions caught (``run`` lets them through)."""
    args = ["baseline", "suggest", "--data", str(data), "--out", str(tmp_path / "o"), *extra]
    return CliRunner().invoke(main, args)


def test_bad_parquet_gives_one_error_line(tmp_path: Path) -> None:
    pq.write_table(_table(100), tmp_path / "good.parquet")
    whole = (tmp_path / "good.parquet").read_bytes()
    (tmp_path / "truncated.parquet").write_bytes(whole[: len(whole) // 2])
    _one_line_error(_try(tmp_path / "truncated.parquet", tmp_path), "truncated.parquet", "Parquet")
    (tmp_path / "text.parquet").write_text("age,plan\n41,gold\n")
    _one_line_error(_try(tmp_path / "text.parquet", tmp_path), "text.parquet", "Parquet")
    (tmp_path / "empty.parquet").write_bytes(b"")
    _one_line_error(_try(tmp_path / "empty.parquet", tmp_path), "empty.parquet")
    nested = pa.table({"age": [1, 2], "tags": [["a"], ["b", "c"]]})
    pq.write_table(nested, tmp_path / "nested.parquet")
    _one_line_error(_try(tmp_path / "nested.parquet", tmp_path), "'tags'", "nested")
    struct = pa.table({"who": [{"age": 1, "sex": "F"}]})
    pq.write_table(struct, tmp_path / "struct.parquet")
    _one_line_error(_try(tmp_path / "struct.parquet", tmp_path), "'who'", "nested")
    pq.write_table(pa.table({"blob": [b"\x00\x01"]}), tmp_path / "blob.parquet")
    _one_line_error(_try(tmp_path / "blob.parquet", tmp_path), "'blob'", "binary")
    _one_line_error(_try(tmp_path / "good.parquet", tmp_path, "--no-header"), "--no-header")
    assert not (tmp_path / "o").exists()


def test_bad_parquet_folders_give_one_error_line(tmp_path: Path) -> None:
    partitioned = tmp_path / "partitioned"
    (partitioned / "region=eu").mkdir(parents=True)
    pq.write_table(_table(10), partitioned / "region=eu" / "part-0.parquet")
    _one_line_error(_try(partitioned, tmp_path), "region=eu", "partition")
    stray = tmp_path / "stray"
    stray.mkdir()
    pq.write_table(_table(10), stray / "part-0.parquet")
    (stray / "notes.md").write_text("hi")
    _one_line_error(_try(stray, tmp_path), "notes.md", "not a .parquet file")
    broken = tmp_path / "broken"
    broken.mkdir()
    pq.write_table(_table(10), broken / "part-0.parquet")
    (broken / "part-1.parquet").write_bytes(b"PAR1 not really")
    _one_line_error(_try(broken, tmp_path), "part-1.parquet", "not a readable Parquet file")
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line_error(_try(empty, tmp_path, "--format", "parquet"), "no .parquet part files")
    _one_line_error(_try(empty, tmp_path), "holds no part files of a data format")
    assert not (tmp_path / "o").exists()
