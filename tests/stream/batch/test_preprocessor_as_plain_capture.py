"""A splitting ``preprocess_handler`` gives the statistics of the same rows as plain CSV capture.

The reference is independent of the preprocessor path: the same CSV payloads analysed without
a script, read by the plain CSV capture reader (``capture_index_names=("endpointInput",)``),
each field named by its position in the baseline. A script that splits the payload into the
baseline's names returns exactly those rows, so every count, type and category must agree;
below KLL's exact size the statistics files are byte-equal, above it the sketches agree
within their error.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from detectors.quality.statistics_json import statistics_to_json
from stream.batch.capture_analysis import AnalysisResult, CaptureAnalyzer
from stream.capture.preprocess import load_preprocessor
from tests.stream.batch.capture_runs import baseline_of
from tests.stream.batch.profile_checks import same_statistics

FEATURES = ("age", "income", "plan", "note")
SPLITTING = """NAMES = {names!r}


def preprocess_handler(inference_record):
    return dict(zip(NAMES, inference_record.endpoint_input.data.split(",")))
"""
REVERSED = """NAMES = {names!r}


def preprocess_handler(inference_record):
    values = inference_record.endpoint_input.data.split(",")
    return {{name: values[i] for i, name in reversed(list(enumerate(NAMES)))}}
"""
# Texts Deequ types one by one: signs, exponents, blanks, booleans, a negative zero.
AWKWARD = ("1e3", "-0", " 7", "true", "+5", "0x1F", "NaN", "1.", ".5", "", "n/a")


def _payload(rng: random.Random) -> str:
    age = str(rng.randint(18, 90)) if rng.random() > 0.05 else ""
    income = f"{rng.lognormvariate(10, 1):.2f}" if rng.random() > 0.1 else rng.choice(AWKWARD)
    plan = rng.choice(["basic", "gold", "silver", ""])
    note = rng.choice(AWKWARD + ("ok", "late"))
    return ",".join((age, income, plan, note))


def _capture_file(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    lines = [
        json.dumps(
            {
                "captureData": {
                    "endpointInput": {
                        "observedContentType": "text/csv",
                        "mode": "INPUT",
                        "data": _payload(rng),
                        "encoding": "CSV",
                    }
                },
                "eventMetadata": {
                    "eventId": f"e{i}",
                    "inferenceId": f"i{i}",
                    "inferenceTime": "2024-03-05T14:07:31Z",
                },
                "eventVersion": "0",
            }
        )
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n")


_BASELINE = baseline_of(
    FEATURES,
    [{"age": str(20 + i % 50), "income": f"{1000 + i}.5", "plan": "basic", "note": "ok"}
     for i in range(200)],
)  # fmt: skip


def _analyze(path: Path, script: Path | None) -> AnalysisResult:
    analyzer = CaptureAnalyzer(
        _BASELINE,
        preprocessor=None if script is None else load_preprocessor(script),
        capture_index_names=("endpointInput",),
    )
    analyzer.add_files([path])
    return analyzer.result()


def _script(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "preprocessor.py"
    script.write_text(body.format(names=list(FEATURES)))
    return script


@pytest.mark.parametrize("body", [SPLITTING, REVERSED], ids=["in order", "keys reversed"])
def test_small_run_statistics_are_byte_equal_to_plain_capture(tmp_path: Path, body: str) -> None:
    path = tmp_path / "capture.jsonl"
    _capture_file(path, 390, seed=3)  # fewer rows than a KLL sketch (k=400) keeps exactly
    plain = _analyze(path, None)
    preprocessed = _analyze(path, _script(tmp_path, body))
    assert plain.counts.rows == preprocessed.counts.rows == 390
    assert json.dumps(statistics_to_json(preprocessed.statistics)) == json.dumps(
        statistics_to_json(plain.statistics)
    )
    assert preprocessed.evaluation.violations == plain.evaluation.violations
    assert preprocessed.status == plain.status


def test_large_run_statistics_agree_with_plain_capture(tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    _capture_file(path, 23_456, seed=4)  # several flushes of buffered rows, sketches compacted
    plain = _analyze(path, None)
    preprocessed = _analyze(path, _script(tmp_path, SPLITTING))
    assert (preprocessed.counts.records, preprocessed.counts.rows) == (23_456, 23_456)
    assert (plain.counts.records, plain.counts.rows) == (23_456, 23_456)
    same_statistics(preprocessed.statistics, plain.statistics, type_counts=True)
    want = {f.name: f.string for f in plain.statistics.features}
    assert {f.name: f.string for f in preprocessed.statistics.features} == want
