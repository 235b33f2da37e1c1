"""Capture messages compressed by their producer (gzip, lz4, zstd, snappy) are read, not fatal.

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
from tests.integration.scenarios import Trial, settled
from tests.integration.workers import read_json, wait_for

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
