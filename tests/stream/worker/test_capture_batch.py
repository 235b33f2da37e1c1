"""Capture messages taken several at a time give what taking them one by one gives.

Reference: the same messages fed to a second :class:`WorkerState` one ``on_capture`` at a
time; the partials it sends (offsets, counts, statistics), its dead letters, its record
counts and its online alarms must be equal.
"""

from __future__ import annotations

import random

import orjson
import pytest

from detectors.quality.dataset_profile import DatasetProfile
from detectors.quality.statistics_json import statistics_to_json
from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig, MonitorMatch
from stream.demo.synthetic import SyntheticSchema, capture_record
from stream.worker.capture_batch import CaptureBatch
from stream.worker.state import CAPTURE, WorkerState
from stream.worker.windows import WindowPartial

SCHEMA = SyntheticSchema.demo()
BASELINE = SCHEMA.baseline(n=3000)
T0 = 1_709_647_200.0


def state(clock, **monitor) -> WorkerState:
    values = dict(name="m", window_seconds=10.0, allowed_lateness_seconds=1.0,
                  idle_close_seconds=5.0, capture_index_names=("endpointInput",))  # fmt: skip
    values.update(monitor)
    config = DriftlineConfig(
        kafka=KafkaConfig(topic_prefix="p", partitions=2), monitors=(MonitorConfig(**values),)
    )
    ws = WorkerState(config, {"m": BASELINE}, now=clock)
    ws.assign({0, 1}, {0, 1})
    return ws


def traffic(seed: int, n: int) -> list[tuple[int, int, bytes | None, list]]:
    """(partition, offset, value, headers): mostly one-record messages in event-time order,
    some late, some batches, some poison; windows of 10 s close along the way."""
    rng = random.Random(seed)
    rows = SCHEMA.rows(rng, n, drifted={"age"} if seed % 2 else ())
    offsets = [0, 0]
    out = []
    for k in range(n):
        partition = rng.randrange(2)
        moment = T0 + k * 0.1 + (-15.0 if rng.random() < 0.03 else 0.0)
        record = orjson.dumps(capture_record(f"{seed}-{k}", moment, rows[k]))
        r = rng.random()
        if r < 0.02:
            value = None if rng.random() < 0.5 else b"{oops"
        elif r < 0.05:
            value = b"\n".join([record] * rng.randint(2, 4))  # a few records at once
        else:
            value = record
        headers = [("endpoint", b"credit" if rng.random() < 0.8 else b"other")]
        out.append((partition, offsets[partition], value, headers))
        offsets[partition] += 1
    return out


def feed(ws: WorkerState, messages, batch_sizes) -> list:
    """Feed messages per partition in runs of ``batch_sizes``; return what left at once."""
    immediate = []
    pending: dict[int, list] = {0: [], 1: []}
    for partition, offset, value, headers in messages:
        pending[partition].append((offset, value, headers))
        if len(pending[partition]) >= next(batch_sizes):
            immediate += ws.on_capture_many(partition, pending[partition])
            pending[partition] = []
    for partition, rest in pending.items():
        if rest:
            immediate += ws.on_capture_many(partition, rest)
    return immediate


def outcome(ws: WorkerState, immediate, clock) -> tuple:
    clock.advance(60.0)
    for partition in (0, 1):
        ws.activity[CAPTURE].on_caught_up(partition, now=clock().timestamp())
    ws.tick()
    partials = []
    for partition in (0, 1):
        for message in ws.checkpoint(CAPTURE, partition).outbox:
            p = WindowPartial.from_bytes(message.value)
            profile = DatasetProfile.from_state(p.profile_state)  # < 400 rows: KLL is exact
            statistics = orjson.dumps(statistics_to_json(profile.statistics()))
            partials.append((p.partition, p.window_start, p.record_count, p.row_count,
                             p.first_offset, p.last_offset, p.closed_by, p.closed_until,
                             statistics))  # fmt: skip
    path = ws.paths["m"]
    letters = sorted(m.value for m in immediate)  # partitions are fed in another order
    return sorted(partials), path.counts, letters


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("settings", [{}, {"match": MonitorMatch(endpoint="credit")},
                                      {"sampling_percentage": 70.0},
                                      {"online_detectors": ("page_hinkley",)}])  # fmt: skip
