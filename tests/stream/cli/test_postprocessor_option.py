"""``--postprocessor``: SageMaker's ``post_analytics_processor_script`` on analyze and baselines.

AWS's one-off monitoring job (``archived/model_monitor_tensorflow/monitoringjob_utils.py`` in
aws/amazon-sagemaker-examples, ``run_model_monitor_job_processor(..., postprocessor_path=...)``,
lines 48-49 and 96-108) and its schedules (``sm-model_monitor_introduction.ipynb``:
``post_analytics_processor_script=s3_code_postprocessor_uri``) take a script whose
``postprocess_handler()`` runs "after a successful monitoring run" (AWS, *Preprocessing and
Postprocessing*, model-monitor-pre-and-post-processing.html). The job's ``output_path`` is
``/opt/ml/processing/output`` (``monitoringjob_utils.py`` line 91), where the run's
``statistics.json`` and ``constraint_violations.json`` are. The SDK's baselining calls take
the script too (``DefaultModelMonitor.suggest_baseline(..., post_analytics_processor_script=)``,
sagemaker-core ``model_monitor/model_monitoring.py`` lines 1828-1848).
"""

from __future__ import annotations

from pathlib import Path

from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)

# AWS's sample, deploy_and_monitor/sm-model_monitor_introduction/postprocessor.py (2 lines)
HELLO = 'def postprocess_handler():\n    print("Hello from post-proc script!")\n'

# Reads the run's results where SageMaker's job has them, and leaves a file beside them.
SUMMARY = """\
import json

def postprocess_handler():
    with open("/opt/ml/processing/output/constraint_violations.json") as f:
        violations = json.load(f)["violations"]
    with open("/opt/ml/processing/output/statistics.json") as f:
        items = json.load(f)["dataset"]["item_count"]
    with open("/opt/ml/processing/output/summary.txt", "w") as f:
        f.write(f"{items} {[(v['feature_name'], v['constraint_check_type']) for v in violations]}")
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    """A baseline (score, age, plan: every value present); 40 captures, 10 without an age."""
    rows = [(0.5, 20 + i % 40, "basic") for i in range(200)]
    data = write_csv(tmp_path / "train.csv", ("score", "age", "plan"), rows)
    baseline = tmp_path / "baseline"
    assert run("baseline", "suggest", "--data", data, "--out", baseline).exit_code == 0
    captures = write_lines(
        tmp_path / "capture.jsonl",
        [capture_line(f"k{i}", f"{'' if i % 4 == 0 else 20 + i},basic", "0.5") for i in range(40)],
    )
    return baseline, captures


def _script(tmp_path: Path, text: str, name: str = "post.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_aws_sample_postprocessor_runs_once_after_the_run(tmp_path: Path) -> None:
    """It was "No such option: --postprocessor" (exit 2): AWS's sample could not be given."""
    baseline, captures = _files(tmp_path)
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "run",
        "--postprocessor", _script(tmp_path, HELLO),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines.count("Hello from post-proc script!") == 1
    # after the run's summary line, as SageMaker calls it once the analysis has finished
    assert lines.index("Hello from post-proc script!") > 0
    assert lines[0].startswith("CompletedWithViolations: 40 records")


def test_postprocessor_reads_the_results_under_sagemakers_output_path(tmp_path: Path) -> None:
    """``/opt/ml/processing/output`` is ``--out``: 40 items, age complete in 30 of 40 < 1.0."""
    baseline, captures = _files(tmp_path)
    out = tmp_path / "run"
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", out,
        "--postprocessor", _script(tmp_path, SUMMARY),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "summary.txt").read_text() == "40 [('age', 'completeness_check')]"
    assert read_json(out / "constraint_violations.json")["violations"][0]["feature_name"] == "age"


def test_postprocessor_on_a_data_file_run(tmp_path: Path) -> None:
    baseline, _ = _files(tmp_path)
    live = [(0.5, 20 + i, "basic") for i in range(40)]
    data = write_csv(tmp_path / "live.csv", ("score", "age", "plan"), live)
    out = tmp_path / "run"
    result = run(
        "analyze", "--data", data, "--baseline", baseline, "--out", out,
        "--postprocessor", _script(tmp_path, SUMMARY),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "summary.txt").read_text() == "40 []"


def test_a_script_without_the_handler_stops_before_the_run(tmp_path: Path) -> None:
    """SageMaker imports the script when the job starts and fails it without the handler."""
    baseline, captures = _files(tmp_path)
    out = tmp_path / "run"
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", out,
        "--postprocessor", _script(tmp_path, "x = 1\n"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"driftline: error: {tmp_path / 'post.py'} defines no postprocess_handler()"
    ]
    assert not (out / "statistics.json").exists()


