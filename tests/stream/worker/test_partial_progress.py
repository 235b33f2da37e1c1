"""A partition that closes several windows at once tells the aggregator its progress in step.

Each partial carries ``closed_until``: every window of its partition ending at or before it
is closed there. When one message moves a partition's watermark past several windows, their
partials leave one after another; each may only claim the progress its own window makes, or
the aggregator finalises windows whose partials are still on the way — publishing them as
complete with another partition's records missing, and dropping those partials as too old
to revise once the windows lie more than the revision horizon behind.
"""

from __future__ import annotations

import random

import orjson

from stream.config import MonitorConfig
from stream.demo.synthetic import SyntheticSchema, capture_record
from stream.worker.aggregator import Aggregator
from stream.worker.capture_path import CapturePath
from stream.worker.event_clock import PartitionActivity
from stream.worker.results import WindowResult
from stream.worker.windows import WindowPartial

SCHEMA = SyntheticSchema.demo()
BASELINE = SCHEMA.baseline(n=3000)
T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z, a window boundary
HOUR = 3600.0
CONFIG = MonitorConfig(
    name="m",
    window_seconds=10.0,
    allowed_lateness_seconds=2.0,
    idle_close_seconds=30.0,
    min_window_count=1,
    capture_index_names=("endpointInput",),
)


def message(partition: int, counts: dict[float, int]) -> bytes:
    """One JSON-Lines message: ``counts[t]`` capture records at each event time ``t``."""
    times = [t for t, n in counts.items() for _ in range(n)]
    rows = SCHEMA.rows(random.Random(partition), len(times))
    records = [capture_record(f"p{partition}-{k}", t, row) for k, (t, row) in
               enumerate(zip(times, rows, strict=True))]  # fmt: skip
    return b"\n".join(map(orjson.dumps, records))


def partials_of(rt: CapturePath, partition: int, counts: dict[float, int]) -> list[WindowPartial]:
    outputs = rt.update(partition, 0, message(partition, counts))
    outputs += rt.close_passed(partition, rt.now().timestamp())
    return [o for o in outputs if isinstance(o, WindowPartial)]


def test_windows_an_hour_apart_closed_by_one_message_are_final_with_every_partition(fake_clock):
    fake_clock.advance(4 * HOUR)  # every record is in the past
    rt = CapturePath(CONFIG, BASELINE, activity=PartitionActivity(), now=fake_clock)
    # each partition: records an hour apart in one message; the last one's window stays open
    hours = [T0 + 1, T0 + HOUR + 1, T0 + 2 * HOUR + 1, T0 + 3 * HOUR + 5]
    sent = partials_of(rt, 0, dict.fromkeys(hours, 3)) + partials_of(rt, 1, dict.fromkeys(hours, 2))
    for partition in (0, 1):  # each partial claims no more than the windows sent so far
        mine = [p for p in sent if p.partition == partition]
        for k, item in enumerate(mine):
            assert all(item.closed_until < later.window_end for later in mine[k + 1 :])
    agg = Aggregator(CONFIG, BASELINE, partitions=2, partials_partition=0,
                     activity=PartitionActivity(), now=fake_clock)  # fmt: skip
    results = [r for k, p in enumerate(sent) for r in agg.update(0, k, p)]
    published = [(r.window_start, r.revision, r.record_count, r.complete)
                 for r in results if isinstance(r, WindowResult)]  # fmt: skip
    # by hand: 3 records of partition 0 and 2 of partition 1 in each of the closed windows
    assert published == [(T0, 0, 5, True), (T0 + HOUR, 0, 5, True), (T0 + 2 * HOUR, 0, 5, True)]
    assert agg.late_partials == 0


def test_late_records_revise_their_window_before_later_windows_move_the_progress(fake_clock):
    """One message holds late records of a closed window and records an hour later (files
    replayed out of order by a few minutes, 100 records a message): the revision leaves
    before the later windows' partials. After them it came to a window the aggregator had
    finalised and forgotten (more than the revision horizon behind): dropped as a duplicate
    partial, its records lost although the worker counted them as revised."""
    fake_clock.advance(4 * HOUR)  # every record is in the past
    rt = CapturePath(CONFIG, BASELINE, activity=PartitionActivity(), now=fake_clock)
    sent: list[WindowPartial] = []
    for offset, counts in enumerate([
        {T0 + 1: 3, T0 + 15: 1},  # closes the window at T0 (watermark T0 + 13)
        {T0 + 5: 2, T0 + HOUR + 1: 4, T0 + HOUR + 15: 1},  # 2 late for T0, within the horizon
    ]):  # fmt: skip
        outputs = rt.update(0, offset, message(offset, counts))
        outputs += rt.close_passed(0, fake_clock().timestamp())
        sent += [o for o in outputs if isinstance(o, WindowPartial)]
    fake_clock.advance(CONFIG.idle_close_seconds)  # whatever waits closes now
    sent += [o for o in rt.close_due(fake_clock().timestamp()) if isinstance(o, WindowPartial)]
    agg = Aggregator(CONFIG, BASELINE, partitions=1, partials_partition=0,
                     activity=PartitionActivity(), now=fake_clock)  # fmt: skip
    results = [r for k, p in enumerate(sent) for r in agg.update(0, k, p)]
    latest: dict[float, int] = {}
    for r in results:
        if isinstance(r, WindowResult):
            latest[r.window_start] = r.record_count
    # by hand: 3 + 2 records at T0, 1 at T0 + 10, 4 at T0 + HOUR (T0 + HOUR + 10 is open)
    assert latest == {T0: 5, T0 + 10: 1, T0 + HOUR: 4}
    assert agg.duplicate_partials == agg.late_partials == 0
