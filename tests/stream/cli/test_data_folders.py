"""``--data`` naming a folder of CSV or JSON Lines part files, as SageMaker's baseline prefix may.

A baseline job's ``baseline_dataset`` is an S3 prefix that is often Spark's output folder
(``part-<n>-<uuid>-c000.csv``, each with its header, ``_SUCCESS``, ``.crc`` checksums); Deequ
reads it as one dataset. The reference is the same rows as one file: ``baseline suggest``
and ``analyze --data`` must give its baseline and its violations. Refusals are one
``driftline: error:`` line naming the part, exit 2, and no output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from stream.cli import main
from tests.stream.cli.labeled_files import read_json, run
from tests.stream.cli.test_analyze_ground_truth import HEADER, _binary_rows, assert_binary_metrics
from tests.stream.cli.test_baseline_parquet import (
    REPORT_FILES,
    _assert_same_baseline,
    _assert_same_statistics,
    _checked,
)

UUID = "0b9d4a6e-77c2-4f0a-8d6b-1e2f3a4b5c6d"


def _rows(n: int, seed: int, shift: int = 0) -> list[tuple[Any, ...]]:
    rng = np.random.default_rng(seed)
    return [
        (
            None if rng.random() < 0.05 else int(rng.integers(18, 60)) + shift,
            round(float(rng.lognormal(10, 0.5)), 2),
            str(rng.choice(["basic", "gold", "pro"])),
        )
        for _ in range(n)
    ]


def _line(row: tuple[Any, ...]) -> str:
    return ",".join("" if v is None else str(v) for v in row) + "\n"


def _folder_and_file(
    tmp_path: Path, name: str, header: tuple[str, ...], rows: list[tuple[Any, ...]], n_parts: int
) -> tuple[Path, Path]:
    """Spark's CSV output of ``rows`` in ``n_parts`` parts, and the same rows as one file."""
    head = ",".join(header) + "\n"
    folder = tmp_path / name
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(rows)), n_parts)):
        part = f"part-{i:05d}-{UUID}-c000.csv"
        (folder / part).write_text(head + "".join(_line(rows[j]) for j in chunk))
        (folder / f".{part}.crc").write_bytes(b"\x00crc")
    (folder / "_SUCCESS").write_bytes(b"")
    whole = tmp_path / f"{name}.csv"
    whole.write_text(head + "".join(map(_line, rows)))
    return folder, whole


def _suggest(data: Path, out: Path, *extra: Any) -> dict[str, Any]:
    result = run("baseline", "suggest", "--data", data, "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return {
        "statistics": read_json(out / "statistics.json"),
        "constraints": read_json(out / "constraints.json"),
        "stdout": result.stdout,
    }


def test_baseline_suggest_on_a_folder_is_the_concatenated_file_s(tmp_path: Path) -> None:
    rows = _rows(12_000, seed=1)
    folder, whole = _folder_and_file(tmp_path, "train", ("age", "income", "plan"), rows, 3)
    got, want = _suggest(folder, tmp_path / "f"), _suggest(whole, tmp_path / "w")
    assert got.pop("stdout").startswith("baseline: 12000 rows, 3 features")
    assert want.pop("stdout").startswith("baseline: 12000 rows, 3 features")
    _assert_same_baseline(got, want)
    ages = [r[0] for r in rows if r[0] is not None]
    age = got["statistics"]["features"][0]["numerical_statistics"]
    assert age["common"] == {"num_present": len(ages), "num_missing": len(rows) - len(ages)}
    assert (age["sum"], age["min"], age["max"]) == (sum(ages), min(ages), max(ages))


