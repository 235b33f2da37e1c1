"""``driftline analyze`` fed 1,000 generated bad files: never a traceback, always an answer.

Each case is a capture file (and every fifth a ground-truth file) made of one kind of damage:
random bytes, truncated JSON, wrong encodings (UTF-16, Latin-1, a BOM), odd line endings,
fields and lines over every size limit, deeply nested or wrongly typed JSON, broken payloads;
a ground-truth file may also hold labels whose CSV ``data`` Python's reader splits oddly or
refuses (a bare carriage return, a field over its size limit).
Every run must end with exit status 0 and a ``Completed``/``CompletedWithViolations`` line,
or status 2 with a ``Failed`` line or one ``driftline: error:`` line — and never with the
last-resort "unexpected" line, which would mean a bug caught by the safety net.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.stream.cli.labeled_files import run, write_csv

CASES = 1000
Maker = Callable[[random.Random], bytes]


def _record(rng: random.Random, i: int) -> dict:
    return {
        "captureData": {
            "endpointInput": {
                "observedContentType": "text/csv",
                "mode": "INPUT",
                "data": f"{rng.randint(18, 80)},{rng.choice('FM')}",
                "encoding": "CSV",
            },
            "endpointOutput": {
                "observedContentType": "text/csv",
                "mode": "OUTPUT",
                "data": str(rng.randint(0, 1)),
                "encoding": "CSV",
            },
        },
        "eventMetadata": {
            "eventId": f"e{i}",
            "inferenceId": f"k{i}",
            "inferenceTime": "2024-03-05T14:07:31Z",
        },
        "eventVersion": "0",
    }


def _lines(rng: random.Random, n: int) -> list[str]:
    return [json.dumps(_record(rng, i)) for i in range(n)]


def random_bytes(rng: random.Random) -> bytes:
    return rng.randbytes(rng.randint(0, 20_000))


def truncated_json(rng: random.Random) -> bytes:
    lines = _lines(rng, rng.randint(1, 30))
    cut = [line[: rng.randint(0, len(line))] if rng.random() < 0.5 else line for line in lines]
    return "\n".join(cut).encode()


def wrong_encoding(rng: random.Random) -> bytes:
    text = "\n".join(_lines(rng, rng.randint(1, 20))).replace("F", "Fé\u00e9")
    codec = rng.choice(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "utf-8-sig"])
    data = text.encode(codec, errors="replace")
    return data + (rng.randbytes(3) if rng.random() < 0.3 else b"")


def odd_line_endings(rng: random.Random) -> bytes:
    ending = rng.choice(["\r", "\r\n", "\n\r", "\u2028", "\x85", "\f", "\v", "\x1c", "\0", ""])
    lines = _lines(rng, rng.randint(1, 30))
    if rng.random() < 0.5:  # inside the CSV payloads too
        lines = [line.replace(",F", f",F{ending}M") for line in lines]
    return ending.join(lines).encode("utf-8", errors="surrogatepass")


def huge_fields(rng: random.Random) -> bytes:
    size = rng.choice([131_073, 300_000, 1_100_000])
    record = _record(rng, 0)
    record["captureData"]["endpointInput"]["data"] = f'41,"{"x" * size}"'
    lines = [json.dumps(record), *_lines(rng, rng.randint(0, 3))]
    if rng.random() < 0.3:  # one line of junk without a newline
        lines.append("z" * size)
    return "\n".join(lines).encode()


def nested_or_mistyped_json(rng: random.Random) -> bytes:
    depth = rng.choice([50, 1_000, 5_000])
    choices = [
        "[" * depth + "]" * depth,
        '{"a":' * depth + "1" + "}" * depth,
        json.dumps([_record(rng, 0)]),
        json.dumps("a string"),
        "null",
        "1e999999",
        '{"captureData": [], "eventMetadata": {"eventId": "e"}}',
        json.dumps({"captureData": {"endpointInput": {"data": 5, "encoding": "CSV"}},
                    "eventMetadata": {"eventId": 1}}),
        json.dumps({"captureData": {"endpointInput": {"data": "1", "encoding": 7}},
                    "eventMetadata": {"eventId": "e"}}),
        json.dumps({"captureData": {"endpointOutput": {"data": "1", "encoding": "csv"}},
                    "eventMetadata": []}),
        json.dumps({"eventMetadata": {"eventId": "e", "inferenceTime": 5},
                    "captureData": {"endpointInput": {"data": "", "encoding": "CSV"}}}),
    ]  # fmt: skip
    return "\n".join(rng.choice(choices) for _ in range(rng.randint(1, 5))).encode()


def broken_payloads(rng: random.Random) -> bytes:
    payloads = [
        ("BASE64", "@@not base64@@"),
        ("BASE64", base64.b64encode(rng.randbytes(40)).decode()),
        ("JSON", '{"instances": [[1, 2], [3]'),
        ("JSON", '{"instances": [1, [2]]}'),
        ("JSON", '{"instances": ' + "[" * 3000 + "]" * 3000 + "}"),
        ("JSON", '{"predictions": {"a": {"b": 1}}}'),
        ("CSV", '1,"unterminated'),
        ("CSV", '"a"b,2'),
        ("CSV", "\n\n\n"),
        ("CSV", ",".join("9" * 400 for _ in range(500))),
    ]
    lines = []
    for i in range(rng.randint(1, 20)):
        record = _record(rng, i)
        encoding, data = rng.choice(payloads)
        part = record["captureData"][rng.choice(["endpointInput", "endpointOutput"])]
        part.update(encoding=encoding, data=data)
        lines.append(json.dumps(record))
    return "\n".join(lines).encode()


MAKERS: list[Maker] = [
    random_bytes,
    truncated_json,
    wrong_encoding,
    odd_line_endings,
    huge_fields,
    nested_or_mistyped_json,
    broken_payloads,
]


def bad_labels(rng: random.Random) -> bytes:
    good = [
        json.dumps(
            {
                "groundTruthData": {"data": str(rng.randint(0, 1)), "encoding": "CSV"},
                "eventMetadata": {"eventId": f"k{i}"},
                "eventVersion": "0",
            }
        )
        for i in range(20)
    ]
    damage = rng.choice([*MAKERS, odd_label_data])(rng)
    return ("\n".join(good[: rng.randint(0, 20)]) + "\n").encode() + damage


def odd_label_data(rng: random.Random) -> bytes:
    """Label records whose CSV ``data`` Python's reader splits oddly or refuses."""
    odd = ["1\r0", "1\r", '"1', '1"', '"1\n0"', "\x00", ",", '"' + "x" * 200_000 + '"',
           "1," * 5_000, "\u2028", "1\r\n0"]  # fmt: skip
    lines = [
        json.dumps(
            {
                "groundTruthData": {"data": rng.choice(odd), "encoding": "CSV"},
                "eventMetadata": {"eventId": f"o{i}"},
                "eventVersion": "0",
            }
        )  # fmt: skip
        for i in range(rng.randint(1, 4))
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    rng = random.Random(3)
    rows = [(rng.randint(0, 1), rng.randint(18, 80), rng.choice("FM")) for _ in range(300)]
    data = write_csv(root / "train.csv", ("label", "age", "sex"), rows)
    result = run(
        "baseline", "suggest", "--data", data, "--out", root / "baseline",
        "--problem-type", "BinaryClassification", "--label-column", "label",
        "--prediction-column", "label",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return root / "baseline"


def _check(result, what: str) -> None:  # type: ignore[no-untyped-def]
    output = result.stdout + result.stderr
    assert "Traceback" not in output, what
    assert "unexpected" not in result.stderr, f"{what}: {result.stderr}"
    assert result.exit_code in (0, 2), f"{what}: exit {result.exit_code}: {output[-500:]}"
    first = result.stdout.splitlines()[0] if result.stdout else ""
    if result.exit_code == 0:
        assert first.startswith(
            ("Completed:", "Completed (no verdict):", "CompletedWithViolations:")
        ), f"{what}: {first}"
    else:
        errors = result.stderr.strip().splitlines()
        one_line = len(errors) == 1 and errors[0].startswith("driftline: error: ")
        assert one_line or "Failed:" in result.stdout, f"{what}: {output[-500:]}"


def test_a_thousand_bad_files(tmp_path: Path, baseline: Path) -> None:
    rng = random.Random(20240305)
    seen_status: set[int] = set()
    for case in range(CASES):
        maker = MAKERS[case % len(MAKERS)]
        capture = tmp_path / f"case{case}.jsonl"
        capture.write_bytes(maker(rng))
        args = ["analyze", "--capture", capture, "--baseline", baseline, "--out", tmp_path / "out"]
        what = f"case {case} ({maker.__name__})"
        if case % 5 == 4:
            capture.write_bytes("\n".join(_lines(rng, 20)).encode() + b"\n" + maker(rng))
            truth = tmp_path / f"truth{case}.jsonl"
            truth.write_bytes(bad_labels(rng))
            args += ["--ground-truth", truth, "--inference-attribute", "0"]
            what += " with bad labels"
        result = run(*args)
        _check(result, what)
        seen_status.add(result.exit_code)
        capture.unlink()
    assert seen_status == {0, 2}  # the generator reaches both outcomes
