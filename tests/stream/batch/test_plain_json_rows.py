"""analyze's fast path for JSON payloads gives exactly the general path's rows and counts.

Reference: the same CaptureAnalyzer forced onto the general path (an ``on_record`` callback
turns the fast paths off), record by record through decode_capture, parse_payload and
RowBuilder.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest

from stream.batch.capture_analysis import AnalysisResult
from stream.batch.plain_json_rows import PlainJsonRows
from tests.stream.batch.capture_runs import analyze, baseline_of

FEATURES = ("score", "age", "plan")


def _record(inp: Any, out: Any = "0.5", *, enc_in: str = "JSON", enc_out: str = "JSON") -> dict:
    capture = {}
    if inp is not None:
        capture["endpointInput"] = {"mode": "INPUT", "data": inp, "encoding": enc_in}
    if out is not None:
        capture["endpointOutput"] = {"mode": "OUTPUT", "data": out, "encoding": enc_out}
    return {
        "captureData": capture,
        "eventMetadata": {"eventId": "e", "inferenceTime": "2024-03-05T14:07:31Z"},
        "eventVersion": "0",
    }


def _lines(seed: int, n: int) -> list[bytes]:
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        age = rng.choice([rng.randint(18, 90), rng.random() * 90, "41", None, True, ""])
        plan = rng.choice(["basic", "gold", "", None, 3, "1e3"])
        if rng.random() < 0.25:  # one instance, the record's only part, in a request shape
            values = [rng.random(), age, plan]
            row = rng.choice([
                dict(zip(FEATURES, values, strict=True)),
                {"instances": [values]},
                [values],
                {"features": values},
            ])  # fmt: skip
            lines.append(json.dumps(_record(json.dumps(row), None)).encode())
            continue
        lines.append(
            json.dumps(_record(json.dumps([age, plan]), json.dumps(rng.random()))).encode()
        )
    odd: list[Any] = [
        _record('[41, "gold", 1]'),  # a value too many
        _record("[41]"),  # a value short
        _record("[]"),
        _record('[[41, "gold"]]'),  # a list of rows
        _record("[41, [1]]"),  # rows and scalars mixed
        _record('{"instances": [41, "gold"]}'),
        _record('{"age": 41, "plan": "gold"}'),
        _record('{"age": 41, "score": 0.5, "plan": "gold"}', None),  # another order
        _record('{"score": 0.5, "age": 41, "plan": {"a": 1}}', None),
        _record('{"score": 0.5, "age": 41}', None),
        _record(None, '{"score": 0.5, "age": 41, "plan": "gold"}'),
        _record(
            base64.b64encode(b'{"score": 0.5, "age": 41, "plan": "gold"}').decode(),
            None,
            enc_in="BASE64",
        ),  # fmt: skip
        _record("41"),
        _record('"41,gold"'),
        _record('[41, "gold"]', "[0.5]"),
        _record('[41, "gold"]', '{"predictions": [0.5]}'),
        _record('[41, "gold"]', "[0.5, 0.6]"),
        _record('[41, "gold"]', None),
        _record(None, '[0.5, 41, "gold"]'),
        _record('[41, "gold"', "0.5"),  # not JSON
        _record("[41, NaN]"),
        _record('[41, "gold"]', enc_in="json"),
        _record('[41, "gold"]', enc_in="CSV"),
        _record(base64.b64encode(b'[41, "gold"]').decode(), enc_in="BASE64"),
        _record("41,gold", enc_in="CSV"),
        _record('[41, "gold"]', enc_in="XML"),
        {**_record('[41, "gold"]'), "eventMetadata": {"eventId": ""}},
        {**_record('[41, "gold"]'), "eventMetadata": {}},
        {**_record('[41, "gold"]'), "eventMetadata": "e"},
        {"captureData": [], "eventMetadata": {"eventId": "e"}},
        {"eventMetadata": {"eventId": "e"}},
    ]
    extra = _record('[41, "gold"]')
    extra["captureData"]["batchTransformOutput"] = {"data": "x", "encoding": "CSV"}
    broken = _record('[41, "gold"]')
    broken["captureData"]["batchTransformOutput"] = {"data": 1, "encoding": "CSV"}
    no_data = _record('[41, "gold"]')
    del no_data["captureData"]["endpointInput"]["data"]
    odd += [extra, broken, no_data]
    for item in odd:
        lines.insert(rng.randrange(len(lines) + 1), json.dumps(item).encode())
    for junk in (b"null", b"[1]", b"{bad", b'"s"'):
        lines.insert(rng.randrange(len(lines) + 1), junk)
    return lines


_BASELINE = baseline_of(
    FEATURES, [{"score": 0.5, "age": 20 + i, "plan": "basic"} for i in range(99)]
)


def _analyze(path: Path, parts: tuple[str, ...], *, general: bool) -> AnalysisResult:
    return analyze(_BASELINE, [path], parts, general=general)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("parts", [("endpointInput", "endpointOutput"), ("endpointInput",)])
def test_json_fast_path_equals_general_path(
    tmp_path: Path, parts: tuple[str, ...], seed: int
) -> None:
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b"\n".join(_lines(seed, 250)) + b"\n")
    fast, general = _analyze(path, parts, general=False), _analyze(path, parts, general=True)
    assert fast.counts.bad_records > 5
    _same_results(fast, general)


def _same_results(fast: AnalysisResult, general: AnalysisResult) -> None:
    assert fast.counts == general.counts
    for a, b in zip(fast.statistics.features, general.statistics.features, strict=True):
        assert (a.name, a.inferred_type, a.num_present, a.num_missing, a.num_absent) == (
            b.name,
            b.inferred_type,
            b.num_present,
            b.num_missing,
            b.num_absent,
        )
        assert a.type_counts == b.type_counts
        if b.numeric is not None:
            assert a.numeric is not None
            assert a.numeric.distribution.values.tolist() == b.numeric.distribution.values.tolist()
        assert (a.string and a.string.buckets) == (b.string and b.string.buckets)
    assert fast.statistics.extra_columns == general.statistics.extra_columns
    assert fast.evaluation.violations == general.evaluation.violations


@pytest.mark.parametrize(
    ("inp", "out", "expected"),
    [
        ("[41, null]", "0.9", [0.9, 41, None]),
        ('[41, "gold"]', "[0.9]", [0.9, 41, "gold"]),
        ('["41", true]', '"yes"', ["yes", "41", True]),
        ('[41, "gold"]', '{"predictions": [0.9]}', None),  # an object: the general path
        ('[41, "gold"]', "[0.9, 0.8]", None),  # a value too many
        ("[41]", "0.9", None),  # a value short
        ('[41, "gold"]', "[]", None),
        ('[[41, "gold"]]', "0.9", None),
    ],
)
def test_rows_it_takes_and_records_it_leaves(inp: str, out: str, expected: list | None) -> None:
    rows = PlainJsonRows(parts=("endpointOutput", "endpointInput"), features=FEATURES)
    assert FEATURES == ("score", "age", "plan")  # the values come in this order
    assert rows.values(json.dumps(_record(inp, out)).encode()) == expected


def test_json_captured_as_base64_takes_the_fast_path(tmp_path: Path) -> None:
    """SageMaker writes BASE64 when no JSON content types are configured: decoded, not slow."""
    rng = random.Random(9)
    lines = []
    for _ in range(200):
        inp = json.dumps([rng.randint(18, 90), rng.choice(["basic", "gold"])]).encode()
        record = _record(base64.b64encode(inp).decode(), f"{rng.random():.3f}", enc_in="BASE64")
        record["captureData"]["endpointInput"]["observedContentType"] = "application/json"
        lines.append(json.dumps(record).encode())
    rows = PlainJsonRows(parts=("endpointOutput", "endpointInput"), features=FEATURES)
    assert all(rows.values(line) is not None for line in lines)
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    parts = ("endpointOutput", "endpointInput")
    fast, general = _analyze(path, parts, general=False), _analyze(path, parts, general=True)
    assert fast.counts.rows == 200
    _same_results(fast, general)
