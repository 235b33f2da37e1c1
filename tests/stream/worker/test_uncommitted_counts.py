"""Per-record counters advance when a saved checkpoint covers the records, never twice.

The reference is the traffic: how many records each partition was sent. A counter is
exported once the checkpoint that covers its records is saved; one not saved puts its
increments back; a revoked partition's increments are never exported (its new owner
replays and counts them).
"""

from __future__ import annotations

import asyncio
from collections import Counter

from prometheus_client import CollectorRegistry

from stream.worker.checkpoints import Checkpointer
from stream.worker.metric_sources import worker_sources
from stream.worker.metrics import WorkerCollector
from stream.worker.state import CAPTURE, PARTIALS
from stream.worker.uncommitted_counts import UncommittedCounts
from tests.stream.worker.test_state import T0, message, state

CONSUMED = ("driftline_events_consumed", ("m",))


def _ledger() -> tuple[UncommittedCounts, Counter]:
    live: Counter = Counter()
    return UncommittedCounts(lambda kind: dict(live)), live


def test_commit_exports_put_back_keeps_and_a_revoked_partition_drops():
    counts, live = _ledger()
    with counts.scope(CAPTURE, 0):
        live[CONSUMED] += 3
    with counts.scope(CAPTURE, 1):
        live[CONSUMED] += 4
    assert counts.exported(CONSUMED, live[CONSUMED]) == 0  # nothing saved yet

    taken = counts.take(CAPTURE, 0)
    with counts.scope(CAPTURE, 0):  # processed while the checkpoint is being saved
        live[CONSUMED] += 2
    counts.put_back(CAPTURE, 0, taken)  # not saved: waits for the next one
    assert counts.exported(CONSUMED, live[CONSUMED]) == 0
    counts.commit(counts.take(CAPTURE, 0))  # the next one carries all 5
    assert counts.exported(CONSUMED, live[CONSUMED]) == 5

    counts.drop(CAPTURE, 1)  # revoked: its new owner counts its 4 records
    assert counts.exported(CONSUMED, live[CONSUMED]) == 5
    assert counts.take(CAPTURE, 1) == Counter()


def test_an_inner_scope_of_another_partition_keeps_its_own_increments():
    counts, live = _ledger()
    with counts.scope(CAPTURE, 0):
        live[CONSUMED] += 1
        with counts.scope(CAPTURE, 2):  # e.g. a window of partition 2 closed meanwhile
            live[CONSUMED] += 10
        live[CONSUMED] += 1
    assert counts.take(CAPTURE, 0) == Counter({CONSUMED: 2})
    assert counts.take(CAPTURE, 2) == Counter({CONSUMED: 10})
    assert counts.withheld == Counter({CONSUMED: 12})


def test_a_change_outside_any_scope_is_exported_at_once():
    counts, live = _ledger()
    live[CONSUMED] += 7
    assert counts.exported(CONSUMED, live[CONSUMED]) == 7


def _scrape(ws) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(WorkerCollector(worker_sources(ws)))
    return registry


class Snapshots:
    """A snapshot store whose next ``fail`` saves raise (a broker gone)."""

    def __init__(self) -> None:
        self.fail = 0

    async def load(self, partition):
        return None

    async def save(self, partition, blobs, meta):
        if self.fail:
            self.fail -= 1
            raise ConnectionError("broker gone")

    def forget(self, partition):
        pass


def test_the_worker_exports_records_once_their_checkpoint_is_saved(fake_clock):
    ws = state(fake_clock)
    snapshots = Snapshots()

    async def sent(messages):
        return None

    cp = Checkpointer(ws, {CAPTURE: snapshots, PARTIALS: snapshots}, sent, interval_seconds=1)
    consumed = lambda: _scrape(ws).get_sample_value(  # noqa: E731
        "driftline_events_consumed_total", {"monitor": "m"}
    )

    async def run():
        for partition in (0, 1):
            await cp.ensure_restored(CAPTURE, partition)
        ws.on_capture(0, 0, message(1, [T0 + 1, T0 + 2, T0 + 3]))  # 3 records
        ws.on_capture(1, 0, message(2, [T0 + 1, T0 + 2]))  # 2 records
        assert consumed() == 0  # processed, not saved
        snapshots.fail = 1
        assert await cp.checkpoint(CAPTURE, 0) is False
        assert consumed() == 0  # not saved: still withheld
        assert await cp.checkpoint(CAPTURE, 0) is True
        assert consumed() == 3  # partition 0's records, once saved
        cp.forget(CAPTURE, [1])  # partition 1 moved away before its checkpoint
        assert consumed() == 3  # its 2 records are its new owner's to count
        ws.on_capture(0, 1, message(3, [T0 + 4]))
        assert await cp.checkpoint(CAPTURE, 0) is True
        assert consumed() == 4

    asyncio.run(run())


