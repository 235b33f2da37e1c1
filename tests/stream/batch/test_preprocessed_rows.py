"""``analyze`` with a preprocessor: rows of text take the columnar profile, and equal the rows.

The reference is the row path (``DatasetProfile.update_many``), which ``text_columns``
returning None forces; the preprocessors are SageMaker-style scripts on disk. KLL sketches
are randomised, so two runs of either path agree on quantiles within the sketch's error.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from detectors.quality.statistics_json import statistics_to_json
from stream.batch import capture_analysis
from stream.batch.capture_analysis import AnalysisResult, CaptureAnalyzer
from stream.capture.preprocess import load_preprocessor
from stream.monitors.files import write_json
from tests.stream.batch.capture_runs import baseline_of
from tests.stream.batch.profile_checks import same_statistics
from tests.stream.batch.test_capture_columns import FEATURES, _lines, _record

SPLIT_TEXT = """
def preprocess_handler(inference_record):
    values = inference_record.endpoint_input.data.split(",")
    score = inference_record.endpoint_output.data
    if len(values) != 2:
        return []
    return {"score": score, "age": values[0], "plan": values[1]}
"""
TYPED = """
def preprocess_handler(inference_record):
    age, plan = inference_record.endpoint_input.data.split(",")
    score = float(inference_record.endpoint_output.data)
    return {"score": score, "age": int(age) if age.isdigit() else None, "plan": plan}
"""
_BASELINE = baseline_of(
    FEATURES, [{"score": f"0.{i}", "age": str(20 + i), "plan": "basic"} for i in range(99)]
)


def _analyze(
    path: Path, script: Path, *, rows_only: bool, mp: pytest.MonkeyPatch
) -> AnalysisResult:
    with mp.context() as patch:
        if rows_only:
            patch.setattr(capture_analysis, "text_columns", lambda rows, names: None)
        analyzer = CaptureAnalyzer(_BASELINE, preprocessor=load_preprocessor(script))
        analyzer.add_files([path])
        return analyzer.result()


@pytest.mark.parametrize("body", [SPLIT_TEXT, TYPED], ids=["text rows", "typed rows"])
def test_preprocessed_rows_profile_as_the_row_path_does(
    tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "preprocessor.py"
    script.write_text(body)
    path = tmp_path / "capture.jsonl"
    lines = _lines(seed=5, n=12_000)  # more than one flush of rows
    lines += [json.dumps(_record(",")).encode()]  # two empty texts: missing
    path.write_bytes(b"\n".join(lines) + b"\n")
    columnar = _analyze(path, script, rows_only=False, mp=monkeypatch)
    rows = _analyze(path, script, rows_only=True, mp=monkeypatch)
    assert columnar.counts == rows.counts and columnar.counts.rows > 12_000
    same_statistics(columnar.statistics, rows.statistics)  # sketches: within KLL's error
    assert [f.type_counts for f in columnar.statistics.features] == [
        f.type_counts for f in rows.statistics.features
    ]
    assert columnar.evaluation.violations == rows.evaluation.violations


def test_text_rows_take_the_columnar_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "preprocessor.py"
    script.write_text(SPLIT_TEXT)
    path = tmp_path / "capture.jsonl"
    rng = random.Random(2)
    rows = (f"{rng.randint(18, 90)},{rng.choice(['basic', 'gold'])}" for _ in range(300))
    path.write_bytes(b"".join(json.dumps(_record(row)).encode() + b"\n" for row in rows))
    taken: list[int] = []
    real = capture_analysis.text_columns

    def spy(rows: list, names: tuple[str, ...]) -> object:
        columns = real(rows, names)
        taken.append(len(rows) if columns is not None else 0)
        return columns

    monkeypatch.setattr(capture_analysis, "text_columns", spy)
    analyzer = CaptureAnalyzer(_BASELINE, preprocessor=load_preprocessor(script))
    analyzer.add_files([path])
    assert analyzer.result().counts.rows == 300
    assert taken == [300]


def test_a_row_holding_a_lone_surrogate_is_profiled_on_the_row_path(tmp_path: Path) -> None:
    """Text Python holds but UTF-8 cannot (a handler decoding with ``surrogateescape``)."""
    script = tmp_path / "preprocessor.py"
    script.write_text(
        "def preprocess_handler(inference_record):\n"
        "    age, plan = inference_record.endpoint_input.data.split(',')\n"
        "    plan = plan.encode().decode('ascii', 'surrogateescape') if age == '50' else plan\n"
        "    return {'score': '0.5', 'age': age, 'plan': plan}\n"
    )
    path = tmp_path / "capture.jsonl"
    rows = [f"{20 + i % 40},{'café' if i % 40 == 30 else 'basic'}" for i in range(400)]
    path.write_bytes(b"".join(json.dumps(_record(row)).encode() + b"\n" for row in rows))
    analyzer = CaptureAnalyzer(_BASELINE, preprocessor=load_preprocessor(script))
    analyzer.add_files([path])
    result = analyzer.result()
    assert result.counts.rows == 400 and not result.counts.errors
    plan = next(f for f in result.statistics.features if f.name == "plan")
    assert plan.num_present == 400
    # the statistics can be written: the bytes surrogateescape kept became U+FFFD, as the CSV
    # reader makes bytes that are not UTF-8 (this raised "surrogates not allowed" before)
    write_json(tmp_path / "statistics.json", statistics_to_json(result.statistics))
    written = (tmp_path / "statistics.json").read_text(encoding="utf-8")
    assert "caf\ufffd\ufffd" in written and "\\ud" not in written
