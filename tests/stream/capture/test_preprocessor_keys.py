"""A preprocessor row's keys are the columns SageMaker reads back from ``json.dumps``.

SageMaker's container prints ``json.dumps(preprocess_handler(record))`` and reads the line
as JSON (spec §9.6), so a key may be any type ``json.dumps`` takes: AWS's documented
custom-sampling example returns ``{i: None if x == -1 else x for i, x in enumerate(...)}``
(``int`` keys), and a script may mix them with names (``{0: .., 1: .., "plan": ..}``).
Columns that are not all baseline names are ordered by key, as text (spec §9.5: AWS
zero-pads numeric keys so that this order is the positional one).

The expected columns are worked out with Python's own ``json`` module, not with driftline:
``json.loads(json.dumps(row))`` is what SageMaker reads, ``sorted`` its key order. Before,
a row mixing ``int`` and ``str`` keys stopped ``analyze`` with "unexpected TypeError … (a bug
in driftline)" and raised out of the worker's capture path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from detectors.quality.statistics_json import statistics_to_json
from stream.capture.preprocess import load_preprocessor
from stream.capture.records import CaptureError
from stream.capture.rows import RowBuilder
from stream.cli import main
from tests.stream.capture.test_aws_style_preprocessors import _record, _script

FEATURES = ("score", "age", "plan")

# AWS's documented custom-sampling shape, with int keys (sampling left out: every record kept)
INT_KEYS = """\
def preprocess_handler(inference_record):
    output_data = inference_record.endpoint_output.data.rstrip("\\n")
    input_data = inference_record.endpoint_input.data
    values = (output_data + "," + input_data).split(",")
    return {i: None if x == "-1" else x for i, x in enumerate(values)}
"""

MIXED_KEYS = """\
def preprocess_handler(inference_record):
    age, plan = inference_record.endpoint_input.data.split(",")
    return {0: float(inference_record.endpoint_output.data), 1: int(age), "plan": plan}
"""

TUPLE_KEY = """\
def preprocess_handler(inference_record):
    return {("age", 0): inference_record.endpoint_input.data}
"""


def sagemaker_columns(row: dict) -> dict:
    """The row as SageMaker reads it back, named positionally from the baseline by key order."""
    read_back = json.loads(json.dumps(row))
    names = [*FEATURES, *(f"_c{i}" for i in range(len(FEATURES), len(read_back)))]
    return {names[i]: read_back[key] for i, key in enumerate(sorted(read_back))}


def test_int_keys_of_the_documented_sampling_example_name_the_baseline_columns(tmp_path):
    pre = load_preprocessor(_script(tmp_path, INT_KEYS), tmp_path / "out")
    builder = RowBuilder(features=FEATURES)
    rows = [builder.rows_from_mapping(r) for r in pre.rows(_record("-1,basic", "0.9", "CSV"))]
    assert rows == [{"score": "0.9", "age": None, "plan": "basic"}]


def test_int_and_str_keys_together_are_read_as_their_json_text(tmp_path):
    pre = load_preprocessor(_script(tmp_path, MIXED_KEYS), tmp_path / "out")
    (row,) = pre.rows(_record("41,basic", "0.87", "CSV"))
    assert row == {"0": 0.87, "1": 41, "plan": "basic"}
    expected = sagemaker_columns({0: 0.87, 1: 41, "plan": "basic"})
    assert RowBuilder(features=FEATURES).rows_from_mapping(row) == expected
    assert expected == {"score": 0.87, "age": 41, "plan": "basic"}
    assert pre.error_counts == {}


def test_twelve_int_keys_take_the_order_of_their_json_text(tmp_path):
    """``0, 1, 10, 11, 2, …``: why AWS's own scripts write ``str(i).zfill(20)``."""
    pre = load_preprocessor(_script(tmp_path, INT_KEYS), tmp_path / "out")
    inputs = ",".join(str(v) for v in range(101, 112))  # 11 inputs after the one output
    (row,) = pre.rows(_record(inputs, "100", "CSV"))
    named = RowBuilder(features=FEATURES).rows_from_mapping(row)
    returned = {i: str(100 + i) for i in range(12)}
    assert named == sagemaker_columns(returned)
    assert list(named.items())[:4] == [("score", "100"), ("age", "101"), ("plan", "110"),
                                       ("_c3", "111")]  # fmt: skip


def test_a_key_json_cannot_write_fails_only_its_record(tmp_path):
    pre = load_preprocessor(_script(tmp_path, TUPLE_KEY), tmp_path / "out")
    with pytest.raises(TypeError):
        json.dumps({("age", 0): "41"})  # as SageMaker's container would fail on it
    for _ in range(2):
        with pytest.raises(CaptureError, match="key \\('age', 0\\) is a tuple") as info:
            pre.rows(_record("41,basic", "0.5", "CSV"))
        assert info.value.reason == "preprocessor_error"
    assert pre.error_counts == {"bad return": 2}


def _capture_line(i: int, score: float, age: int, plan: str) -> str:
    return json.dumps({
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                              "data": f"{age},{plan}", "encoding": "CSV"},
            "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT",
                               "data": f"{score}", "encoding": "CSV"},
        },
        "eventMetadata": {"eventId": f"e{i}", "inferenceTime": "2024-03-05T14:07:31Z"},
        "eventVersion": "0",
    })  # fmt: skip


