"""``driftline analyze --ground-truth/--shap`` and the worker give the same labelled figures.

The same records go through ``analyze`` (capture, label and SHAP files) and through
``WorkerState`` (capture, labels and attributions messages, one window, labels before and
after their predictions). The model-quality statistics, the bias analysis, the global SHAP
values, the violations and the join counts must be equal; the model-quality figures are
checked against scikit-learn as well.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from sklearn import metrics as skm

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.config.sections import (
    AttributionDriftSettings,
    BiasDriftSettings,
    ModelQualitySettings,
)
from stream.demo.labelled import (
    FACET,
    SyntheticModel,
    ground_truth_record,
    labelled_capture_record,
    write_labelled_baselines,
)
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.state import CAPTURE, PARTIALS, WorkerState
from tests.stream.cli.labeled_files import read_json, run, write_lines

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z, the fake clock's time
N = 600
MODEL = SyntheticModel()
COUNTS = {
    "label_coverage", "labelled_count", "prediction_count", "explained_count", "ndcg", "facet_rows",
    "unusable_label_count", "unusable_labels",
}  # fmt: skip


@pytest.fixture(scope="module")
def baseline_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("equal") / "baseline"
    write_labelled_baselines(folder, MODEL, n=4000)
    return folder


def _records(shap_in_capture: bool) -> list[tuple[str, dict[str, Any], Any]]:
    """N predictions in one 10 s window, the facet drifted; 12 outputs carry no SHAP values."""
    rng = random.Random(31)
    out = []
    for k, row in enumerate(MODEL.schema.rows(rng, N)):
        answer = MODEL.answer(rng, row, {FACET})
        key = f"q{k}"
        record = labelled_capture_record(key, T0 + k * 9.0 / N, row, answer)
        if not shap_in_capture or k % 50 == 7:
            output = orjson.loads(record["captureData"]["endpointOutput"]["data"])
            del output["shap"]
            record["captureData"]["endpointOutput"]["data"] = orjson.dumps(output).decode()
        out.append((key, record, answer))
    return out


def _labels(records: list[tuple[str, dict[str, Any], Any]]) -> tuple[list[Any], list[Any]]:
    """Labels for 5 of 6 predictions (the first 40 overwritten once), and 7 orphans."""
    labelled = [(key, a) for i, (key, _, a) in enumerate(records) if i % 6 != 5]
    early = [ground_truth_record(key, 1 - a.label) for key, a in labelled[:40]]
    early += [ground_truth_record(f"orphan-{i}", 1) for i in range(7)]
    early += [ground_truth_record(key, a.label) for key, a in labelled[:300]]
    late = [ground_truth_record(key, a.label) for key, a in labelled[300:]]
    return early, late


def _attributions(records: list[tuple[str, dict[str, Any], Any]]) -> list[dict[str, Any]]:
    """SHAP records for all but every 50th prediction, and 3 for keys never captured."""
    docs = [{"inferenceId": key, "shap": a.shap} for i, (key, _, a) in enumerate(records)
            if i % 50 != 7]  # fmt: skip
    return docs + [{"inferenceId": f"stray-{i}", "shap": records[i][2].shap} for i in range(3)]


def _lines(docs: list[Any]) -> bytes:
    return b"\n".join(orjson.dumps(d) for d in docs)


def _worker(clock: Any, folder: Path, shap_source: str) -> tuple[WorkerState, list[Any]]:
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0, allowed_lateness_seconds=0.0,
        idle_close_seconds=5.0, capture_index_names=("endpointInput",),
        model_quality=ModelQualitySettings(inference_attribute="label",
                                           probability_attribute="score"),
        bias=BiasDriftSettings(drift_check="point"),
        attribution=AttributionDriftSettings(shap_source=shap_source),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1), monitors=(monitor,))
    results: list[Any] = []
    state = WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=clock)
    state.on_result = results.append
    return state, results


def _run_worker(state: WorkerState, records: list[Any], shap_source: str) -> None:
    """Labels before and after their predictions; then a record of the next window closes it."""
    offsets: dict[str, int] = {}

    def send(source: str, value: bytes) -> None:
        offset = offsets[source] = offsets.get(source, -1) + 1
        if source == "capture":
            state.on_capture(0, offset, value)
        else:
            state.on_labelled(source, 0, offset, value)

    early, late = _labels(records)
    send("labels", _lines(early))
    if shap_source == "topic":
        send("attributions", _lines(_attributions(records)[::2]))
    for i in range(0, N, 100):
        send("capture", _lines([r for _, r, _ in records[i : i + 100]]))
    send("labels", _lines(late))
    if shap_source == "topic":
        send("attributions", _lines(_attributions(records)[1::2]))
    rng = random.Random(5)
    row = MODEL.schema.rows(rng, 1)[0]
    send("capture", _lines([labelled_capture_record("next", T0 + 15, row, MODEL.answer(rng, row))]))
    state.tick()
    for message in state.checkpoint(CAPTURE, 0).outbox:
        offset = offsets["partials"] = offsets.get("partials", -1) + 1
        state.on_partial(message.partition, offset, message.value)
    for partition in sorted(state.books[PARTIALS]):
        state.checkpoint(PARTIALS, partition)


def _run_analyze(tmp_path: Path, folder: Path, records: list[Any], shap_source: str) -> Path:
    early, late = _labels(records)
    captures = write_lines(tmp_path / "capture/m/v/2024/03/05/14/part.jsonl",
                           [orjson.dumps(r).decode() for _, r, _ in records])  # fmt: skip
    labels = write_lines(
        tmp_path / "labels.jsonl", [orjson.dumps(d).decode() for d in early + late]
    )
    out = tmp_path / "run"
    args = [
        "analyze", "--capture", captures.parent, "--baseline", folder, "--out", out,
        "--capture-index-names", "endpointInput", "--ground-truth", labels,
        "--inference-attribute", "label", "--probability-attribute", "score",
    ]  # fmt: skip
    if shap_source == "topic":
        docs = _attributions(records)
        shap = write_lines(tmp_path / "shap.jsonl", [orjson.dumps(d).decode() for d in docs])
        args += ["--shap", shap]
    result = run(*args)
    assert result.exit_code == 0, result.output
    (out / "stdout.txt").write_text(result.output)
    return out


def _latest(results: list[Any], monitor_type: str) -> Any:
    found = [r for r in results if getattr(r, "monitor_type", None) == monitor_type
             and r.window_start == T0]  # fmt: skip
    assert found, f"the worker published no {monitor_type} result"
    return found[-1]


def _sagemaker_part(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without driftline's counts and without the evaluation time."""
    out = {k: v for k, v in doc.items() if k not in COUNTS}
    if "dataset" in out:
        out["dataset"] = {k: v for k, v in out["dataset"].items() if k != "evaluation_time"}
    return out


