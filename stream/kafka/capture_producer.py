"""Capture records from a model server into the capture topic, batched per partition.

``CaptureProducer`` is :class:`~stream.kafka.keyed_producer.KeyedProducer`, whose default key
is the capture record's join key (:func:`~stream.capture.records.join_key`: the
``inferenceId``, falling back to the ``eventId``): JSON-Lines messages, one partition per
message, Kafka's murmur2 partitioner, deterministic sampling by that key, routing headers.
``driftline labels push`` sends labels through the same producer, so each lands in its
prediction's partition.
"""

from __future__ import annotations

from stream.kafka.keyed_producer import KeyedProducer, ProducerCounts, record_key

CaptureProducer = KeyedProducer

__all__ = ["CaptureProducer", "ProducerCounts", "record_key"]
