"""Decisions made from a record's key alone: its Kafka partition and whether it is sampled.

Both are pure functions of the key, so a replay of the same capture records partitions and
samples them exactly as the first run did, and a label keyed by the same inferenceId lands in
the same partition as its prediction.
"""

from __future__ import annotations

import hashlib

_SEED = 0x9747B28C
_M = 0x5BD1E995
_MASK32 = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """MurmurHash2 as Kafka's Java client computes it, as an unsigned 32-bit integer.

    Equal to ``kafka.partitioner.default.murmur2`` (kafka-python); Java's
    ``Utils.murmur2`` returns the same bits as a signed int.

    Examples
    --------
    >>> murmur2(b"21")  # Java: -973932308
    3321034988
    >>> murmur2(b"21") - 2**32
    -973932308
    """
    length = len(data)
    h = (_SEED ^ length) & _MASK32
    blocks = length // 4
    for i in range(blocks):
        k = int.from_bytes(data[4 * i : 4 * i + 4], "little")
        k = (k * _M) & _MASK32
        k ^= k >> 24
        k = (k * _M) & _MASK32
        h = ((h * _M) & _MASK32) ^ k
    tail = data[4 * blocks :]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * _M) & _MASK32
    h ^= h >> 13
    h = (h * _M) & _MASK32
    h ^= h >> 15
    return h


def partition_for_key(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner picks for ``key`` among ``partitions``.

    Examples
    --------
    >>> partition_for_key(b"order-20240305-000187", 4) in range(4)
    True
    """
    if partitions < 1:
        msg = f"partitions must be >= 1, got {partitions}"
        raise ValueError(msg)
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def is_sampled(key: bytes, percentage: float) -> bool:
    """Whether the record with ``key`` (its inferenceId) is in a ``percentage`` sample.

    The decision uses BLAKE2b of the key, independent of the partition hash, so sampling does
    not thin some partitions more than others. 100 keeps everything, 0 nothing.

    Examples
    --------
    >>> is_sampled(b"a", 100.0), is_sampled(b"a", 0.0)
    (True, False)
    """
    if not 0.0 <= percentage <= 100.0:
        msg = f"percentage must be in 0..100, got {percentage}"
        raise ValueError(msg)
    if percentage >= 100.0:
        return True
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return int.from_bytes(digest, "big") < percentage / 100.0 * 2**64
