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
from unittest.mock import patch

import pytest

from stream.batch.capture_analysis import AnalysisResult, CaptureAnalyzer
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
        if rng.random() < 0.3:  # an object keyed by features, in any order, keys left out
            named = {"age": age, "plan": plan, "zip": "10115"}
            keys = rng.choice([["age", "plan"]] * 4 + [["age"], ["zip", "plan", "age"]])
            rng.shuffle(keys)
            inp = json.dumps({key: named[key] for key in keys})
            out = rng.choice([json.dumps(rng.random()), None, json.dumps({"score": 0.5})])
            lines.append(json.dumps(_record(inp, out)).encode())
            continue
        score = rng.random()
        out = rng.choice([
            score,
            {"predictions": [score]},
            {"predictions": [score, 0.5]},  # two instances: two rows of one value each
            {"score": score, "shap": {"age": 0.1, "plan": [0.2]}},
            {"predictions": [{"score": score}]},
        ])  # fmt: skip
        lines.append(json.dumps(_record(json.dumps([age, plan]), json.dumps(out))).encode())
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
        _record('[41, "gold"]', '{"predictions": [0.5, 0.6]}'),
        _record('{"instances": [41, "gold"]}', '{"predictions": [0.5]}'),  # shape_mismatch
        _record('[41, "gold"]', '{"score": 0.5, "shap": {"age": 1}}'),
        _record('[41, "gold"]', '{"shap": {"age": 1}}'),  # bad_payload: no rows
        _record('[41, "gold"]', '{"score": 0.5, "shap": ' + "[" * 40 + "]" * 40 + "}"),
        _record('[41, "gold"]', '{"instances": ' * 1000 + "[0.5]" + "}" * 1000),  # too deep
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
        ('[41, "gold"]', '{"predictions": [0.9]}', [0.9, 41, "gold"]),  # one instance
        ('[41, "gold"]', '{"predictions": [{"score": 0.9}]}', [0.9, 41, "gold"]),
        ('[41, "gold"]', '{"score": 0.9, "shap": {"age": 0.2}}', [0.9, 41, "gold"]),
        ('[[41, "gold"]]', "0.9", [0.9, 41, "gold"]),  # one row, as a list of rows
        # Two instances (rows [0.1, 41] and [0.9, "gold"]), rows and scalars mixed, no row:
        # the general path's rows and reasons.
        ('[41, "gold"]', '{"predictions": [0.1, 0.9]}', None),
        ('{"instances": [41, "gold"]}', '{"predictions": [0.9]}', None),  # shape_mismatch
        ('[41, "gold"]', '{"shap": {"age": 0.2}}', None),  # bad_payload
        ('[41, "gold"]', '{"predictions": [[0.9], [0.1]]}', None),
        ('[41, "gold"]', "[0.9, 0.8]", None),  # a value too many
        ("[41]", "0.9", None),  # a value short
        ('[41, "gold"]', "[]", None),
        ('[[41, "gold"], [35, "basic"]]', "0.9", None),
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


@pytest.mark.parametrize(
    ("inp", "out", "expected"),
    [
        ('{"age": 41, "plan": "gold"}', "0.9", [0.9, 41, "gold"]),
        ('{"plan": "gold", "age": 41}', "0.9", [0.9, 41, "gold"]),  # keys in another order
        ('{"plan": null, "age": true}', '"x"', ["x", True, None]),
        ('{"plan": "gold", "score": 0.5, "age": 41}', None, [0.5, 41, "gold"]),  # alone
        ('  {"age": 41, "plan": "gold"}', "[0.9]", [0.9, 41, "gold"]),
        ('[41, "gold"]', '{"score": 0.9}', [0.9, 41, "gold"]),  # an object's key names it
        ('{"age": 41, "plan": "gold"}\n', "0.9", [0.9, 41, "gold"]),
        ('{"age": 1, "age": 41, "plan": "gold"}', "0.9", [0.9, 41, "gold"]),  # the last age
        # The general path's row (RowBuilder.named): the output's values are named by
        # position, then the object's keys replace the names they share.
        ('{"score": 0.7, "age": 41, "plan": "gold"}', "0.9", [0.7, 41, "gold"]),
        ('{"age": 41, "plan": "gold"}', "[0.9, 0.8]", [0.9, 41, "gold"]),  # age 0.8, then 41
        # Rows the general path gives absent or extra columns, or reads otherwise: left to it.
        ('{"age": 41}', "0.9", None),  # plan absent
        ('{"age": 41, "plan": "gold", "zip": "1"}', "0.9", None),  # an extra column
        ('{"age": 41, "plan": ["gold"]}', "0.9", None),  # a list is no column: plan absent
        ('{"age": 41, "plan": {"tier": 1}}', "0.9", None),
        ('{"age": 41, "plan": "gold"}', "[[0.9], [0.8]]", None),  # shape_mismatch
        ("{}", "0.9", None),  # bad_payload
        ("{}", '[0.9, 41, "gold"]', None),  # bad_payload, though the output holds a row
        (" {}", '[0.9, 41, "gold"]', None),
        ('{"instances": [[41, "gold"]]}', "0.9", [0.9, 41, "gold"]),  # one instance
        ('{"instances": [[41, "gold"]]}', "[0.9, 0.8]", None),  # a value too many
        ('\ufeff{"age": 41, "plan": "gold"}', "0.9", None),  # a BOM: not JSON, bad_payload
        ('{"age": 41, "plan": "gold"', "0.9", None),
    ],
)
def test_objects_keyed_by_feature_it_takes_and_leaves(
    inp: str, out: str | None, expected: list | None
) -> None:
    """An object payload's keys name its values; the row comes back in the features' order."""
    rows = PlainJsonRows(parts=("endpointOutput", "endpointInput"), features=FEATURES)
    assert rows.values(json.dumps(_record(inp, out)).encode()) == expected


