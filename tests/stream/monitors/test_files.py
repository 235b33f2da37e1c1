"""Baseline files: written with plain decimals, read back exactly, never left half-written."""

from __future__ import annotations

import errno
import os
import random
import re
from pathlib import Path

import orjson
import pytest

from stream.monitors.files import write_json


def test_plain_decimals_round_trip_every_float_exactly(tmp_path):
    rng = random.Random(3)
    values = [10.0 ** rng.uniform(-300, 300) * rng.choice((1, -1)) for _ in range(500)]
    values += [1e-7, 5e-324, 1.7976931348623157e308, 0.1, -0.0, 3.0]
    doc = {"regression_constraints": {"mse": {"threshold": 1.5e-9}}, "values": values, "n": 7}
    path = tmp_path / "constraints.json"
    write_json(path, doc, plain_decimals=True)
    text = path.read_text()
    assert not re.search(r"\d[eE][-+]?\d", text)  # no exponent anywhere
    assert "0.0000000015" in text
    assert orjson.loads(text) == doc  # the same floats, bit for bit


def _disk_full_after(limit: int):  # a disk with room for `limit` more bytes
    real = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:
        real(self, data[:limit])
        if len(data) > limit:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return len(data)

    return write_bytes


def test_a_full_disk_leaves_the_previous_file_not_a_truncated_one(tmp_path, monkeypatch):
    """statistics.json was left cut at the disk's last byte: invalid JSON, the old one lost."""
    path = tmp_path / "statistics.json"
    write_json(path, {"version": 0.0, "features": []})
    before = path.read_bytes()
    monkeypatch.setattr(Path, "write_bytes", _disk_full_after(10))
    with pytest.raises(OSError, match="No space left on device") as caught:
        write_json(path, {"version": 0.0, "features": [{"name": "age"}] * 100})
    assert caught.value.filename == str(path)  # the one-line error says which file
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["statistics.json"]


def test_a_full_disk_leaves_no_file_where_there_was_none(tmp_path, monkeypatch):
    monkeypatch.setattr(Path, "write_bytes", _disk_full_after(10))
    with pytest.raises(OSError):
        write_json(tmp_path / "out" / "statistics.json", {"features": [1, 2, 3]})
    assert list((tmp_path / "out").iterdir()) == []
