"""Issue 12: header-less baselines, nested JSON Lines, and CSV files that used to crash.

Every case ends in a valid status or one ``driftline: error:`` line with exit 2, never a
traceback; a fuzz test feeds 1,000 generated bad files to ``baseline suggest`` and
``analyze --data``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from detectors.quality.statistics_json import statistics_from_json
from stream.cli import main


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _names(out: Path) -> tuple[str, ...]:
    return statistics_from_json(json.loads((out / "statistics.json").read_text())).names


def _assert_clean(result: Result) -> None:
    """A valid status (0), or exit 2 with one error line or analyze's "Failed: …" (a header
    alone: "no data rows"); never a Python traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        assert result.exit_code == 2, result.output
        if result.stdout.startswith("Failed: ") and not result.stderr:
            return
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("driftline: error: "), result.stderr


def test_a_headerless_baseline_names_columns_like_sagemaker(tmp_path: Path) -> None:
    # The SDK's baseline_dataset.csv has no header and repeated values in its first row.
    rows = [f"{i % 2},{i % 2},{0.1 * i:.1f},{i % 5}" for i in range(40)]
    data = tmp_path / "baseline_dataset.csv"
    data.write_text("\n".join(rows) + "\n")
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out", "--no-header")
    assert result.exit_code == 0, result.output
    assert "baseline: 40 rows, 4 features" in result.stdout
    assert _names(tmp_path / "out") == ("_c0", "_c1", "_c2", "_c3")
    with_header = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out2")
    assert with_header.exit_code == 0, with_header.output  # first row as names: Spark's dedup
    assert _names(tmp_path / "out2") == ("00", "01", "0.0", "03")


def test_analyze_a_headerless_dataset_against_the_baseline(tmp_path: Path) -> None:
    train = tmp_path / "train.csv"
    train.write_text("age,plan\n" + "".join(f"{20 + i % 50},basic\n" for i in range(200)))
    assert _run("baseline", "suggest", "--data", train, "--out", tmp_path / "b").exit_code == 0
    live = tmp_path / "live.csv"
    live.write_text("".join(f"{60 + i % 20},basic,x\n" for i in range(200)))
    args = ("analyze", "--data", live, "--no-header", "--baseline", tmp_path / "b")
    result = _run(*args, "--out", tmp_path / "r")
    assert result.exit_code == 0, result.output
    assert "baseline_drift_check       age" in result.stdout
    assert "extra_column_check         _c2" in result.stdout
    assert _names(tmp_path / "r") == ("age", "plan", "_c2")  # the data's columns, as SageMaker's


def test_duplicate_header_names_follow_spark(tmp_path: Path) -> None:
    data = tmp_path / "dup.csv"
    data.write_text("a,b,A,\n1,2,3,4\n5,6,7,8\n")
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert _names(tmp_path / "out") == ("a0", "b", "A2", "_c3")


