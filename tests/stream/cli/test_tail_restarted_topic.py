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
POLLS_BEFORE_GIVING_UP = 100


class GaveUp(Exception):
    """The stand-in's poll budget ran out: tail did not show what the topic holds."""


def batches(label: str, *sizes: int) -> list[list[bytes]]:
    """Record batches of ``sizes`` records, the records numbered across them."""
    numbers = iter(range(sum(sizes)))
    return [[orjson.dumps({"description": f"{label} {next(numbers)}"}) for _ in range(n)]
            for n in sizes]  # fmt: skip


class StandIn:
    """One partition of record batches; after the first poll, ``later`` takes their place
    (``replace``) or is appended to them.

    Its end offset is the embedded Tansu broker's: the base offset of the last batch plus one.
    """

    before: list[list[bytes]] = []
    later: list[list[bytes]] = []
    replace = True

    def __init__(self, **kwargs: object) -> None:
        self.batches = list(self.before)
        self.next_offset = 0
        self.polls = 0

    @property
    def records(self) -> list[bytes]:
        return [record for batch in self.batches for record in batch]

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def topics(self) -> set[str]:
        return {TOPIC}

    def partitions_for_topic(self, name: str) -> set[int]:
        return {0}

    def assign(self, partitions: list[TopicPartition]) -> None: ...

    async def seek_to_end(self, *partitions: TopicPartition) -> None:
        self.next_offset = len(self.records)

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        self.next_offset = 0

    async def position(self, tp: TopicPartition) -> int:
        return self.next_offset

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        base_of_last = len(self.records) - len(self.batches[-1]) if self.batches else -1
        return {tp: base_of_last + 1 for tp in partitions}

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int) -> dict:
        self.polls += 1
        if self.polls == 1:
            self.batches = list(self.later) if self.replace else self.batches + self.later
        if self.polls > POLLS_BEFORE_GIVING_UP:
            raise GaveUp
        await asyncio.sleep(0)
        records = self.records
        messages = [
            SimpleNamespace(partition=0, offset=offset, value=records[offset])
            for offset in range(self.next_offset, len(records))
        ]
        self.next_offset = max(self.next_offset, len(records))
        return {TopicPartition(TOPIC, 0): messages} if messages else {}


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(
        stream.kafka.undecodable_batches, "read_past_undecodable_batches", lambda topics: None
    )
    monkeypatch.setattr(tail, "kafka_python_kwargs", lambda kafka: {})
    monkeypatch.setattr(tail, "aiokafka_kwargs", lambda kwargs: {})
    monkeypatch.setattr(tail, "_RESTART_CHECK_SECONDS", 0.0, raising=False)

    def use(before, later, *, replace):
        broker = type("Broker", (StandIn,), {"before": before, "later": later, "replace": replace})
        monkeypatch.setattr("aiokafka.AIOKafkaConsumer", broker)

    return use


def follow(count: int) -> list[str]:
    shown: list[str] = []
    config = SimpleNamespace(kafka=SimpleNamespace(bootstrap_servers="127.0.0.1:9"))
    asyncio.run(
        tail._follow(config, TOPIC, False, count, lambda m, o: shown.append(o["description"]))
    )
    return shown


def test_tail_reads_a_topic_that_started_again_from_its_start(stand_in, capsys) -> None:
    stand_in(batches("old", *[1] * 16), batches("new", 3), replace=True)  # 16 batches, then 1

    assert follow(3) == ["new 0", "new 1", "new 2"]
    err = capsys.readouterr().err
    assert "partition 0 starts again (its end offset went down to 1, tail had read to 16" in err


def test_an_end_below_the_position_is_no_restart_on_the_embedded_broker(stand_in, capsys) -> None:
    """One batch of 16 records is reported as ending at 1, and stays so until the next batch."""
    stand_in(batches("old", 16), batches("new", 3), replace=False)

    assert follow(3) == ["new 0", "new 1", "new 2"]  # the 3 appended, not the 16 again
    assert "starts again" not in capsys.readouterr().err
