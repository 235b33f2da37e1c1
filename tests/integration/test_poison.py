"""No single record stops a monitor: poison and 10,000 odd records among good traffic.

Each odd record is dead-lettered with its reason, the worker never exits, faust never
restarts an agent, and the good windows around them are exact.
"""

from __future__ import annotations

import asyncio
import base64
import random
from collections import Counter

import orjson
import pytest

from stream.capture.partitioning import partition_for_key
from tests.integration.scenarios import Trial, reckon, settled
from tests.integration.workers import read_json, wait_for

pytestmark = pytest.mark.kafka


def _good(rng: random.Random, traffic) -> dict:
    return orjson.loads(orjson.dumps(rng.choice(traffic.records)))


def odd_record(rng: random.Random, traffic, i: int) -> tuple[bytes, str]:
    """A record that must be refused, and the reason it must be refused for."""
    record = _good(rng, traffic)
    meta, data = record["eventMetadata"], record["captureData"]["endpointInput"]
    meta["inferenceId"] = meta["eventId"] = f"odd-{i}"
    kind = i % 13
    if kind == 0:
        return b"not json at all", "invalid_json"
    if kind == 1:
        return orjson.dumps(record)[: rng.randrange(5, 60)], "invalid_json"
    if kind == 2:
        return orjson.dumps([record]), "not_an_object"
    if kind == 3:
        del record["eventMetadata"]
        return orjson.dumps(record), "missing_field"
    if kind == 4:
        del record["captureData"]
        return orjson.dumps(record), "missing_field"
    if kind == 5:
        data["encoding"] = rng.choice(["XML", "utf-8", ""])
        return orjson.dumps(record), "bad_encoding"
    if kind == 6:
        bad = ["%%" + base64.b64encode(b"x").decode(), "eA==\u00e9"]  # not base64; not ASCII
        data["encoding"], data["data"] = "BASE64", rng.choice(bad)
        return orjson.dumps(record), "bad_encoding"
    if kind == 7:
        del meta["inferenceTime"]
        return orjson.dumps(record), "missing_time"
    if kind == 8:
        meta["inferenceTime"] = rng.choice(
            [
                "yesterday",
                "2024-13-45T99:00:00Z",
                "0001-01-01T00:30:00+01:00",
                "9999-12-31T23:59:55Z",
            ]
        )  # noqa: E501
        return orjson.dumps(record), "bad_time"
    if kind == 9:
        meta["inferenceTime"] = rng.choice(["2099-01-01Z", "2300-06-01T00:00:00Z"])
        return orjson.dumps(record), "future_time"
    if kind == 10:
        data["encoding"], data["data"] = "JSON", '{"features": ' + "[" * 200 + "1" + "]" * 200 + "}"
        return orjson.dumps(record), "too_deep"
    if kind == 11 and i % 3000 == 11:  # a few: each is over a megabyte
        data["data"] = "x" * 1_100_000
        return orjson.dumps(record), "oversized"
    data["encoding"], data["data"] = "JSON", "{broken json"
    return orjson.dumps(record), "bad_payload"


async def _send_raw(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes | None]]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=8 * 1024 * 1024)
    await producer.start()
    try:
        for key, value in messages:
            partition = partition_for_key(key, 4)
            await producer.send_and_wait(topic, value, key=key, partition=partition)
    finally:
        await producer.stop()


def test_poison_and_odd_records_are_dead_lettered_and_good_windows_stay_exact(
    tmp_path, kafka_bootstrap
):
    trial = Trial("poison", kafka_bootstrap, tmp_path, 77)
    rng = random.Random(77)
    worker = trial.start_worker()
    wait_for(lambda: worker.assigned() == 4, 60, "the worker to own 4 partitions")
    expected: Counter[str] = Counter()
    odd = []
    for i in range(10_000):
        raw, reason = odd_record(rng, trial.traffic, i)
        odd.append(raw)
        expected[reason] += 1
    good = [orjson.dumps(r) for r in trial.traffic.records]
    big = [raw for raw in odd if len(raw) > 1_000_000]  # each in a message of its own
    lines = good + [raw for raw in odd if len(raw) <= 1_000_000]
    rng.shuffle(lines)
    messages = [(f"m{i}".encode(), b"\n".join(lines[i : i + 100]))
                for i in range(0, len(lines), 100)]  # fmt: skip
    poison = [(b"t1", None), (b"e1", b""), (b"e2", b"\n \n")]
    poison += [(f"big{i}".encode(), raw) for i, raw in enumerate(big)]
    expected.update({"tombstone": 1, "empty_message": 2})
    asyncio.run(_send_raw(kafka_bootstrap, trial.names.capture, poison + messages))
    result = settled(kafka_bootstrap, trial.names, trial.traffic, 120)

    def reasons() -> Counter[str]:
        return Counter(d["reason"] for d in read_json(kafka_bootstrap, trial.names.deadletter))

    found = wait_for(lambda: (r := reasons()) == expected and r, 60, "every dead letter")
    alive = worker.process.poll() is None
    log = worker.log_path.read_text(errors="replace")
    trial.stop_all()
    assert alive, "the worker exited"
    assert found == expected
    assert result.exact and not result.incomplete, result
    assert "crashed" not in log.lower() and "Agent restart" not in log
    assert reckon(kafka_bootstrap, trial.names, trial.traffic).counted == len(good)