@pytest.mark.parametrize(
    "data",
    [
        b'a,b\r1,"x\ry"\r2,z\r',  # a quote and a bare CR, CR-only line endings
        b"a,b\r1,2\r3,4\r",
        b'a,b\n1,"' + b"w" * 200_000 + b'"\n2,3\n',  # a quoted field over 131,072 characters
    ],
)
def test_csv_files_that_used_to_crash_make_a_baseline(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(data)
    result = _run("baseline", "suggest", "--data", path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert _names(tmp_path / "out") == ("a", "b")
    stats = json.loads((tmp_path / "out" / "statistics.json").read_text())
    assert stats["dataset"]["item_count"] == 2


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_row_of_another_width_with_bytes_that_are_not_utf8_is_fitted_and_counted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n1,2\n\xff\xfe,3,4\n")  # used to end in pyarrow's traceback
    result = _run("baseline", "suggest", "--data", path, "--out", tmp_path / "out")
    _assert_clean(result)
    assert result.exit_code == 0, result.output
    assert "malformed lines: 2 (invalid_utf8_fields=1, too_many_fields=1)" in result.stdout
    stats = json.loads((tmp_path / "out" / "statistics.json").read_text())
    buckets = stats["features"][0]["string_statistics"]["distribution"]["categorical"]["buckets"]
    replaced = b"\xff\xfe".decode(errors="replace")  # the reference: Python's decoder
    assert sorted(b["value"] for b in buckets) == sorted(["1", replaced])


def test_nested_json_lines_values_are_refused_naming_the_key(tmp_path: Path) -> None:
    data = tmp_path / "validation-dataset.jsonl"
    data.write_text(
        "".join(json.dumps({"features": [i, 2 * i], "label": i % 2}) + "\n" for i in range(5))
    )
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out")
    _assert_clean(result)
    assert result.exit_code == 2 and "'features'" in result.stderr and "features0" in result.stderr
    assert not (tmp_path / "out").exists()


def _bad_file(rng: random.Random) -> bytes:
    kind = rng.randrange(8)
    if kind == 0:
        return rng.randbytes(rng.randrange(0, 400))
    if kind == 1:
        text = json.dumps({"a": rng.random(), "b": [1, {"c": 2}], "d": "x"})
        return ((text + "\n") * rng.randrange(1, 5) + text[: rng.randrange(len(text))]).encode()
    if kind == 2:
        return "é,ü\nä,ö\n".encode(rng.choice(["latin-1", "utf-16", "utf-32", "cp1252"]))
    if kind == 3:
        ending = rng.choice([b"\r", b"\n", b"\r\n", b"\n\r", b"\x00", b"\x85"])
        return ending.join(b"a,b" if i == 0 else b"1,2" for i in range(rng.randrange(1, 6)))
    if kind == 4:
        return b'a,b\n1,"' + b"q" * rng.randrange(100_000, 300_000) + rng.choice([b'"\n', b"\n"])
    if kind == 5:
        return b"\n".join(rng.choice([b'"', b",", b"a", b"1", b'""', b"\r"]) * 3 for _ in range(9))
    if kind == 6:
        return b'{"x": 1}\n{"x": NaN}\n[1]\n"s"\n{"x": {"y": 1}}\n'
    return b"\xef\xbb\xbf" + b",".join(
        rng.choice([b"a", b"", b"A", b"1e400", b"nan"]) for _ in range(5)
    )


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_thousand_bad_files_never_show_a_traceback(tmp_path: Path) -> None:
    rng = random.Random(2024)
    train = tmp_path / "train.csv"
    train.write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(50)))
    assert _run("baseline", "suggest", "--data", train, "--out", tmp_path / "b").exit_code == 0
    for i in range(1000):
        path = tmp_path / f"bad{i}.{rng.choice(['csv', 'jsonl'])}"
        path.write_bytes(_bad_file(rng))
        if i % 2:
            result = _run("baseline", "suggest", "--data", path, "--out", tmp_path / f"o{i}")
        else:
            args = (
                "analyze",
                "--data",
                path,
                "--baseline",
                tmp_path / "b",
                "--out",
                tmp_path / "r",
            )
            result = _run(*args, *(["--no-header"] if i % 4 == 0 else []))
        _assert_clean(result)


@pytest.mark.parametrize(
    ("shap", "says"),
    [
        (b'a,b\n0.1,"' + b"x" * 200_000 + b'"\n', "shap.csv is not readable CSV near line 2"),
        (b"a,b\n0.1,caf\xe9\n", "shap.csv is not UTF-8 text"),
    ],
)
def test_a_shap_csv_python_cannot_read_is_one_error_line(
    tmp_path: Path, shap: bytes, says: str
) -> None:
    data = tmp_path / "train.csv"
    data.write_text("age,plan\n41,basic\n19,gold\n")
    (tmp_path / "shap.csv").write_bytes(shap)
    result = _run("baseline", "suggest", "--data", data, "--shap", tmp_path / "shap.csv",
                  "--out", tmp_path / "out")  # fmt: skip
    assert result.exit_code == 2, result.output
    _assert_clean(result)
    assert result.stderr.strip().startswith(f"driftline: error: {says}")
