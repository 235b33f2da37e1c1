"""Odd batch-transform records among good traffic, on a real worker and broker.

SageMaker's merge job writes batch-transform records (``captureData.batchTransformOutput``
only); ``replay --live`` stamps them with an ``inferenceTime``. Each odd one here shares its
message with 100 good endpoint records: it is dead-lettered with its reason and the good
records around it are counted, windows exact. A response nested 300 levels deep (orjson
reads 1024 levels, writes 254) raised TypeError out of the decoder: the worker
dead-lettered each whole message as ``internal_error``, its good records with it.
"""

from __future__ import annotations

import asyncio
import base64
import random
from collections import Counter

import orjson
import pytest

from tests.integration.scenarios import Trial, reckon, settled
from tests.integration.test_poison import _send_raw
from tests.integration.workers import read_json, wait_for

pytestmark = pytest.mark.kafka


def odd_batch_record(good: dict, i: int) -> tuple[bytes, str]:
    """A batch-transform record stamped like ``good`` that must be refused, and its reason."""
    meta = {"eventId": f"bt-odd-{i}", "inferenceTime": good["eventMetadata"]["inferenceTime"]}
    deep = "[" * 300 + "]" * 300
    parts = [
        ({"data": f'{{"SageMakerOutput": {deep}, "features": [1, 2]}}', "encoding": "JSON"},
         "too_deep"),
        ({"data": '{"SageMakerOutput": {"score": 0.4}, "features": [1,', "encoding": "JSON"},
         "bad_payload"),
        ({"data": "%%" + base64.b64encode(b"1,2").decode(), "encoding": "BASE64"},
         "bad_encoding"),
        ({"data": '{"SageMakerOutput": {"score": 0.4}}', "encoding": "JSON"}, "missing_time"),
    ]  # fmt: skip
    part, reason = parts[i % len(parts)]
    if reason == "missing_time":
        del meta["inferenceTime"]
    record = {"eventMetadata": meta, "eventVersion": "0",
              "captureData": {"batchTransformOutput": part}}  # fmt: skip
    return orjson.dumps(record), reason


def test_odd_batch_records_are_dead_lettered_and_their_neighbours_counted(
    tmp_path, kafka_bootstrap
):
    trial = Trial("batchpoison", kafka_bootstrap, tmp_path, 78)
    worker = trial.start_worker()
    wait_for(lambda: worker.assigned() == 4, 60, "the worker to own 4 partitions")
    good = [orjson.dumps(r) for r in trial.traffic.records]
    rng = random.Random(78)
    expected: Counter[str] = Counter()
    messages = []
    for n, start in enumerate(range(0, len(good), 100)):
        raw, reason = odd_batch_record(rng.choice(trial.traffic.records), n)
        expected[reason] += 1
        lines = [*good[start : start + 100], raw]
        rng.shuffle(lines)
        messages.append((f"m{n}".encode(), b"\n".join(lines)))
    asyncio.run(_send_raw(kafka_bootstrap, trial.names.capture, messages))
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
    assert "internal_error" not in found and "crashed" not in log.lower()
    assert reckon(kafka_bootstrap, trial.names, trial.traffic).counted == len(good)