def test_every_per_record_counter_the_collector_exports_is_read_by_the_ledger(fake_clock):
    """The ledger reads the counters under the collector's very names and labels."""
    from stream.worker.record_counters import CHECKPOINTED_FAMILIES, read_record_counters

    ws = state(fake_clock)
    ws.on_capture(0, 0, message(1, [T0 + 1, T0 + 2]) + b"\nnot json")
    registry = CollectorRegistry()
    registry.register(WorkerCollector(worker_sources(ws)))
    exported = {
        (f.name, tuple(s.labels.values())): s.value
        for f in registry.collect()
        if f.name in CHECKPOINTED_FAMILIES
        for s in f.samples
    }
    read = read_record_counters(ws, CAPTURE) | read_record_counters(ws, PARTIALS)
    assert {k for k, v in read.items() if v} == {
        ("driftline_events_consumed", ("m",)),
        ("driftline_events_processed", ("m",)),
        ("driftline_dead_letters", ("m", "invalid_json")),
    }
    assert all(k in exported for k in read)  # every key the ledger reads is exported
    assert exported[("driftline_events_consumed", ("m",))] == 0  # withheld: 3 records
    assert ws.uncommitted.withheld[("driftline_events_consumed", ("m",))] == 3


def test_labels_a_window_closed_on_the_clock_left_out_wait_for_their_partition(
    fake_clock, tmp_path
):
    """Closing windows on the tick counts for the window's partition, and a revoke drops it.

    12 captures on partition 0, 10 labels of which 3 are ``abc`` (not 0/1): the tick that
    closes the window counts 3 ``not_binary``, withheld until partition 0's checkpoint; the
    partition revoked first, they are never exported here (its new owner counts them).
    """
    from stream.demo.labelled import write_labelled_baselines
    from tests.stream.worker.test_labelled import MODEL, Pipe, lines, traffic
    from tests.stream.worker.test_labelled import state as labelled_state
    from tests.stream.worker.test_unusable_labels import _label, ground_truth_record

    write_labelled_baselines(tmp_path, MODEL, n=2000)
    ws = labelled_state(fake_clock, tmp_path)
    ws.assign([0], [0])
    pipe = Pipe(ws)
    records = traffic(21, 12, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    labels = [_label(k, "abc") if i in (2, 5, 8) else ground_truth_record(k, a.label)
              for i, (k, _, a) in enumerate(records[:10])]  # fmt: skip
    pipe.send("labels", lines(labels))
    fake_clock.advance(600.0)  # idle and caught up: the tick closes the window
    ws.activity[CAPTURE].on_caught_up(0, now=fake_clock().timestamp())
    assert ws.uncommitted.take(CAPTURE, 0)  # set the messages' own increments aside
    ws.tick()
    key = ("driftline_unusable_labels", ("m", "not_binary"))
    assert ws.labelled["m"].unusable_labels["not_binary"] == 3  # counted live
    assert ws.uncommitted.pending[(CAPTURE, 0)][key] == 3  # for partition 0

    def exported() -> float | None:
        return _scrape(ws).get_sample_value(
            "driftline_unusable_labels_total", {"monitor": "m", "reason": "not_binary"}
        )

    assert exported() == 0
    ws.drop(CAPTURE, [0])  # revoked before its checkpoint
    assert exported() == 0


def test_labels_expired_on_the_clock_of_a_quiet_partition_are_exported(fake_clock, tmp_path):
    """Join entries that expire with no message after them are counted at a checkpoint.

    7 labels for keys no capture has wait on partition 0, and a checkpoint saves them; then
    nothing comes. The tick past their TTL expires them: the 7 expired labels wait for
    partition 0's next checkpoint, so the tick must make the partition due. It did not (only
    a processed message did): on a quiet partition they stayed withheld for good, and
    ``driftline_labels_expired_total`` never counted the labels that never met a prediction.
    The reference is the traffic: 7 labels sent, none joined.
    """
    from stream.demo.labelled import write_labelled_baselines
    from tests.stream.worker.test_labelled import MODEL, Pipe, lines, traffic
    from tests.stream.worker.test_labelled import state as labelled_state
    from tests.stream.worker.test_unusable_labels import ground_truth_record

    write_labelled_baselines(tmp_path, MODEL, n=2000)
    ws = labelled_state(fake_clock, tmp_path)
    ws.assign([0], [0])
    snapshots = Snapshots()

    async def sent(messages):
        return None

    cp = Checkpointer(ws, {CAPTURE: snapshots, PARTIALS: snapshots}, sent, interval_seconds=0)

    def expired() -> float | None:
        return _scrape(ws).get_sample_value(
            "driftline_labels_expired_total", {"monitor": "m", "side": "label"}
        )

    async def run():
        await cp.ensure_restored(CAPTURE, 0)
        labels = [ground_truth_record(k, a.label) for k, _, a in traffic(5, 7, T0)]
        Pipe(ws).send("labels", lines(labels))
        assert await cp.checkpoint(CAPTURE, 0) is True
        assert not cp.is_due(CAPTURE, 0)  # saved, nothing since
        ttl = ws.labelled["m"].join.ttl_seconds
        fake_clock.advance(ttl + 1.0)
        ws.tick()  # the runner's tick: close and expire what is due, then checkpoint it
        assert ws.labelled["m"].join.counts.expired_labels == 7  # counted live
        assert expired() == 0  # withheld until a checkpoint covers the expiry
        assert cp.is_due(CAPTURE, 0)
        assert await cp.checkpoint(CAPTURE, 0) is True
        assert expired() == 7

    asyncio.run(run())
