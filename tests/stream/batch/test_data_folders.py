"""CSV and JSON Lines folders (Spark's part files) read as one dataset: the concatenated file's.

Spark writes ``df.write.csv(path, header=True)`` as ``part-<n>-<uuid>-c000.csv`` files, each
with its own header line, beside ``_SUCCESS`` and hidden ``.part-….crc`` checksums; an empty
DataFrame gives a 0-byte part (Spark 2) or a header-only one (Spark 3). Deequ reads the folder
as one dataset. The reference here is the same rows written as one file (the parts' rows
concatenated, one header): its statistics must be the folder's for every exact figure —
counts, missing, sums, means, min/max, distinct counts, inferred types — and a few are also
computed by hand from the generated values.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from detectors.quality.statistics_json import statistics_to_json
from stream.batch.data_files import DataFileError, ReadCounts, data_size, detect_format
from stream.batch.data_quality_baseline import suggest_data_quality
from stream.batch.validation_columns import read_columns, read_selected_columns

HEADER = ("age", "income", "plan", "zip")
UUID = "2f1c8a9e-5b4d-4c1e-9a7b-0d3e6f1a2b3c"


def _rows(n: int, seed: int = 3) -> list[tuple[Any, ...]]:
    """Integers, two-decimal floats, categories and digit text, each with some missing."""
    rng = random.Random(seed)
    return [
        (
            None if rng.random() < 0.05 else rng.randint(18, 90),
            None if rng.random() < 0.1 else round(rng.lognormvariate(10, 0.6), 2),
            rng.choice(["basic", "gold", "pro", None]),
            f"{rng.randint(100, 99999):05d}",
        )
        for _ in range(n)
    ]


def _csv_line(row: tuple[Any, ...]) -> str:
    return ",".join("" if v is None else str(v) for v in row) + "\n"


def _json_line(row: tuple[Any, ...]) -> str:
    return orjson.dumps({k: v for k, v in zip(HEADER, row, strict=True) if v is not None}).decode()


def _spark_folder(folder: Path, parts: list[str], suffix: str) -> Path:
    """``parts`` as Spark's part files, with ``_SUCCESS`` and a hidden checksum each."""
    folder.mkdir()
    for i, text in enumerate(parts):
        name = f"part-{i:05d}-{UUID}-c000{suffix}"
        (folder / name).write_text(text)
        (folder / f".{name}.crc").write_bytes(b"crc\x00\x01")
    (folder / "_SUCCESS").write_bytes(b"")
    return folder


def _csv_parts(tmp_path: Path, chunks: list[list[tuple[Any, ...]]]) -> tuple[Path, Path]:
    """A folder of one CSV part per chunk (each with its header), and the concatenated file."""
    head = ",".join(HEADER) + "\n"
    parts = [head + "".join(map(_csv_line, chunk)) for chunk in chunks]
    folder = _spark_folder(tmp_path / "train", parts, ".csv")
    whole = tmp_path / "train.csv"
    whole.write_text(head + "".join(_csv_line(r) for chunk in chunks for r in chunk))
    return folder, whole


def _statistics(data: Path, **options: Any) -> tuple[dict[str, Any], ReadCounts]:
    baseline, counts = suggest_data_quality(data, detect_format(data, None, **options))
    return statistics_to_json(baseline.statistics), counts


def _without_kll(doc: Any) -> Any:
    """The statistics document, KLL sketches left out (their compactions follow batching)."""
    if isinstance(doc, dict):
        return {k: _without_kll(v) for k, v in doc.items() if k != "kll"}
    if isinstance(doc, list):
        return [_without_kll(v) for v in doc]
    return doc


def _assert_same_statistics(got: dict[str, Any], want: dict[str, Any]) -> None:
    """Equal, floating sums and means to a few ulps (the parts' batches add them apart)."""
    assert got["dataset"] == want["dataset"]
    assert [f["name"] for f in got["features"]] == [f["name"] for f in want["features"]]
    for mine, theirs in zip(got["features"], want["features"], strict=True):
        assert mine["inferred_type"] == theirs["inferred_type"], mine["name"]
        mine, theirs = _without_kll(mine), _without_kll(theirs)  # copies, to pop from
        numeric, reference = mine.get("numerical_statistics"), theirs.get("numerical_statistics")
        if numeric is not None:
            for key in ("mean", "sum", "std_dev"):
                assert numeric.pop(key) == pytest.approx(reference.pop(key), rel=1e-12)
        assert mine == theirs, mine["name"]


