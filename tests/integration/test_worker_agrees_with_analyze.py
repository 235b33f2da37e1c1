"""``driftline worker`` and ``driftline analyze`` give the same figures for the same hour.

The same capture records (JSON input with a missing value, a string in a numeric column, a
new category, an absent baseline column and an extra one; JSON output with score, label and
SHAP values) and ground-truth labels go through ``analyze`` as files and through a worker on
the broker, whose one window holds them all, spread over four partitions. The worker merges
the four partitions' profiles; ``analyze`` profiles the file at once. The partitions hold
579, 659, 698 and 770 records: whatever order the aggregator merges them in, the merged KLL
sketches' lowest level is empty, the case DataSketches 5.2's iterator weighs wrongly.

References: counts and moments equal; each side's bucket counts within the sketch's rank
error (1 % of the values) of numpy's exact counts in the same buckets; the same violations
(drift distances within the two sketches' error); model quality, bias and global SHAP values
equal, accuracy equal to scikit-learn's and nDCG to scikit-learn's ``ndcg_score``.
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
from sklearn.metrics import ndcg_score

from stream.capture.partitioning import partition_for_key
from stream.capture.records import iso_utc
from stream.cli import main
from stream.kafka.keyed_producer import LABEL_KEY_PATHS, KeyedProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.workers import WorkerProcess, read_json, wait_for

pytestmark = pytest.mark.kafka

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z
PER_PARTITION = (579, 659, 698, 770)  # every merge order leaves level 0 of the sketches empty
NUMERIC = ("income", "age", "balance", "tenure")
WEIGHTS = {"income": 0.8, "age": -0.05, "balance": 0.3}  # of the logit, per unit from CENTRE
CENTRE = {"income": 0.0, "age": 50.0, "balance": 5.0}
RANK_ERROR = 0.01  # of the values: the KLL sketch's (k = 400) single-rank error is ~0.7 %


def _row(rng: random.Random, live: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "income": round(rng.gauss(1.0 if live else 0.0, 1.0), 6),  # drifts
        "age": rng.randrange(18, 80),
        "balance": None if rng.random() < 0.1 else round(rng.gauss(5.0, 2.0), 6),
        "tenure": round(rng.expovariate(0.2), 6),
        "region": rng.choice(["north", "south", "east", "west"]),
        "plan": rng.choice(["a", "b", "c"] if live else ["a", "b"]),
    }
    if live:
        row["extra"] = 1.5  # not a baseline column; "channel" is absent
        if rng.random() < 0.05:
            row["tenure"] = "n/a"
    else:
        row["channel"] = rng.choice(["web", "app"])
    return row


def _answer(rng: random.Random, row: dict[str, Any]) -> tuple[float, int, int, dict[str, float]]:
    """Score, predicted label, true label and the linear logit's SHAP values of a row."""
    shap = {f: w * ((row[f] or CENTRE[f]) - CENTRE[f]) for f, w in WEIGHTS.items()}
    shap["region"] = -0.6 if row["region"] == "north" else 0.2
    score = 1 / (1 + math.exp(-sum(shap.values())))
    return score, int(score > 0.5), int(rng.random() < score), shap


def _training(folder: Path) -> None:
    rng = random.Random(1)
    header = [*NUMERIC, "region", "plan", "channel"]
    data, labelled, shap = (
        [",".join(header)],
        [",".join([*header, "label", "prediction", "probability"])],
        [],
    )
    for k in range(3000):
        row = _row(rng, live=False)
        score, predicted, label, values = _answer(rng, row)
        cells = ["" if row[f] is None else str(row[f]) for f in header]
        data.append(",".join(cells))
        labelled.append(",".join([*cells, str(label), str(predicted), str(score)]))
        shap.append(orjson.dumps({"inferenceId": f"t{k}", "shap": values}).decode())
    (folder / "features.csv").write_text("\n".join(data) + "\n")
    (folder / "training.csv").write_text("\n".join(labelled) + "\n")
    (folder / "shap.jsonl").write_text("\n".join(shap) + "\n")
    (folder / "bias.json").write_bytes(orjson.dumps({
        "label": "label", "predicted_label": "prediction", "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "region", "value_or_threshold": ["north"]}],
    }))  # fmt: skip