def test_object_captured_as_base64_is_read_by_its_keys() -> None:
    data = base64.b64encode(b'{"plan": "gold", "age": 41}').decode()
    record = _record(data, "0.9", enc_in="BASE64")
    record["captureData"]["endpointInput"]["observedContentType"] = "application/json"
    rows = PlainJsonRows(parts=("endpointOutput", "endpointInput"), features=FEATURES)
    assert rows.values(json.dumps(record).encode()) == [0.9, 41, "gold"]


def _object_lines() -> list[bytes]:
    """Object payloads of every kind the general path reads, one record each (see below)."""
    cases = [
        ('{"age": 41, "plan": "gold"}', "0.9"),
        ('{"plan": "basic", "age": 35}', "0.2"),
        ('{"score": 0.5, "plan": "gold", "age": 50}', None),
        ('{"age": 20}', "0.1"),  # plan absent
        ('{"age": 30, "plan": "gold", "zip": "10115"}', "0.3"),  # zip an extra column
        ('{"age": 60, "plan": {"tier": 1}}', "0.4"),  # a nested value is no column
        ('{"age": null, "plan": "basic"}', "0.6"),  # age missing, not absent
        ('\ufeff{"age": 41, "plan": "gold"}', "0.7"),  # bad_payload
        ("{}", "0.8"),  # bad_payload
    ]
    return [json.dumps(_record(inp, out)).encode() for inp, out in cases]


@pytest.mark.parametrize("general", [False, True])
def test_object_payloads_give_the_documented_rows(tmp_path: Path, general: bool) -> None:
    """Hand-counted: each feature's present, missing and absent values, and the extra column.

    As README's "Capture columns" says: an object's keys name its values, a key a record
    lacks is absent (and missing), a key that is no feature an extra column, a nested value
    no column; a payload that does not parse is ``bad_payload`` and a row of missing values.
    """
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(_object_lines()) + b"\n")  # a file BOM too
    result = _analyze(path, ("endpointOutput", "endpointInput"), general=general)
    assert (result.counts.records, result.counts.rows) == (9, 9)
    assert dict(result.counts.errors) == {"bad_payload": 2}
    stats = {f.name: f for f in result.statistics.features}
    seen = {name: (f.num_present, f.num_missing, f.num_absent) for name, f in stats.items()}
    assert seen == {
        "score": (7, 2, 0),  # the two bad records' rows are missing values
        "age": (6, 3, 0),
        "plan": (5, 4, 2),  # absent from the fourth and sixth records
        "zip": (1, 8, 8),
    }
    assert result.statistics.extra_columns == ("zip",)
    assert stats["age"].numeric is not None
    assert (stats["age"].numeric.min, stats["age"].numeric.max) == (20, 60)
    assert stats["plan"].string is not None
    assert dict(stats["plan"].string.buckets) == {"gold": 3, "basic": 2}


def test_object_payloads_take_the_fast_path(tmp_path: Path) -> None:
    """Objects keyed by the features, in any order, never go record by record."""
    rng = random.Random(5)
    lines = []
    for _ in range(300):
        row = {"age": rng.randint(18, 90), "plan": rng.choice(["basic", "gold"])}
        keys = rng.sample(sorted(row), 2)
        inp = json.dumps({key: row[key] for key in keys})
        lines.append(json.dumps(_record(inp, f"{rng.random():.3f}")).encode())
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    parts = ("endpointOutput", "endpointInput")
    calls = []
    original = CaptureAnalyzer.add_line
    with patch.object(
        CaptureAnalyzer, "add_line", lambda self, raw: (calls.append(raw), original(self, raw))
    ):
        fast = _analyze(path, parts, general=False)
    assert calls == []
    assert fast.counts.rows == 300
    _same_results(fast, _analyze(path, parts, general=True))


def _output_lines() -> list[bytes]:
    """Outputs in the shapes endpoints answer in, beside plain requests (see below)."""
    cases = [
        ('[41, "gold"]', '{"predictions": [0.9]}'),  # SageMaker's JSON response, one instance
        ("[35, 50]", '{"predictions": [0.1, 0.9]}'),  # two instances: two rows, plan absent
        ('{"plan": "gold", "age": 60}', '{"score": 0.7, "shap": {"age": 0.2, "plan": -0.1}}'),
        ('[20, "basic"]', '{"score": 0.3, "shap": {"age": 0.1}}'),  # shap is no column
        ('[30, "gold"]', "0.5"),
        ('{"age": 45, "plan": "basic"}', "0.6"),
        ('{"age": 50, "plan": "gold"}', '{"predictions": [0.8]}'),
    ]
    return [json.dumps(_record(inp, out)).encode() for inp, out in cases]


