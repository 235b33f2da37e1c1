"""pyarrow's CSV reading as driftline uses it: Spark's names, odd line endings, odd rows.

Reference for the rows: Python's ``csv`` module on the same text (hand-checked vectors for
Spark's header rules, from Spark's ``CSVUtils.makeSafeHeader``).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from stream.batch import csv_reader
from stream.batch.csv_reader import CsvColumns, CsvFileError, spark_names


def _read(path: Path, **kwargs) -> tuple[tuple[str, ...], list[list[str | None]], list[str]]:
    reasons: list[str] = []
    reader = CsvColumns(path, on_malformed=reasons.append, **kwargs)
    rows: list[list[str | None]] = []
    for batch in reader.batches():
        rows.extend(map(list, zip(*(c.to_pylist() for c in batch.columns), strict=True)))
    return reader.names, rows, reasons


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("header", "names"),
    [
        (["a", "b", "c"], ("a", "b", "c")),
        (["a", "b", "a"], ("a0", "b", "a2")),
        (["Age", "age", "plan"], ("Age0", "age1", "plan")),
        (["", "b", ""], ("_c0", "b", "_c2")),
    ],
)
def test_spark_names(header: list[str], names: tuple[str, ...]) -> None:
    assert spark_names(header) == names


def test_without_a_header_columns_are_positional_and_the_first_row_is_data(tmp_path: Path) -> None:
    names, rows, _ = _read(_write(tmp_path, b"1,2,x\n3,4,y\n"), header=False)
    assert names == ("_c0", "_c1", "_c2")
    assert rows == [["1", "2", "x"], ["3", "4", "y"]]


@pytest.mark.parametrize(
    "text",
    [
        'a,b\r1,2\r3,"x\ry"\r',  # CR-only line endings, a quoted bare CR
        'a,b\r\n1,2\r\n3,"x,\r\ny"\r\n',
        '\ufeffa,b\n1,"say ""hi"""\n\n3,\n',  # byte-order mark, escaped quotes, a blank line
        'a,b\n1,x"y\n2,3',  # a quote inside an unquoted field, no final newline
    ],
)
def test_rows_equal_pythons_csv_reader(tmp_path: Path, text: str) -> None:
    names, rows, reasons = _read(_write(tmp_path, text.encode()))
    expected = [r for r in csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")) if r]
    assert names == tuple(expected[0]) and not reasons
    assert rows == [[v or None for v in row] for row in expected[1:]]


def test_a_quoted_field_longer_than_pythons_limit_and_a_block(tmp_path: Path) -> None:
    long = "x" * (csv.field_size_limit() + 10)
    names, rows, _ = _read(_write(tmp_path, f'a,b\n1,"{long}"\n2,3\n'.encode()), block_bytes=4096)
    assert rows == [["1", long], ["2", "3"]]


def test_a_row_longer_than_a_block_midway_reopens_and_skips_what_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_reader, "BATCH_ROWS", 10)
    lines = [f"{i},{i % 3}" for i in range(500)]
    lines[300] = f'300,"{"y" * 20_000}"'
    lines[100] = "100,1,surplus"
    _, rows, reasons = _read(
        _write(tmp_path, ("a,b\n" + "\n".join(lines) + "\n").encode()), block_bytes=1024
    )
    assert sorted(int(r[0]) for r in rows) == list(range(500))
    assert reasons == ["too_many_fields"]


def test_short_long_and_unreadable_rows_are_fixed_and_counted(tmp_path: Path) -> None:
    _, rows, reasons = _read(_write(tmp_path, b"a,b,c\n1,2\n3,4,5,6\n7,8,9\n"))
    assert sorted(rows) == sorted([["1", "2", None], ["3", "4", "5"], ["7", "8", "9"]])
    assert reasons == ["too_many_fields"]


def test_bytes_that_are_not_utf8_are_replaced_and_counted(tmp_path: Path) -> None:
    _, rows, reasons = _read(_write(tmp_path, b"a,b\n1,caf\xe9\n2,ok\n"))
    assert rows == [["1", "caf\ufffd"], ["2", "ok"]]
    assert reasons == ["invalid_utf8_fields"]


