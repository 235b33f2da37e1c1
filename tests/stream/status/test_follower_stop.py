"""The status follower outlives a consumer whose stop() lets a CancelledError out.

Found by freezing the embedded broker (SIGSTOP) under a worker for 50 s: the follower's
end-offsets probe timed out, and aiokafka 0.14's ``stop()`` — its fetcher awaiting a fetch
request it had just cancelled while that request waited out its retry backoff — raised
``CancelledError``. That is not an ``Exception``, so it passed the follower's retry and
ended its thread: the page stopped, and ``/readyz`` and
``driftline_status_broker_reachable`` said the broker was gone for as long as the worker
ran, though the worker itself read on. The consumer here behaves as that one did; the
reference is what a follower must do after any failed session: start another.
"""

from __future__ import annotations

import asyncio

import aiokafka
import pytest

from stream.status import follower as follower_module
from stream.status.board import StatusBoard
from stream.status.follower import TopicFollower


class Client:
    def __init__(self) -> None:
        self.closed = False

    async def close(self) -> None:
        self.closed = True


class FrozenBrokerConsumer:
    """Its probe times out; its stop() raises CancelledError before closing its client."""

    sessions: list[FrozenBrokerConsumer] = []
    follower: TopicFollower

    def __init__(self, **kwargs: object) -> None:
        self._client = Client()
        FrozenBrokerConsumer.sessions.append(self)

    async def start(self) -> None:
        if len(self.sessions) == 2:  # the follower came back for a second session
            self.follower._stop.set()
            msg = "the test is over"
            raise RuntimeError(msg)

    async def topics(self) -> set[str]:
        return {"driftline.violations"}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}

    def assign(self, partitions: object) -> None:
        pass

    async def beginning_offsets(self, partitions: list[object]) -> dict[object, int]:
        return dict.fromkeys(partitions, 0)

    async def end_offsets(self, partitions: list[object]) -> dict[object, int]:
        if self.follower.last_broker_answer is not None:  # the probe after the assignment
            msg = "Failed to get offsets by times in 10000 ms"
            raise aiokafka.errors.KafkaTimeoutError(msg)
        return dict.fromkeys(partitions, 0)

    def seek(self, tp: object, offset: int) -> None:
        pass

    async def getmany(self, **kwargs: object) -> dict[object, list[object]]:
        return {}

    async def stop(self) -> None:
        raise asyncio.CancelledError  # what aiokafka's Fetcher.close let out


def test_a_cancelled_error_out_of_the_consumers_stop_starts_a_new_session(monkeypatch):
    monkeypatch.setattr(aiokafka, "AIOKafkaConsumer", FrozenBrokerConsumer)
    monkeypatch.setattr(follower_module, "RETRY_SECONDS", 0.0)
    monkeypatch.setattr(follower_module, "PROBE_SECONDS", 0.0)
    FrozenBrokerConsumer.sessions = []
    follower = TopicFollower(
        StatusBoard(), "localhost:9092", {"violations": "driftline.violations"}
    )
    FrozenBrokerConsumer.follower = follower
    asyncio.run(follower._follow())  # returns once the second session has begun
    assert len(FrozenBrokerConsumer.sessions) == 2
    assert FrozenBrokerConsumer.sessions[0]._client.closed  # what stop() left open


def test_a_real_cancellation_of_the_follower_still_cancels(monkeypatch):
    monkeypatch.setattr(aiokafka, "AIOKafkaConsumer", FrozenBrokerConsumer)
    FrozenBrokerConsumer.sessions = []

    class Hanging(FrozenBrokerConsumer):
        async def getmany(self, **kwargs: object) -> dict[object, list[object]]:
            await asyncio.Event().wait()  # until cancelled
            return {}

    monkeypatch.setattr(aiokafka, "AIOKafkaConsumer", Hanging)
    follower = TopicFollower(
        StatusBoard(), "localhost:9092", {"violations": "driftline.violations"}
    )
    Hanging.follower = follower
    monkeypatch.setattr(follower_module, "PROBE_SECONDS", 3600.0)

    async def run() -> None:
        task = asyncio.create_task(follower._follow())
        while follower.last_broker_answer is None:
            await asyncio.sleep(0)
        await asyncio.sleep(0)
        task.cancel()
        await task

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(run())
    assert len(Hanging.sessions) == 1
