"""``driftline analyze`` end to end over SageMaker's capture layout (spec §1.4, §6, §9.1)."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from stream.cli import main

FEATURES = ("prob", "age", "plan")
N_BASE = 600
N_CAPTURE = 200


def _values(rng: random.Random, age_mean: float) -> tuple[str, str, str]:
    prob = f"{rng.random():.4f}"
    age = str(round(rng.gauss(age_mean, 8)))
    plan = rng.choices(["basic", "premium", "enterprise"], [6, 3, 1])[0]
    return prob, age, plan


def _capture_line(i: int, prob: str, age: str, plan: str, encoding: str = "CSV") -> str:
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {
                    "observedContentType": "text/csv",
                    "mode": "INPUT",
                    "data": f"{age},{plan}",
                    "encoding": encoding,
                },
                "endpointOutput": {
                    "observedContentType": "text/csv; charset=utf-8",
                    "mode": "OUTPUT",
                    "data": prob,
                    "encoding": "CSV",
                },
            },
            "eventMetadata": {
                "eventId": f"00000000-0000-4000-8000-{i:012d}",
                "inferenceTime": "2024-03-05T14:07:31Z",
            },
            "eventVersion": "0",
        },
        separators=(",", ":"),
    )


@pytest.fixture(scope="module")
def baseline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("baseline")
    rng = random.Random(1)
    lines = ["prob,age,plan"] + [",".join(_values(rng, 40.0)) for _ in range(N_BASE)]
    (root / "train.csv").write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(
        main, ["baseline", "suggest", "--data", str(root / "train.csv"), "--out", str(root / "b")]
    )
    assert result.exit_code == 0, result.output
    return root / "b"


def _capture_folder(root: Path, lines_per_hour: list[list[str]]) -> Path:
    """Write lines under ``endpoint/AllTraffic/yyyy/mm/dd/hh/`` in SageMaker's layout."""
    capture = root / "capture"
    for hour, lines in enumerate(lines_per_hour):
        folder = (
            capture / "churn-endpoint" / "AllTraffic" / "2024" / "03" / "05" / f"{13 + hour:02d}"
        )
        folder.mkdir(parents=True)
        (folder / f"07-31-123-{hour:08d}-aaaa-bbbb-cccc-000000000000.jsonl").write_text(
            "\n".join(lines) + "\n"
        )
    return capture


def _lines(seed: int, n: int, age_mean: float = 40.0, start: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [_capture_line(start + i, *_values(rng, age_mean)) for i in range(n)]


def _analyze(capture: Path, baseline: Path, out: Path, *extra: str) -> Result:
    args = ["analyze", "--capture", str(capture), "--baseline", str(baseline), "--out", str(out)]
    return CliRunner().invoke(main, [*args, *extra])


def _violations(out: Path) -> set[tuple[str, str]]:
    doc = json.loads((out / "constraint_violations.json").read_text())
    return {(v["feature_name"], v["constraint_check_type"]) for v in doc["violations"]}


def _assert_one_line_error(result: Result, fragment: str = "") -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("driftline: error: "), result.stderr
    assert fragment in lines[0]
    assert "Traceback" not in result.output


def test_clean_capture_completes(tmp_path: Path, baseline_dir: Path) -> None:
    capture = _capture_folder(tmp_path, [_lines(2, 100), _lines(3, 100, start=100)])
    out = tmp_path / "out"
    result = _analyze(capture, baseline_dir, out, "--fail-on-violation")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"Completed: {N_CAPTURE} records in 2 files, {N_CAPTURE} rows, 0 violations"
    )
    assert json.loads((out / "constraint_violations.json").read_text()) == {"violations": []}
    stats = json.loads((out / "statistics.json").read_text())
    assert stats["dataset"]["item_count"] == N_CAPTURE
    assert [f["name"] for f in stats["features"]] == list(FEATURES)
    assert [f["inferred_type"] for f in stats["features"]] == ["Fractional", "Integral", "String"]


@pytest.mark.parametrize("fail_on_violation", [(), ("--fail-on-violation",)])
def test_a_run_below_min_window_count_says_no_verdict(
    tmp_path: Path, baseline_dir: Path, fail_on_violation: tuple[str, ...]
) -> None:
    """200 complete records: 201 needed for a drift verdict, so no feature gets one."""
    capture = _capture_folder(tmp_path, [_lines(2, 100), _lines(3, 100, start=100)])
    undecided = _analyze(
        capture, baseline_dir, tmp_path / "a", "--min-window-count", "201", *fail_on_violation
    )
    assert undecided.exit_code == 0, undecided.output  # SageMaker's Completed: exit 0 as ever
    assert undecided.stdout.splitlines()[0] == (
        f"Completed (no verdict): {N_CAPTURE} records in 2 files, {N_CAPTURE} rows, 0 violations, "
        "no drift check had a verdict (fewer than 201 values)"
    )
    assert _violations(tmp_path / "a") == set()  # the files are SageMaker's, unchanged
    decided = _analyze(capture, baseline_dir, tmp_path / "b", "--min-window-count", "200")
    assert decided.exit_code == 0, decided.output
    assert decided.stdout.startswith(
        f"Completed: {N_CAPTURE} records in 2 files, {N_CAPTURE} rows, 0 violations\n"
    )