@pytest.mark.parametrize("data", [b"", b"\n\n\n", b"\xef\xbb\xbf \r\n"])
def test_an_empty_file_has_no_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    def not_asked(*args: object, **kwargs: object) -> None:
        raise AssertionError("pyarrow opened a blank file")

    # pyarrow's "Empty CSV file" error leaves a thread that now and then aborts the process
    # at exit ("terminate called without an active exception", status 134: 1 run in 40)
    monkeypatch.setattr(csv_reader.pa_csv, "open_csv", not_asked)
    with pytest.raises(CsvFileError, match="empty or has no header"):
        CsvColumns(_write(tmp_path, data))


@pytest.mark.parametrize(
    ("data", "header", "rows"),
    [
        (b"41,basic", False, [["41", "basic"]]),  # one row, no final newline
        (b"\xef\xbb\xbf41,basic\r", False, [["41", "basic"]]),
        (b"age,plan", True, []),  # a header alone, no final newline: no rows, not "empty"
    ],
)
def test_a_file_of_one_line_without_a_line_break(
    tmp_path: Path, data: bytes, header: bool, rows: list[list[str]]
) -> None:
    """pyarrow found no row in it: "empty or has no header line", a good file refused."""
    names, read, _ = _read(_write(tmp_path, data), header=header)
    assert len(names) == 2 and read == rows


def test_a_first_row_longer_than_a_block(tmp_path: Path) -> None:
    """pyarrow calls it "Empty CSV file or block", not a row straddling blocks."""
    long = "x" * 5000
    names, rows, _ = _read(_write(tmp_path, f"{long},1\n2,3\n".encode()), header=False,
                           block_bytes=1024)  # fmt: skip
    assert names == ("_c0", "_c1") and rows == [[long, "1"], ["2", "3"]]


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("block_bytes", [16, 1 << 20])
def test_a_row_of_another_width_with_bytes_that_are_not_utf8_is_fitted_and_counted(
    tmp_path: Path, block_bytes: int
) -> None:
    # pyarrow decodes such a row strictly before its callback sees it: it used to raise there
    data = b"a,b\n1,2\n\xff\xfe,3,4\n5,caf\xe9\n\xe9t\xe9\n"
    names, rows, reasons = _read(_write(tmp_path, data), block_bytes=block_bytes)
    text = data.decode("utf-8", errors="replace")  # the reference: Python's decoder and csv
    expected = [(row + [""])[:2] for row in csv.reader(io.StringIO(text, newline=""))]
    assert names == tuple(expected[0])
    assert sorted(rows, key=str) == sorted(([v or None for v in r] for r in expected[1:]), key=str)
    assert sorted(reasons) == ["invalid_utf8_fields"] * 3 + ["too_many_fields"]


def test_a_multibyte_character_split_between_reads_is_not_counted(tmp_path: Path) -> None:
    rows_text = "".join(f"{i},é{i}ü\n" for i in range(300))
    path = _write(tmp_path, ("a,b\n" + rows_text).encode())
    _, rows, reasons = _read(path, block_bytes=7)
    assert rows == [[str(i), f"é{i}ü"] for i in range(300)] and not reasons


def test_a_wide_files_batches_hold_as_many_values_as_a_narrow_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_reader, "BATCH_VALUES", 600)  # 20 rows of 30 columns
    header = ",".join(f"c{i}" for i in range(30))
    lines = [",".join(str(i * 30 + j) for j in range(30)) for i in range(500)]
    path = _write(tmp_path, (header + "\n" + "\n".join(lines) + "\n").encode())
    reader = CsvColumns(path, block_bytes=1024)
    sizes = [batch.n_rows for batch in reader.batches()]
    assert sum(sizes) == 500
    assert max(sizes) < 20 + 1024 // 60  # a batch ends with the block that fills it
    assert len(sizes) > 10
