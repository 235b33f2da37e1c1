"""``analyze`` reads a BOM-led or gzip-compressed capture or label file as the plain file.

Every path that reads capture files is run: the columnar path (no preprocessor), the
per-record path (a preprocessor), and the label join (``--ground-truth``, which reads the
captures again and the label files).
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.stream.cli.labeled_files import capture_line, label_line, read_json, run, write_csv

BOM = b"\xef\xbb\xbf"  # a UTF-8 byte-order mark
HEADER = ("score", "age", "sex", "income", "label")
PREPROCESSOR = (
    "def preprocess_handler(inference_record, logger):\n"
    "    age, sex, income = inference_record.endpoint_input.data.split(',')\n"
    "    return {'score': inference_record.endpoint_output.data, 'age': age, 'sex': sex,\n"
    "            'income': income}\n"
)

ENCODINGS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "plain": ("part.jsonl", lambda data: data),
    "bom": ("part.jsonl", lambda data: BOM + data),
    "gzip": ("part.jsonl.gz", gzip.compress),
    "gzip, named .jsonl, a bom inside": ("part.jsonl", lambda data: gzip.compress(BOM + data)),
}


def _rows(seed: int, n: int) -> list[tuple[float, int, str, int, int]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        label = int(rng.random() < 0.4)
        score = min(max(rng.gauss(0.6 if label else 0.4, 0.15), 0.0), 1.0)
        rows.append((round(score, 6), rng.randint(18, 80), rng.choice("FM"), 1000, label))
    return rows


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("baseline")
    data = write_csv(root / "validation.csv", HEADER, _rows(1, 300))
    result = run(
        "baseline", "suggest", "--data", data, "--out", root / "b",
        "--problem-type", "BinaryClassification", "--label-column", "label",
        "--probability-column", "score", "--probability-threshold", "0.5",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return root / "b"


def _write(folder: Path, how: str, lines: list[str]) -> Path:
    """The lines as one file of ``folder``, written as ``how`` says; the folder."""
    name, encode = ENCODINGS[how]
    folder.mkdir(parents=True)
    (folder / name).write_bytes(encode("".join(line + "\n" for line in lines).encode()))
    return folder


def _analyze(root: Path, how: str, baseline: Path, *extra: str) -> tuple[str, Path]:
    """Analyze 250 captures and their labels written as ``how`` says: stdout and --out."""
    rows = _rows(2, 250)
    captures = [
        capture_line(f"inf-{i}", f"{age},{sex},{income}", str(score))
        for i, (score, age, sex, income, _) in enumerate(rows)
    ]
    labels = [label_line(f"inf-{i}", row[4]) for i, row in enumerate(rows) if i % 5]
    capture = _write(root / how / "capture/ep/AllTraffic/2024/03/05/14", how, captures)
    truth = _write(root / how / "truth/2024/03/05/15", how, labels)
    out = root / how / "out"
    result = run(
        "analyze", "--capture", capture, "--baseline", baseline, "--out", out,
        "--ground-truth", truth, "--probability-attribute", "0", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output, out


@pytest.mark.parametrize("how", [h for h in ENCODINGS if h != "plain"])
def test_same_statistics_as_the_plain_files(tmp_path: Path, baseline: Path, how: str) -> None:
    plain_output, plain = _analyze(tmp_path, "plain", baseline)
    output, out = _analyze(tmp_path, how, baseline)
    assert "200 of 250 captures joined" in output
    assert output == plain_output  # no bad record, same join
    assert read_json(out / "statistics.json") == read_json(plain / "statistics.json")
    quality, plain_quality = (read_json(o / "model_quality/statistics.json") for o in (out, plain))
    assert quality.pop("dataset")["item_count"] == plain_quality.pop("dataset")["item_count"]
    assert quality == plain_quality  # the dataset's evaluation_time aside


@pytest.mark.parametrize("how", ["bom", "gzip"])
def test_same_statistics_through_a_preprocessor(tmp_path: Path, baseline: Path, how: str) -> None:
    script = tmp_path / "pre.py"
    script.write_text(PREPROCESSOR)
    plain_output, plain = _analyze(tmp_path, "plain", baseline, "--preprocessor", str(script))
    output, out = _analyze(tmp_path, how, baseline, "--preprocessor", str(script))
    assert "bad record" not in output
    assert output == plain_output
    assert read_json(out / "statistics.json") == read_json(plain / "statistics.json")
