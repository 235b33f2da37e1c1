"""Baseline files: constraints are written with plain decimals and read back exactly."""

from __future__ import annotations

import random
import re

import orjson

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