def _by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in doc["features"]}


def test_a_csv_folder_profiles_as_its_concatenated_file(tmp_path: Path) -> None:
    rows = _rows(9_000)
    # a header-only part (Spark 3's empty task) and a 0-byte one (Spark 2's) between the rest
    chunks = [rows[:4_000], [], rows[4_000:4_001], [], rows[4_001:]]
    folder, whole = _csv_parts(tmp_path, chunks)
    (folder / f"part-00003-{UUID}-c000.csv").write_bytes(b"")
    got, got_counts = _statistics(folder)
    want, want_counts = _statistics(whole)
    _assert_same_statistics(got, want)
    assert (got_counts.rows, got_counts.malformed) == (9_000, 0) == (want_counts.rows, 0)
    # by hand
    features = _by_name(got)
    ages = [r[0] for r in rows if r[0] is not None]
    age = features["age"]["numerical_statistics"]
    assert features["age"]["inferred_type"] == "Integral"
    assert age["common"] == {"num_present": len(ages), "num_missing": 9_000 - len(ages)}
    assert (age["sum"], age["min"], age["max"]) == (sum(ages), min(ages), max(ages))
    assert age["mean"] == pytest.approx(sum(ages) / len(ages), rel=1e-12)
    plans = [r[2] for r in rows if r[2] is not None]
    plan = features["plan"]["string_statistics"]
    assert plan["distinct_count"] == len(set(plans)) == 3
    assert plan["common"]["num_missing"] == 9_000 - len(plans)
    assert [f["inferred_type"] for f in got["features"]] == [
        "Integral",
        "Fractional",
        "String",
        "Integral",
    ]
    assert got["dataset"] == {"item_count": 9_000}


def test_malformed_rows_are_counted_over_every_part(tmp_path: Path) -> None:
    rows = _rows(30, seed=5)
    folder, whole = _csv_parts(tmp_path, [rows[:10], rows[10:20], rows[20:]])
    for name, bad in ((f"part-00000-{UUID}-c000.csv", "1,2,gold,00001,x\n"),
                      (f"part-00002-{UUID}-c000.csv", "3,4,pro,00002,y,z\n")):  # fmt: skip
        with (folder / name).open("a") as handle:
            handle.write(bad)
    whole.write_text(
        ",".join(HEADER)
        + "\n"
        + "".join(map(_csv_line, rows[:10]))
        + "1,2,gold,00001,x\n"
        + "".join(map(_csv_line, rows[10:]))
        + "3,4,pro,00002,y,z\n"
    )
    got, counts = _statistics(folder)
    want, whole_counts = _statistics(whole)
    _assert_same_statistics(got, want)
    assert (counts.rows, counts.malformed, counts.reasons) == (32, 2, {"too_many_fields": 2})
    assert (whole_counts.rows, whole_counts.reasons) == (32, {"too_many_fields": 2})


def test_a_header_less_folder_is_c0_over_every_part(tmp_path: Path) -> None:
    rows = _rows(300, seed=9)
    folder = _spark_folder(
        tmp_path / "nh",
        ["".join(map(_csv_line, rows[:100])), "".join(map(_csv_line, rows[100:]))],
        ".csv",
    )
    whole = tmp_path / "nh.csv"
    whole.write_text("".join(map(_csv_line, rows)))
    got, counts = _statistics(folder, header=False)
    want, _ = _statistics(whole, header=False)
    _assert_same_statistics(got, want)
    assert [f["name"] for f in got["features"]] == ["_c0", "_c1", "_c2", "_c3"]
    assert counts.rows == got["dataset"]["item_count"] == 300


