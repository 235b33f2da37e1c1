"""Issue 12's cases: one ``driftline: error:`` line and exit 2, or the right status."""

from __future__ import annotations

import importlib
import json
import random
from pathlib import Path

import pytest
from click.testing import Result

from stream.cli import main
from tests.stream.cli.labeled_files import capture_line, label_line, run, write_csv, write_lines


def one_line_error(result: Result, fragment: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("driftline: error: "), lines[0]
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output + result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("errors")
    rng = random.Random(4)
    rows = [(rng.randint(18, 80), rng.choice("FM"), rng.randint(0, 1)) for _ in range(200)]
    data = write_csv(root / "train.csv", ("age", "sex", "label"), rows)
    result = run(
        "baseline", "suggest", "--data", data, "--out", root / "baseline",
        "--problem-type", "BinaryClassification", "--label-column", "label",
        "--prediction-column", "label",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return root / "baseline"


@pytest.fixture
def captures(tmp_path: Path) -> Path:
    lines = [capture_line(f"k{i}", f"{20 + i},F", "1") for i in range(40)]
    return write_lines(tmp_path / "capture.jsonl", lines)


def test_out_naming_an_existing_file(tmp_path: Path, baseline: Path, captures: Path) -> None:
    existing = tmp_path / "taken"
    existing.write_text("keep me\n")
    analyze = run("analyze", "--capture", captures, "--baseline", baseline, "--out", existing)
    one_line_error(analyze, f"--out {existing} is a file")
    data = write_csv(tmp_path / "d.csv", ("a",), [(1,), (2,)])
    suggest = run("baseline", "suggest", "--data", data, "--out", existing)
    one_line_error(suggest, f"--out {existing} is a file")
    assert existing.read_text() == "keep me\n"


def test_problem_type_disagreeing_with_the_model_quality_baseline(
    tmp_path: Path, baseline: Path, captures: Path
) -> None:
    truth = write_lines(tmp_path / "t.jsonl", [label_line(f"k{i}", 1) for i in range(40)])
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "r",
        "--ground-truth", truth, "--problem-type", "Regression", "--inference-attribute", "0",
    )  # fmt: skip
    one_line_error(result, "--problem-type Regression disagrees with the model-quality baseline")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        (
            "binary.jsonl",
            bytes(random.Random(1).randrange(256) for _ in range(5000)),
            "invalid_json",
        ),
        ("header-only.csv", b"age,sex,label\n", "invalid_json=1"),
        ("other.jsonl", b'{"age": 41}\n{"rows": [1, 2]}\n', "missing_field=2"),
        ("utf16.jsonl", '{"captureData": {}}\n'.encode("utf-16"), "invalid_json"),
    ],
)
def test_files_without_a_usable_record_fail_saying_why(
    tmp_path: Path, baseline: Path, name: str, content: bytes, why: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run("analyze", "--capture", path, "--baseline", baseline, "--out", tmp_path / "r")
    assert result.exit_code == 2, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("Failed: no usable capture record in 1 file: all "), first
    assert why in first


def test_a_dataset_of_a_header_only_fails_saying_why(tmp_path: Path, baseline: Path) -> None:
    """It printed 'Failed: 0 records in 1 files, 0 rows, 0 violations' and no reason."""
    data = tmp_path / "header-only.csv"
    data.write_bytes(b"age,sex,label\n")
    result = run("analyze", "--data", data, "--baseline", baseline, "--out", tmp_path / "r")
    assert result.exit_code == 2, result.output
    assert result.stdout.splitlines()[0] == "Failed: no data rows in header-only.csv"


def test_data_naming_a_folder(tmp_path: Path, baseline: Path) -> None:
    for command in (["baseline", "suggest"], ["analyze", "--baseline", baseline]):
        one_line_error(
            run(*command, "--data", tmp_path, "--out", tmp_path / "b"),
            f"{tmp_path} holds no part files of a data format",
        )
        one_line_error(
            run(*command, "--data", tmp_path / "nope.csv", "--out", tmp_path / "b"),
            "no such file",
        )


def test_options_the_other_input_would_ignore_are_refused(
    tmp_path: Path, baseline: Path, captures: Path
) -> None:
    """A --data run read no --preprocessor (and a --capture run no --format): it said nothing."""
    script = tmp_path / "handler.py"
    script.write_text("def preprocess_handler(inference_record):\n    return {'age': 1}\n")
    data = write_csv(tmp_path / "d.csv", ("age", "sex", "label"), [(30, "F", 1)] * 40)
    with_data = ["analyze", "--data", data, "--baseline", baseline, "--out", tmp_path / "r"]
    with_capture = [
        "analyze",
        "--capture",
        captures,
        "--baseline",
        baseline,
        "--out",
        tmp_path / "r",
    ]
    cases = [
        (with_data + ["--preprocessor", script], "--preprocessor works on --capture files"),
        (with_data + ["--capture-index-names", "endpointInput"], "--capture-index-names works"),
        (with_capture + ["--no-header"], "--no-header works on --data, not on --capture files"),
        (with_capture + ["--format", "csv"], "--format works on --data"),
    ]
    for args, fragment in cases:
        one_line_error(run(*args), fragment)
    assert not (tmp_path / "r").exists()


def test_a_negative_min_window_count_is_refused(tmp_path: Path, captures: Path) -> None:
    result = run(
        "analyze", "--capture", captures, "--baseline", tmp_path, "--out", tmp_path / "r",
        "--min-window-count", "-1",
    )  # fmt: skip
    one_line_error(result, "'--min-window-count': -1 is not in the range x>=0")


@pytest.mark.parametrize(
    ("document", "path", "value", "fragment"),
    [
        ("statistics.json", ("features", 0, "name"), None, "a 'name' that is not a text: None"),
        ("statistics.json", ("features", 0, "name"), ["age"], "not a text: ['age']"),
        ("statistics.json", ("features", 0, "inferred_type"), "Number", "inferred_type 'Number'"),
        ("statistics.json", ("dataset", "item_count"), -200, "item_count of 'dataset'"),
        ("constraints.json", ("features", 0, "name"), 7, "a 'name' that is not a text: 7"),
        ("constraints.json", ("features", 0, "inferred_type"), None, "has inferred_type None"),
        ("constraints.json", ("features", 0, "completeness"), -5, "must be in [0, 1], got -5"),
        # the reason names the file where the exception alone would not
        ("statistics.json", ("dataset",), None, "statistics.json: AttributeError: 'NoneType'"),
        ("constraints.json", ("features", 0, "completeness"), None, "constraints.json: TypeError"),
    ],
)
def test_mistyped_baseline_fields_are_not_usable(
    tmp_path: Path,
    baseline: Path,
    captures: Path,
    document: str,
    path: tuple[str | int, ...],
    value: object,
    fragment: str,
) -> None:
    """Such a feature became one named "None", or lost its type or completeness check."""
    broken = tmp_path / "baseline"
    broken.mkdir()
    for name in ("statistics.json", "constraints.json"):
        (broken / name).write_bytes((baseline / name).read_bytes())
    doc = json.loads((broken / document).read_text())
    holder = doc
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    (broken / document).write_text(json.dumps(doc))
    result = run("analyze", "--capture", captures, "--baseline", broken, "--out", tmp_path / "r")
    line = one_line_error(result, fragment)
    assert line.startswith(f"driftline: error: baseline in {broken} is not usable: ")
    assert document in line


@pytest.mark.parametrize("inside", ["", "model_quality"])
def test_out_naming_the_baseline_folder_is_refused(
    tmp_path: Path, baseline: Path, captures: Path, inside: str
) -> None:
    """The run's statistics.json replaced the baseline's, and later runs compared to it."""
    copy = tmp_path / "baseline"
    for path in baseline.rglob("*"):
        if path.is_file():
            (copy / path.relative_to(baseline)).parent.mkdir(parents=True, exist_ok=True)
            (copy / path.relative_to(baseline)).write_bytes(path.read_bytes())
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    result = run("analyze", "--capture", captures, "--baseline", copy, "--out", copy / inside)
    one_line_error(result, "holds the baseline's statistics.json, which the run's would replace")
    assert {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before


def test_baseline_naming_a_file(tmp_path: Path, baseline: Path, captures: Path) -> None:
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline / "statistics.json",
        "--out", tmp_path / "r",
    )  # fmt: skip
    one_line_error(result, "is a file; give the folder that holds statistics.json")


@pytest.mark.parametrize(
    "args",
    [
        ["worker", "--config", "nowhere.toml"],
        ["worker"],
        ["replay", "nowhere.jsonl", "--config", "nowhere.toml"],
        ["tail", "--config", "nowhere.toml"],
        ["tail", "--topic", "nonsense"],
        ["analyze", "--capture", "c.jsonl", "--out", "o"],
        ["baseline", "suggest", "--out", "o"],
        ["baseline", "suggest", "--data", "d.csv", "--out", "o", "--problem-type", "Ranking"],
        ["demo", "--seconds", "soon"],
        ["no-such-command"],
    ],
)
def test_usage_errors_of_every_command_are_one_driftline_line(args: list[str]) -> None:
    line = one_line_error(run(*args), "")
    assert not line.startswith("driftline: error: Error")
    assert "--help" in line


@pytest.mark.parametrize(
    ("args", "commands"),
    [
        ([], "analyze, attributions, baseline, demo, labels, replay, tail, worker"),
        (["baseline"], "suggest"),
        (["labels"], "push"),
    ],
)
def test_a_group_without_its_command_is_one_line(args: list[str], commands: str) -> None:
    """It printed "driftline: error: Usage: …", the group's whole help, then "(see … --help)"."""
    line = one_line_error(run(*args), f"missing command: one of {commands} (see '")
    assert line.endswith(" --help')")


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("--seconds", "nan", "nan is not a number > 0"),  # it never ended
        ("--seconds", "-5", "-5.0 is not a number > 0"),
        ("--rate", "0", "0 is not in the range x>=1"),  # a traceback, then exit 0
        ("--speed", "0", "0.0 is not a finite number > 0"),  # likewise
        ("--speed", "inf", "inf is not a finite number > 0"),
        ("--speed", "1e308", "1e+308 is not a finite number > 0 and <= 1000"),  # traceback
        ("--metrics-port", "70000", "70000 is not in the range 0<=x<=65535"),  # 'unexpected'
    ],
)
def test_demo_values_out_of_range_stop_before_anything_starts(
    option: str, value: str, fragment: str
) -> None:
    result = run("demo", "--seconds", "3", "--metrics-port", "0", option, value)
    line = one_line_error(result, fragment)
    assert f"Invalid value for '{option}'" in line
    assert result.stdout == ""  # no broker, no summary