def test_a_handler_that_raises_or_exits_fails_the_run_in_one_line(tmp_path: Path) -> None:
    baseline, captures = _files(tmp_path)
    failing = {
        "raise.py": 'def postprocess_handler():\n    raise RuntimeError("no bucket")\n',
        "exit.py": "import sys\n\ndef postprocess_handler():\n    sys.exit(3)\n",
    }
    expected = {
        "raise.py": "RuntimeError: no bucket (raise.py, line 2, in postprocess_handler)",
        "exit.py": "SystemExit: 3 (exit.py, line 4, in postprocess_handler)",
    }
    for name, text in failing.items():
        out = tmp_path / f"run-{name}"
        result = run(
            "analyze", "--capture", captures, "--baseline", baseline, "--out", out,
            "--postprocessor", _script(tmp_path, text, name),
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        assert result.output.splitlines()[-1] == (
            f"driftline: error: postprocess_handler failed: {expected[name]}"
        )
        assert "Traceback" not in result.output
        assert (out / "constraint_violations.json").is_file()  # the run's files stay


def test_not_called_after_a_failed_run(tmp_path: Path) -> None:
    """Only "after a successful monitoring run": a run with no usable record is Failed."""
    baseline, _ = _files(tmp_path)
    junk = write_lines(tmp_path / "junk.jsonl", ['{"not": "a capture"}'] * 3)
    result = run(
        "analyze", "--capture", junk, "--baseline", baseline, "--out", tmp_path / "run",
        "--postprocessor", _script(tmp_path, HELLO),
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.startswith("Failed")
    assert "Hello from post-proc script!" not in result.output


# A model-quality schedule's postprocessor reads the model-quality results.
MODEL_QUALITY_SUMMARY = """\
import json

def postprocess_handler():
    with open("/opt/ml/processing/output/model_quality/statistics.json") as f:
        metrics = json.load(f)["binary_classification_metrics"]
    with open("/opt/ml/processing/output/accuracy.txt", "w") as f:
        f.write(str(metrics["accuracy"]["value"]))
"""


def test_with_labels_it_runs_after_the_labelled_monitors_files(tmp_path: Path) -> None:
    """Accuracy by hand: the score > 0.5 is right for 30 of the 40 labelled captures."""
    rows = [(i % 2, 0.9 if i % 2 else 0.1, 20 + i % 40) for i in range(200)]
    data = write_csv(tmp_path / "validation.csv", ("label", "score", "age"), rows)
    baseline = tmp_path / "baseline"
    suggested = run(
        "baseline", "suggest", "--data", data, "--out", baseline,
        "--problem-type", "BinaryClassification", "--label-column", "label",
        "--probability-column", "score",
    )  # fmt: skip
    assert suggested.exit_code == 0, suggested.output
    scores = ["0.9" if i % 2 else "0.1" for i in range(40)]
    labels = [i % 2 if i % 4 else 1 - i % 2 for i in range(40)]  # every 4th is wrong
    captures = write_lines(
        tmp_path / "capture.jsonl",
        [capture_line(f"k{i}", f"{20 + i}", scores[i]) for i in range(40)],
    )
    truth = write_lines(
        tmp_path / "truth.jsonl", [label_line(f"k{i}", labels[i]) for i in range(40)]
    )
    out = tmp_path / "run"
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", out,
        "--ground-truth", truth, "--postprocessor", _script(tmp_path, MODEL_QUALITY_SUMMARY),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert float((out / "accuracy.txt").read_text()) == 30 / 40


# A baselining job's postprocessor reads the suggested constraints.
BASELINE_SUMMARY = """\
import json

def postprocess_handler():
    with open("/opt/ml/processing/output/constraints.json") as f:
        features = json.load(f)["features"]
    with open("/opt/ml/processing/output/types.txt", "w") as f:
        f.write(" ".join(f"{c['name']}:{c['inferred_type']}" for c in features))
"""


def test_baseline_suggest_runs_it_after_writing_the_baseline(tmp_path: Path) -> None:
    """It was "No such option: --postprocessor": the types are the file's (0.5, 20.., text)."""
    rows = [(0.5, 20 + i % 40, "basic") for i in range(200)]
    data = write_csv(tmp_path / "train.csv", ("score", "age", "plan"), rows)
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out,
        "--postprocessor", _script(tmp_path, BASELINE_SUMMARY),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "types.txt").read_text() == "score:Fractional age:Integral plan:String"


def test_baseline_suggest_refuses_a_script_without_the_handler_before_the_run(
    tmp_path: Path,
) -> None:
    data = write_csv(tmp_path / "train.csv", ("age",), [(20 + i,) for i in range(50)])
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out,
        "--postprocessor", _script(tmp_path, "x = 1\n"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"driftline: error: {tmp_path / 'post.py'} defines no postprocess_handler()"
    )
    assert not (out / "statistics.json").exists()


def test_baseline_suggest_reports_a_raising_handler_in_one_line(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "train.csv", ("age",), [(20 + i,) for i in range(50)])
    script = _script(tmp_path, 'def postprocess_handler():\n    raise KeyError("bucket")\n')
    result = run("baseline", "suggest", "--data", data, "--out", tmp_path / "b",
                 "--postprocessor", script)  # fmt: skip
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "driftline: error: postprocess_handler failed: KeyError: 'bucket' "
        "(post.py, line 2, in postprocess_handler)"
    )