def test_a_json_lines_folder_profiles_as_its_concatenated_file(tmp_path: Path) -> None:
    rows = _rows(6_000, seed=4)
    chunks = [rows[:2_500], [], rows[2_500:]]
    parts = ["".join(_json_line(r) + "\n" for r in chunk) for chunk in chunks]
    parts[2] += "not json\n"  # counted as the single file counts it
    folder = _spark_folder(tmp_path / "train", parts, ".json")
    whole = tmp_path / "train.jsonl"
    whole.write_text("".join(parts))
    got, counts = _statistics(folder)
    want, whole_counts = _statistics(whole)
    _assert_same_statistics(got, want)
    assert (
        (counts.rows, counts.reasons)
        == (6_000, {"invalid_json": 1})
        == (
            whole_counts.rows,
            whole_counts.reasons,
        )
    )
    incomes = [r[1] for r in rows if r[1] is not None]
    income = _by_name(got)["income"]["numerical_statistics"]
    assert (income["min"], income["max"]) == (min(incomes), max(incomes))
    assert income["common"]["num_present"] == len(incomes)


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_labelled_columns_of_a_folder_are_the_file_s(tmp_path: Path, kind: str) -> None:
    """``read_columns`` (the labelled baselines' reader) takes the folder as the file."""
    rows = _rows(500, seed=6)
    if kind == "csv":
        folder, whole = _csv_parts(tmp_path, [rows[:200], rows[200:]])
    else:
        parts = ["".join(_json_line(r) + "\n" for r in chunk) for chunk in (rows[:200], rows[200:])]
        folder = _spark_folder(tmp_path / "train", parts, ".jsonl")
        whole = tmp_path / "train.jsonl"
        whole.write_text("".join(parts))
    names = ["age", "plan"]
    got, counts = read_selected_columns(folder, detect_format(folder, None), names)
    want, _ = read_selected_columns(whole, detect_format(whole, None), names)
    assert got == want
    assert got["age"] == [r[0] for r in rows]
    assert counts.rows == 500
    header, _ = read_columns(folder, detect_format(folder, None), ReadCounts())
    assert header == HEADER


