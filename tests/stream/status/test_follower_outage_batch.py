"""After a broker outage the follower reads on from where it was, also past a batch of several.

The embedded Tansu broker reports the base offset of the last record batch plus one as a
partition's end. The new session after an outage took a known position above that end for a
topic that started again, and read the partition again: three violations sent in one batch
(as a window's violations are) were each listed twice after a frozen broker (SIGSTOP until
the follower's requests time out). The reference is what was sent: three violations.
"""

from __future__ import annotations

import os
import signal
import time

import orjson
import pytest
from kafka import KafkaProducer

from stream.kafka.broker import EmbeddedBroker
from stream.status.board import StatusBoard
from stream.status.follower import TopicFollower
from tests.integration.workers import wait_for
from tests.stream.kafka.test_undecodable_batches import new_topic
from tests.stream.status.windows import T0, window_fields

pytestmark = pytest.mark.kafka


def violation(feature: str) -> dict[str, object]:
    return {**window_fields("m", "data_quality", 0), "feature_name": feature,
            "constraint_check_type": "baseline_drift_check", "description": "drifted",
            "value": 0.3, "threshold": 0.1}  # fmt: skip


def test_a_broker_outage_lists_no_violation_of_one_batch_twice(tmp_path):
    with EmbeddedBroker() as broker:  # its own: it is stopped for a while
        bootstrap = broker.bootstrap_servers
        topic = new_topic(bootstrap, ".violations")
        producer = KafkaProducer(bootstrap_servers=bootstrap)
        for feature in ("age", "income", "plan"):
            producer.send(topic, orjson.dumps(violation(feature)), partition=0)
        producer.flush()
        producer.close()
        board = StatusBoard()
        follower = TopicFollower(board, bootstrap, {"violations": topic})
        follower.start()
        try:
            wait_for(lambda: follower.read["violations"] == 3 or None, 30, "the violations")
            assert broker.pid is not None
            os.kill(broker.pid, signal.SIGSTOP)
            try:  # the follower's requests time out (10 s) and its session ends
                wait_for(lambda: not follower.broker_answered_within(12.0), 30, "an outage")
            finally:
                os.kill(broker.pid, signal.SIGCONT)
            back = time.monotonic()
            wait_for(lambda: (follower.last_broker_answer or 0) > back, 60, "a new session")
            time.sleep(3)  # what a re-read would bring has come by now
        finally:
            follower.stop()
    entry = board.monitors[("m", "data_quality")].find(T0)
    assert sorted(v.name for v in entry.violations) == ["age", "income", "plan"]
    assert follower.read["violations"] == 3
