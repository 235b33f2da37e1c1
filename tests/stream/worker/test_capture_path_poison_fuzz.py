"""No capture record, however malformed, raises past the capture path: each one is profiled,
counted late or sampled out, or dead-lettered with its reason.

Records are well-formed captures (CSV, JSON and BASE64 inputs, with and without outputs)
with one to three leaves changed: removed, replaced by a value of another JSON kind, or
their text cut short, extended (a line break, a quote, a non-ASCII letter, a separator
control character, a lone surrogate) or base64-encoded. An exception the capture path lets
out would make the worker dead-letter every record of its batch as an internal error (a
non-ASCII BASE64 payload once did). Reference: the records consumed, which the path's
outcomes (processed, dead-lettered, late, sampled out, dropped for giving no row) must add
up to.
"""

from __future__ import annotations

import base64
import copy
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest

from stream.worker.outcomes import DeadLetter
from tests.stream.worker.test_capture_path import INPUT, T0, records_at, runtime

_OTHER_KINDS = [None, True, 0, -1.5, 10**30, "", " ", "\u00e9", "NaN", [], [1], [[1, 2]], {},
                {"a": 1}, "1,2", '{"instances": [[1]]}', "Zm9v\u00e9", "2024-03-05 14:00:01",
                1709647201, "application/json", "JSON", "BASE64", "csv"]  # fmt: skip
_TAILS = ["\n", "\r\n", ",", '"', "\u00e9", "=", "\x1c", "\ud800"]
PARTS = [INPUT, ("endpointInput", "endpointOutput"), ("endpointOutput", "endpointInput")]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(value, dict | list):
        children = value.items() if isinstance(value, dict) else enumerate(value)
    else:
        children = iter(())
    for key, child in children:
        yield from _paths(child, (*prefix, key))


def _mutated(record: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    record = copy.deepcopy(record)
    for _ in range(rng.choice([1, 1, 2, 3])):
        *to_parent, key = rng.choice(list(_paths(record)))
        parent = record
        for step in to_parent:
            parent = parent[step]
        old, choice = parent[key], rng.random()
        if choice < 0.15 and isinstance(parent, dict):
            del parent[key]
        elif choice < 0.5 or not isinstance(old, str):
            parent[key] = copy.deepcopy(rng.choice(_OTHER_KINDS))
        elif choice < 0.7:
            parent[key] = old + rng.choice(_TAILS)
        elif choice < 0.85:
            parent[key] = old[: rng.randrange(len(old) + 1)]
        else:
            parent[key] = base64.b64encode(old.encode("utf-8", "surrogatepass")).decode()
    return record


def _records(rng: random.Random, n: int) -> list[bytes]:
    times = [T0 + rng.random() * 30 for _ in range(n)]
    records = records_at(times, seed=rng.randrange(1000), json=rng.random() < 0.3)
    lines = []
    for record in records:
        part = record["captureData"]["endpointInput"]
        if part["encoding"] == "CSV" and rng.random() < 0.3:
            part.update(data=base64.b64encode(part["data"].encode()).decode(), encoding="BASE64")
        if rng.random() < 0.5:
            output = {"observedContentType": "text/csv", "data": "0.7", "encoding": "CSV"}
            record["captureData"]["endpointOutput"] = output
        if rng.random() < 0.7:
            record = _mutated(record, rng)
        lines.append(json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return lines


@pytest.mark.parametrize("seed", range(6))
def test_every_mutated_record_is_accounted_for_and_none_raises(fake_clock, seed: int) -> None:
    rng = random.Random(seed)
    letters = 0
    for round_ in range(60):
        parts = rng.choice(PARTS)
        rt = runtime(fake_clock, capture_index_names=parts)
        lines = _records(rng, rng.choice([1, 5, 20]))
        outputs = rt.update(0, round_, b"\n".join(lines))  # one message of many records
        items = list(enumerate(lines))  # one record a message, as the worker's state takes them
        batch = rt.update_many(1, items, now=T0 + 5)
        if batch is None:
            batch = [out for offset, value in items for out in rt.update(1, offset, value)]
        outputs += batch + rt.close_due(T0 + 100)
        counts = rt.counts
        refused = sum(counts.dead_letters.values())
        assert counts.consumed == 2 * len(lines)
        outcomes = counts.processed + refused + counts.late + counts.sampled_out + counts.dropped
        assert counts.consumed == outcomes
        dead = [o for o in outputs if isinstance(o, DeadLetter)]
        assert len(dead) == refused and all(d.reason for d in dead)
        letters += refused
    assert letters > 50  # the mutations do refuse records
