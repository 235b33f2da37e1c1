"""The aggregator's settled labelled windows: memory a window, and the cost of a checkpoint.

A labelled window stays revisable by late labels for ``label_ttl_seconds`` (14 days by
default: 20,160 one-minute windows). Past the data-quality horizon, with its labels
published, the aggregator keeps it packed (:meth:`AggregatedWindow.packed`). In one run:

- a window of the demo's labelled model (data quality, model quality with continuous scores,
  bias, attribution) filled with ``DRIFTLINE_BENCH_SETTLED_RECORDS`` joined predictions
  through a worker's state, without a broker;
- its memory as live objects (what the aggregator held before), against its JSON and its
  packed bytes (the floor: the serialised state the snapshot writes anyway);
- the time to pack and to bring back one window (a late label's cost), and what hashing
  every kept window's JSON at each checkpoint cost before the snapshot store skipped the
  bytes objects it saved last time.
"""

from __future__ import annotations

import gc
import hashlib
import os
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stream.demo.labelled import SyntheticModel, ground_truth_record, write_labelled_baselines
from stream.worker.aggregated_window import AggregatedWindow
from tests.stream.worker.test_labelled import T0, Pipe, lines, state, traffic

RECORDS = int(os.environ.get("DRIFTLINE_BENCH_SETTLED_RECORDS", "20000"))
HORIZON_WINDOWS = 14 * 24 * 60  # the default label horizon in one-minute windows


class _Clock:
    def __init__(self) -> None:
        self.now = datetime.fromtimestamp(T0, UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _filled_window(folder: Path) -> AggregatedWindow:
    clock = _Clock()
    pipe = Pipe(state(clock, folder))
    records = traffic(1, RECORDS, T0)
    for i in range(0, RECORDS, 1000):
        pipe.send("capture", lines(r for _, r, _ in records[i : i + 1000]))
        pipe.send(
            "labels", lines(ground_truth_record(k, a.label) for k, _, a in records[i : i + 1000])
        )
    pipe.send("capture", lines(r for _, r, _ in traffic(2, 1, T0 + 15)))  # closes the window
    clock.advance(1.0)
    pipe.tick()
    aggregator = pipe.ws.aggregators["m"]
    window = aggregator.windows.get((T0, T0 + 10.0))  # within the data-quality horizon
    assert window is not None and window.labelled is not None
    window.forget_profile()  # as past the data-quality horizon
    return window


def _live_bytes(raw: bytes, window: AggregatedWindow) -> int:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    live = AggregatedWindow.from_bytes(raw, window.labelled.setup if window.labelled else None)
    live._blob = None  # the objects alone (the cached JSON is counted apart)
    gc.collect()
    size = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del live
    return size


def _timed(step, repeat: int = 20) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        step()
    return (time.perf_counter() - start) / repeat


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "baseline"
        write_labelled_baselines(folder, SyntheticModel(), n=4000)
        window = _filled_window(folder)
        setup = window.labelled.setup if window.labelled else None
        raw = window.to_bytes()
        packed = window.packed()
        live = _live_bytes(raw, window)
        pack = _timed(window.packed)
        bring_back = _timed(lambda: AggregatedWindow.from_bytes(packed, setup))
        digests = _timed(lambda: hashlib.blake2b(raw, digest_size=16).digest(), 200)
    kib = 1024.0
    print(f"a settled labelled window of {RECORDS:,} joined predictions (model quality, bias, "
          f"attribution): live objects {live / kib:,.1f} KiB, JSON {len(raw) / kib:,.1f} KiB, "
          f"packed {len(packed) / kib:,.1f} KiB = {len(packed) / len(raw):.2f} x its JSON, "
          f"{len(packed) / (live + len(raw)):.3f} x what was held before (both)")  # fmt: skip
    total = HORIZON_WINDOWS * len(packed) / kib**2
    before = HORIZON_WINDOWS * (live + len(raw)) / kib**2
    print(f"14 days of one-minute windows like it: {total:,.0f} MiB packed "
          f"(held live with their JSON: {before:,.0f} MiB)")  # fmt: skip
    print(f"pack one window {pack * 1e3:.2f} ms; bring it back for a late label "
          f"{bring_back * 1e3:.2f} ms; hashing every window's JSON at each checkpoint, as the "
          f"snapshot store did, {digests * HORIZON_WINDOWS:.2f} s for {HORIZON_WINDOWS:,} "
          f"windows (now skipped: the same bytes objects as last time)")  # fmt: skip