def test_drifted_capture_completes_with_violations(tmp_path: Path, baseline_dir: Path) -> None:
    capture = _capture_folder(tmp_path, [_lines(4, N_CAPTURE, age_mean=60.0)])
    out = tmp_path / "out"
    result = _analyze(capture, baseline_dir, out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("CompletedWithViolations: ")
    assert _violations(out) == {("age", "baseline_drift_check")}
    assert "Numerical distance: " in result.stdout
    result = _analyze(capture, baseline_dir, tmp_path / "out2", "--fail-on-violation")
    assert result.exit_code == 1
    assert _violations(tmp_path / "out2") == {("age", "baseline_drift_check")}


def test_single_capture_file(tmp_path: Path, baseline_dir: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text("\n".join(_lines(5, 50)) + "\n")
    result = _analyze(path, baseline_dir, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Completed: 50 records in 1 files, 50 rows")


def test_no_rows_fails(tmp_path: Path, baseline_dir: Path) -> None:
    capture = _capture_folder(tmp_path, [["", "   "]])
    result = _analyze(capture, baseline_dir, tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert result.stdout == "Failed: no capture records in 1 file\n"


def test_bad_records_are_counted_and_surface_as_violations(
    tmp_path: Path, baseline_dir: Path
) -> None:
    rng = random.Random(6)
    lines = _lines(6, 190)
    lines += ["{not json", '["an", "array"]']
    lines += [_capture_line(900 + i, *_values(rng, 40.0), encoding="XML") for i in range(3)]
    lines += [_capture_line(950 + i, "0.5", "forty", "basic") for i in range(5)]
    capture = _capture_folder(tmp_path, [lines])
    out = tmp_path / "out"
    result = _analyze(capture, baseline_dir, out)
    assert result.exit_code == 0, result.output
    summary = result.stdout.splitlines()[0]
    assert summary.startswith("CompletedWithViolations: 200 records in 1 files, 200 rows")
    assert "5 bad records (bad_encoding=3, invalid_json=1, not_an_object=1)" in summary
    fired = _violations(out)
    # Unusable records become rows of missing values: every feature loses completeness.
    assert {(f, "completeness_check") for f in FEATURES} <= fired
    assert ("age", "data_type_check") in fired
    doc = json.loads((out / "constraint_violations.json").read_text())
    age_type = next(
        v
        for v in doc["violations"]
        if (v["feature_name"], v["constraint_check_type"]) == ("age", "data_type_check")
    )
    assert (
        f"Only {190 / 195 * 100}% of data is Integral" in age_type["description"]
    )  # 190 of 195 present values are Integral


def test_preprocessor(tmp_path: Path, baseline_dir: Path) -> None:
    script = tmp_path / "pre.py"
    script.write_text(
        "def preprocess_handler(inference_record, logger):\n"
        "    age, plan = inference_record.endpoint_input.data.split(',')\n"
        "    if plan == 'enterprise':\n"
        "        return []\n"
        "    return {'prob': inference_record.endpoint_output.data, 'age': age, 'plan': plan}\n"
    )
    lines = _lines(7, N_CAPTURE)
    capture = _capture_folder(tmp_path, [lines])
    enterprise = sum(1 for line in lines if "enterprise" in line)
    result = _analyze(capture, baseline_dir, tmp_path / "out", "--preprocessor", str(script))
    assert enterprise > 0
    assert f"{N_CAPTURE - enterprise} rows" in result.stdout
    assert f"{enterprise} dropped by the preprocessor" in result.stdout
    # Dropping a whole category is drift in its share and nothing else.
    assert _violations(tmp_path / "out") <= {("plan", "baseline_drift_check")}
    assert result.exit_code == 0, result.output


def test_preprocessor_failing_on_every_record_fails_the_run_and_shows_why(
    tmp_path: Path, baseline_dir: Path
) -> None:
    script = tmp_path / "pre.py"
    script.write_text("def preprocess_handler(inference_record):\n    raise ValueError('x')\n")
    capture = _capture_folder(tmp_path, [_lines(8, 40)])
    result = _analyze(capture, baseline_dir, tmp_path / "out", "--preprocessor", str(script))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "Failed: no usable capture record in 1 file: all 40 records are bad "
        "(preprocessor_error=40)",
        "  preprocess_handler failed: 40 x ValueError: x (pre.py, line 2, in preprocess_handler)",
    ]


def test_failing_preprocessor_on_some_records_is_counted_with_its_first_message(
    tmp_path: Path, baseline_dir: Path
) -> None:
    script = tmp_path / "pre.py"
    script.write_text(
        "def preprocess_handler(inference_record):\n"
        "    age = int(inference_record.endpoint_input.data.split(',')[0])\n"
        "    if age % 2:\n"
        "        raise KeyError(age)\n"
        "    return {'age': age}\n"
    )
    lines = _lines(8, 40)
    odd = sum(int(json.loads(line)["captureData"]["endpointInput"]["data"].split(",")[0]) % 2
              for line in lines)  # fmt: skip
    assert 0 < odd < 40
    capture = _capture_folder(tmp_path, [lines])
    result = _analyze(capture, baseline_dir, tmp_path / "out", "--preprocessor", str(script))
    assert result.exit_code == 0, result.output
    assert f"{odd} bad records (preprocessor_error={odd})" in result.stdout
    assert f"  preprocess_handler failed: {odd} x KeyError: " in result.stdout
    assert "(pre.py, line 4, in preprocess_handler)" in result.stdout


def test_bad_paths_and_files_print_one_line(tmp_path: Path, baseline_dir: Path) -> None:
    capture = _capture_folder(tmp_path, [_lines(9, 10)])
    out = tmp_path / "out"
    _assert_one_line_error(_analyze(tmp_path / "nowhere", baseline_dir, out), "nowhere")
    _assert_one_line_error(_analyze(capture, tmp_path / "no-baseline", out), "no-baseline")
    empty = tmp_path / "empty"
    empty.mkdir()
    _assert_one_line_error(_analyze(empty, baseline_dir, out), "no capture files")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "statistics.json").write_text("{oops")
    (broken / "constraints.json").write_text("{}")
    _assert_one_line_error(_analyze(capture, broken, out), "not valid JSON")
    (broken / "statistics.json").write_text('{"version": 0.0}')
    _assert_one_line_error(_analyze(capture, broken, out), "features")
    no_constraints = tmp_path / "half"
    no_constraints.mkdir()
    (no_constraints / "statistics.json").write_text((baseline_dir / "statistics.json").read_text())
    _assert_one_line_error(_analyze(capture, no_constraints, out), "constraints.json")
    _assert_one_line_error(
        _analyze(capture, baseline_dir, out, "--preprocessor", str(tmp_path / "none.py")), "none.py"
    )
    no_handler = tmp_path / "nohandler.py"
    no_handler.write_text("x = 1\n")
    _assert_one_line_error(
        _analyze(capture, baseline_dir, out, "--preprocessor", str(no_handler)),
        "Preprocess Handler not implemented correctly in customer script.",
    )
    _assert_one_line_error(
        _analyze(capture, baseline_dir, out, "--capture-index-names", "endpointOther"),
        "capture_index_names",
    )
    assert not out.exists()


def _as_base64(line: str, tail: str = "") -> str:
    record = json.loads(line)
    part = record["captureData"]["endpointInput"]
    part.update(data=base64.b64encode(part["data"].encode()).decode() + tail, encoding="BASE64")
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def test_base64_capture_reads_as_its_csv_does_and_refuses_text_that_is_not_base64(
    tmp_path: Path, baseline_dir: Path
) -> None:
    """SageMaker's capture without content types configured: every payload in BASE64."""
    lines = _lines(8, 120)
    plain = _analyze(_capture_folder(tmp_path / "csv", [lines]), baseline_dir, tmp_path / "a")
    encoded = [_as_base64(line) for line in lines]
    encoded.insert(60, _as_base64(_capture_line(999, "0.5", "41", "basic"), "\u00e9"))
    result = _analyze(_capture_folder(tmp_path / "b64", [encoded]), baseline_dir, tmp_path / "b")
    assert plain.exit_code == 0 and result.exit_code == 0, result.output
    summary = result.stdout.splitlines()[0]
    assert summary.startswith("CompletedWithViolations: 121 records in 1 files, 121 rows")
    assert summary.endswith("1 bad records (bad_encoding=1)")
    read = {
        f["name"]: f for f in json.loads((tmp_path / "b/statistics.json").read_text())["features"]
    }
    expected = json.loads((tmp_path / "a/statistics.json").read_text())["features"]
    clean = _analyze(
        _capture_folder(tmp_path / "c", [encoded[:60] + encoded[61:]]),
        baseline_dir,
        tmp_path / "c/out",
    )
    assert clean.stdout.splitlines()[0] == plain.stdout.splitlines()[0]
    assert (tmp_path / "c/out/statistics.json").read_text() == (
        tmp_path / "a/statistics.json"
    ).read_text()
    for feature in expected:  # the bad record is one more row, of missing values
        section = (
            "numerical_statistics" if "numerical_statistics" in feature else "string_statistics"
        )
        feature[section]["common"]["num_missing"] += 1
        assert read[feature["name"]] == feature
