"""A window partial larger than a Kafka message may be does not stop its partition.

A labelled partial carries each bias facet's flip-test sample: up to 1,000 rows of every
flip-test feature. With 200 numeric features and six facets it is ~9.6 MB, over the 8 MiB
the worker's producer sends. The producer refused it on every checkpoint, and the outbox that
held it — the window's data-quality partial, and every later partial of the partition — never
left: nothing of the partition was published again, its offsets never committed. Then that
partial was counted in ``send_failures``, logged and dropped; now it leaves in chunks, each
within the limit (:mod:`stream.worker.partial_chunks`), and the rest goes out too. Here on a
real broker, through the worker's own Kafka clients; the references are the traffic (rows
per window) and aiokafka's own size estimate against the producer's limit.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from stream.capture.predictions import LocatedPrediction
from stream.capture.records import iso_utc
from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.config.sections import BiasDriftSettings, ModelQualitySettings
from stream.demo.synthetic import SyntheticSchema
from stream.monitors.bias import BiasRun, save_bias_baseline
from stream.monitors.bias_settings import pin_data_types
from stream.monitors.data_quality import load_data_quality_baseline, save_data_quality_baseline
from stream.monitors.model_quality import save_model_quality_baseline, suggest_model_quality
from stream.worker.partial_chunks import CHUNK_FIELD, PartialChunks, chunk_of
from stream.worker.runner import MAX_MESSAGE_BYTES
from stream.worker.state import WorkerState
from stream.worker.windows import WindowPartial
from tests.integration.checkpointed import checkpointed_steps
from tests.integration.workers import read_topic

pytestmark = pytest.mark.kafka

SCHEMA = SyntheticSchema.wide(n_numeric=200, n_categorical=6)  # six facets, "a" in each
FACETS = [c.name for c in SCHEMA.categorical]
T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z, the fake clock's start
WINDOW = 60.0
FIRST, SECOND = T0 - 2 * WINDOW, T0 - WINDOW  # two windows before the clock's time


def answer(rng: random.Random, row: list[str]) -> tuple[float, int, int]:
    """A score from the first numeric features, its predicted label and a true label."""
    score = min(max(sum(float(v) for v in row[:4]) / 12.0 - 0.1, 0.01), 0.99)
    return round(score, 6), int(score > 0.5), int(rng.random() < score)


def capture(key: str, at: float, row: list[str], score: float, predicted: int) -> dict:
    output = orjson.dumps({"score": score, "label": predicted}).decode()
    return {
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                              "data": ",".join(row), "encoding": "CSV"},
            "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                               "data": output, "encoding": "JSON"},
        },
        "eventMetadata": {"eventId": f"e-{key}", "inferenceId": key, "inferenceTime": iso_utc(at)},
        "eventVersion": "0",
    }  # fmt: skip


def label(key: str, value: int) -> dict:
    return {"groundTruthData": {"data": str(value), "encoding": "CSV"},
            "eventMetadata": {"eventId": key}, "eventVersion": "0"}  # fmt: skip


def write_baselines(folder: Path) -> None:
    rng = random.Random(7)
    rows = SCHEMA.rows(rng, 2000)
    answers = [answer(rng, row) for row in rows]
    save_data_quality_baseline(folder, SCHEMA.baseline(n=2000))
    labels = [a[2] for a in answers]
    quality = suggest_model_quality("BinaryClassification", labels, [a[1] for a in answers],
                                    [a[0] for a in answers])  # fmt: skip
    save_model_quality_baseline(folder / "model_quality", quality)
    config = {
        "label": "label", "predicted_label": "prediction", "label_values_or_threshold": [1],
        "facet": [{"name_or_index": f, "value_or_threshold": ["a"]} for f in FACETS],
        "flip_test_features": [f.name for f in SCHEMA.numeric],
    }  # fmt: skip
    columns = {f: [row[SCHEMA.features.index(f)] for row in rows] for f in FACETS}
    settings = pin_data_types(config, {**columns, "label": labels})
    run = BiasRun(settings)
    for i, (_, predicted, truth) in enumerate(answers):
        run.update({f: columns[f][i] for f in FACETS}, truth, LocatedPrediction(predicted, None))
    save_bias_baseline(folder / "bias", settings, run.analysis())


def feed(ws: WorkerState, offsets: dict[str, int], start: float, n: int) -> None:
    """``n`` labelled captures in the window at ``start``, then a capture that closes it."""
    rng = random.Random(start)
    captures, labels = [], []
    for k, row in enumerate(SCHEMA.rows(rng, n)):
        score, predicted, truth = answer(rng, row)
        key = f"{start}-{k}"
        captures.append(capture(key, start + k * 50.0 / n, row, score, predicted))
        labels.append(label(key, truth))
    for source, docs in (("capture", captures), ("labels", labels)):
        for i in range(0, n, 100):
            offsets[source] += 1
            value = b"\n".join(orjson.dumps(d) for d in docs[i : i + 100])
            if source == "capture":
                ws.on_capture(0, offsets[source], value)
            else:
                ws.on_labelled(source, 0, offsets[source], value)
    offsets["capture"] += 1
    closing = capture(f"{start}-closing", start + WINDOW + 1.0, SCHEMA.rows(rng, 1)[0], 0.5, 1)
    ws.on_capture(0, offsets["capture"], orjson.dumps(closing))
    ws.tick()


def test_a_partial_too_large_for_a_message_leaves_in_chunks_and_the_rest_goes_too(
    tmp_path, kafka_bootstrap, topic_prefix, fake_clock
):
    write_baselines(tmp_path)
    monitor = MonitorConfig(
        name="m", baseline=tmp_path, window_seconds=WINDOW, allowed_lateness_seconds=0.0,
        min_window_count=30, capture_index_names=("endpointInput",),
        model_quality=ModelQualitySettings(problem_type="BinaryClassification",
                                           inference_attribute="label",
                                           probability_attribute="score"),
        bias=BiasDriftSettings(drift_check="point"),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix=topic_prefix, partitions=1),
                             monitors=(monitor,))  # fmt: skip
    ws = WorkerState(config, {"m": load_data_quality_baseline(tmp_path)}, now=fake_clock)
    names = ws.names
    offsets = {"capture": -1, "labels": -1}
    saved = checkpointed_steps(ws, kafka_bootstrap, [
        lambda: feed(ws, offsets, FIRST, 1500),  # six full flip-test samples: ~9.6 MB partial
        lambda: feed(ws, offsets, SECOND, 200),  # the next window: small enough
    ])  # fmt: skip
    assert saved == [True, True]
    messages = read_topic(kafka_bootstrap, names.partials)
    for message in messages:
        size = DefaultRecordBatchBuilder.estimate_size_in_bytes(message.key, message.value, [])
        assert size <= MAX_MESSAGE_BYTES
    sent, chunks = [], PartialChunks()
    for message in messages:
        document = orjson.loads(message.value)
        if CHUNK_FIELD in document:
            whole = chunks.add(chunk_of(document))
            document = None if whole is None else orjson.loads(whole)
        if document is not None:
            sent.append(WindowPartial.from_document(document))
    assert len(sent) < len(messages)  # some left in chunks
    profiled = {p.window_start: p.row_count for p in sent if not p.is_labelled}
    assert profiled[FIRST] == 1500  # the window's data-quality partial left
    labelled = {p.window_start: p.labelled_state for p in sent if p.is_labelled}
    assert labelled[FIRST]["labelled"] == 1500  # its labelled partial left, in chunks
    assert labelled[SECOND]["labelled"] == 200
    assert ws.send_failures == 0
