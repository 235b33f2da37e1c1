"""analyze's columnar capture path gives exactly the general path's rows, counts and reasons.

Reference: the same CaptureAnalyzer forced onto the general path (an ``on_record`` callback
turns the fast path off), record by record through decode_capture and RowBuilder.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest

from detectors.quality.statistics import DatasetStatistics
from stream.batch import capture_analysis
from stream.batch.capture_analysis import AnalysisResult
from stream.batch.capture_columns import PlainCaptureReader
from tests.stream.batch.capture_runs import analyze, baseline_of

FEATURES = ("score", "age", "plan")


def _record(data_in: object, data_out: object = "0.5", **overrides: object) -> dict:
    record: dict = {
        "captureData": {
            "endpointInput": {"mode": "INPUT", "data": data_in, "encoding": "CSV"},
            "endpointOutput": {"mode": "OUTPUT", "data": data_out, "encoding": "CSV"},
        },
        "eventMetadata": {"eventId": "e", "inferenceTime": "2024-03-05T14:07:31Z"},
        "eventVersion": "0",
    }
    for path, value in overrides.items():
        *keys, last = path.split("__")
        node = record
        for key in keys:
            node = node[key]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return record


def _odd_lines(rng: random.Random) -> list[bytes]:
    """One of every kind of line that is not a plain CSV record, or is plain in a rare way."""
    dumps = lambda r: json.dumps(r).encode()  # noqa: E731
    return [
        dumps(_record('41,"gold"')),
        dumps(_record("41,gold\n")),
        dumps(_record("41,gold\r\n")),
        dumps(_record("41\n,gold")),
        dumps(_record("41\x0bgold,x")),
        dumps(_record("   ")),
        dumps(_record("\u00a0")),
        dumps(_record("41,gold,extra")),
        dumps(_record("41")),
        dumps(_record(",")),
        dumps(_record("41,gold", eventMetadata__eventId=None)),
        dumps(_record("41,gold", eventMetadata__eventId="")),
        dumps(_record("41,gold", eventMetadata__eventId=7)),
        dumps(_record("41,gold", captureData__endpointInput__encoding="csv")),
        dumps(_record("NDEsZ29sZA==", captureData__endpointInput__encoding="BASE64")),
        dumps(_record('[41, "gold"]', captureData__endpointInput__encoding="JSON")),
        dumps(_record("41,gold", captureData__endpointOutput__encoding="XML")),
        dumps(_record("41,gold", captureData__endpointOutput=None)),
        dumps(_record("41,gold", captureData__endpointInput=None)),
        dumps(_record(41)),
        dumps(_record("41,gold", captureData=None)),
        dumps(_record("41,café")),
        dumps(_record("41,gold")).replace(b'"eventVersion": "0"', b'"eventVersion": NaN'),
        dumps(_record("41,gold")).replace(b'"0"}', b'"0", "eventVersion": "1"}'),
        b"\xef\xbb\xbf" + dumps(_record("41,gold")),
        b'{"captureData": ',
        b"[1, 2]",
        b"   ",
        dumps(_record("41,gold")) + b"  ",
        dumps(_record("41," + "g" * (1 << 20))),
        dumps(_record(f"{rng.randint(1, 99)},silver")).replace(b"\n", b""),
        dumps(_record("41,gold", captureData__batchTransformOutput={"data": 5})),
        dumps(
            _record("41,gold", captureData__batchTransformOutput={"data": "1", "encoding": "CSV"})
        ),
        dumps(_record("41,gold")).replace(b"2024-03-05", b"2024-\xff3-05"),  # invalid UTF-8
        dumps(_record("41,gold")) + b" " + dumps(_record("42,gold")),  # two objects, one line
        dumps(_record("43,gold")).replace(b'{"captureData"', b'{"captureData": 1, "captureData"'),
        b'{"a":' * 2000 + b"1" + b"}" * 2000,  # deeper than orjson reads
        dumps(_record("41,gold", captureData__endpointInput__encoding=None)),
        dumps(_record("44,gold", eventMetadata=[1])),
        dumps(_record("41, 5 ,x")),
    ]


def _lines(seed: int, n: int) -> list[bytes]:
    rng = random.Random(seed)
    plain = []
    for _ in range(n):
        row = f"{rng.randint(18, 90)},{rng.choice(['basic', 'gold', ''])}"
        plain.append(json.dumps(_record(row, f"{rng.random():.4f}")).encode())
    odd = _odd_lines(rng)
    for line in odd:
        plain.insert(rng.randrange(len(plain) + 1), line)
    return plain


_BASELINE = baseline_of(
    FEATURES, [{"score": f"0.{i}", "age": str(20 + i), "plan": "basic"} for i in range(99)]
)


def _analyze(path: Path, parts: tuple[str, ...], *, general: bool) -> AnalysisResult:
    return analyze(_BASELINE, [path], parts, general=general)


def _same_statistics(a: DatasetStatistics, b: DatasetStatistics) -> None:
    assert a.item_count == b.item_count and a.extra_columns == b.extra_columns
    for fa, fb in zip(a.features, b.features, strict=True):
        counts_a = (fa.inferred_type, fa.num_present, fa.num_missing, fa.num_absent)
        counts_b = (fb.inferred_type, fb.num_present, fb.num_missing, fb.num_absent)
        assert (counts_a, fa.type_counts) == (counts_b, fb.type_counts), fa.name
        if fb.numeric is not None:
            assert fa.numeric is not None
            assert (fa.numeric.min, fa.numeric.max, fa.numeric.mean) == pytest.approx(
                (fb.numeric.min, fb.numeric.max, fb.numeric.mean)
            )
            assert (
                fa.numeric.distribution.values.tolist() == fb.numeric.distribution.values.tolist()
            )
        assert (fa.string is None) == (fb.string is None)
        if fb.string is not None and fa.string is not None:
            assert fa.string.buckets == fb.string.buckets


@pytest.mark.parametrize("parts", [("endpointInput", "endpointOutput"), ("endpointInput",)])
@pytest.mark.parametrize("block_bytes", [1 << 10, 8 << 20])
def test_fast_path_equals_general_path(
    tmp_path: Path, parts: tuple[str, ...], block_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(capture_analysis, "BLOCK_BYTES", block_bytes)
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b"\n".join(_lines(3, 300)) + b"\n\n")
    fast, general = _analyze(path, parts, general=False), _analyze(path, parts, general=True)
    assert fast.counts == general.counts
    assert fast.counts.bad_records > 0 and fast.counts.rows > 250
    _same_statistics(fast.statistics, general.statistics)
    assert fast.evaluation.violations == general.evaluation.violations


def test_a_file_without_a_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b"\n".join(_lines(4, 50)))
    parts = ("endpointInput", "endpointOutput")
    fast, general = _analyze(path, parts, general=False), _analyze(path, parts, general=True)
    assert fast.counts == general.counts
    _same_statistics(fast.statistics, general.statistics)


def test_invalid_utf8_in_a_payload_takes_the_general_path() -> None:
    from stream.batch.capture_columns import PlainCaptureReader

    good = json.dumps(_record("41,gold")).encode()
    latin = json.dumps(_record("41,g\u00e9"), ensure_ascii=False).encode("latin-1")
    block = PlainCaptureReader(parts=("endpointOutput", "endpointInput"), width=3).read(
        good + b"\n" + latin + b"\n"
    )
    assert block.records == 2
    assert block.rest == [latin + b"\n"]  # the general path gives it its reason
    assert [column.to_pylist() for column in block.columns] == [["0.5"], ["41"], ["gold"]]


@pytest.mark.parametrize("junk", [b"null", b" null ", b"\tnull\r", b"1", b"[]", b'"s"'])
def test_lines_that_are_not_objects_take_the_general_path(junk: bytes) -> None:
    # a null line used to crash the process inside pyarrow's JSON reader
    from stream.batch.capture_columns import PlainCaptureReader

    good = json.dumps(_record("41,gold")).encode()
    reader = PlainCaptureReader(parts=("endpointOutput", "endpointInput"), width=3)
    deep = b'{"a":' * 1000 + b"1" + b"}" * 1000
    for body in (junk + b"\n" + good + b"\n", good + b"\n" + junk + b"\n" + deep + b"\n"):
        block = reader.read(body)
        assert junk + b"\n" in block.rest
        assert [column.to_pylist() for column in block.columns] == [["0.5"], ["41"], ["gold"]]


def _analyze_files(
    paths: list[Path], parts: tuple[str, ...], *, general: bool
) -> tuple[AnalysisResult, list[Path]]:
    baseline = baseline_of(
        FEATURES, [{"score": "0.5", "age": str(20 + i), "plan": "basic"} for i in range(99)]
    )
    seen: list[Path] = []
    return analyze(baseline, paths, parts, general=general, on_file=seen), seen


@pytest.mark.parametrize("block_bytes", [1 << 10, 8 << 20])
def test_many_small_files_share_blocks_and_equal_the_general_path(
    tmp_path: Path, block_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(capture_analysis, "BLOCK_BYTES", block_bytes)
    rng = random.Random(5)
    lines = _lines(6, 280)  # the sketch stays exact below k = 400 values
    paths = []
    for i in range(40):
        n = rng.randint(0, 14)
        take, lines = lines[:n], lines[n:]
        body = b"\n".join(take) + rng.choice([b"\n", b"", b"\n\n"])
        paths.append(tmp_path / f"part-{i:02d}.jsonl")
        paths[-1].write_bytes(body if take else rng.choice([b"", b"\n"]))
    parts = ("endpointInput", "endpointOutput")
    (fast, fast_files), (general, general_files) = (
        _analyze_files(paths, parts, general=False),
        _analyze_files(paths, parts, general=True),
    )
    assert fast_files == general_files == paths
    assert fast.counts == general.counts
    assert fast.counts.files == 40 and fast.counts.rows > 200
    _same_statistics(fast.statistics, general.statistics)


def test_packed_blocks_keep_every_line_and_each_file_without_a_newline_its_own_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(capture_analysis, "BLOCK_BYTES", 64)
    bodies = [b"a1\na2\n", b"", b"b1\nb2", b"c1\n" * 30, b"d1\n", b"e1"]
    paths = []
    for i, body in enumerate(bodies):
        paths.append(tmp_path / f"{i}.jsonl")
        paths[-1].write_bytes(body)
    blocks = list(capture_analysis._packed_blocks(paths))
    assert b"".join(block for block, _ in blocks) == b"".join(bodies)
    assert sum(finished for _, finished in blocks) == len(bodies)
    assert all(block.endswith((b"\n", b"b2", b"e1")) for block, _ in blocks)
    lines = [line for block, _ in blocks for line in block.split(b"\n")]
    assert b"b2" in lines and b"e1" in lines  # never joined with the next file's first line
    assert max(len(block) for block, _ in blocks) <= 64 + len(b"c1\n" * 30)


@pytest.mark.parametrize("json_payloads", [False, True])
def test_an_input_only_capture_reads_fast_with_both_parts_chosen(
    tmp_path: Path, json_payloads: bool
) -> None:
    """Both parts are the default; a capture of inputs alone reads as its inputs, as the
    general path reads it (an absent part is left out), without going record by record."""
    from stream.batch.arrow_capture_lines import ArrowCaptureLines
    from stream.batch.capture_columns import PlainCaptureReader
    from stream.batch.plain_json_rows import PlainJsonRows

    rng = random.Random(4)
    both = ("endpointOutput", "endpointInput")
    lines = []
    for _ in range(300):
        score, age, plan = f"0.{rng.randint(0, 99)}", rng.randint(18, 90), rng.choice("ab")
        data = json.dumps([float(score), age, plan]) if json_payloads else f"{score},{age},{plan}"
        encoding = "JSON" if json_payloads else "CSV"
        record = _record(data, captureData__endpointOutput=None)
        record["captureData"]["endpointInput"]["encoding"] = encoding
        lines.append(json.dumps(record).encode())
    body = b"\n".join(lines) + b"\n"
    if json_payloads:
        taken = [PlainJsonRows(parts=both, features=FEATURES).values(line) for line in lines]
        assert None not in taken
    else:
        fast = ArrowCaptureLines(parts=both, width=3).rows(body)
        assert fast is not None and fast.n_rows == 300 and not fast.rest
        assert PlainCaptureReader(parts=both, width=3).line_rows(body) == fast
    path = tmp_path / "input-only.jsonl"
    path.write_bytes(body)
    fast_result = _analyze(path, both, general=False)
    general = _analyze(path, both, general=True)
    assert fast_result.counts == general.counts and fast_result.counts.rows == 300
    _same_statistics(fast_result.statistics, general.statistics)


_VARIANTS = {
    "a line feed ending it": lambda row: (row + "\n", "CSV"),
    "CRLF ending it": lambda row: (row + "\r\n", "CSV"),
    "base64": lambda row: (base64.b64encode(row.encode()).decode(), "BASE64"),
    "base64 with a line feed": lambda row: (
        base64.b64encode(f"{row}\n".encode()).decode(),
        "BASE64",
    ),
    "two line feeds": lambda row: (row + "\n\n", "CSV"),  # the general path's alone
}


@pytest.mark.parametrize("variant", _VARIANTS)
def test_payloads_as_sagemaker_also_captures_them_equal_the_general_path(
    tmp_path: Path, variant: str
) -> None:
    """CSV payloads ending in a line break, and CSV captured as BASE64 (SageMaker's default
    without CSV content types): read on the fast path, as the general path reads them."""
    from stream.batch.capture_columns import PlainCaptureReader

    rng = random.Random(7)
    lines = []
    for _ in range(200):
        row = f"0.{rng.randint(0, 99)},{rng.randint(18, 90)},{rng.choice('ab')}"
        data, encoding = _VARIANTS[variant](row)
        record = _record(data, captureData__endpointOutput=None)
        record["captureData"]["endpointInput"].update(
            encoding=encoding, observedContentType="text/csv"
        )
        lines.append(json.dumps(record).encode())
    body = b"\n".join(lines) + b"\n"
    taken = PlainCaptureReader(parts=("endpointInput",), width=3).rows(body)
    assert taken.n_rows == (0 if variant == "two line feeds" else 200)
    path = tmp_path / "capture.jsonl"
    path.write_bytes(body)
    for parts in (("endpointInput",), ("endpointOutput", "endpointInput")):
        fast = _analyze(path, parts, general=False)
        general = _analyze(path, parts, general=True)
        assert fast.counts == general.counts and fast.counts.rows == 200
        _same_statistics(fast.statistics, general.statistics)


def _json_payload_lines(rng: random.Random, n: int) -> list[bytes]:
    """Records of JSON payloads, with lines of every odd kind that holds no CSV mark."""
    lines = []
    for _ in range(n):
        data = json.dumps([rng.randint(18, 90), rng.choice(["basic", "gold"])])
        json_in = {"captureData__endpointInput__encoding": "JSON"}
        record = _record(data, "0.5", captureData__endpointOutput__encoding="JSON", **json_in)
        lines.append(json.dumps(record).encode())
    xml = _record("41,gold", captureData__endpointInput__encoding="XML",
                  captureData__endpointOutput__encoding="JSON")  # fmt: skip
    odd = [b"", b"   ", b"\r", b"{not json", b"[1, 2]", b'{"captureData": {}}',
           json.dumps(xml).encode()]  # fmt: skip
    for line in odd:
        lines.insert(rng.randrange(len(lines) + 1), line)
    return lines


@pytest.mark.parametrize("seed", range(5))
def test_a_block_without_csv_marks_hands_every_line_back_as_line_rows_does(seed: int) -> None:
    """Reference: ``line_rows``, orjson deciding every line (a JSON payloads' capture)."""
    rng = random.Random(seed)
    reader = PlainCaptureReader(parts=("endpointOutput", "endpointInput"), width=3)
    for _ in range(40):
        ending = rng.choice([b"\n", b"\r\n"])
        body = ending.join(_json_payload_lines(rng, rng.choice([1, 5, 30])))
        body += rng.choice([b"", ending, ending * 2])
        assert not any(mark in body for mark in (b'"CSV"', b'"BASE64"', b"\\u"))
        assert reader.rows(body) == reader.line_rows(body)
    spelled = json.dumps(_record("41,gold", captureData__endpointInput__encoding="\u0043SV"))
    escaped = spelled.replace('"CSV"', '"\\u0043SV"').encode()  # CSV, as an escape spells it
    assert reader.rows(escaped).n_rows == reader.line_rows(escaped).n_rows == 1


@pytest.mark.parametrize("flush_rows", [2, 5_000])
def test_json_rows_between_general_lines_that_flush_are_all_profiled(
    tmp_path: Path, flush_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A general-path line can flush the buffered rows mid-block (every two rows here): the
    JSON rows after it must still reach the profile. Reference: the general path."""
    monkeypatch.setattr(capture_analysis, "FLUSH_ROWS", flush_rows)
    rng = random.Random(11)
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b"\n".join(_json_payload_lines(rng, 400)) + b"\n")
    parts = ("endpointOutput", "endpointInput")
    fast, general = _analyze(path, parts, general=False), _analyze(path, parts, general=True)
    assert fast.counts == general.counts
    assert fast.counts.rows == fast.counts.records == 404  # 400 JSON rows, 4 unusable lines
    _same_statistics(fast.statistics, general.statistics)
