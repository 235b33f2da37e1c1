"""``driftline tail`` after its topic started again at offset 0 (a new broker, a recreated topic).

Found by killing the embedded broker under a running ``tail`` and starting a new one on the
same port: the new, empty broker's topic starts at offset 0, below the position tail had read
to, so tail printed nothing, not even for the messages sent to the new topic, and would have
skipped them all until the new partition grew past the old position. A stand-in consumer plays
the broker here: 16 messages before the restart, 3 after it; the reference is those 3.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import orjson
import pytest
from aiokafka.structs import TopicPartition  # type: ignore[import-untyped]

import stream.cli.tail as tail
import stream.kafka.undecodable_batches

TOPIC = "driftline.violations"
BEFORE, AFTER = 16, 3
POLLS_BEFORE_GIVING_UP = 100


class GaveUp(Exception):
    """The stand-in's poll budget ran out: tail did not read the new topic."""


class RestartingBroker:
    """One partition: ``BEFORE`` messages, then after the first poll a new topic of ``AFTER``."""

    def __init__(self, **kwargs: object) -> None:
        self.messages = [orjson.dumps({"description": f"old {i}"}) for i in range(BEFORE)]
        self.next_offset = 0
        self.polls = 0

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def topics(self) -> set[str]:
        return {TOPIC}

    def partitions_for_topic(self, name: str) -> set[int]:
        return {0}

    def assign(self, partitions: list[TopicPartition]) -> None: ...

    async def seek_to_end(self, *partitions: TopicPartition) -> None:
        self.next_offset = len(self.messages)

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        self.next_offset = 0

    async def position(self, tp: TopicPartition) -> int:
        return self.next_offset

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: len(self.messages) for tp in partitions}

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int) -> dict:
        self.polls += 1
        if self.polls == 1:  # the broker is replaced by an empty one; 3 messages arrive
            self.messages = [orjson.dumps({"description": f"new {i}"}) for i in range(AFTER)]
        if self.polls > POLLS_BEFORE_GIVING_UP:
            raise GaveUp
        await asyncio.sleep(0)
        tp = TopicPartition(TOPIC, 0)
        batch = [
            SimpleNamespace(partition=0, offset=offset, value=self.messages[offset])
            for offset in range(self.next_offset, len(self.messages))
        ]
        self.next_offset = max(self.next_offset, len(self.messages))
        return {tp: batch} if batch else {}


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aiokafka.AIOKafkaConsumer", RestartingBroker)
    monkeypatch.setattr(
        stream.kafka.undecodable_batches, "read_past_undecodable_batches", lambda topics: None
    )
    monkeypatch.setattr(tail, "kafka_python_kwargs", lambda kafka: {})
    monkeypatch.setattr(tail, "aiokafka_kwargs", lambda kwargs: {})
    monkeypatch.setattr(tail, "_RESTART_CHECK_SECONDS", 0.0, raising=False)


def test_tail_reads_a_topic_that_started_again_from_its_start(stand_in, capsys) -> None:
    shown: list[str] = []
    config = SimpleNamespace(kafka=SimpleNamespace(bootstrap_servers="127.0.0.1:9"))

    asyncio.run(
        tail._follow(config, TOPIC, False, AFTER, lambda m, obj: shown.append(obj["description"]))
    )

    assert shown == ["new 0", "new 1", "new 2"]
    err = capsys.readouterr().err
    assert "partition 0 starts again" in err
    assert f"from offset {BEFORE} to {AFTER}" in err
