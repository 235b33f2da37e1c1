"""The worker's merged model-quality, bias and attribution figures against independent references.

Each test sends one window of capture records spread over four partitions to a real worker,
with their ground-truth labels, some of them after the window was published (late labels
that revise it), and compares the latest revision with figures computed here from the same
pairs: scikit-learn for model quality, FT and nDCG; numpy from the Clarify spec's formulas
(:mod:`tests.integration.clarify_reference`) for bias; numpy for the mean |SHAP| per feature.
None of the references calls driftline's own code.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from click.testing import CliRunner
from sklearn import metrics as skm

from stream.capture.partitioning import partition_for_key
from stream.capture.records import iso_utc
from stream.cli import main
from stream.kafka.keyed_producer import LABEL_KEY_PATHS, KeyedProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration import clarify_reference
from tests.integration.workers import WorkerProcess, read_json, wait_for

pytestmark = pytest.mark.kafka

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z
PARTITIONS = 4
FEATURES = ("x1", "x2", "x3", "age", "grp")


def _cli(*args: Any) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _capture(key: str, at: float, row: dict[str, Any], output: dict[str, Any]) -> dict[str, Any]:
    return {
        "captureData": {
            "endpointInput": {"observedContentType": "application/json", "mode": "INPUT",
                              "data": orjson.dumps(row).decode(), "encoding": "JSON"},
            "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                               "data": orjson.dumps(output).decode(), "encoding": "JSON"},
        },
        "eventMetadata": {"eventId": f"e-{key}", "inferenceId": key, "inferenceTime": iso_utc(at)},
        "eventVersion": "0",
    }  # fmt: skip


def _label(key: str, label: Any) -> dict[str, Any]:
    return {"groundTruthData": {"data": str(label), "encoding": "CSV"},
            "eventMetadata": {"eventId": key}, "eventVersion": "0"}  # fmt: skip


def _config(folder: Path, bootstrap: str, prefix: str, baseline: Path, monitors: str) -> Path:
    path = folder / "worker.toml"
    path.write_text(f"""
[kafka]
bootstrap_servers = "{bootstrap}"
topic_prefix = "{prefix}"
partitions = {PARTITIONS}
[worker]
label_flush_seconds = 0.5
[[monitor]]
name = "m"
baseline = "{baseline}"
window_seconds = 60
allowed_lateness_seconds = 1
idle_close_seconds = 3
capture_index_names = ["endpointInput"]
{monitors}
""")
    return path


def _baseline(folder: Path, header: list[str], rows: list[list[Any]], *options: Any) -> Path:
    """Data-quality plus labelled baselines of a training CSV."""
    data = "\n".join([",".join(header), *(",".join(map(str, r)) for r in rows)]) + "\n"
    (folder / "training.csv").write_text(data)
    _cli("baseline", "suggest", "--data", folder / "training.csv", "--out", folder / "baseline",
         *options)  # fmt: skip
    return folder / "baseline"


def _keys(n: int, prefix: str) -> list[str]:
    """``n`` inference ids; Kafka's partitioner spreads them over the four partitions."""
    return [f"{prefix}{k}" for k in range(n)]


def _partition(key: str) -> int:
    return partition_for_key(key.encode(), PARTITIONS)


def _latest(bootstrap: str, names: TopicNames, kind: str) -> dict[str, Any] | None:
    best = None
    for doc in read_json(bootstrap, names.statistics):
        if doc.get("monitor_type", "data_quality") != kind:
            continue
        if best is None or doc["revision"] > best["revision"]:
            best = doc
    return best


