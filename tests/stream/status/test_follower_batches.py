"""The status follower reads past a record batch that does not decode, on a real broker.

Without it the follower's session raised, was retried from the same offsets and raised
again: the page stopped at the batch. The reference is what was sent: two executions
around one undecodable batch (skipped when the broker refuses such a batch, as Kafka does).
"""

from __future__ import annotations

import orjson
import pytest
from kafka import KafkaProducer

from stream.status.board import StatusBoard
from stream.status.follower import TopicFollower
from tests.integration.workers import wait_for
from tests.stream.kafka.test_undecodable_batches import new_topic, send_batches
from tests.stream.status.windows import T0, WINDOW, execution, window_fields

pytestmark = pytest.mark.kafka


def test_an_undecodable_batch_is_one_unreadable_message_and_the_page_goes_on(kafka_bootstrap):
    topic = new_topic(kafka_bootstrap, ".executions")
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    first = execution(window_fields("m", "data_quality", 0), [], 0)
    producer.send(topic, orjson.dumps(first), partition=0).get(10)
    send_batches(kafka_bootstrap, topic, [(True, 3)])
    second = execution(window_fields("m", "data_quality", 1), [], 1)
    producer.send(topic, orjson.dumps(second), partition=0).get(10)
    producer.close()
    board = StatusBoard()
    follower = TopicFollower(board, kafka_bootstrap, {"executions": topic})
    follower.start()
    try:
        wait_for(lambda: follower.read["executions"] == 2 or None, 30, "both executions")
    finally:
        follower.stop()
    assert follower.unreadable["executions"] == 1
    monitor = board.monitors[("m", "data_quality")]
    assert [w.start for w in monitor.ordered()] == [T0, T0 + WINDOW]
    assert monitor.find(T0 + WINDOW).execution.violation_count == 1
