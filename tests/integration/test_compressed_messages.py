"""Capture messages compressed by their producer (gzip, lz4, zstd, snappy) are read, not fatal;
a batch that does not decompress is dead-lettered, not fatal either.

Kafka producers compress batches as they are configured to (``compression.type``; Java
clients commonly use lz4 or zstd, and a topic may ask for one), and a consumer must decode
every codec Kafka defines. aiokafka decodes gzip itself and the other three only with
``cramjam`` (its ``lz4``/``snappy``/``zstd`` extras): without it, one lz4 message made the
worker's fetcher raise ``UnsupportedCodecError`` and the whole worker exit ("We experienced
a crash!"), and a restarted worker met the same message again. The reference is the traffic
itself: each window's record count and exact income sum, as sent.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import orjson
import pytest

from stream.capture.partitioning import partition_for_key
from tests.integration.scenarios import Trial, send, settled
from tests.integration.workers import read_json, wait_for
from tests.stream.kafka.test_undecodable_batches import send_batches

pytestmark = pytest.mark.kafka

CODECS = (None, "gzip", "lz4", "zstd", "snappy")


async def _send_compressed(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    """Send message ``i`` with codec ``CODECS[i % 5]``, each from a producer of that codec."""
    from aiokafka import AIOKafkaProducer

    producers = {
        codec: AIOKafkaProducer(bootstrap_servers=bootstrap, compression_type=codec)
        for codec in CODECS
    }
    for producer in producers.values():
        await producer.start()
    try:
        for i, (key, value) in enumerate(messages):
            producer = producers[CODECS[i % len(CODECS)]]
            await producer.send_and_wait(topic, value, key=key, partition=partition_for_key(key, 4))
    finally:
        for producer in producers.values():
            await producer.stop()


def test_messages_of_every_kafka_codec_are_read_and_the_windows_stay_exact(
    tmp_path, kafka_bootstrap
):
    trial = Trial("codecs", kafka_bootstrap, tmp_path, 31)
    worker = trial.start_worker()
    wait_for(lambda: worker.assigned() == 4, 60, "the worker to own 4 partitions")
    lines = [orjson.dumps(r) for r in trial.traffic.records]
    messages = [(f"m{i}".encode(), b"\n".join(lines[i : i + 100]))
                for i in range(0, len(lines), 100)]  # fmt: skip
    # a refused record inside an lz4 message is dead-lettered like any other
    messages.insert(2, (b"odd", b"not json, compressed\n" * 40))
    asyncio.run(_send_compressed(kafka_bootstrap, trial.names.capture, messages))
    result = settled(kafka_bootstrap, trial.names, trial.traffic, 120)

    def reasons() -> Counter[str]:
        return Counter(d["reason"] for d in read_json(kafka_bootstrap, trial.names.deadletter))

    found = wait_for(lambda: (r := reasons())["invalid_json"] == 40 and r, 60, "dead letters")
    alive = worker.process.poll() is None
    log = worker.log_path.read_text(errors="replace")
    trial.stop_all()
    assert alive, "the worker exited"
    assert "UnsupportedCodecError" not in log and "crash" not in log.lower()
    assert found == {"invalid_json": 40}
    assert result.exact and not result.incomplete, result
    assert result.counted == len(trial.traffic.records)


def test_undecodable_batches_are_dead_lettered_and_the_worker_goes_on(tmp_path, kafka_bootstrap):
    """gzip batches that are not deflate, among the traffic: one dead letter each, no crash.

    aiokafka raised ``BadGzipFile`` out of the worker's consumer and the worker exited, as it
    did again after a restart. The embedded broker stores such batches; Apache Kafka refuses
    them on produce (the test then skips).
    """
    trial = Trial("undecodable", kafka_bootstrap, tmp_path, 37)
    worker = trial.start_worker()
    wait_for(lambda: worker.assigned() == 4, 60, "the worker to own 4 partitions")
    records = trial.traffic.records
    half = len(records) // 2
    send(kafka_bootstrap, trial.names.capture, records[:half], rate=50_000)
    for partition in range(4):  # one of a single record, one of five, on every partition
        send_batches(kafka_bootstrap, trial.names.capture, [(True, 1), (True, 5)], partition)
    send(kafka_bootstrap, trial.names.capture, records[half:], rate=50_000)
    result = settled(kafka_bootstrap, trial.names, trial.traffic, 120)

    def letters() -> list[dict]:
        return [d for d in read_json(kafka_bootstrap, trial.names.deadletter)
                if d["reason"] == "corrupt_batch"]  # fmt: skip

    found = wait_for(lambda: len(got := letters()) >= 8 and got, 60, "8 dead letters")
    alive = worker.process.poll() is None
    log = worker.log_path.read_text(errors="replace")
    trial.stop_all()
    assert alive, "the worker exited"
    assert "BadGzipFile" in log and "crash" not in log.lower()
    assert len(found) == 8
    assert sorted(d["partition"] for d in found) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert all("does not decode: BadGzipFile" in d["message"] for d in found)
    assert result.exact and not result.incomplete, result
    assert result.counted == len(records)