def _run(
    tmp_path: Path,
    bootstrap: str,
    baseline: Path,
    monitors: str,
    captures: list[dict[str, Any]],
    labels: list[dict[str, Any]],
    late: list[dict[str, Any]],
    kinds: tuple[str, ...],
    workers: int = 1,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(results with ``labels``, revised results with ``late`` as well), per monitor type.

    The window is published with ``labels`` before ``late`` are sent: those revise it.
    ``workers`` processes share the partitions (their partials cross the broker).
    """
    prefix = f"ref{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(bootstrap, names, PARTITIONS, 1, configs=names.configs)
    config = _config(tmp_path, bootstrap, prefix, baseline, monitors)
    running = [WorkerProcess(config, tmp_path / f"w{i}.log") for i in range(workers)]

    def results(labelled: int) -> dict[str, dict[str, Any]] | None:
        docs = {kind: _latest(bootstrap, names, kind) for kind in kinds}
        quality = docs.get("model_quality") or docs.get("bias_drift")
        if any(d is None for d in docs.values()) or quality is None:
            return None
        if docs.get("model_quality") and docs["model_quality"]["labelled_count"] != labelled:
            return None
        if docs.get("bias_drift") and docs["bias_drift"].get("labelled_count") != labelled:
            return None
        return docs  # type: ignore[return-value]

    try:
        wait_for(lambda: sum(w.assigned() for w in running) == PARTITIONS and all(
            w.assigned() for w in running), 90, "4 partitions owned")  # fmt: skip
        with KeyedProducer(bootstrap_servers=bootstrap, topic=names.capture,
                           linger_seconds=0.05, records_per_message=50) as producer:  # fmt: skip
            producer.send_many(captures)
        with KeyedProducer(bootstrap_servers=bootstrap, topic=names.labels,
                           linger_seconds=0.05, key_paths=LABEL_KEY_PATHS) as producer:  # fmt: skip
            producer.send_many(labels)
        first = wait_for(lambda: results(len(labels)), 60, "the window with the first labels")
        with KeyedProducer(bootstrap_servers=bootstrap, topic=names.labels,
                           linger_seconds=0.05, key_paths=LABEL_KEY_PATHS) as producer:  # fmt: skip
            producer.send_many(late)
        revised = wait_for(lambda: results(len(labels) + len(late)), 60, "the revised window")
    finally:
        for worker in running:
            worker.stop()
    return first, revised


def _assert_written_values(doc: dict[str, Any], facet: str, facet_value: str, label: str) -> None:
    """The ``value_or_threshold`` and ``label_value_or_threshold`` strings of both stages."""
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        assert doc[stage]["label_value_or_threshold"] == label, stage
        assert [e["value_or_threshold"] for e in doc[stage]["facets"][facet]] == [facet_value]


def _metric_values(doc: dict[str, Any], stage: str, facet: str) -> dict[str, float]:
    entries = doc[stage]["facets"][facet]
    assert len(entries) == 1, entries
    out = {}
    for m in entries[0]["metrics"]:
        value = m["value"]
        assert value is not None, m
        out[m["name"]] = {"Infinity": math.inf, "-Infinity": -math.inf}.get(value, value)
    return out


def _assert_bias(
    doc: dict[str, Any],
    facet: str,
    d: np.ndarray,
    y: np.ndarray,
    yhat: np.ndarray,
    group: np.ndarray,
    features: np.ndarray,
) -> None:
    pre = clarify_reference.pre_training(d, y, group)
    post = clarify_reference.post_training(d, y, yhat, group, features)
    ours_pre = _metric_values(doc, "pre_training_bias_metrics", facet)
    ours_post = _metric_values(doc, "post_training_bias_metrics", facet)
    assert set(pre) <= set(ours_pre), (sorted(pre), sorted(ours_pre))
    assert set(post) <= set(ours_post), (sorted(post), sorted(ours_post))
    wrong = {
        name: (ours[name], ref[name])
        for ref, ours in ((pre, ours_pre), (post, ours_post))
        for name in ref
        if ours[name] != pytest.approx(ref[name], rel=1e-9, abs=1e-12)
    }
    assert not wrong, wrong


# ---------------------------------------------------------------- multiclass + categorical facet

CLASSES = ("a", "b", "c", "d")
REGIONS = ("north", "south", "east", "west")


def _multiclass_row(
    rng: random.Random, classes: tuple[Any, ...]
) -> tuple[dict[str, Any], Any, Any]:
    row = {"x1": round(rng.gauss(0, 1), 6), "x2": round(rng.gauss(0, 1), 6),
           "region": rng.choice(REGIONS), "grp": rng.randrange(4)}  # fmt: skip
    actual = rng.choices(classes, weights=(4, 3, 2, 1))[0]
    skew = 0.5 if row["region"] in ("north", "east") else 0.2  # facet d is wronged more
    predicted = rng.choice(classes) if rng.random() < skew + 0.1 * row["grp"] else actual
    return row, actual, predicted


@pytest.mark.parametrize(
    ("classes", "as_output"),
    [(CLASSES, str), ((0, 1, 2, 3), int), ((0, 1, 2, 3), float)],
    ids=["text", "int", "float-output"],
)
def test_multiclass_quality_and_categorical_bias_merged(
    tmp_path, kafka_bootstrap, classes, as_output
):
    """Class labels as text, or as numbers: labels arrive as CSV text ("1"), predictions as
    JSON numbers (1, or 1.0 as a model serving floats writes them)."""
    rng = random.Random(3)
    positive = classes[:2]
    header = ["x1", "x2", "region", "grp", "label", "prediction"]
    training = []
    for _ in range(2000):
        row, actual, predicted = _multiclass_row(rng, classes)
        training.append([row["x1"], row["x2"], row["region"], row["grp"], actual, predicted])
    (tmp_path / "bias.json").write_bytes(orjson.dumps({
        "label": "label", "predicted_label": "prediction",
        "label_values_or_threshold": list(positive),
        "facet": [{"name_or_index": "region", "value_or_threshold": ["north", "east"]}],
        "group_variable": "grp",
    }))  # fmt: skip
    baseline = _baseline(tmp_path, header, training, "--problem-type", "MulticlassClassification",
                         "--label-column", "label", "--prediction-column", "prediction",
                         "--bias-config", tmp_path / "bias.json")  # fmt: skip
    traffic = []
    for i, key in enumerate(_keys(900, "mc")):
        row, actual, predicted = _multiclass_row(rng, classes)
        capture = _capture(key, T0 + i * 50.0 / 900, row, {"label": as_output(predicted)})
        traffic.append((key, row, actual, predicted, capture))
    labelled = [t for t in traffic if rng.random() < 0.85]
    cut = int(len(labelled) * 0.8)
    monitors = """
[monitor.model_quality]
problem_type = "MulticlassClassification"
inference_attribute = "label"
[monitor.bias]
drift_check = "point"
"""
    first, revised = _run(
        tmp_path, kafka_bootstrap, baseline, monitors, [t[4] for t in traffic],
        [_label(t[0], t[2]) for t in labelled[:cut]], [_label(t[0], t[2]) for t in labelled[cut:]],
        ("model_quality", "bias_drift"),
    )  # fmt: skip
    assert revised["model_quality"]["revision"] > first["model_quality"]["revision"]
    for docs, pairs in ((first, labelled[:cut]), (revised, labelled)):
        assert {_partition(t[0]) for t in pairs} == set(range(PARTITIONS))
        y = [t[2] for t in pairs]
        yhat = [t[3] for t in pairs]
        metrics = docs["model_quality"]["multiclass_classification_metrics"]
        expected = {"accuracy": skm.accuracy_score(y, yhat)}
        for name, fn in (("precision", skm.precision_score), ("recall", skm.recall_score),
                         ("f1", skm.f1_score)):  # fmt: skip
            expected[f"weighted_{name}"] = fn(y, yhat, average="weighted", zero_division=0)
        for beta, name in ((0.5, "f0_5"), (2.0, "f2")):
            expected[f"weighted_{name}"] = skm.fbeta_score(
                y, yhat, beta=beta, average="weighted", zero_division=0
            )
        got = {name: metrics[name]["value"] for name in expected}
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
        matrix = skm.confusion_matrix(y, yhat, labels=list(classes))
        written = metrics["confusion_matrix"]
        assert [[written[str(a)][str(p)] for p in classes] for a in classes] == matrix.tolist()
        # bias: the first two classes are positive; facet d is region north or east
        _assert_written_values(docs["bias_drift"], "region", "north,east",
                               ",".join(map(str, positive)))  # fmt: skip
        d = np.array([t[1]["region"] in ("north", "east") for t in pairs])
        _assert_bias(
            docs["bias_drift"], "region", d,
            np.array([v in positive for v in y]), np.array([v in positive for v in yhat]),
            np.array([t[1]["grp"] for t in pairs]),
            np.array([[t[1]["x1"], t[1]["x2"], t[1]["grp"]] for t in pairs], dtype=float),
        )  # fmt: skip


# ----------------------------------------- binary + numeric facet + attribution, late labels

WEIGHTS = {"x1": 1.2, "x2": -0.7, "x3": 0.3, "age": 0.04, "grp": -0.2}
LIVE_WEIGHTS = {**WEIGHTS, "x3": 1.5}  # x3 climbs from fourth to second: nDCG < 1
CENTRE = {"x1": 0.0, "x2": 0.0, "x3": 0.0, "age": 45.0, "grp": 1.5}


def _binary_row(
    rng: random.Random, weights: dict[str, float] = WEIGHTS
) -> tuple[dict[str, Any], float, int, dict[str, float]]:
    row = {"x1": round(rng.gauss(0, 1), 6), "x2": round(rng.gauss(0, 1), 6),
           "x3": round(rng.gauss(0, 1), 6), "age": round(rng.uniform(18, 80), 2),
           "grp": rng.randrange(4)}  # fmt: skip
    shap = {f: w * (row[f] - CENTRE[f]) for f, w in weights.items()}
    # four decimals: ties between rows, and no two distinct scores in one AUC bucket
    score = round(1 / (1 + math.exp(-sum(shap.values()))), 4)
    return row, score, int(rng.random() < score), shap


@pytest.mark.parametrize("workers", [1, 2])
def test_binary_auc_numeric_facet_bias_and_attribution_merged(tmp_path, kafka_bootstrap, workers):
    rng = random.Random(5)
    header = [*FEATURES, "label", "prediction", "probability"]
    training, shap_lines = [], []
    for k in range(2000):
        row, score, label, shap = _binary_row(rng)
        training.append([*(row[f] for f in FEATURES), label, int(score > 0.5), score])
        shap_lines.append(orjson.dumps({"inferenceId": f"t{k}", "shap": shap}).decode())
    (tmp_path / "shap.jsonl").write_text("\n".join(shap_lines) + "\n")
    (tmp_path / "bias.json").write_bytes(orjson.dumps({
        "label": "label", "predicted_label": "prediction", "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "age", "value_or_threshold": [40]}], "group_variable": "grp",
    }))  # fmt: skip
    baseline = _baseline(tmp_path, header, training, "--problem-type", "BinaryClassification",
                         "--label-column", "label", "--prediction-column", "prediction",
                         "--probability-column", "probability",
                         "--bias-config", tmp_path / "bias.json",
                         "--shap", tmp_path / "shap.jsonl")  # fmt: skip
    traffic = []
    for i, key in enumerate(_keys(900, "bi")):
        row, score, label, shap = _binary_row(rng, LIVE_WEIGHTS)
        # each partition's records carry SHAP values of all features but one of their own
        partition = _partition(key)
        shap = {f: v for j, (f, v) in enumerate(shap.items()) if j != partition}
        output = {"score": score, "label": int(score > 0.5), "shap": shap}
        capture = _capture(key, T0 + i * 50.0 / 900, row, output)
        traffic.append((key, row, label, score, shap, capture))
    labelled = [t for t in traffic if rng.random() < 0.85]
    cut = int(len(labelled) * 0.8)
    monitors = """
[monitor.model_quality]
problem_type = "BinaryClassification"
inference_attribute = "label"
probability_attribute = "score"
[monitor.bias]
drift_check = "point"
[monitor.attribution]
shap_source = "capture"
shap_path = "shap"
"""
    first, revised = _run(
        tmp_path, kafka_bootstrap, baseline, monitors, [t[5] for t in traffic],
        [_label(t[0], t[2]) for t in labelled[:cut]], [_label(t[0], t[2]) for t in labelled[cut:]],
        ("model_quality", "bias_drift", "feature_attribution_drift"), workers,
    )  # fmt: skip
    assert revised["model_quality"]["revision"] > first["model_quality"]["revision"]
    for docs, pairs in ((first, labelled[:cut]), (revised, labelled)):
        y = np.array([t[2] for t in pairs])
        scores = np.array([t[3] for t in pairs])
        yhat = (scores > 0.5).astype(int)
        metrics = docs["model_quality"]["binary_classification_metrics"]
        expected = {
            "accuracy": skm.accuracy_score(y, yhat),
            "precision": skm.precision_score(y, yhat, zero_division=0),
            "recall": skm.recall_score(y, yhat, zero_division=0),
            "f1": skm.f1_score(y, yhat, zero_division=0),
            "auc": skm.roc_auc_score(y, scores),
        }
        got = {name: metrics[name]["value"] for name in expected}
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
        # a continuous facet is written "(threshold, max]" as pandas prints a float interval
        top = max(t[1]["age"] for t in pairs)
        _assert_written_values(docs["bias_drift"], "age", f"(40.0, {top!r}]", "1")
        _assert_bias(
            docs["bias_drift"], "age", np.array([t[1]["age"] > 40 for t in pairs]),
            y.astype(bool), yhat.astype(bool), np.array([t[1]["grp"] for t in pairs]),
            np.array([[t[1][f] for f in ("x1", "x2", "x3", "grp")] for t in pairs], dtype=float),
        )  # fmt: skip

    # attribution: every capture counts, labelled or not; a feature's mean is over the
    # records that carried it
    attribution = revised["feature_attribution_drift"]
    live = attribution["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    expected_live = {
        f: float(np.mean([abs(t[4][f]) for t in traffic if f in t[4]])) for f in FEATURES
    }
    assert live == pytest.approx(expected_live, rel=1e-12)
    base = orjson.loads((baseline / "attribution" / "analysis.json").read_bytes())
    reference = base["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    features = list(reference)
    expected_ndcg = skm.ndcg_score(
        [[reference[f] for f in features]], [[expected_live[f] for f in features]]
    )
    assert expected_ndcg < 0.99
    assert attribution["ndcg"]["label0"] == pytest.approx(expected_ndcg, rel=1e-12)


# ------------------------------------------------------ regression + continuous label threshold


def _regression_row(rng: random.Random) -> tuple[dict[str, Any], float, float]:
    row = {"x1": round(rng.gauss(0, 1), 6), "x2": round(rng.gauss(0, 1), 6),
           "age": round(rng.uniform(18, 80), 2), "grp": rng.randrange(3)}  # fmt: skip
    actual = round(5.0 + 2.0 * row["x1"] - row["x2"] + rng.gauss(0, 1), 6)
    bias = 0.8 if row["age"] > 50 else 0.0  # the model overestimates for facet d
    predicted = round(5.0 + 2.0 * row["x1"] - row["x2"] + bias + rng.gauss(0, 0.7), 6)
    return row, actual, predicted


def test_regression_quality_and_threshold_bias_merged(tmp_path, kafka_bootstrap):
    rng = random.Random(7)
    header = ["x1", "x2", "age", "grp", "label", "prediction"]
    training = []
    for _ in range(2000):
        row, actual, predicted = _regression_row(rng)
        training.append([row["x1"], row["x2"], row["age"], row["grp"], actual, predicted])
    (tmp_path / "bias.json").write_bytes(orjson.dumps({
        "label": "label", "predicted_label": "prediction", "label_values_or_threshold": [6.0],
        "facet": [{"name_or_index": "age", "value_or_threshold": [50]}], "group_variable": "grp",
    }))  # fmt: skip
    baseline = _baseline(tmp_path, header, training, "--problem-type", "Regression",
                         "--label-column", "label", "--prediction-column", "prediction",
                         "--bias-config", tmp_path / "bias.json")  # fmt: skip
    traffic = []
    for i, key in enumerate(_keys(900, "rg")):
        row, actual, predicted = _regression_row(rng)
        capture = _capture(key, T0 + i * 50.0 / 900, row, {"prediction": predicted})
        traffic.append((key, row, actual, predicted, capture))
    labelled = [t for t in traffic if rng.random() < 0.85]
    cut = int(len(labelled) * 0.8)
    monitors = """
[monitor.model_quality]
problem_type = "Regression"
inference_attribute = "prediction"
[monitor.bias]
drift_check = "point"
"""
    first, revised = _run(
        tmp_path, kafka_bootstrap, baseline, monitors, [t[4] for t in traffic],
        [_label(t[0], t[2]) for t in labelled[:cut]], [_label(t[0], t[2]) for t in labelled[cut:]],
        ("model_quality", "bias_drift"),
    )  # fmt: skip
    assert revised["model_quality"]["revision"] > first["model_quality"]["revision"]
    for docs, pairs in ((first, labelled[:cut]), (revised, labelled)):
        y = np.array([t[2] for t in pairs])
        yhat = np.array([t[3] for t in pairs])
        metrics = docs["model_quality"]["regression_metrics"]
        expected = {
            "mae": skm.mean_absolute_error(y, yhat),
            "mse": skm.mean_squared_error(y, yhat),
            "rmse": math.sqrt(skm.mean_squared_error(y, yhat)),
            "r2": skm.r2_score(y, yhat),
        }
        got = {name: metrics[name]["value"] for name in expected}
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
        # bias: a label (or prediction) above 6.0 is positive; facet d is age above 50
        _assert_written_values(docs["bias_drift"], "age",
                               f"(50.0, {max(t[1]['age'] for t in pairs)!r}]",
                               f"(6.0, {float(y.max())!r}]")  # fmt: skip
        _assert_bias(
            docs["bias_drift"], "age", np.array([t[1]["age"] > 50 for t in pairs]),
            y > 6.0, yhat > 6.0, np.array([t[1]["grp"] for t in pairs]),
            np.array([[t[1][f] for f in ("x1", "x2", "grp")] for t in pairs], dtype=float),
        )  # fmt: skip


def test_one_versus_all_facet_merged(tmp_path, kafka_bootstrap):
    """A facet with no value: one entry per value, each against the rest, from four partitions
    (fewer rows than the flip test's sample holds, so FT is exact too)."""
    rng = random.Random(11)
    header = ["x1", "x2", "region", "grp", "label", "prediction"]
    training = []
    for _ in range(2000):
        row, actual, predicted = _multiclass_row(rng, CLASSES)
        training.append([row["x1"], row["x2"], row["region"], row["grp"], actual, predicted])
    (tmp_path / "bias.json").write_bytes(orjson.dumps({
        "label": "label", "predicted_label": "prediction", "label_values_or_threshold": ["a"],
        "facet": [{"name_or_index": "region"}], "group_variable": "grp",
    }))  # fmt: skip
    baseline = _baseline(tmp_path, header, training, "--bias-config", tmp_path / "bias.json")
    traffic = []
    for i, key in enumerate(_keys(500, "ova")):
        row, actual, predicted = _multiclass_row(rng, CLASSES)
        capture = _capture(key, T0 + i * 50.0 / 500, row, {"label": predicted})
        traffic.append((key, row, actual, predicted, capture))
    labelled = [t for t in traffic if rng.random() < 0.85]
    cut = int(len(labelled) * 0.8)
    monitors = """
[monitor.bias]
inference_attribute = "label"
drift_check = "point"
"""
    first, revised = _run(
        tmp_path, kafka_bootstrap, baseline, monitors, [t[4] for t in traffic],
        [_label(t[0], t[2]) for t in labelled[:cut]], [_label(t[0], t[2]) for t in labelled[cut:]],
        ("bias_drift",),
    )  # fmt: skip
    assert revised["bias_drift"]["revision"] > first["bias_drift"]["revision"]
    for docs, pairs in ((first, labelled[:cut]), (revised, labelled)):
        doc = docs["bias_drift"]
        y = np.array([t[2] == "a" for t in pairs])
        yhat = np.array([t[3] == "a" for t in pairs])
        group = np.array([t[1]["grp"] for t in pairs])
        features = np.array([[t[1]["x1"], t[1]["x2"], t[1]["grp"]] for t in pairs], dtype=float)
        regions = [t[1]["region"] for t in pairs]
        for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
            entries = doc[stage]["facets"]["region"]
            assert sorted(e["value_or_threshold"] for e in entries) == sorted(REGIONS)
        for value in REGIONS:
            single = {
                stage: {"facets": {"region": [
                    e for e in doc[stage]["facets"]["region"] if e["value_or_threshold"] == value
                ]}}
                for stage in ("pre_training_bias_metrics", "post_training_bias_metrics")
            }  # fmt: skip
            d = np.array([r == value for r in regions])
            _assert_bias(single, "region", d, y, yhat, group, features)
