"""CaptureProducer: JSON-Lines batches on the partition Kafka's partitioner picks for the id."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import orjson
import pytest
from kafka.partitioner.default import murmur2 as kafka_python_murmur2

from stream.kafka.broker import EmbeddedBroker
from stream.kafka.capture_producer import CaptureProducer
from stream.kafka.keyed_producer import BrokerNotAnswering
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.readback import read_topic

pytestmark = pytest.mark.kafka

PARTITIONS = 4


def capture_record(inference_id: str | None, event_id: str) -> dict:
    metadata = {"eventId": event_id, "inferenceTime": "2024-03-05T14:07:31Z"}
    if inference_id is not None:
        metadata["inferenceId"] = inference_id
    return {
        "captureData": {
            "endpointInput": {
                "observedContentType": "text/csv",
                "mode": "INPUT",
                "data": "41,1,3.2",
                "encoding": "CSV",
            }
        },
        "eventMetadata": metadata,
        "eventVersion": "0",
    }


def kafka_partition(key: str) -> int:
    return (kafka_python_murmur2(key.encode()) & 0x7FFFFFFF) % PARTITIONS


@pytest.fixture
def capture_topic(kafka_bootstrap: str, topic_prefix: str) -> str:
    topic = f"{topic_prefix}.capture"
    ensure_topics_sync(kafka_bootstrap, [topic], PARTITIONS, 1)
    return topic


def test_batches_land_in_the_partition_of_their_ids(
    kafka_bootstrap: str, capture_topic: str
) -> None:
    rng = random.Random(42)
    ids = [f"order-{rng.randrange(10**9)}" for _ in range(300)]
    ids += ["日本語-推論-1", "Zürich-ß", "🙂-emoji", "é"]
    records: list[dict | bytes] = [capture_record(i, f"e-{n}") for n, i in enumerate(ids)]
    records += [capture_record(None, "only-event-id-1"), capture_record(None, "only-event-id-2")]
    records.append(orjson.dumps(capture_record("pre-encoded", "e-pre")) + b"\n")
    keys = [*ids, "only-event-id-1", "only-event-id-2", "pre-encoded"]

    producer = CaptureProducer(
        bootstrap_servers=kafka_bootstrap,
        topic=capture_topic,
        records_per_message=7,
        linger_seconds=0,
    )
    with producer:
        assert producer.partitions == PARTITIONS
        assert producer.send_many(records) == len(records)
    counts = producer.counts
    assert counts.records_sent == len(records) and counts.messages_failed == 0

    messages = read_topic(kafka_bootstrap, capture_topic, counts.messages_sent)
    seen: list[str] = []
    for message in messages:
        lines = message.value.split(b"\n")
        assert 1 <= len(lines) <= 7
        decoded = [orjson.loads(line) for line in lines]  # every line is one JSON object
        line_keys = [
            d["eventMetadata"].get("inferenceId") or d["eventMetadata"]["eventId"] for d in decoded
        ]
        assert message.key == line_keys[0].encode()
        assert all(kafka_partition(k) == message.partition for k in line_keys)
        seen += line_keys
    assert sorted(seen) == sorted(keys)
    assert len({m.partition for m in messages}) == PARTITIONS


def test_sampling_keeps_the_same_records_on_every_run(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    runs = []
    for run in range(2):
        topic = f"{topic_prefix}.run{run}"
        ensure_topics_sync(kafka_bootstrap, [topic], PARTITIONS, 1)
        with CaptureProducer(
            bootstrap_servers=kafka_bootstrap, topic=topic, sampling_percentage=30, linger_seconds=0
        ) as producer:
            kept = producer.send_many(capture_record(f"id-{i}", f"e-{i}") for i in range(2000))
        lines = [
            orjson.loads(line)["eventMetadata"]["inferenceId"]
            for m in read_topic(kafka_bootstrap, topic)
            for line in m.value.split(b"\n")
        ]
        assert len(lines) == kept == producer.counts.records_sent
        assert producer.counts.records_sampled_out == 2000 - kept
        runs.append(set(lines))
    assert runs[0] == runs[1]
    # binomial(2000, 0.3): sd = 20.5; 5 sd bounds
    assert abs(len(runs[0]) - 600) < 5 * 20.5


def test_routing_headers_go_on_every_message_and_never_mix(
    kafka_bootstrap: str, capture_topic: str
) -> None:
    producer = CaptureProducer(
        bootstrap_servers=kafka_bootstrap,
        topic=capture_topic,
        linger_seconds=0,
        headers={"endpoint": "credit", "variant": "AllTraffic"},
    )
    with producer:
        producer.send_many(capture_record(f"a-{i}", f"ea-{i}") for i in range(50))
        producer.send_many(
            (capture_record(f"c-{i}", f"ec-{i}") for i in range(50)),
            headers={"endpoint": "credit", "variant": "Canary"},
        )
    by_variant: dict[bytes, set[str]] = {}
    for message in read_topic(kafka_bootstrap, capture_topic, producer.counts.messages_sent):
        headers = dict(message.headers)
        assert headers["endpoint"] == b"credit"
        ids = {
            orjson.loads(line)["eventMetadata"]["inferenceId"]
            for line in message.value.split(b"\n")
        }
        by_variant.setdefault(headers["variant"], set()).update(ids)
    assert by_variant == {
        b"AllTraffic": {f"a-{i}" for i in range(50)},
        b"Canary": {f"c-{i}" for i in range(50)},
    }


def test_linger_sends_a_lone_record_without_flush(kafka_bootstrap: str, capture_topic: str) -> None:
    producer = CaptureProducer(
        bootstrap_servers=kafka_bootstrap, topic=capture_topic, linger_seconds=0.2
    )
    try:
        producer.send(capture_record("lonely", "e-lonely"))
        deadline = time.monotonic() + 5
        messages = read_topic(kafka_bootstrap, capture_topic)
        while not messages and time.monotonic() < deadline:
            time.sleep(0.1)
            messages = read_topic(kafka_bootstrap, capture_topic)
        (message,) = messages  # sent by the linger thread: no flush, no close
        assert message.partition == kafka_partition("lonely")
        assert producer.counts.messages_sent == 1
    finally:
        producer.close()


def test_rejects_bad_parameters(kafka_bootstrap: str, capture_topic: str) -> None:
    with pytest.raises(ValueError, match="records_per_message must be >= 1"):
        CaptureProducer(
            bootstrap_servers=kafka_bootstrap, topic=capture_topic, records_per_message=0
        )
    with pytest.raises(ValueError, match="sampling_percentage must be in 0..100"):
        CaptureProducer(
            bootstrap_servers=kafka_bootstrap, topic=capture_topic, sampling_percentage=-1
        )


@pytest.fixture
def broker(topic_prefix: str) -> Iterator[EmbeddedBroker]:
    """A broker of the test's own, to stop (the session's is shared)."""
    with EmbeddedBroker() as running:
        ensure_topics_sync(running.bootstrap_servers, TopicNames.from_prefix(topic_prefix), 2, 1)
        yield running


def test_the_producer_says_a_stopped_broker_stopped_answering(
    broker: EmbeddedBroker, topic_prefix: str
) -> None:
    producer = CaptureProducer(
        bootstrap_servers=broker.bootstrap_servers, topic=f"{topic_prefix}.capture",
        records_per_message=10, linger_seconds=0, request_timeout_seconds=2,
    )  # fmt: skip
    producer.send_many(capture_record(f"i-{i}", f"e-{i}") for i in range(20))
    producer.flush()
    producer.check_answering()  # answered: nothing waits
    assert producer.silent_seconds == 0
    delivered = producer.counts.messages_sent
    broker.stop()
    producer.send_many(capture_record(f"i-{i}", f"e-{i}") for i in range(20, 50))
    held = producer.counts.messages_sent - delivered
    with pytest.raises(BrokerNotAnswering, match="stopped answering: no answer for"):
        for _ in range(1200):
            producer.check_answering()
            time.sleep(0.1)
    assert producer.silent_seconds > 2
    with pytest.raises(BrokerNotAnswering, match=f"; {held} messages not delivered"):
        producer.close()
    assert producer.counts.messages_failed == held
    assert producer._producer._closed  # kafka-python's exit hook has nothing left to do


def test_a_request_timeout_among_client_kwargs_is_the_one_used(
    kafka_bootstrap: str, capture_topic: str
) -> None:
    with CaptureProducer(
        bootstrap_servers=kafka_bootstrap, topic=capture_topic,
        client_kwargs={"request_timeout_ms": 45_000},
    ) as producer:  # fmt: skip
        assert producer.request_timeout_seconds == 45


def test_a_record_too_large_for_a_message_is_counted_not_sent(
    kafka_bootstrap: str, capture_topic: str
) -> None:
    """kafka-python refuses a message over max_request_size (1 MiB) before sending it."""
    record = capture_record("big", "e-big")
    record["captureData"]["endpointInput"]["data"] = "9," * 600_000  # 1.2 MB
    producer = CaptureProducer(
        bootstrap_servers=kafka_bootstrap, topic=capture_topic, linger_seconds=0
    )
    with producer:
        assert producer.send(record) is False
        assert producer.send(capture_record("small", "e-small")) is True
    counts = producer.counts
    assert (counts.records_oversized, counts.records_sent, counts.messages_failed) == (1, 1, 0)