def _cli(*args: Any) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data quality from the inputs; model quality, bias and attribution beside it."""
    folder = tmp_path_factory.mktemp("agree")
    _training(folder)
    _cli("baseline", "suggest", "--data", folder / "features.csv", "--out", folder / "baseline")
    _cli("baseline", "suggest", "--data", folder / "training.csv", "--out", folder / "labelled",
         "--problem-type", "BinaryClassification", "--label-column", "label",
         "--prediction-column", "prediction", "--probability-column", "probability",
         "--bias-config", folder / "bias.json", "--shap", folder / "shap.jsonl")  # fmt: skip
    for part in ("model_quality", "bias", "attribution"):
        (folder / "labelled" / part).rename(folder / "baseline" / part)
    return folder / "baseline"


def _traffic() -> list[tuple[str, dict[str, Any], dict[str, Any], int, float]]:
    """(key, capture record, row, true label, score), PER_PARTITION records per partition."""
    rng = random.Random(2)
    wanted, out, k = list(PER_PARTITION), [], 0
    while any(wanted):
        key = f"r{k}"
        k += 1
        partition = partition_for_key(key.encode(), 4)
        if not wanted[partition]:
            continue
        wanted[partition] -= 1
        row = _row(rng, live=True)
        score, predicted, label, shap = _answer(rng, row)
        output = {"score": score, "label": predicted, "shap": shap}
        record = {
            "captureData": {
                "endpointInput": {"observedContentType": "application/json", "mode": "INPUT",
                                  "data": orjson.dumps(row).decode(), "encoding": "JSON"},
                "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                                   "data": orjson.dumps(output).decode(), "encoding": "JSON"},
            },
            "eventMetadata": {"eventId": f"e-{key}", "inferenceId": key,
                              "inferenceTime": iso_utc(T0 + len(out) * 50.0 / sum(PER_PARTITION))},
            "eventVersion": "0",
        }  # fmt: skip
        out.append((key, record, row, label, score))
    return out


def _label(key: str, label: int) -> dict[str, Any]:
    return {"groundTruthData": {"data": str(label), "encoding": "CSV"},
            "eventMetadata": {"eventId": key}, "eventVersion": "0"}  # fmt: skip


def _config(folder: Path, bootstrap: str, prefix: str, baseline: Path) -> Path:
    path = folder / "worker.toml"
    path.write_text(f"""
[kafka]
bootstrap_servers = "{bootstrap}"
topic_prefix = "{prefix}"
partitions = 4
[worker]
label_flush_seconds = 0.5
[[monitor]]
name = "m"
baseline = "{baseline}"
window_seconds = 60
allowed_lateness_seconds = 1
idle_close_seconds = 3
capture_index_names = ["endpointInput"]
[monitor.model_quality]
problem_type = "BinaryClassification"
inference_attribute = "label"
probability_attribute = "score"
[monitor.bias]
drift_check = "point"
[monitor.attribution]
shap_source = "capture"
shap_path = "shap"
""")
    return path


def _worker_results(bootstrap: str, names: TopicNames, labelled: int) -> dict[str, Any]:
    """The latest result of each monitor type once every label has joined."""

    def latest() -> dict[str, Any] | None:
        best: dict[str, Any] = {}
        for doc in read_json(bootstrap, names.statistics):
            kind = doc.get("monitor_type", "data_quality")
            if kind not in best or doc["revision"] > best[kind]["revision"]:
                best[kind] = doc
        quality = best.get("model_quality")
        done = len(best) == 4 and quality is not None and quality["labelled_count"] == labelled
        return best if done else None

    return wait_for(latest, 60, "the four monitors' results with every label")


def _exact_buckets(values: np.ndarray, buckets: list[dict[str, float]]) -> np.ndarray:
    """Counts in the same buckets as SageMaker's: [lower, upper), the last one closed."""
    edges = np.array([b["lower_bound"] for b in buckets] + [buckets[-1]["upper_bound"]])
    below = np.searchsorted(np.sort(values), edges, side="left").astype(np.float64)
    below[-1] = values.size
    return np.diff(below)


