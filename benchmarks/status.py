"""The status page with 50 features x 1,000 windows: ingest, memory, JSON, page load.

One run, one process (figures on a shared 2-core machine are noisy):

- ingest: the follower's decode-and-apply of every output message of 1,000 windows
  (statistics with 40 KLL sketches, executions with ~250 decisions, violations), against
  the primitive of ``orjson.loads`` alone on the same bytes;
- memory: what the board retains (tracemalloc) against the raw bytes of the messages;
- ``/api/status``: building the summary of the full board, and a GET of it over HTTP;
- page load: headless Chromium (Debian's ``chromium``) from navigation start to the charts
  drawn (``performance.now()`` when the page's first render ends), against loading a
  trivial page (``/healthz``) in the same browser. The target is under a second.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import tracemalloc
import urllib.request
from pathlib import Path

import orjson
from prometheus_client import CollectorRegistry

from stream.capture.records import iso_utc
from stream.demo.synthetic import SyntheticSchema
from stream.status.board import StatusBoard
from stream.status.follower import TopicFollower
from stream.status.payloads import status_summary
from stream.status.server import Readiness, StatusServer
from tests.chromium import HeadlessChromium
from tests.stream.status import windows as w

WINDOWS = int(os.environ.get("DRIFTLINE_BENCH_STATUS_WINDOWS", "1000"))
DISTINCT = 20  # distinct evaluated windows, repeated over the timeline
SCHEMA = SyntheticSchema.wide(n_numeric=40, n_categorical=10)  # 50 features


def _messages() -> list[tuple[str, bytes]]:
    baseline = SCHEMA.baseline(n=20_000)
    drifted = ("f3", "f7", "f41")
    plan = [() if i % 4 else drifted for i in range(DISTINCT)]
    templates = [w.messages(r) for r in w.data_quality_windows(SCHEMA, baseline, plan, 1000)]
    out = []
    for i in range(WINDOWS):
        start = w.T0 + i * w.WINDOW
        bounds = {"window_start": iso_utc(start), "window_end": iso_utc(start + w.WINDOW)}
        out += [(kind, orjson.dumps({**doc, **bounds})) for kind, doc in templates[i % DISTINCT]]
    return out


async def _page_load(port: int, folder: Path) -> tuple[float, float]:
    async with HeadlessChromium(folder / "chromium") as browser:
        await browser.navigate(f"http://127.0.0.1:{port}/healthz")
        trivial = await browser.evaluate("performance.getEntriesByType('navigation')[0].duration")
        await browser.navigate(f"http://127.0.0.1:{port}/")
        rendered = await browser.wait_for("window.driftlineFirstRenderMs", 30)
    return float(rendered) / 1000, float(trivial) / 1000


def _ingest(messages: list[tuple[str, bytes]]) -> tuple[StatusBoard, float]:
    board = StatusBoard({"bench": SCHEMA.baseline(n=20_000).statistics}, max_windows=WINDOWS)
    follower = TopicFollower(board, "unused:9092", {})
    start = time.perf_counter()
    for kind, raw in messages:
        follower.apply(kind, raw)
    return board, time.perf_counter() - start


def _retained_bytes(messages: list[tuple[str, bytes]]) -> int:
    """What a board holds after every message (tracemalloc slows ingest: a separate pass)."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    board, _ = _ingest(messages)
    retained = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del board
    return retained


def _serve(board: StatusBoard) -> tuple[float, float, float]:
    server = StatusServer.bind("127.0.0.1", 0, CollectorRegistry())
    server.serve(board, Readiness(lambda: 4, lambda seconds: True))
    try:
        start = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/api/status", timeout=30).read()
        get_seconds = time.perf_counter() - start
        with tempfile.TemporaryDirectory(prefix="driftline-bench-") as tmp:
            page_seconds, trivial_seconds = asyncio.run(_page_load(server.port, Path(tmp)))
    finally:
        server.stop()
    return get_seconds, page_seconds, trivial_seconds


def run() -> None:
    """Print the status page figures."""
    messages = _messages()
    n, raw_bytes = len(messages), sum(len(m) for _, m in messages)
    start = time.perf_counter()
    for _, raw in messages:
        orjson.loads(raw)
    decode_seconds = time.perf_counter() - start
    board, ingest_seconds = _ingest(messages)
    retained = _retained_bytes(messages)
    start = time.perf_counter()
    with board.lock:
        summary = orjson.dumps(status_summary(board))
    summary_seconds = time.perf_counter() - start
    get_seconds, page_seconds, trivial_seconds = _serve(board)
    mib = 2**20
    print(f"{WINDOWS:,} windows x {len(SCHEMA.features)} features: {n:,} messages, "
          f"{raw_bytes / mib:,.0f} MiB")  # fmt: skip
    print(f"ingest (decode + apply): {n / ingest_seconds:,.0f} messages/s, "
          f"{WINDOWS / ingest_seconds:,.0f} windows/s; orjson.loads alone "
          f"{n / decode_seconds:,.0f} messages/s "
          f"(ratio {decode_seconds / ingest_seconds:.3f})")  # fmt: skip
    print(f"board memory: {retained / mib:,.1f} MiB retained for {raw_bytes / mib:,.0f} MiB "
          f"of messages (ratio {retained / raw_bytes:.3f})")  # fmt: skip
    print(f"/api/status: built in {summary_seconds * 1000:,.0f} ms, {len(summary) / 1024:,.0f} "
          f"KiB; first GET over HTTP {get_seconds * 1000:,.0f} ms")  # fmt: skip
    print(f"page load in headless chromium: charts drawn {page_seconds * 1000:,.0f} ms after "
          f"navigation start (target < 1000 ms); /healthz {trivial_seconds * 1000:,.0f} ms "
          f"(ratio {page_seconds / max(trivial_seconds, 1e-9):.0f})")  # fmt: skip
