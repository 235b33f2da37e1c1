"""``analyze --preprocessor``: SageMaker's record, its output folder and the labels it sees."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)

# Writes its own log under SageMaker's output folder and reads the joined label, as a
# merged-record preprocessor of a model-quality schedule does.
SCRIPT = """\
def preprocess_handler(inference_record, logger):
    with open("/opt/ml/processing/output/seen.log", "a") as f:
        f.write(inference_record.event_metadata.event_id + "\\n")
    age, sex = inference_record.endpoint_input.data.split(",")
    label = inference_record.ground_truth
    return {"age": int(age), "sex": sex,
            "label": None if label is None else int(float(label.data))}
"""


def _files(tmp_path: Path, n: int = 60) -> tuple[Path, Path, Path, list[int]]:
    rng = np.random.default_rng(3)
    ages = [int(a) for a in rng.integers(18, 80, n)]
    labels = [int(v) for v in rng.integers(0, 2, n)]
    rows = [
        (a, "F" if i % 2 else "M", v) for i, (a, v) in enumerate(zip(ages, labels, strict=True))
    ]
    data = write_csv(tmp_path / "train.csv", ("age", "sex", "label"), rows)
    baseline = tmp_path / "baseline"
    assert run("baseline", "suggest", "--data", data, "--out", baseline).exit_code == 0
    captures = write_lines(
        tmp_path / "capture.jsonl",
        [capture_line(f"k{i}", f"{a},{s}", "1") for i, (a, s, _) in enumerate(rows)],
    )
    labelled = [i for i in range(n) if i % 3]  # two of three captures get a label
    truth = write_lines(
        tmp_path / "truth.jsonl", [label_line(f"k{i}", labels[i]) for i in labelled]
    )
    return baseline, captures, truth, [labels[i] for i in labelled]


def test_preprocessor_sees_joined_labels_and_writes_into_out_preprocessor(tmp_path: Path) -> None:
    baseline, captures, truth, joined = _files(tmp_path)
    script = tmp_path / "pre.py"
    script.write_text(SCRIPT)
    out = tmp_path / "run"
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", out,
        "--preprocessor", script, "--ground-truth", truth, "--problem-type",
        "BinaryClassification", "--inference-attribute", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    label = next(f for f in read_json(out / "statistics.json")["features"] if f["name"] == "label")
    stats = label["numerical_statistics"]
    # the label column holds exactly the joined labels; unlabelled captures have none
    assert stats["common"]["num_present"] == len(joined)
    assert stats["common"]["num_missing"] == 60 - len(joined)
    assert stats["sum"] == sum(joined)
    seen = (out / "preprocessor" / "seen.log").read_text().split()
    assert seen == [f"evt-k{i}" for i in range(60)]


def test_preprocessor_output_option(tmp_path: Path) -> None:
    baseline, captures, _, _ = _files(tmp_path, n=40)
    script = tmp_path / "pre.py"
    script.write_text(SCRIPT)
    elsewhere = tmp_path / "elsewhere"
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--preprocessor", script, "--preprocessor-output", elsewhere,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len((elsewhere / "seen.log").read_text().split()) == 40
    assert not (tmp_path / "run" / "preprocessor").exists()


def test_a_script_not_named_py_is_read_as_python(tmp_path: Path) -> None:
    """A script's name need not end in .py (``python handler`` runs it too).

    Such a name gave only "cannot load script PATH": importlib finds no loader by the name.
    """
    baseline, captures, _, _ = _files(tmp_path, n=40)
    script = tmp_path / "preprocess_handler"
    script.write_text(SCRIPT)
    out = tmp_path / "run"
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", out,
        "--preprocessor", script,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len((out / "preprocessor" / "seen.log").read_text().split()) == 40


def test_a_script_that_is_no_python_says_why(tmp_path: Path) -> None:
    baseline, captures, _, _ = _files(tmp_path, n=40)
    for name, content, reason in [
        ("empty", b"", "Preprocess Handler not implemented correctly"),
        ("pre.bin", b"\x00\x01\x02", "failed to import: SyntaxError"),
    ]:
        script = tmp_path / name
        script.write_bytes(content)
        result = run(
            "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "r",
            "--preprocessor", script,
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("driftline: error: ") and reason in line, line