def test_a_demo_summary_path_that_cannot_be_written_stops_before_anything_starts(
    tmp_path: Path,
) -> None:
    """It was refused only after the whole run, the summary lost."""
    a_file = tmp_path / "somefile"
    a_file.write_text("")
    result = run("demo", "--seconds", "3", "--json-summary", a_file / "x.json")
    one_line_error(result, f"{a_file} is not a folder")
    assert result.stdout == ""  # no broker, no summary


def test_analyze_without_capture_or_data_is_one_line() -> None:
    one_line_error(run("analyze", "--baseline", "b", "--out", "o"), "give one of --capture")


def test_help_is_plain_text() -> None:
    for args in ([], ["analyze"], ["baseline", "suggest"], ["replay"], ["tail"], ["worker"]):
        result = run(*args, "--help")
        assert result.exit_code == 0
        assert "``" not in result.output


def test_an_unexpected_exception_is_one_line_not_a_traceback(
    tmp_path: Path, baseline: Path, captures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyze_module = importlib.import_module("stream.cli.analyze")  # loaded when first run

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(analyze_module, "find_capture_files", broken)
    monkeypatch.delenv("DRIFTLINE_TRACEBACK", raising=False)
    result = run("analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "r")
    one_line_error(result, "unexpected RuntimeError: boom")


def test_non_numeric_probability_column(tmp_path: Path, baseline: Path) -> None:
    rows = [(30 + i, "F", i % 2, "high" if i % 2 else "low") for i in range(50)]
    data = write_csv(tmp_path / "v.csv", ("age", "sex", "label", "score"), rows)
    result = run(
        "baseline", "suggest", "--data", data, "--out", tmp_path / "b",
        "--problem-type", "BinaryClassification", "--label-column", "label",
        "--probability-column", "score",
    )  # fmt: skip
    one_line_error(result, "--probability-column 'score' holds no numeric score (e.g. 'low')")
    captures = write_lines(
        tmp_path / "c.jsonl",
        [capture_line(f"k{i}", f"{30 + i},F", "high,1") for i in range(40)],
    )
    truth = write_lines(tmp_path / "t.jsonl", [label_line(f"k{i}", i % 2) for i in range(40)])
    analyze = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "r",
        "--ground-truth", truth, "--probability-attribute", "0", "--inference-attribute", "1",
    )  # fmt: skip
    assert analyze.exit_code == 0, analyze.output
    assert "40 without a numeric score at the probability attribute (no AUC)" in analyze.stdout
    stats = json.loads((tmp_path / "r/model_quality/statistics.json").read_text())
    assert "auc" not in stats["binary_classification_metrics"]


def test_csv_payloads_keep_form_feeds_inside_their_field(tmp_path: Path, baseline: Path) -> None:
    lines = [capture_line(f"k{i}", f"{20 + i},F\fM", "1") for i in range(40)]
    captures = write_lines(tmp_path / "c.jsonl", lines)
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "r",
        "--capture-index-names", "endpointInput",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    stats = json.loads((tmp_path / "r/statistics.json").read_text())
    assert stats["dataset"]["item_count"] == 40  # one row per record, not two
    sex = next(f for f in stats["features"] if f["name"] == "sex")
    assert sex["inferred_type"] == "String"
    assert sex["string_statistics"]["common"]["num_present"] == 40


def test_main_exits_with_the_commands_status() -> None:
    with pytest.raises(SystemExit) as info:
        main.main(["--version"])
    assert info.value.code == 0