def _assert_statistics_agree(file: dict[str, Any], topic: dict[str, Any], rows: list[dict]) -> None:
    assert file["dataset"]["item_count"] == topic["dataset"]["item_count"] == len(rows)
    ours, theirs = ({f["name"]: f for f in doc["features"]} for doc in (file, topic))
    assert ours.keys() == theirs.keys()
    for name, a in ours.items():
        b = theirs[name]
        assert a["inferred_type"] == b["inferred_type"], name
        assert ("string_statistics" in a) == ("string_statistics" in b), name
        if "string_statistics" in a:
            assert a["string_statistics"] == b["string_statistics"], name
        if "numerical_statistics" not in a:
            assert "numerical_statistics" not in b, name
            continue
        na, nb = a["numerical_statistics"], b["numerical_statistics"]
        assert na["common"] == nb["common"], name
        for field in ("mean", "sum", "std_dev", "min", "max"):
            assert na[field] == pytest.approx(nb[field], rel=1e-9, abs=1e-12), (name, field)
        values = np.array([r[name] for r in rows if isinstance(r.get(name), int | float)], float)
        for side in (na, nb):
            buckets = side["distribution"]["kll"]["buckets"]
            counts = np.array([b["count"] for b in buckets])
            # every value is in a bucket: here each last edge (min + width * 10 / 10, as
            # Deequ computes it) is the max exactly, which float rounding need not give
            assert counts.sum() == side["common"]["num_present"] == values.size, name
            exact = _exact_buckets(values, buckets)
            assert np.abs(np.cumsum(counts) - np.cumsum(exact)).max() <= RANK_ERROR * values.size


def _by(violations: list[dict[str, Any]], *fields: str) -> dict[tuple, dict[str, Any]]:
    return {tuple(v.get(f) for f in fields): v for v in violations}


