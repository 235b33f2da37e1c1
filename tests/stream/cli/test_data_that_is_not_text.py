"""A data file that is not text is refused by ``baseline suggest`` and ``analyze --data`` alike.

200 kB of random bytes named ``x.csv`` made a baseline (exit 0) whose one feature was named by
the garbage before the first line break, and ``analyze --data`` reported an "extra column"
of that name; a UTF-16 CSV (Excel's "Unicode text") and a Latin-1 header did the same. Now:
one ``driftline: error:`` line, exit 2, and no baseline written. The test for "not text" is
git's (``buffer_is_binary``: a NUL byte in the first 8,000 bytes); a CSV header line must
also be UTF-8, since its names are the features live data is matched with. Invalid UTF-8 in
data fields stays counted, not fatal.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import Result

from tests.stream.cli.labeled_files import run

NOT_TEXT = "is not a text file"


def assert_refused(result: Result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith("driftline: error: ") and fragment in result.stderr
    assert result.stdout == ""


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("not-text")
    data = root / "train.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(40)))
    assert run("baseline", "suggest", "--data", data, "--out", root / "b").exit_code == 0
    return root / "b"


def random_bytes() -> bytes:
    data = random.Random(7).randbytes(200_000)
    assert b"\0" in data[:8000]  # what makes it "not text", independently of the reader
    return data


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_random_bytes_are_refused_by_both_commands(
    tmp_path: Path, baseline: Path, suffix: str
) -> None:
    garbage = tmp_path / f"x{suffix}"
    garbage.write_bytes(random_bytes())
    assert_refused(run("baseline", "suggest", "--data", garbage, "--out", tmp_path / "o"), NOT_TEXT)
    assert not (tmp_path / "o").exists()
    analyzed = run("analyze", "--data", garbage, "--baseline", baseline, "--out", tmp_path / "r")
    assert_refused(analyzed, NOT_TEXT)


def test_random_bytes_without_a_header_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "x.csv"
    garbage.write_bytes(random_bytes())
    result = run("baseline", "suggest", "--data", garbage, "--no-header", "--out", tmp_path / "o")
    assert_refused(result, NOT_TEXT)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_csv_in_utf16_or_utf32_is_refused(tmp_path: Path, encoding: str) -> None:
    data = tmp_path / "wide.csv"
    data.write_bytes("age,plan\n41,basic\n".encode(encoding))  # NUL high bytes of ASCII
    assert_refused(run("baseline", "suggest", "--data", data, "--out", tmp_path / "o"), NOT_TEXT)


def test_a_latin1_header_is_refused_but_latin1_fields_are_counted(
    tmp_path: Path, baseline: Path
) -> None:
    header = tmp_path / "header.csv"
    header.write_bytes(b"caf\xe9,b\n1,2\n")  # no NUL: text, but not UTF-8 where names are
    for command in (["baseline", "suggest"], ["analyze", "--baseline", baseline]):
        result = run(*command, "--data", header, "--out", tmp_path / "o")
        assert_refused(result, "header line is not UTF-8")
    fields = tmp_path / "fields.csv"
    fields.write_bytes(b"a,b\n1,caf\xe9\n2,ok\n")
    result = run("baseline", "suggest", "--data", fields, "--out", tmp_path / "f")
    assert result.exit_code == 0, result.output
    assert "baseline: 2 rows, 2 features" in result.stdout
    assert "malformed lines: 1 (invalid_utf8_fields=1)" in result.stdout


def test_a_nul_after_the_first_8000_bytes_is_a_field_not_a_refusal(tmp_path: Path) -> None:
    data = tmp_path / "late.csv"
    rows = "".join(f"{i},{i % 3}\n" for i in range(2000))  # 12,890 bytes of text
    data.write_bytes(b"a,b\n" + rows.encode() + b"7,x\x00y\n")
    result = run("baseline", "suggest", "--data", data, "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert "baseline: 2001 rows, 2 features" in result.stdout


@pytest.mark.parametrize(
    ("name", "fmt"), [("train.csv", ()), ("train.parquet", ("--format", "csv"))]
)
def test_a_parquet_file_read_as_text_is_told_to_be_read_as_parquet(
    tmp_path: Path, baseline: Path, name: str, fmt: tuple[str, ...]
) -> None:
    data = tmp_path / name
    pq.write_table(pa.table({"a": [1, 2, 3], "b": ["x", "y", "z"]}), data)
    assert data.read_bytes()[:4] == b"PAR1"  # Parquet's magic number, from its format spec
    wanted = f"{name} is a Parquet file, not CSV or JSON Lines text: pass --format parquet"
    result = run("baseline", "suggest", "--data", data, *fmt, "--out", tmp_path / "o")
    assert_refused(result, wanted)
    analyzed = run("analyze", "--data", data, *fmt, "--baseline", baseline, "--out", tmp_path / "r")
    assert_refused(analyzed, wanted)
