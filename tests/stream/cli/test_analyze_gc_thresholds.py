"""``analyze`` collects cycles as rarely as the worker while records stream through.

Every record through a ``preprocess_handler`` allocates a dozen short-lived containers; at
CPython's default thresholds (700, 10, 10) they set off collections that walk the heap. The
reference is the worker's figure, :data:`~stream.capture.gc_thresholds.GC_THRESHOLDS`,
which the handler must see while it runs; the thresholds before the run come back after it.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

from stream.capture.gc_thresholds import GC_THRESHOLDS
from tests.stream.cli.labeled_files import capture_line, run, write_csv, write_lines

# Records the collector's thresholds each time it runs, in SageMaker's output folder.
SCRIPT = """\
import gc, json

def preprocess_handler(inference_record):
    with open("/opt/ml/processing/output/thresholds.jsonl", "a") as f:
        f.write(json.dumps(gc.get_threshold()) + "\\n")
    age, sex = inference_record.endpoint_input.data.split(",")
    return {"age": age, "sex": sex}
"""


def test_the_handler_runs_under_the_workers_thresholds_and_they_are_restored(
    tmp_path: Path,
) -> None:
    rows = [(20 + i % 50, "F" if i % 2 else "M") for i in range(40)]
    data = write_csv(tmp_path / "train.csv", ("age", "sex"), rows)
    baseline = tmp_path / "baseline"
    assert run("baseline", "suggest", "--data", data, "--out", baseline).exit_code == 0
    captures = write_lines(
        tmp_path / "capture.jsonl",
        [capture_line(f"k{i}", f"{a},{s}", "1") for i, (a, s) in enumerate(rows)],
    )
    script = tmp_path / "pre.py"
    script.write_text(SCRIPT)
    out = tmp_path / "run"
    before = gc.get_threshold()
    result = run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", out,
        "--preprocessor", script,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    seen = (out / "preprocessor" / "thresholds.jsonl").read_text().splitlines()
    assert len(seen) == 40
    assert {tuple(json.loads(line)) for line in seen} == {(50_000, 20, 20)} == {GC_THRESHOLDS}
    assert gc.get_threshold() == before