def test_worker_and_analyze_agree_on_one_hour(tmp_path, kafka_bootstrap, baseline):
    traffic = _traffic()
    labelled = [(key, label) for i, (key, _, _, label, _) in enumerate(traffic) if i % 5 != 4]
    captures = tmp_path / "capture" / "ep" / "AllTraffic" / "2024" / "03" / "05" / "14"
    captures.mkdir(parents=True)
    (captures / "00-00-000.jsonl").write_bytes(b"\n".join(orjson.dumps(t[1]) for t in traffic))
    truth = tmp_path / "groundtruth" / "2024" / "03" / "05" / "14"
    truth.mkdir(parents=True)
    (truth / "labels.jsonl").write_bytes(b"\n".join(orjson.dumps(_label(*x)) for x in labelled))
    out = tmp_path / "report"
    _cli("analyze", "--capture", tmp_path / "capture", "--baseline", baseline, "--out", out,
         "--ground-truth", tmp_path / "groundtruth", "--inference-attribute", "label",
         "--probability-attribute", "score", "--capture-index-names", "endpointInput")  # fmt: skip

    prefix = f"agree{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    worker = WorkerProcess(_config(tmp_path, kafka_bootstrap, prefix, baseline), tmp_path / "w.log")
    try:
        wait_for(lambda: worker.assigned() == 4, 90, "4 partitions owned")
        with KeyedProducer(bootstrap_servers=kafka_bootstrap, topic=names.capture,
                           linger_seconds=0.05, records_per_message=50) as producer:  # fmt: skip
            producer.send_many(record for _, record, *_ in traffic)
        with KeyedProducer(bootstrap_servers=kafka_bootstrap, topic=names.labels,
                           linger_seconds=0.05, key_paths=LABEL_KEY_PATHS) as producer:  # fmt: skip
            producer.send_many(_label(*x) for x in labelled)
        results = _worker_results(kafka_bootstrap, names, len(labelled))
        violations = read_json(kafka_bootstrap, names.violations)
    finally:
        worker.stop()
    latest = [v for v in violations if v["revision"] == results[v["monitor_type"]]["revision"]]

    # data quality
    rows = [t[2] for t in traffic]
    _assert_statistics_agree(read_file(out / "statistics.json"), results["data_quality"], rows)
    file_dq = _by(read_file(out / "constraint_violations.json")["violations"],
                  "feature_name", "constraint_check_type")  # fmt: skip
    topic_dq = _by([v for v in latest if v["monitor_type"] == "data_quality"],
                   "feature_name", "constraint_check_type")  # fmt: skip
    assert file_dq.keys() == topic_dq.keys()
    assert {("income", "baseline_drift_check"), ("tenure", "data_type_check"),
            ("plan", "categorical_values_check"), ("channel", "missing_column_check"),
            ("extra", "extra_column_check")} <= file_dq.keys()  # fmt: skip
    drift = topic_dq[("income", "baseline_drift_check")]
    assert drift["sample_count"] == len(rows)
    assert float(file_dq[("income", "baseline_drift_check")]["description"].split()[2]) == (
        pytest.approx(drift["value"], abs=2 * RANK_ERROR)
    )

    # model quality: the same joined pairs, as scikit-learn scores them
    file_mq = read_file(out / "model_quality" / "statistics.json")
    topic_mq = results["model_quality"]
    assert file_mq["dataset"]["item_count"] == topic_mq["dataset"]["item_count"] == len(labelled)
    metrics = file_mq["binary_classification_metrics"]
    assert metrics == topic_mq["binary_classification_metrics"]
    joined = {key for key, _ in labelled}
    truth_pairs = [
        (label, int(score > 0.5)) for key, _, _, label, score in traffic if key in joined
    ]
    assert metrics["accuracy"]["value"] == pytest.approx(
        skm.accuracy_score(*zip(*truth_pairs, strict=True)), abs=1e-12
    )
    file_mq_v = _by(read_file(out / "model_quality" / "constraint_violations.json")["violations"],
                    "metric_name")  # fmt: skip
    assert file_mq_v.keys() == _by([v for v in latest if v["monitor_type"] == "model_quality"],
                                   "metric_name").keys()  # fmt: skip

    # bias and attribution
    file_bias = read_file(out / "bias" / "analysis.json")
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        assert file_bias[stage] == results["bias_drift"][stage]
    key = ("facet", "facet_value", "metric_name")
    assert _by(
        read_file(out / "bias" / "constraint_violations.json")["violations"], *key
    ).keys() == (_by([v for v in latest if v["monitor_type"] == "bias_drift"], *key).keys())
    file_shap = read_file(out / "attribution" / "analysis.json")["explanations"]["kernel_shap"]
    topic_shap = results["feature_attribution_drift"]["explanations"]["kernel_shap"]
    live = file_shap["label0"]["global_shap_values"]
    assert live == pytest.approx(topic_shap["label0"]["global_shap_values"], rel=1e-12)
    base = read_file(baseline / "attribution" / "analysis.json")["explanations"]["kernel_shap"]
    reference = base["label0"]["global_shap_values"]
    features = list(reference)
    expected = ndcg_score([[reference[f] for f in features]], [[live[f] for f in features]])
    assert results["feature_attribution_drift"]["ndcg"]["label0"] == pytest.approx(expected)


def read_file(path: Path) -> Any:
    return orjson.loads(path.read_bytes())
