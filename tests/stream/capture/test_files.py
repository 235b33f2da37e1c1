"""Capture and label files as every reader opens them: a leading BOM left out, gzip read."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from stream.capture.files import (
    BOM,
    find_capture_files,
    iter_capture_lines,
    iter_lines,
    open_lines,
)

LINES = [b'{"a": 1}\n', b"\n", b'{"a": 2}\r\n', b'{"a": 3}']
TEXT = b"".join(LINES)

ENCODINGS = {
    "plain": TEXT,
    "bom": BOM + TEXT,
    "gzip": gzip.compress(TEXT),
    "gzip with a bom inside": gzip.compress(BOM + TEXT),
}


@pytest.mark.parametrize("how", ENCODINGS)
def test_every_encoding_reads_as_the_plain_file(tmp_path: Path, how: str) -> None:
    path = tmp_path / "capture.jsonl"  # a gzip file is told by its bytes, not its name
    path.write_bytes(ENCODINGS[how])
    with open_lines(path) as handle:
        assert handle.read() == TEXT
    read = list(iter_lines(path))
    assert [line for line, _ in read if line] == LINES
    assert sum(size for _, size in read) == path.stat().st_size  # for the progress bar
    assert [line for line, _ in iter_capture_lines([path]) if line] == [
        line.strip() for line in LINES if line.strip()
    ]


def test_a_bom_is_left_out_at_the_start_of_a_file_only(tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    path.write_bytes(BOM + b'{"a": 1}\n' + BOM + b'{"a": 2}\n')
    assert [line for line, _ in iter_lines(path)] == [b'{"a": 1}\n', BOM + b'{"a": 2}\n']
    path.write_bytes(BOM)
    assert list(iter_lines(path)) == [(b"", 3)]  # a file of a BOM only is empty


def test_a_damaged_gzip_file_is_an_os_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(TEXT * 100)[:-20])
    with pytest.raises(OSError, match=r"cut\.jsonl\.gz is a damaged gzip file"):
        list(iter_lines(path))


def test_a_folder_holds_jsonl_and_jsonl_gz_files(tmp_path: Path) -> None:
    hour = tmp_path / "ep/AllTraffic/2024/03/05/14"
    hour.mkdir(parents=True)
    for name in ("a.jsonl", "b.jsonl.gz", "c.json", "d.gz", "e.txt"):
        (hour / name).write_bytes(b"")
    assert [p.name for p in find_capture_files(tmp_path)] == ["a.jsonl", "b.jsonl.gz"]