@pytest.mark.parametrize("shap_source", ["capture", "topic"])
def test_analyze_equals_the_worker_on_the_same_records(
    tmp_path: Path, baseline_folder: Path, fake_clock: Any, shap_source: str
) -> None:
    records = _records(shap_in_capture=shap_source == "capture")
    state, results = _worker(fake_clock, baseline_folder, shap_source)
    _run_worker(state, records, shap_source)
    out = _run_analyze(tmp_path, baseline_folder, records, shap_source)
    mq = _latest(results, "model_quality").outcome
    bias = _latest(results, "bias_drift").outcome
    shap = _latest(results, "feature_attribution_drift").outcome

    written = read_json(out / "model_quality/statistics.json")
    assert not COUNTS & set(written)  # SageMaker's document only
    assert _sagemaker_part(written) == _sagemaker_part(mq.statistics)
    written_bias = read_json(out / "bias/analysis.json")
    assert not COUNTS & set(written_bias)
    assert written_bias == _sagemaker_part(bias.statistics)
    # SHAP values joined in another order (attributions before and after the captures):
    # the same sums up to rounding
    written_shap = read_json(out / "attribution/analysis.json")["explanations"]["kernel_shap"]
    worker_shap = shap.statistics["explanations"]["kernel_shap"]
    assert written_shap.keys() == worker_shap.keys() == {"label0"}
    values = written_shap["label0"]["global_shap_values"]
    assert values == pytest.approx(worker_shap["label0"]["global_shap_values"], rel=1e-12)

    for folder, outcome in (("model_quality", mq), ("bias", bias), ("attribution", shap)):
        doc = read_json(out / folder / "constraint_violations.json")
        assert doc["violations"] == [v.to_sagemaker() for v in outcome.violations], folder
    assert bias.violations  # the drifted facet is flagged by both

    counts = state.labelled["m"].join.counts
    labelled = mq.statistics["labelled_count"]
    assert (labelled, mq.statistics["prediction_count"]) == (counts.joined, N)
    summary = (out / "stdout.txt").read_text()
    assert f"labels: {labelled} of {N} captures joined" in summary
    assert f"{counts.superseded_labels} duplicate labels (last kept)" in summary
    assert f"{shap.statistics['explained_count']} explained records" in summary

    pairs = [(a.label, a) for i, (_, _, a) in enumerate(records) if i % 6 != 5]
    assert labelled == len(pairs)
    metrics = written["binary_classification_metrics"]
    y = [label for label, _ in pairs]
    assert metrics["accuracy"]["value"] == pytest.approx(
        skm.accuracy_score(y, [a.predicted for _, a in pairs]), abs=1e-12
    )
    auc = skm.roc_auc_score(y, [a.score for _, a in pairs])
    assert metrics["auc"]["value"] == pytest.approx(auc, abs=2e-3)  # a 10,000-bin histogram
