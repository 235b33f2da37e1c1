"""murmur2 and the partition choice against kafka-python and Kafka's Java test vectors."""

from __future__ import annotations

import random

import pytest
from kafka.partitioner.default import murmur2 as kafka_python_murmur2

from stream.capture.partitioning import is_sampled, murmur2, partition_for_key

# org.apache.kafka.common.utils.UtilsTest#testMurmur2 (signed Java ints)
JAVA_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


@pytest.mark.parametrize(("data", "java"), JAVA_VECTORS.items())
def test_murmur2_matches_java_vectors(data: bytes, java: int) -> None:
    assert murmur2(data) == java % 2**32


def test_murmur2_equals_kafka_python_on_many_keys() -> None:
    rng = random.Random(42)
    keys = [bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64))) for _ in range(3000)]
    keys += [f"order-{i:06d}".encode() for i in range(2000)]
    keys += [s.encode() for s in ("", "é", "日本語の推論", "🙂-inference", "Zürich-ßü", "a" * 1000)]
    for key in keys:
        assert murmur2(key) == kafka_python_murmur2(key), key


def test_partition_equals_kafka_default_partitioner_formula() -> None:
    # kafka-python's DefaultPartitioner: (murmur2(key) & 0x7fffffff) % len(partitions)
    rng = random.Random(7)
    for _ in range(2000):
        key = str(rng.random()).encode()
        partitions = rng.randrange(1, 33)
        expected = (kafka_python_murmur2(key) & 0x7FFFFFFF) % partitions
        assert partition_for_key(key, partitions) == expected


def test_partition_rejects_no_partitions() -> None:
    with pytest.raises(ValueError, match="partitions must be >= 1"):
        partition_for_key(b"k", 0)


def test_sampling_is_deterministic_and_near_the_percentage() -> None:
    keys = [f"inference-{i}".encode() for i in range(20_000)]
    first = [is_sampled(k, 25.0) for k in keys]
    assert first == [is_sampled(k, 25.0) for k in keys]
    # binomial(20000, 0.25): sd = 61; 5 sd bounds
    assert abs(sum(first) - 5000) < 5 * 61
    assert all(is_sampled(k, 100.0) for k in keys[:100])
    assert not any(is_sampled(k, 0.0) for k in keys[:100])


def test_sampling_is_independent_of_the_partition() -> None:
    keys = [f"inference-{i}".encode() for i in range(20_000)]
    for partition in range(4):
        in_partition = [k for k in keys if partition_for_key(k, 4) == partition]
        share = sum(is_sampled(k, 50.0) for k in in_partition) / len(in_partition)
        assert 0.45 < share < 0.55


def test_sampling_rejects_bad_percentage() -> None:
    with pytest.raises(ValueError, match="0..100"):
        is_sampled(b"k", 101.0)