def test_batches_equal_one_message_at_a_time(fake_clock, seed, settings):
    from tests.conftest import FakeClock

    messages = traffic(seed, 900)
    clocks = [FakeClock(fake_clock()), FakeClock(fake_clock())]
    one = state(clocks[0], **settings)
    many = state(clocks[1], **settings)
    rng = random.Random(seed)
    alone = []
    decode = many.paths["m"].decoder.decode
    many.paths["m"].decoder.decode = lambda *a, **k: alone.append(1) or decode(*a, **k)
    by_one = feed(one, messages, iter(lambda: 1, None))
    by_many = feed(many, messages, iter(lambda: rng.choice([1, 2, 7, 40, 200]), None))
    assert outcome(many, by_many, clocks[1]) == outcome(one, by_one, clocks[0])
    assert len(alone) < 0.8 * len(messages)  # most were decoded together
    assert many.book(CAPTURE, 0).last_offset(CAPTURE) == one.book(CAPTURE, 0).last_offset(CAPTURE)


def test_plain_messages_are_decoded_and_placed_together(fake_clock):
    ws = state(fake_clock, window_seconds=3600.0)
    calls = []
    decode = ws.paths["m"].decoder.decode
    ws.paths["m"].decoder.decode = lambda *a, **k: calls.append(1) or decode(*a, **k)
    plain = [(p, o, v) for p, o, v, _ in traffic(4, 300) if v and v.startswith(b'{"capture')]
    messages = [
        (offset, value, None) for p, offset, value in plain if p == 0 and b"\n" not in value
    ]
    for message in messages[:20]:  # the watermark passes T0: the hour before is closed
        ws.on_capture(0, *message)
    calls.clear()
    ws.on_capture_many(0, messages[20:])
    assert calls == []  # not one message decoded alone
    window = ws.paths["m"].table.get((0, T0, T0 + 3600.0, False))
    assert (window.first_offset, window.last_offset) == (messages[0][0], messages[-1][0])
    late = ws.paths["m"].counts.revised
    assert window.records == len(messages) - late > 0


class Message:
    def __init__(self, partition, offset, value=b"", headers=None):
        self.partition, self.offset, self.value, self.headers = partition, offset, value, headers


class Event:
    def __init__(self, *args):
        self.message = Message(*args)
        self.acked = False

    def ack(self) -> None:
        self.acked = True


class Checkpointer:
    def __init__(self, restored):
        self.restored = restored
        self.held: list = []

    def hold(self, kind, partition, event) -> None:
        self.held.append((partition, event.message.offset))


def test_a_batch_acks_what_was_counted_and_holds_the_rest(fake_clock):
    ws = state(fake_clock, window_seconds=3600.0)
    records = [orjson.dumps(capture_record(f"k{i}", T0 + i, SCHEMA.rows(random.Random(i), 1)[0]))
               for i in range(6)]  # fmt: skip
    ws.on_capture(0, 1, records[0])  # offset 1 of partition 0 already counted
    cp = Checkpointer({(CAPTURE, 0), (CAPTURE, 1)})
    batch = CaptureBatch(ws, cp)  # type: ignore[arg-type]
    events = [Event(0, 1, records[0]), Event(0, 2, records[1]), Event(0, 3, records[2]),
              Event(0, 2, records[1]), Event(1, 0, records[3]),
              Event(5, 0, records[4])]  # fmt: skip
    for event in events:
        assert batch.add(event)
    immediate, partitions = batch.process()
    assert immediate == [] and sorted(partitions) == [0, 1, 5]
    assert [e.acked for e in events] == [True, False, False, False, False, False]
    assert sorted(cp.held) == [(0, 2), (0, 2), (0, 3), (1, 0)]  # partition 5: not restored here
    assert ws.book(CAPTURE, 0).last_offset(CAPTURE) == 3
    assert ws.paths["m"].counts.processed == 4
    assert len(batch) == 0
