"""pyarrow's reading of a block of capture lines equals orjson's, line by line, or it declines.

Reference: ``PlainCaptureReader.line_rows``, which decides every line with orjson (the
general path's decoder). Blocks are built from well-formed records and mutated at random —
bytes JSON gives meaning to inserted, deleted and repeated, values swapped for other kinds,
fields duplicated or dropped — so they hold every shape of line the two readers could
disagree on.
"""

from __future__ import annotations

import base64
import json
import random

import pytest

from stream.batch.arrow_capture_lines import ArrowCaptureLines
from stream.batch.capture_columns import PlainCaptureReader

PARTS = [("endpointInput",), ("endpointOutput", "endpointInput")]
_SIGNIFICANT = b'{}[]",:\\ \n\r\t0-.eEaNIu/x'
_TEXTS = ["NaN", "Info", "-Infinity", "nan", "Inf"]  # text to JSON inside a string
_BARE = [b"NaN", b"Inf", b"-Infinity", b"Infinity", b'"NaN"', b"Info"]
_VALUES = [b"null", b"5", b"-0.5e3", b"true", b"[]", b"{}", b'""', b'"  "', b'"CSV"', b'"a,b"']


# what base64 payloads may decode to, beside plain rows: text Python strips and pyarrow keeps,
# quotes, line breaks, blanks, bytes that are not UTF-8 or not ASCII
_DECODED = [b"1,\x1c", b"\x1f", b'"1",2', b"1,2\n", b"1,2\r\n", b"1\n2", b"  ", b"", b"\xff,1",
            "1,\u00e9".encode(), "\u3000".encode(), b"1,\x00", b"\t1,2"]  # fmt: skip
_CONTENT_TYPES = ["text/csv", "text/csv", "TEXT/CSV; charset=utf-8", "application/json", 7, None]


def _input(rng: random.Random) -> dict:
    text = ",".join(
        rng.choice(_TEXTS) if rng.random() < 0.1 else str(rng.randint(0, 99))
        for _ in range(rng.choice([1, 2, 2, 3]))
    )
    part = {"observedContentType": "text/csv", "mode": "INPUT", "data": text}
    part["encoding"] = rng.choice(["CSV", "CSV", "CSV", "csv", "JSON", "BASE64", "BASE64"])
    if part["encoding"] == "BASE64":
        raw = rng.choice(_DECODED) if rng.random() < 0.3 else text.encode()
        part["data"] = base64.b64encode(raw).decode()
        if rng.random() < 0.1:  # not strict base64: padding cut or doubled, a stray character
            part["data"] = rng.choice([part["data"].rstrip("="), part["data"] + "=", "%" + text])
        content_type = rng.choice(_CONTENT_TYPES)
        if content_type is None:
            del part["observedContentType"]
        else:
            part["observedContentType"] = content_type
    return part


def _record(rng: random.Random) -> bytes:
    record: dict = {
        "captureData": {"endpointInput": _input(rng)},
        "eventMetadata": {"eventId": rng.choice(["e1", "e2", ""]), "inferenceId": "i"},
        "eventVersion": "0",
    }
    if rng.random() < 0.7:
        record["captureData"]["endpointOutput"] = {
            "data": rng.choice(["0.5", "1", " ", "0.2,0.8"]),
            "encoding": rng.choice(["CSV", "CSV", "JSON", "xml"]),
        }
    if rng.random() < 0.1:
        record["captureData"]["batchTransformOutput"] = {"data": "1", "encoding": "CSV"}
    return json.dumps(record, separators=(",", ":") if rng.random() < 0.5 else None).encode()