def test_progress_counts_the_bytes_of_every_part(tmp_path: Path) -> None:
    rows = _rows(3_000, seed=7)
    folder, _ = _csv_parts(tmp_path, [rows[:1_000], rows[1_000:2_000], rows[2_000:]])
    parts = sorted(folder.glob("part-*"))
    total = sum(p.stat().st_size for p in parts)
    fmt = detect_format(folder, None)
    assert data_size(folder) == total
    seen: list[int] = []
    suggest_data_quality(folder, fmt, seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == total
    assert parts[0].stat().st_size in seen  # the first part's end, before the second's rows


def test_a_part_with_another_header_is_refused_by_name(tmp_path: Path) -> None:
    rows = _rows(20)
    folder, _ = _csv_parts(tmp_path, [rows[:10], rows[10:]])
    second = folder / f"part-00001-{UUID}-c000.csv"
    second.write_text("age,plan,income,zip\n" + "".join(map(_csv_line, rows[10:])))
    seen: list[int] = []
    with pytest.raises(DataFileError, match=r"part-00001-.*\.csv has the header .*'plan'"):
        suggest_data_quality(folder, detect_format(folder, None), seen.append)
    assert seen == []  # every header is read before the first row, as Parquet's footers are


def test_a_header_less_part_of_another_width_is_refused_by_name(tmp_path: Path) -> None:
    folder = _spark_folder(tmp_path / "nh", ["1,2\n3,4\n", "5,6,7\n"], ".csv")
    with pytest.raises(DataFileError, match=r"part-00001-.*\.csv has 3 fields .* has 2"):
        _statistics(folder, header=False)


@pytest.mark.parametrize(
    ("entries", "fragment"),
    [
        ({"a.csv": "x\n1\n", "b.json": '{"x": 1}\n'}, "CSV (a.csv) and JSON Lines (b.json)"),
        ({"a.csv": "x\n1\n", "notes.md": "hi"}, "notes.md, not a .csv or .txt file"),
        ({"a.csv": "x\n1\n", "b.csv.gz": "x\n1\n"}, "b.csv.gz, not a .csv or .txt file"),
        ({"a.json": '{"x": 1}\n', "sub/b.json": '{"x": 1}\n'}, "sub, a folder"),
        ({"_SUCCESS": ""}, "holds no part files"),
        ({"a.csv": "", "b.csv": ""}, "only empty part files"),
        ({"a.json": "", "b.json": ""}, "has no JSON object lines"),
        ({"a.json": '{"x": 1}\n', "b.json": '{"x": [1]}\n'}, "b.json: 'x' holds nested JSON"),
        ({"a.csv": "x\n1\n", "b.csv": "\x00\x01binary"}, "b.csv is not a text file"),
    ],
)
def test_a_folder_that_is_not_one_dataset_is_refused_by_name(
    tmp_path: Path, entries: dict[str, str], fragment: str
) -> None:
    folder = tmp_path / "data"
    for name, text in entries.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    with pytest.raises(DataFileError) as caught:
        _statistics(folder)
    assert fragment in str(caught.value)


def _glue_folder(tmp_path: Path, texts: list[bytes]) -> Path:
    """AWS Glue's output names: ``run-<ms>-part-r-<n>``, no suffix."""
    folder = tmp_path / "glue"
    folder.mkdir()
    for i, data in enumerate(texts):
        (folder / f"run-1700000000000-part-r-{i:05d}").write_bytes(data)
    return folder


def test_glue_s_parts_without_a_suffix_read_with_format(tmp_path: Path) -> None:
    rows = _rows(3_000)
    head = ",".join(HEADER) + "\n"
    chunks = [rows[:1_200], rows[1_200:]]
    folder = _glue_folder(tmp_path, [(head + "".join(map(_csv_line, c))).encode() for c in chunks])
    (folder / "_SUCCESS").write_bytes(b"")
    whole = tmp_path / "whole.csv"
    whole.write_text(head + "".join(map(_csv_line, rows)))
    with pytest.raises(DataFileError, match=r"run-1700000000000-part-r-00000 has no suffix\); "
                                            r"pass --format csv, jsonl or parquet"):  # fmt: skip
        detect_format(folder, None)
    baseline, counts = suggest_data_quality(folder, detect_format(folder, "csv"))
    _assert_same_statistics(statistics_to_json(baseline.statistics), _statistics(whole)[0])
    assert counts.rows == 3_000
    ages = [r[0] for r in rows if r[0] is not None]
    age = _by_name(statistics_to_json(baseline.statistics))["age"]["numerical_statistics"]
    assert (age["sum"], age["min"], age["max"]) == (sum(ages), min(ages), max(ages))


def test_parquet_parts_without_a_suffix_are_told_by_their_magic(tmp_path: Path) -> None:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _rows(2_000)
    table = pa.table({name: [r[i] for r in rows] for i, name in enumerate(HEADER)})

    def parquet_bytes(part: pa.Table) -> bytes:
        sink = io.BytesIO()
        pq.write_table(part, sink)
        return sink.getvalue()

    folder = _glue_folder(tmp_path, [parquet_bytes(table.slice(0, 700)),
                                     parquet_bytes(table.slice(700))])  # fmt: skip
    whole = tmp_path / "whole.parquet"
    pq.write_table(table, whole)
    assert detect_format(folder, None).kind == "parquet"
    _assert_same_statistics(_statistics(folder)[0], _statistics(whole)[0])


def test_txt_parts_read_as_csv_as_a_single_txt_file_is(tmp_path: Path) -> None:
    rows = _rows(500)
    head = ",".join(HEADER) + "\n"
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "a.txt").write_text(head + "".join(map(_csv_line, rows[:200])))
    (folder / "b.csv").write_text(head + "".join(map(_csv_line, rows[200:])))
    whole = tmp_path / "whole.csv"
    whole.write_text(head + "".join(map(_csv_line, rows)))
    assert detect_format(folder, None).kind == "csv"
    _assert_same_statistics(_statistics(folder)[0], _statistics(whole)[0])
