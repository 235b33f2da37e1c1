"""/readyz names the topics a broker that came back empty lacks; it does not say "no answer".

Found by replacing the embedded broker under a worker with an empty one: the broker answered
the follower's metadata request, but without driftline's topics, and /readyz said "the broker
has not answered in the last 15 s", while the follower's log said why only at DEBUG (after
the first failure of the outage). The reference is the stand-in broker's own topic list.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import aiokafka
import pytest

from stream.status import follower as follower_module
from stream.status.board import StatusBoard
from stream.status.follower import TopicFollower
from stream.status.server import Readiness

TOPICS = {
    "violations": "driftline.violations",
    "statistics": "driftline.statistics",
    "executions": "driftline.executions",
}


class Broker:
    """The topics the stand-in broker has, session by session; it times out once first."""

    def __init__(
        self, sessions: list[set[str] | None], created_later: frozenset[str] = frozenset()
    ) -> None:
        self.sessions: Iterator[set[str] | None] = iter(sessions)
        self.created_later = created_later
        self.sessions_begun = 0
        self.follower: TopicFollower
        self.current: set[str] = set()

    def consumer(self, **kwargs: object) -> Consumer:
        self.sessions_begun += 1
        try:
            topics = next(self.sessions)
        except StopIteration:
            self.follower._stop.set()
            topics = set()
        return Consumer(self, topics)


class Consumer:
    def __init__(self, broker: Broker, topics: set[str] | None) -> None:
        self.broker, self.has = broker, topics
        self.created_later: set[str] = broker.created_later
        self.asked = 0

    async def start(self) -> None:
        if self.has is None:  # the outage: the broker frozen
            raise aiokafka.errors.KafkaTimeoutError("Failed to update metadata after 60.0 secs.")

    async def topics(self) -> set[str]:
        self.asked += 1
        if self.asked == 2 and self.has is not None:  # created since the session began
            self.has |= self.created_later
        return set(self.has or ())

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return {0} if topic in (self.has or ()) else None

    def assign(self, partitions: object) -> None:
        pass

    async def beginning_offsets(self, partitions: list[object]) -> dict[object, int]:
        return dict.fromkeys(partitions, 0)

    async def end_offsets(self, partitions: list[object]) -> dict[object, int]:
        return dict.fromkeys(partitions, 0)

    def seek(self, tp: object, offset: int) -> None:
        pass

    async def getmany(self, **kwargs: object) -> dict[object, list[object]]:
        if not self.created_later or not self.broker.follower.missing_topics:
            self.broker.follower._stop.set()  # one poll is enough: the test looks now
        return {}

    async def stop(self) -> None:
        pass


def _follow(broker: Broker, monkeypatch: pytest.MonkeyPatch) -> tuple[TopicFollower, Readiness]:
    import asyncio

    monkeypatch.setattr(aiokafka, "AIOKafkaConsumer", broker.consumer)
    monkeypatch.setattr(follower_module, "RETRY_SECONDS", 0.0)
    follower = TopicFollower(StatusBoard(), "localhost:9092", TOPICS)
    broker.follower = follower
    asyncio.run(follower._follow())
    # as the status service builds it, with a worker that owns partitions
    readiness = Readiness(
        lambda: 4, follower.broker_answered_within, lambda: follower.missing_topics
    )
    return follower, readiness


def test_readyz_names_every_topic_of_a_broker_that_came_back_empty(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "driftline.status")
    _, readiness = _follow(Broker([None, None, set()]), monkeypatch)
    ready = readiness.check()
    assert ready["broker_reachable"] is True
    assert ready["ready"] is False
    assert ready["reasons"] == [
        "the broker answers, but these topics are missing: "
        "driftline.executions, driftline.statistics, driftline.violations"
    ]
    # after two timeouts (the second at DEBUG), the new reason is a warning again
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("none of the topics" in w and "driftline.violations" in w for w in warnings)


def test_readyz_names_the_one_topic_missing_while_the_others_are_followed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    follower, readiness = _follow(
        Broker([{"driftline.violations", "driftline.statistics"}]), monkeypatch
    )
    assert readiness.check()["reasons"] == [
        "the broker answers, but these topics are missing: driftline.executions"
    ]
    assert follower.missing_topics == ("driftline.executions",)


def test_a_broker_with_every_topic_is_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    _, readiness = _follow(Broker([set(TOPICS.values())]), monkeypatch)
    assert readiness.check() == {
        "ready": True, "assigned_partitions": 4, "broker_reachable": True, "reasons": []
    }  # fmt: skip


def test_a_missing_topic_that_is_created_is_followed_in_a_new_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(follower_module, "PROBE_SECONDS", 0.0)
    broker = Broker(
        [{"driftline.violations", "driftline.statistics"}, set(TOPICS.values())],
        created_later=frozenset({"driftline.executions"}),
    )
    follower, readiness = _follow(broker, monkeypatch)
    assert broker.sessions_begun == 2
    assert follower.missing_topics == ()
    assert readiness.check()["ready"] is True