def _mutated(line: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        at = rng.randrange(len(line) + 1)
        kind = rng.randrange(7)
        if kind == 6:  # a bare number pyarrow reads and orjson does not, or text, anywhere
            line = line[:at] + rng.choice(_BARE) + line[at:]
        elif kind == 0:
            line = line[:at] + bytes([rng.choice(_SIGNIFICANT)]) + line[at:]
        elif kind == 1:
            line = line[:at] + line[at + 1 :]
        elif kind == 2:
            end = min(len(line), at + rng.randint(1, 40))
            line = line[:end] + line[at:]  # a piece repeated: fields twice, values run on
        elif kind == 3:
            for value in (b'"e1"', b'"CSV"', b'"0.5"', b'"INPUT"'):
                if value in line and rng.random() < 0.5:
                    line = line.replace(value, rng.choice(_VALUES), 1)
        elif kind == 4:
            line = line.replace(b'"data"', b'"data2"', 1) if rng.random() < 0.5 else line + line
        else:
            line = line[:at]  # cut short
    return line


def _block(rng: random.Random, n: int) -> bytes:
    lines = [_mutated(_record(rng), rng) if rng.random() < 0.3 else _record(rng) for _ in range(n)]
    body = b"\n".join(lines)
    return body if rng.random() < 0.2 else body + b"\n"


@pytest.mark.parametrize("parts", PARTS)
def test_every_block_pyarrow_reads_is_read_as_orjson_reads_it(parts: tuple[str, ...]) -> None:
    rng = random.Random(13)
    width = 3 if len(parts) == 2 else 2
    fast = ArrowCaptureLines(parts=parts, width=width)
    reference = PlainCaptureReader(parts=parts, width=width)
    read = marked = decoded = 0
    for _ in range(1500):
        body = _block(rng, rng.choice([1, 2, 5, 20]))
        rows = fast.rows(body)
        if rows is not None:
            read += 1
            marked += b"NaN" in body or b"Inf" in body
            decoded += b'"BASE64"' in body
            assert rows == reference.line_rows(body), body
    assert read > 300  # the blocks pyarrow may read are read by it
    assert marked > 50  # ... NaN and Inf inside strings included
    assert decoded > 100  # ... and base64 payloads


def _good(data: str = "41,7") -> bytes:
    record = {
        "captureData": {"endpointInput": {"data": data, "encoding": "CSV"}},
        "eventMetadata": {"eventId": "e1"},
    }
    return json.dumps(record).encode()


@pytest.mark.parametrize(
    "odd",
    [
        _good().replace(b'"e1"}', b'"e1", "x": NaN}'),
        _good().replace(b'"e1"}', b'"e1", "x": -Infinity}'),
        _good().replace(b'"e1"}', b'"e1", "x": Inf}'),
        _good("41,\\u0037"),
        _good("41,caf\u00e9").replace(b"\\u00e9", "\u00e9".encode()),
        b"\xef\xbb\xbf" + _good(),
        _good() + _good(),  # two records on one line
        _good()[:30] + b"\n" + _good()[30:],  # one record on two lines
        b"",  # a blank line
        b"null",
        b" " + _good(),
        _good().replace(b'"e1"}', b'"e1", "x": ' + b"[" * 600 + b"]" * 600 + b"}"),
        _good("4" * (1 << 20)),
    ],
)
def test_what_pyarrow_and_orjson_might_read_apart_is_declined(odd: bytes) -> None:
    body = _good() + b"\n" + odd + b"\n" + _good() + b"\n"
    assert ArrowCaptureLines(parts=("endpointInput",), width=2).rows(body) is None


def test_a_block_of_ordinary_records_is_read_with_its_odd_lines_handed_back() -> None:
    quoted = _good('41,"7"')
    body = b"\n".join([_good(), _good("41"), quoted, _good("41,8")]) + b"\r\n"
    rows = ArrowCaptureLines(parts=("endpointInput",), width=2).rows(body)
    assert rows is not None
    assert (rows.csv, rows.n_rows, rows.records) == (b"41,7\n41,8\n", 2, 4)
    assert [bytes(line) for line in rows.rest] == [_good("41") + b"\n", quoted + b"\n"]


def test_nan_and_inf_inside_strings_are_read_and_outside_them_declined() -> None:
    lines = ArrowCaptureLines(parts=("endpointInput",), width=2)
    reference = PlainCaptureReader(parts=("endpointInput",), width=2)
    inside = b"\n".join([_good("Info,7"), _good("41,NaN"), _good("-Infinity,Inf")]) + b"\n"
    rows = lines.rows(inside)
    assert rows is not None and rows == reference.line_rows(inside)
    assert bytes(rows.csv) == b"Info,7\n41,NaN\n-Infinity,Inf\n"
    bare = inside + _good().replace(b'"e1"}', b'"e1", "x": NaN}') + b"\n"
    assert lines.rows(bare) is None
    escaped = inside + _good('41,\\"7\\"') + b"\n"  # a backslash: strings not told apart
    assert lines.rows(escaped) is None
    assert lines.rows(_good() + b"\n" + _good('41,\\"7\\"') + b"\n") is not None


def test_brackets_are_counted_per_line_not_per_block() -> None:
    """600 brackets on one line decline the block; 300 on each of five lines do not."""
    lines = ArrowCaptureLines(parts=("endpointInput",), width=2)
    many = _good().replace(b'"e1"}', b'"e1", "x": "' + b"[" * 300 + b'"}')
    assert lines.rows(b"\n".join([many] * 5) + b"\n") is not None
    deep = _good().replace(b'"e1"}', b'"e1", "x": "' + b"[" * 600 + b'"}')
    assert lines.rows(b"\n".join([many, deep, many]) + b"\n") is None
