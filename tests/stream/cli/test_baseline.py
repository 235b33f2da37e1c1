"""``driftline baseline suggest`` end to end: data file in, SageMaker-format files out."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from detectors.quality.constraints import constraints_from_json
from detectors.quality.statistics_json import statistics_from_json
from stream.cli import main

N_ROWS = 300


def _rows(seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "prob": round(rng.random(), 4),
            "age": round(rng.gauss(40, 8)),
            "plan": rng.choices(["basic", "premium", "enterprise"], [6, 3, 1])[0],
        }
        for _ in range(N_ROWS)
    ]


def _write_csv(path: Path, rows: list[dict], extra_lines: tuple[str, ...] = ()) -> Path:
    lines = ["prob,age,plan"] + [f"{r['prob']},{r['age']},{r['plan']}" for r in rows]
    path.write_text("\n".join([*lines, *extra_lines]) + "\n")
    return path


def _write_jsonl(path: Path, rows: list[dict], extra_lines: tuple[str, ...] = ()) -> Path:
    path.write_text("\n".join([*(json.dumps(r) for r in rows), *extra_lines]) + "\n")
    return path


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("driftline: error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def _check_outputs(out: Path, rows: list[dict]) -> None:
    stats_doc = json.loads((out / "statistics.json").read_text())
    constraints_doc = json.loads((out / "constraints.json").read_text())
    stats = statistics_from_json(stats_doc)
    constraints = constraints_from_json(constraints_doc)
    assert stats_doc["version"] == 0.0 and constraints_doc["version"] == 0.0
    assert stats.item_count == N_ROWS
    assert stats.names == ("prob", "age", "plan")
    assert [f.inferred_type for f in stats.features] == ["Fractional", "Integral", "String"]
    age = stats.feature("age")
    assert age is not None and age.numeric is not None
    ages = [r["age"] for r in rows]
    assert age.numeric.sum == sum(ages)
    assert (age.numeric.min, age.numeric.max) == (min(ages), max(ages))
    assert sum(b.count for b in age.numeric.buckets) == N_ROWS
    plan = constraints.feature("plan")
    assert plan is not None and plan.domains == ("basic", "premium", "enterprise")
    assert [f.completeness for f in constraints.features] == [1.0, 1.0, 1.0]
    mc = constraints_doc["monitoring_config"]
    assert mc["datatype_check_threshold"] == 1.0
    assert mc["distribution_constraints"]["comparison_method"] == "Robust"


def test_suggest_on_csv(tmp_path: Path) -> None:
    rows = _rows()
    data = _write_csv(tmp_path / "train.csv", rows)
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"baseline: {N_ROWS} rows, 3 features" in result.stdout
    _check_outputs(tmp_path / "out", rows)


def test_suggest_on_jsonl(tmp_path: Path) -> None:
    rows = _rows()
    data = _write_jsonl(tmp_path / "train.jsonl", rows)
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    _check_outputs(tmp_path / "out", rows)


def test_a_jsonl_key_that_first_appears_late_is_a_column(tmp_path: Path) -> None:
    rows: list[dict] = [{"age": i % 90} for i in range(2500)]
    for i in range(2200, 2500):
        rows[i]["referrer"] = "partner" if i % 3 else "ads"
    data = _write_jsonl(tmp_path / "train.jsonl", rows)
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    stats = statistics_from_json(json.loads((tmp_path / "out" / "statistics.json").read_text()))
    referrer = stats.feature("referrer")
    assert stats.names == ("age", "referrer") and referrer is not None
    assert (referrer.num_present, referrer.num_missing) == (300, 2200)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_format_option_for_an_ambiguous_suffix(tmp_path: Path, fmt: str) -> None:
    rows = _rows()
    data = tmp_path / "train.dat"
    (_write_csv if fmt == "csv" else _write_jsonl)(data, rows)
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out", "--format", fmt)
    assert result.exit_code == 0, result.output
    _check_outputs(tmp_path / "out", rows)
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out2")
    _assert_one_line_error(result, "--format")


@pytest.mark.parametrize("writer", [_write_csv, _write_jsonl])
def test_a_byte_order_mark_does_not_stick_to_the_first_name(tmp_path: Path, writer) -> None:
    rows = _rows()
    data = writer(tmp_path / "train.txt", rows)
    data.write_bytes(b"\xef\xbb\xbf" + data.read_bytes())
    fmt = "csv" if writer is _write_csv else "jsonl"
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "malformed" not in result.stdout
    _check_outputs(tmp_path / "out", rows)


def test_malformed_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    rows = _rows()
    data = _write_csv(tmp_path / "train.csv", rows, ("0.5,40,basic,surplus",))
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "malformed lines: 1 (too_many_fields=1)" in result.stdout
    stats = json.loads((tmp_path / "out" / "statistics.json").read_text())
    assert stats["dataset"]["item_count"] == N_ROWS + 1

    data = _write_jsonl(tmp_path / "train.jsonl", rows, ("{broken", "[1, 2]"))
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out2")
    assert result.exit_code == 0, result.output
    assert "malformed lines: 2 (invalid_json=1, not_an_object=1)" in result.stdout
    _check_outputs(tmp_path / "out2", rows)


def test_short_csv_rows_are_padded_with_missing_values(tmp_path: Path) -> None:
    rows = _rows()
    data = _write_csv(tmp_path / "train.csv", rows, ("0.5,41",))
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    constraints = json.loads((tmp_path / "out" / "constraints.json").read_text())
    plan = constraints["features"][2]
    assert plan["completeness"] == N_ROWS / (N_ROWS + 1)


def test_bad_inputs_print_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _assert_one_line_error(
        _run("baseline", "suggest", "--data", tmp_path / "missing.csv", "--out", out), "missing.csv"
    )
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    _assert_one_line_error(_run("baseline", "suggest", "--data", empty, "--out", out))
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b\n")
    _assert_one_line_error(
        _run("baseline", "suggest", "--data", header_only, "--out", out), "no data rows"
    )
    not_json = tmp_path / "bad.jsonl"
    not_json.write_text("nope\nstill nope\n")
    _assert_one_line_error(_run("baseline", "suggest", "--data", not_json, "--out", out))
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    _assert_one_line_error(_run("baseline", "suggest", "--data", folder, "--out", out))
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [("--label-column", "age"), ("--prediction-column", "prob"),
     ("--probability-column", "prob"), ("--probability-threshold", "0.7")],
)  # fmt: skip
def test_column_options_without_a_labelled_baseline_are_refused(
    tmp_path: Path, option: str, value: str
) -> None:
    """Without --problem-type or --bias-config nothing reads them: they were ignored."""
    data = _write_csv(tmp_path / "d.csv", _rows())
    result = _run("baseline", "suggest", "--data", data, "--out", tmp_path / "o", option, value)
    _assert_one_line_error(result, option, "--problem-type or --bias-config")
    assert not (tmp_path / "o").exists()