def _counting_add_line() -> tuple[list[bytes], Any]:
    """A patch of ``CaptureAnalyzer.add_line`` (the general path) recording each line."""
    calls: list[bytes] = []
    original = CaptureAnalyzer.add_line

    def add_line(self: CaptureAnalyzer, raw: bytes) -> None:
        calls.append(raw)
        original(self, raw)

    return calls, patch.object(CaptureAnalyzer, "add_line", add_line)


@pytest.mark.parametrize("general", [False, True])
def test_outputs_beside_requests_give_the_documented_rows(tmp_path: Path, general: bool) -> None:
    """Hand-counted statistics of outputs as endpoints answer, on either path.

    Rows: (0.9, 41, gold); (0.1, 35, -) and (0.9, 50, -) from the two-instance answer,
    whose flat request is then one value per instance; (0.7, 60, gold), (0.3, 20, basic)
    with their ``shap`` blocks left out; (0.5, 30, gold), (0.6, 45, basic), (0.8, 50, gold).
    """
    path = tmp_path / "capture.jsonl"
    lines = _output_lines()
    path.write_bytes(b"\n".join(lines) + b"\n")
    calls, counting = _counting_add_line()
    with counting:
        result = _analyze(path, ("endpointOutput", "endpointInput"), general=general)
    if not general:  # only the two-instance record goes record by record
        assert calls == [lines[1] + b"\n"]
    counts = result.counts
    assert (counts.records, counts.usable, counts.rows, counts.bad_records) == (7, 7, 8, 0)
    stats = {f.name: f for f in result.statistics.features}
    seen = {name: (f.num_present, f.num_missing, f.num_absent) for name, f in stats.items()}
    assert seen == {"score": (8, 0, 0), "age": (8, 0, 0), "plan": (6, 2, 2)}
    assert result.statistics.extra_columns == ()
    score, age = stats["score"].numeric, stats["age"].numeric
    assert score is not None and age is not None
    assert (score.min, score.max) == (0.1, 0.9)
    assert score.sum == pytest.approx(4.8)
    assert (age.min, age.max, age.sum) == (20, 60, 331)
    assert stats["plan"].string is not None
    assert dict(stats["plan"].string.buckets) == {"gold": 4, "basic": 2}
    assert (
        result.evaluation.violations
        == _analyze(
            path, ("endpointOutput", "endpointInput"), general=not general
        ).evaluation.violations
    )


def test_one_instance_outputs_take_the_fast_path(tmp_path: Path) -> None:
    """{"predictions": [x]} and scores beside a nested block never go record by record."""
    rng = random.Random(11)
    lines = []
    for _ in range(300):
        score = round(rng.random(), 3)
        out = rng.choice([{"predictions": [score]}, {"score": score, "shap": {"age": 0.1}}])
        inp = [rng.randint(18, 90), rng.choice(["basic", "gold"])]
        lines.append(json.dumps(_record(json.dumps(inp), json.dumps(out))).encode())
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    parts = ("endpointOutput", "endpointInput")
    calls, counting = _counting_add_line()
    with counting:
        fast = _analyze(path, parts, general=False)
    assert calls == []
    assert fast.counts.rows == 300
    _same_results(fast, _analyze(path, parts, general=True))


def test_a_payload_nested_past_the_stack_goes_to_the_general_path() -> None:
    """Read as rows it would recurse past Python's stack: the general path gives its reason."""
    deep = '{"instances": ' * 1000 + "[0.9]" + "}" * 1000
    rows = PlainJsonRows(parts=("endpointOutput", "endpointInput"), features=FEATURES)
    assert rows.values(json.dumps(_record('[41, "gold"]', deep)).encode()) is None


@pytest.mark.parametrize("general", [False, True])
def test_a_record_nested_past_the_stack_is_too_deep(tmp_path: Path, general: bool) -> None:
    """One record nested 1,000 levels under "instances" is refused alone, as the worker does.

    Reading its rows recurses past Python's stack; the run went down with RecursionError.
    """
    deep = '{"instances": ' * 1000 + "[0.9]" + "}" * 1000
    lines = [_record('[41, "gold"]', "0.5"), _record('[41, "gold"]', deep)]
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b"\n".join(json.dumps(line).encode() for line in lines) + b"\n")
    result = _analyze(path, ("endpointOutput", "endpointInput"), general=general)
    counts = result.counts
    assert (counts.records, counts.usable, counts.rows) == (2, 1, 2)
    assert dict(counts.errors) == {"too_deep": 1}
    stats = {f.name: (f.num_present, f.num_missing) for f in result.statistics.features}
    assert stats == {"score": (1, 1), "age": (1, 1), "plan": (1, 1)}
