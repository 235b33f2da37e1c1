"""A request whose waiting entry is larger than a changelog record is refused, not stuck.

A request of several instances waits for its labels as one entry of the label join, one
record of the join changelog (8 MiB at most, the worker's producer's limit). Each instance
keeps its bias values: its facets and every flip-test feature, by name. 1,200 one-hot
instances of 300 features named in 30 characters are a capture record of 0.75 MB but an
entry of 13.5 MB, written as a record batch of its own (aiokafka checks no size there).
Apache Kafka refuses it (the topic's max.message.bytes), on every checkpoint: "snapshot not
saved", the partition never checkpointed again, nothing it processed acked, no partial sent.
The embedded broker takes it, so the reference here is the topic's limit. Now such a request
is refused as one of more than ``MAX_INSTANCES`` instances is (``multi_row_output``,
counted), and the partition goes on. Through the worker's own Kafka clients on a real
broker, with the worker's RocksDB join store.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

from stream.capture.predictions import LocatedPrediction
from stream.capture.records import iso_utc
from stream.config import DriftlineConfig, KafkaConfig, LabelSettings, MonitorConfig
from stream.config.sections import BiasDriftSettings
from stream.demo.synthetic import CategoricalFeature, NumericFeature, SyntheticSchema
from stream.kafka.topics import JOIN_CHANGELOG_MESSAGE_BYTES
from stream.monitors.bias import BiasRun, save_bias_baseline
from stream.monitors.bias_settings import pin_data_types
from stream.monitors.data_quality import load_data_quality_baseline, save_data_quality_baseline
from stream.worker.pending_stores import PendingStores
from stream.worker.state import WorkerState
from tests.integration.checkpointed import checkpointed_steps
from tests.integration.workers import read_topic

pytestmark = pytest.mark.kafka

ONE_HOT = tuple(NumericFeature(f"one_hot_{i:03d}".ljust(30, "_"), "integer", 0.5, 0.3)
                for i in range(300))  # fmt: skip
SCHEMA = SyntheticSchema(ONE_HOT, (CategoricalFeature("sex", ("F", "M"), (1.0, 1.0)),))
T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z, the fake clock's start


def write_baselines(folder: Path) -> None:
    rng = random.Random(1)
    rows = SCHEMA.rows(rng, 500)
    save_data_quality_baseline(folder, SCHEMA.baseline(n=500))
    labels = [rng.randrange(2) for _ in rows]
    config = {
        "label": "label", "predicted_label": "prediction", "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
        "flip_test_features": [f.name for f in ONE_HOT],
    }  # fmt: skip
    sexes = [row[-1] for row in rows]
    settings = pin_data_types(config, {"sex": sexes, "label": labels})
    run = BiasRun(settings)
    for sex, label in zip(sexes, labels, strict=True):
        run.update({"sex": sex}, label, LocatedPrediction(rng.randrange(2), None))
    save_bias_baseline(folder / "bias", settings, run.analysis())


def request(key: str, instances: int, rng: random.Random) -> bytes:
    """A capture record of ``instances`` CSV rows, one predicted label each."""
    rows = SCHEMA.rows(rng, instances)
    output = {"predictions": [{"predicted_label": rng.randrange(2)} for _ in rows]}
    return orjson.dumps({
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                              "data": "\n".join(",".join(r) for r in rows), "encoding": "CSV"},
            "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                               "data": orjson.dumps(output).decode(), "encoding": "JSON"},
        },
        "eventMetadata": {"eventId": f"e-{key}", "inferenceId": key,
                          "inferenceTime": iso_utc(T0 - 5)},
        "eventVersion": "0",
    })  # fmt: skip


def test_a_request_too_large_to_wait_is_refused_and_the_partition_goes_on(
    tmp_path, kafka_bootstrap, topic_prefix, fake_clock
):
    write_baselines(tmp_path)
    monitor = MonitorConfig(
        name="m", baseline=tmp_path, window_seconds=10.0, allowed_lateness_seconds=0.0,
        min_window_count=1, labels=LabelSettings(ground_truth_attribute="instances[*].label"),
        bias=BiasDriftSettings(inference_attribute="predictions[*].predicted_label",
                               drift_check="point"),
    )  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix=topic_prefix, partitions=1),
                             monitors=(monitor,))  # fmt: skip
    stores = PendingStores(tmp_path / "pending")
    ws = WorkerState(config, {"m": load_data_quality_baseline(tmp_path)}, now=fake_clock,
                     stores=stores)  # fmt: skip
    names = ws.names
    rng = random.Random(2)
    large, small = request("large", 1200, rng), request("small", 20, rng)
    assert len(large) < 1_048_576  # a capture record the capture producer sends

    steps = [lambda: ws.on_capture(0, 0, large), lambda: ws.on_capture(0, 1, small)]
    try:
        assert checkpointed_steps(ws, kafka_bootstrap, steps) == [True, True]
    finally:
        stores.close()
    records = read_topic(kafka_bootstrap, names.join_changelog)
    limit = int(names.topic_configs(names.join_changelog)["max.message.bytes"])
    assert limit == JOIN_CHANGELOG_MESSAGE_BYTES
    assert all(len(r.key) + len(r.value) < limit for r in records)
    assert [r.key.decode().rsplit("/", 1)[-1] for r in records if r.value] == ["small"]
    counts = ws.labelled["m"].join.counts
    assert counts.predictions == 1  # the small request waits: one entry
    assert counts.unusable["multi_row_output"] == 1  # the large one is refused, counted