def test_analyze_data_on_a_folder_finds_the_file_s_violations(tmp_path: Path) -> None:
    header = ("age", "income", "plan")
    train, _ = _folder_and_file(tmp_path, "train", header, _rows(5_000, seed=2), 2)
    _suggest(train, tmp_path / "b")
    live_rows = _rows(5_000, seed=3, shift=30)  # older: drift for the check to find
    live, live_file = _folder_and_file(tmp_path, "live", header, live_rows, 4)
    reports = {}
    for data in (live, live_file):
        out = tmp_path / f"r-{data.name}"
        result = run("analyze", "--data", data, "--baseline", tmp_path / "b", "--out", out)
        assert result.exit_code == 0, result.output
        reports[data] = [read_json(out / f"{n}.json") for n in REPORT_FILES], result.stdout
    (folder_docs, folder_out), (file_docs, file_out) = reports.values()
    _assert_same_statistics(folder_docs[0], file_docs[0])
    found = [_checked(docs[1]) for docs in (folder_docs, file_docs)]
    assert found[0] == found[1]
    assert ("age", "baseline_drift_check", None) in found[0]
    assert any(check == "completeness_check" for _, check, _ in found[0])
    assert "5000 records in 4 files, 5000 rows" in folder_out
    assert "5000 records in 1 files, 5000 rows" in file_out


def test_labelled_baselines_read_the_folder_as_the_file(tmp_path: Path) -> None:
    rows = _binary_rows(np.random.default_rng(11), 600, 0.2)
    folder, whole = _folder_and_file(tmp_path, "validation", HEADER, rows, 3)
    options = ("--problem-type", "BinaryClassification", "--label-column", "label",
               "--probability-column", "score", "--probability-threshold", "0.5")  # fmt: skip
    _suggest(folder, tmp_path / "f", *options)
    _suggest(whole, tmp_path / "w", *options)
    stats = read_json(tmp_path / "f/model_quality/statistics.json")
    want = read_json(tmp_path / "w/model_quality/statistics.json")
    for doc in (stats, want):
        doc["dataset"].pop("evaluation_time")
    assert stats == want
    assert stats["dataset"]["item_count"] == 600
    assert_binary_metrics(stats["binary_classification_metrics"], rows)


def _try(data: Path, tmp_path: Path, *extra: str) -> Result:
    """The command's result, exceptions caught (a traceback would fail the test)."""
    args = ["baseline", "suggest", "--data", str(data), "--out", str(tmp_path / "o"), *extra]
    return CliRunner().invoke(main, args)


def _one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("driftline: error: "), result.stderr
    assert "Traceback" not in result.output + result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    ("entries", "extra", "fragments"),
    [
        (
            {"part-0.csv": "age,plan\n1,a\n", "part-1.csv": "plan,age\nb,2\n"},
            (),
            ("part-1.csv has the header ['plan', 'age']", "part-0.csv has ['age', 'plan']"),
        ),
        (
            {"part-0.csv": "1,a\n", "part-1.csv": "2,b,3\n"},
            ("--no-header",),
            ("part-1.csv has 3 fields",),
        ),
        (
            {"part-0.csv": "a\n1\n", "part-1.json": '{"a": 1}\n'},
            (),
            ("CSV (part-0.csv) and JSON Lines (part-1.json)",),
        ),
        ({"part-0.csv": "a\n1\n", "region=eu/part-0.csv": "a\n1\n"}, (), ("region=eu",)),
        ({"part-0.json": '{"a": 1}\n', "notes.md": "hi"}, (), ("notes.md, not a .jsonl",)),
        ({"part-0.json": '{"a": 1}\n', "notes.txt": "hi"}, (), ("CSV (notes.txt) and JSON",)),
        ({"_SUCCESS": "", ".hidden.crc": "x"}, (), ("holds no part files",)),
        ({"part-0.csv": "", "part-1.csv": ""}, (), ("only empty part files",)),
        ({"part-0.csv": "a\n1\n"}, ("--format", "jsonl"), ("part-0.csv, not a .jsonl",)),
    ],
)
def test_a_bad_folder_is_one_error_line_naming_the_part(
    tmp_path: Path, entries: dict[str, str], extra: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    folder = tmp_path / "data"
    for name, text in entries.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    folder.mkdir(exist_ok=True)
    _one_line_error(_try(folder, tmp_path, *extra), *fragments)
    result = CliRunner().invoke(
        main,
        ["analyze", "--data", str(folder), "--baseline", str(tmp_path / "b"),
         "--out", str(tmp_path / "r"), *extra],
    )  # fmt: skip
    assert result.exit_code == 2 and "Traceback" not in result.output + result.stderr
    assert not (tmp_path / "o").exists()
