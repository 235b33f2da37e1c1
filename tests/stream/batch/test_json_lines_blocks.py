"""JSON Lines through pyarrow's blocks against the row path (orjson, line by line).

The reference profile is built as ``baseline suggest`` built it before the columnar path:
:func:`jsonl_batches` and :meth:`DatasetProfile.update_columns`, a feature added where its
key first appears. Files stay under KLL's first compaction, so quantiles compare exactly.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from detectors.quality.dataset_profile import DatasetProfile
from detectors.quality.statistics import DatasetStatistics
from stream.batch import json_lines_blocks as blocks
from stream.batch.data_files import DataFileError, DataFormat, ReadCounts
from stream.batch.data_quality_baseline import suggest_data_quality
from stream.batch.json_lines_blocks import ArrowBlock, arrow_block, json_lines_blocks
from stream.batch.json_lines_rows import jsonl_batches
from tests.stream.batch.profile_checks import same_statistics

ODD_BLOCKS = {
    "not json": b'{"a": 1}\n{not json\n',
    "not an object": b'{"a": 1}\n[1, 2]\n',
    "a key twice": b'{"a": 1, "a": 2}\n',
    "a type change": b'{"a": 1}\n{"a": "x"}\n',
    "a blank line": b'{"a": 1}\n\n{"a": 2}\n',
    "two objects on a line": b'{"a": 1} {"a": 2}\n',
    "one object over two lines": b'{"a":\n 1}\n',
    "two on a line and one over two": b'{"a":\n 1}\n{"a": 2}{"a": 3}\n',
    "a blank line and two on a line": b'{"a": 1}\n\n{"a": 2}{"a": 3}\n',
    "NaN": b'{"a": 1.5}\n{"a": NaN}\n',
    "Infinity": b'{"a": -Infinity}\n',
    "beyond int64": b'{"a": 9223372036854775808}\n{"a": 1}\n',
    "nested": b'{"a": [1, 2]}\n',
    "an object value": b'{"a": {}}\n',
    "bytes that are not UTF-8": b'{"a": "\xff"}\n',
    "a key that is not UTF-8": b'{"\xff": 1}\n',
    "a byte-order mark inside": b'{"a": 1}\n\xef\xbb\xbf{"a": 2}\n',
    "a byte-order mark first": b'\xef\xbb\xbf{"a": 1}\n',
}


@pytest.mark.parametrize("block", ODD_BLOCKS.values(), ids=ODD_BLOCKS.keys())
def test_a_block_pyarrow_reads_otherwise_goes_the_row_path(block: bytes) -> None:
    assert arrow_block(block) is None


def test_a_plain_block_is_one_column_per_key_typed_by_pyarrow() -> None:
    block = arrow_block(b'{"n": 1, "x": 2.5, "s": "a", "b": true}\n{"n": 2, "z": null}')
    assert block is not None and block.n_rows == 2
    types = {name: str(column.type) for name, column in block.columns.items()}
    assert types == {"n": "int64", "x": "double", "s": "string", "b": "bool", "z": "null"}


WHOLE_FLOATS = {
    "integers among fractions": b'{"x": 10, "y": 1.5}\r\n{"x": 2.5, "y":\r2.5}\n{"x": 3.0}\n',
    "minus zero": b'{"x": -0}\n{"x": 0.5}\n{"x": null}\n',
    "a key written with escapes": b'{"\\u0078": 10}\n{"x": 2.5}\n',
    "a key ending in the name": b'{"a\\"x": 7, "x": 10}\n{"x": 2.5}\n',
    "spaces around the colon": b'{"x" :  10 }\n{ "x":2.5}\n',
}


@pytest.mark.parametrize("block", WHOLE_FLOATS.values(), ids=WHOLE_FLOATS.keys())
def test_a_float_column_holding_integers_comes_as_orjson_reads_it(block: bytes) -> None:
    arrow = arrow_block(block)
    assert arrow is not None
    expected = [orjson.loads(line).get("x") for line in block.split(b"\n") if line]
    assert arrow.columns["x"] == expected
    assert [type(v) for v in arrow.columns["x"]] == [type(v) for v in expected]


@pytest.mark.parametrize("block", [b'{"x": 10.0}\n{"x": 2.5}\n', b'{"x": 1e2}\n{"x": 2.5}\n'])
def test_a_float_column_written_in_fractions_stays_pyarrows(block: bytes) -> None:
    arrow = arrow_block(block)
    assert arrow is not None and isinstance(arrow.columns["x"], pa.ChunkedArray)


TEXTS = ["7", "-2.5", "+ 7", "true", "nan", "", "gold", "basic", "x y", " 7", "1e400"]
ODD_LINES = [
    b"{not json\n",
    b"[1, 2]\n",
    b"3\n",
    b"\n",
    b'{"ints": NaN}\n',
    b'{"ints": 9223372036854775808}\n',
    b'{"ints": 1}{"ints": 2}\n',
    b'{"ints": 1, "ints": 2}\n',
    b'\xef\xbb\xbf{"ints": 3}\n',
    b'{"text": "\xff"}\n',
    b'{"fractions": Infinity}\n',
    b'{"mixed": 4}\n',
    b'{"ints":\n 5}\n',
    b'{"ints": 5} \n',
    b"  \r\n",
    b'{"n\\u0075mbers": 4}\n',  # "numbers", its key written with an escape
    b'{"a\\"numbers": 1, "numbers": 4}\n',  # a key that ends in "numbers
]


def _random_file(rng: random.Random, n: int) -> bytes:
    """Rows of one JSON type per key (``mixed`` excepted), odd lines now and then."""
    lines = [b"\xef\xbb\xbf"] if rng.random() < 0.3 else []
    for i in range(n):
        if rng.random() < 0.05:
            lines.append(rng.choice(ODD_LINES))
            continue
        row: dict[str, object] = {}
        if rng.random() < 0.9:
            row["ints"] = rng.choice([rng.randint(-30, 30), None])
        if rng.random() < 0.9:
            row["fractions"] = round(rng.gauss(0, 9), 2) if rng.random() < 0.8 else 3.0
        if rng.random() < 0.8:  # integers among fractions: a float column to pyarrow
            row["numbers"] = rng.choice([round(rng.gauss(0, 9), 2), rng.randint(-5, 5), 2.0])
        row["text"] = rng.choice(TEXTS)
        if rng.random() < 0.7:
            row["flags"] = rng.choice([True, False, None])
        if rng.random() < 0.1:
            row["mixed"] = rng.choice([rng.randint(0, 3), "x", "2", True, None])
        if i > n // 2:
            row["late"] = rng.randint(0, 5)
        if rng.random() < 0.3:
            row = dict(reversed(row.items()))
        lines.append(orjson.dumps(row) + b"\n")
    return b"".join(lines)


def _row_path(path: Path) -> tuple[DatasetStatistics, ReadCounts]:
    counts = ReadCounts()
    profile = DatasetProfile(features=())
    for batch in jsonl_batches(path, counts):
        for name in batch.columns:
            if name not in profile.profiles:
                profile.add_feature(name)
        profile.update_columns(batch.columns, batch.n_rows)
    return profile.statistics(), counts


@pytest.mark.parametrize("block_bytes", [64, 700, 8 << 20])
@pytest.mark.parametrize("seed", range(8))
def test_suggest_on_json_lines_equals_the_row_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int, seed: int
) -> None:
    monkeypatch.setattr(blocks, "BLOCK_BYTES", block_bytes)
    rng = random.Random(seed)
    path = tmp_path / "train.jsonl"
    path.write_bytes(_random_file(rng, rng.randint(20, 300)))
    baseline, counts = suggest_data_quality(path, DataFormat("jsonl"))
    want, want_counts = _row_path(path)
    same_statistics(baseline.statistics, want, ks_error=0, type_counts=True)
    assert counts == want_counts


def test_small_blocks_take_both_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The equality above is not vacuous: some blocks are pyarrow's, some the row path's."""
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 700)
    path = tmp_path / "train.jsonl"
    path.write_bytes(_random_file(random.Random(3), 300))
    kinds = [isinstance(b, ArrowBlock) for b in json_lines_blocks(path, ReadCounts())]
    assert kinds.count(True) >= 3 and kinds.count(False) >= 3


def test_a_nested_value_in_a_later_block_names_its_row_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 32)
    path = tmp_path / "nested.jsonl"
    path.write_bytes(b'{"a": 1}\n' * 9 + b"not json\n" + b'{"a": 2}\n{"a": [1, 2]}\n')
    with pytest.raises(DataFileError, match=r"'a' holds nested JSON .* in data row 11:"):
        suggest_data_quality(path, DataFormat("jsonl"))


@pytest.mark.parametrize("body", [b"", b"\xef\xbb\xbf", b"\n\n", b"[1]\n3\n", b"{}\n{}\n"])
def test_a_file_without_keys_is_refused(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(body)
    with pytest.raises(DataFileError, match="has no JSON object lines"):
        suggest_data_quality(path, DataFormat("jsonl"))


def test_progress_reaches_the_end_of_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 100)
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"".join(b'{"a": %d}\n' % i for i in range(100)))
    seen: list[int] = []
    list(json_lines_blocks(path, ReadCounts(), seen.append))
    assert seen == sorted(seen) and seen[-1] == path.stat().st_size and len(seen) > 5
