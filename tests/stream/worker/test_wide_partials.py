"""A wide model's window partial, over the size of a message, reaches the aggregator whole.

A data-quality partial carries a KLL sketch per numeric feature (~7.4 KiB each at 2,000
rows): with 1,200 numeric features it is ~8.7 MiB, over the 8 MiB a worker's message may be.
It was counted in ``send_failures`` and dropped, so the window was never published. Now it
leaves as chunk messages, each within the limit, and the aggregator puts them together —
also across its own restart in the middle of them, and when the capture side sends them all
again (its outbox after a restart): the window is published once, its figures those of the
rows sent (the reference: the rows' own sums and counts).
"""

from __future__ import annotations

import math
import random

import orjson

from detectors.quality.dataset_profile import DatasetProfile
from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.demo.synthetic import SyntheticSchema, capture_record
from stream.kafka.topics import WORKER_MESSAGE_BYTES
from stream.worker.books import CHUNKS_BLOB
from stream.worker.outbox import message_bytes
from stream.worker.partial_chunks import chunk_documents
from stream.worker.results import WindowResult
from stream.worker.state import CAPTURE, PARTIALS, WorkerState
from stream.worker.windows import WindowPartial

SCHEMA = SyntheticSchema.wide(n_numeric=1200, n_categorical=0)
BASELINE = SCHEMA.baseline(n=500)
T0 = 1_709_647_200.0
ROWS = 2000


def wide_state(clock, results: list) -> WorkerState:
    monitor = MonitorConfig(name="m", window_seconds=60.0, allowed_lateness_seconds=0.0,
                            capture_index_names=("endpointInput",))  # fmt: skip
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=1),
                             monitors=(monitor,))  # fmt: skip
    ws = WorkerState(config, {"m": BASELINE}, now=clock, on_result=results.append)
    ws.assign({0}, {0})
    return ws


def test_a_partial_over_the_message_size_is_sent_in_chunks_and_merged_once(fake_clock):
    results: list = []
    sender = wide_state(fake_clock, results)
    rows = SCHEMA.rows(random.Random(3), ROWS)
    records = [capture_record(f"r{k}", T0 + k * 0.01, row) for k, row in enumerate(rows)]
    for offset in range(0, ROWS, 100):
        value = b"\n".join(orjson.dumps(r) for r in records[offset : offset + 100])
        assert sender.on_capture(0, offset // 100, value) == []
    closing = capture_record("closing", T0 + 61.0, rows[0])
    sender.on_capture(0, ROWS // 100, orjson.dumps(closing))
    sent = sender.checkpoint(CAPTURE, 0).outbox
    assert sender.send_failures == 0
    assert len(sent) > 1 and all(message_bytes(m) <= WORKER_MESSAGE_BYTES for m in sent)

    aggregator = wide_state(fake_clock, results)
    half = len(sent) // 2
    for offset, message in enumerate(sent[:half]):
        aggregator.on_partial(0, offset, message.value)
    snapshot = aggregator.checkpoint(PARTIALS, 0)  # the aggregator restarts here
    restarted = wide_state(fake_clock, results)
    restarted.restore(PARTIALS, 0, snapshot.blobs, snapshot.meta)
    for offset, message in enumerate(sent[half:] + sent, start=half):  # then all sent again
        restarted.on_partial(0, offset, message.value)

    published = [r for r in results if isinstance(r, WindowResult)]
    assert [(r.window_start, r.revision) for r in published] == [(T0, 0)]
    statistics = published[0].statistics
    assert (published[0].row_count, statistics.item_count) == (ROWS, ROWS)
    assert restarted.aggregators["m"].duplicate_partials == 1
    for index in (0, 599, 1199):
        feature = statistics.features[index]
        column = [float(row[index]) for row in rows]
        assert (feature.name, feature.num_present) == (SCHEMA.features[index], ROWS)
        assert feature.numeric is not None
        assert math.isclose(feature.numeric.sum, math.fsum(column), rel_tol=1e-9)
        assert (feature.numeric.min, feature.numeric.max) == (min(column), max(column))


def test_chunks_of_a_window_or_monitor_no_longer_taken_are_dropped_and_counted(fake_clock):
    results: list = []
    ws = wide_state(fake_clock, results)
    about = {"monitor": "m", "partition": 0, "window_start": T0, "window_end": T0 + 60.0,
             "labelled": False}  # fmt: skip
    first, _ = chunk_documents(b"x" * 1000, about, size=600)  # its second chunk never comes
    ws.on_partial(0, 0, orjson.dumps(first))
    other, _ = chunk_documents(b"y" * 1000, {**about, "monitor": "gone"}, size=600)
    ws.on_partial(0, 1, orjson.dumps(other))  # of a monitor no longer configured
    assert CHUNKS_BLOB in ws.checkpoint(PARTIALS, 0).blobs  # waiting, in the snapshot
    later = T0 + 3600.0  # an hour on: past the 900 s revision horizon
    profile = DatasetProfile(features=SCHEMA.features, kinds=BASELINE.kinds)
    partial = WindowPartial("m", later, later + 60.0, 0, profile.to_state(), 0, 0, 1, 1,
                            later + 60.0)  # fmt: skip
    ws.on_partial(0, 2, partial.to_bytes())
    assert [r.window_start for r in results] == [later]
    assert ws.aggregators["m"].late_partials == 1
    assert CHUNKS_BLOB not in ws.checkpoint(PARTIALS, 0).blobs