def test_analyze_profiles_the_rows_of_a_mixed_key_script(tmp_path: Path) -> None:
    train = tmp_path / "train.csv"
    train.write_text("score,age,plan\n" + "".join(
        f"{i / 100},{20 + i % 40},{'gold' if i % 3 else 'basic'}\n" for i in range(100)
    ))  # fmt: skip
    rows = [(i / 50, 25 + i % 30, "basic" if i % 2 else "gold") for i in range(50)]
    capture = tmp_path / "capture.jsonl"
    capture.write_text("".join(_capture_line(i, *row) + "\n" for i, row in enumerate(rows)))
    runner = CliRunner()
    made = runner.invoke(main, ["baseline", "suggest", "--data", str(train), "--out",
                                str(tmp_path / "base")])  # fmt: skip
    assert made.exit_code == 0, made.output
    result = runner.invoke(main, [
        "analyze", "--capture", str(capture), "--baseline", str(tmp_path / "base"),
        "--out", str(tmp_path / "out"), "--preprocessor", str(_script(tmp_path, MIXED_KEYS)),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "bug in driftline" not in result.output
    stats = json.loads((tmp_path / "out" / "statistics.json").read_text())
    features = {f["name"]: f for f in stats["features"]}
    assert list(features) == list(FEATURES)
    age = features["age"]["numerical_statistics"]
    assert age["common"]["num_present"] == 50
    assert age["sum"] == sum(a for _, a, _ in rows)
    assert features["score"]["numerical_statistics"]["max"] == max(s for s, _, _ in rows)


WORKER_MIXED_KEYS = """\
def preprocess_handler(inference_record):
    values = inference_record.endpoint_input.data.split(",")
    row = {i: v for i, v in enumerate(values[:4])}
    row.update({"plan": values[4], "region": values[5]})
    return row
"""


def test_the_worker_counts_the_rows_of_a_mixed_key_script(fake_clock, tmp_path):
    """A message of such records was dead-lettered whole as ``internal_error``."""
    from tests.stream.worker.test_capture_path import T0, batch, records_at, rows_by_window, runtime

    pre = load_preprocessor(_script(tmp_path, WORKER_MIXED_KEYS), tmp_path / "out")
    rt = runtime(fake_clock, preprocessor=pre)
    records = records_at([T0 + k / 10 for k in range(40)])
    assert rt.update(0, 0, batch(records)) == []
    assert rows_by_window(rt) == {T0: 40}
    (window,) = [window for _, window in rt.table]
    window.flush()
    stats = {f["name"]: f for f in statistics_to_json(window.profile.statistics())["features"]}
    income = [float(r["captureData"]["endpointInput"]["data"].split(",")[1]) for r in records]
    assert stats["income"]["numerical_statistics"]["sum"] == pytest.approx(sum(income))
    assert stats["region"]["string_statistics"]["common"]["num_present"] == 40


HUGE_INT_KEY = """\
def preprocess_handler(inference_record):
    return {10 ** 5000: inference_record.endpoint_input.data}
"""


def test_an_int_key_json_cannot_write_fails_its_record_as_a_preprocessor_error(tmp_path):
    """Python writes at most 4,300 digits of an int (its default limit): json.dumps raises
    ValueError, so SageMaker's container fails the record. It was the same ValueError out of
    the worker's capture path (the whole message dead-lettered internal_error)."""
    with pytest.raises(ValueError, match="4300 digits"):
        json.dumps({10**5000: "41"})
    pre = load_preprocessor(_script(tmp_path, HUGE_INT_KEY), tmp_path / "out")
    with pytest.raises(CaptureError, match="key json cannot write") as info:
        pre.rows(_record("41,basic", "0.5", "CSV"))
    assert info.value.reason == "preprocessor_error"
    assert pre.error_counts == {"bad return": 1}


DEEP_VALUE = """\
def preprocess_handler(inference_record):
    value = []
    for _ in range(5000):
        value = [value]
    score = float(inference_record.endpoint_output.data)
    return {"score": value if score > 0.9 else score, "age": 30, "plan": "basic"}
"""


def test_analyze_counts_a_row_value_nested_too_deep_as_the_worker_does(tmp_path: Path) -> None:
    """A handler's 5,000-deep list stopped analyze with "unexpected RecursionError … (a bug in
    driftline)"; the worker refuses such a record as too_deep (rows.MAX_NESTING, 32 levels)."""
    train = tmp_path / "train.csv"
    train.write_text("score,age,plan\n" + "".join(f"{i / 100},30,basic\n" for i in range(100)))
    scores = [0.25, 0.5, 0.95, 0.75]  # the third is the deep one
    capture = tmp_path / "capture.jsonl"
    capture.write_text("".join(_capture_line(i, s, 30, "basic") + "\n"
                               for i, s in enumerate(scores)))  # fmt: skip
    runner = CliRunner()
    made = runner.invoke(main, ["baseline", "suggest", "--data", str(train), "--out",
                                str(tmp_path / "base")])  # fmt: skip
    assert made.exit_code == 0, made.output
    result = runner.invoke(main, [
        "analyze", "--capture", str(capture), "--baseline", str(tmp_path / "base"),
        "--out", str(tmp_path / "out"), "--preprocessor", str(_script(tmp_path, DEEP_VALUE)),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 bad records (too_deep=1)" in result.output
    stats = json.loads((tmp_path / "out" / "statistics.json").read_text())
    score = {f["name"]: f for f in stats["features"]}["score"]["numerical_statistics"]
    assert score["common"]["num_present"] == 3 and score["sum"] == 0.25 + 0.5 + 0.75
