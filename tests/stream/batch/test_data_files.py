"""JSON Lines data files: the chunked reader against a plain line-by-line reference."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from detectors.quality.dataset_profile import DatasetProfile
from stream.batch import json_lines_rows
from stream.batch.data_files import DataFileError, DataFormat, ReadCounts
from stream.batch.data_quality_baseline import suggest_data_quality
from stream.batch.json_lines_rows import jsonl_batches
from stream.batch.validation_columns import read_columns


def _reference(path: Path, batch_rows: int) -> tuple[list[tuple[dict[str, list[Any]], int]], dict]:
    """Line by line: blank lines skipped, bad ones counted, batches of ``batch_rows`` objects,
    each with a column per key its rows hold (first appearance), None where a row lacks it."""
    reasons: dict[str, int] = {}
    objects: list[dict[str, Any]] = []
    for i, line in enumerate(path.read_bytes().splitlines(keepends=True)):
        if i == 0:
            line = line.removeprefix(b"\xef\xbb\xbf")
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            reasons["invalid_json"] = reasons.get("invalid_json", 0) + 1
            continue
        if not isinstance(obj, dict):
            reasons["not_an_object"] = reasons.get("not_an_object", 0) + 1
            continue
        objects.append(obj)
    batches = []
    for start in range(0, len(objects), batch_rows):
        rows = objects[start : start + batch_rows]
        keys: dict[str, None] = {}
        for row in rows:
            keys.update(dict.fromkeys(row))
        batches.append(({k: [row.get(k) for row in rows] for k in keys}, len(rows)))
    return batches, reasons


def _random_lines(rng: random.Random, n: int) -> list[bytes]:
    keys = ["age", "plan", "score", "late", "sparse"]
    lines = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.04:
            lines.append(rng.choice([b"\n", b"   \n", b"\r\n"]))
        elif roll < 0.07:
            lines.append(rng.choice([b"{not json\n", b'{"a": 1}{"b": 2}\n', b"[1, 2\n"]))
        elif roll < 0.10:
            lines.append(rng.choice([b"[1, 2]\n", b"3\n", b'"text"\n', b"null\n"]))
        else:
            row: dict[str, Any] = {}
            for key in keys[:3]:
                if rng.random() < 0.9:
                    row[key] = rng.choice([rng.randint(0, 9), rng.random(), None, "x", True])
            if i > n // 2 and rng.random() < 0.5:
                row["late"] = rng.random()
            if rng.random() < 0.02:
                row["sparse"] = "s"
            if rng.random() < 0.3:
                row = dict(reversed(row.items()))  # the same keys in another order
            lines.append(orjson.dumps(row) + b"\n")
    return lines


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("batch_rows", "chunk_lines"), [(7, 3), (10, 5), (20_000, 500)])
def test_jsonl_batches_equal_a_line_by_line_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    batch_rows: int,
    chunk_lines: int,
) -> None:
    monkeypatch.setattr(json_lines_rows, "BATCH_ROWS", batch_rows)
    monkeypatch.setattr(json_lines_rows, "CHUNK_LINES", chunk_lines)
    rng = random.Random(seed)
    path = tmp_path / "data.jsonl"
    lines = _random_lines(rng, rng.randint(1, 120))
    if seed % 2:
        lines.insert(0, b'\xef\xbb\xbf{"age": 1}\n')
    if seed % 3 == 0:
        lines[-1] = lines[-1].rstrip(b"\n")  # no newline after the last line
    path.write_bytes(b"".join(lines) + b'{"age": 2}\n')
    expected, reasons = _reference(path, batch_rows)
    counts = ReadCounts()
    got = [(batch.columns, batch.n_rows) for batch in jsonl_batches(path, counts)]
    assert [(list(c.items()), n) for c, n in got] == [(list(c.items()), n) for c, n in expected]
    assert counts.reasons == reasons
    assert counts.rows == sum(n for _, n in expected)
    assert counts.malformed == sum(reasons.values())


def test_a_nested_value_is_refused_with_its_data_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_lines_rows, "CHUNK_LINES", 4)
    path = tmp_path / "nested.jsonl"
    rows = [b'{"a": 1}\n'] * 9 + [b"not json\n", b'{"a": [1, 2]}\n']
    path.write_bytes(b"".join(rows))
    with pytest.raises(DataFileError, match=r"'a' holds nested JSON .* in data row 10:"):
        list(jsonl_batches(path, ReadCounts()))


@pytest.mark.parametrize("body", [b"", b"\n\n", b"[1]\n3\n", b"{}\n{}\n", b"nope\n"])
def test_a_file_without_keys_is_refused_by_both_readers(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(body)
    with pytest.raises(DataFileError, match="has no JSON object lines"):
        list(jsonl_batches(path, ReadCounts()))
    with pytest.raises(DataFileError, match="has no JSON object lines"):
        read_columns(path, DataFormat("jsonl"), ReadCounts())


def test_one_pass_profile_equals_one_that_knew_every_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``baseline suggest`` reads JSON Lines once; the key scan's header changes nothing."""
    monkeypatch.setattr(json_lines_rows, "BATCH_ROWS", 5)
    rng = random.Random(7)
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"".join(_random_lines(rng, 300)))
    counts = ReadCounts()
    names, batches = read_columns(path, DataFormat("jsonl"), counts)
    known = DatasetProfile(features=names)
    for batch in batches:
        known.update_columns(batch.columns, batch.n_rows)
    baseline, one_pass_counts = suggest_data_quality(path, DataFormat("jsonl"))
    assert [f.name for f in baseline.statistics.features] == list(names)
    assert "late" in names  # first seen after the first batch
    expected = known.statistics()
    for got, want in zip(baseline.statistics.features, expected.features, strict=True):
        assert (got.name, got.num_present, got.num_missing, got.num_absent) == (
            want.name,
            want.num_present,
            want.num_missing,
            want.num_absent,
        )
        assert got.type_counts == want.type_counts
        assert (got.string is None) == (want.string is None)
        if got.string is not None and want.string is not None:
            assert got.string.buckets == want.string.buckets
    assert one_pass_counts == counts
