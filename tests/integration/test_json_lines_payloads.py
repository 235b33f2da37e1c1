"""Captures of several JSON Lines instances, on a real worker and broker.

An ``application/jsonlines`` endpoint invoked with several lines (AWS's JSON Lines monitor
examples send ``"\\n".join(test_data[:2])``) is captured as one record whose ``data`` holds one
line per instance. The worker profiles each line as a row: the windows' counts and income
sums are those of the instances sent. A record with a line that does not parse is
dead-lettered whole as ``bad_payload``, its reason naming the line; it was refused whole
before too, but so was every good record of several lines.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import orjson
import pytest

from stream.demo.synthetic import json_capture_record
from tests.integration.scenarios import Traffic, Trial, reckon, settled
from tests.integration.test_poison import _send_raw
from tests.integration.workers import read_json, wait_for

pytestmark = pytest.mark.kafka


def _json_lines_records(traffic: Traffic) -> list[dict]:
    """The traffic's records two by two (same window), each pair one JSON Lines record."""
    out = []
    for first, second in zip(traffic.records[::2], traffic.records[1::2], strict=True):
        lines = []
        for record in (first, second):
            values = record["captureData"]["endpointInput"]["data"].split(",")
            lines.append(json_capture_record("x", 0.0, values)["captureData"]["endpointInput"])
        record = orjson.loads(orjson.dumps(first))
        record["captureData"]["endpointInput"].update(
            observedContentType="application/jsonlines", encoding="JSON",
            data="\n".join(line["data"] for line in lines) + "\n",
        )  # fmt: skip
        out.append(record)
    return out


def test_each_line_is_a_row_and_a_bad_line_dead_letters_its_record(tmp_path, kafka_bootstrap):
    trial = Trial("jsonlines", kafka_bootstrap, tmp_path, 81)
    trial.traffic = Traffic.seeded(81, windows=3, per_window=200)
    worker = trial.start_worker()
    wait_for(lambda: worker.assigned() == 4, 60, "the worker to own 4 partitions")
    records = _json_lines_records(trial.traffic)
    assert len(records) == 300  # 600 instances, two a record
    bad = orjson.loads(orjson.dumps(records[0]))
    bad["eventMetadata"].update(eventId="jl-bad", inferenceId="jl-bad")
    bad["captureData"]["endpointInput"]["data"] = '[41, "gold", 1.5]\n[35, "basic",\n'
    messages = [
        (f"m{n}".encode(), b"\n".join(orjson.dumps(r) for r in records[start : start + 5]))
        for n, start in enumerate(range(0, len(records), 5))
    ]  # 60 messages: every partition sees every window (its end closes the last)
    messages.append((b"jl-bad", orjson.dumps(bad)))
    asyncio.run(_send_raw(kafka_bootstrap, trial.names.capture, messages))
    result = settled(kafka_bootstrap, trial.names, trial.traffic, 120)
    letters = wait_for(
        lambda: read_json(kafka_bootstrap, trial.names.deadletter), 60, "the dead letter"
    )
    alive = worker.process.poll() is None
    trial.stop_all()
    assert alive, "the worker exited"
    assert Counter(d["reason"] for d in letters) == {"bad_payload": 1}
    assert "line 2 of the JSON Lines payload does not parse" in orjson.dumps(letters).decode()
    assert result.exact and not result.incomplete, result
    assert reckon(kafka_bootstrap, trial.names, trial.traffic).counted == 600
