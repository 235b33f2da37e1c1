"""faust's own per-message ceiling: an agent that does nothing, with the worker's consumer.

``python -m benchmarks.faust_floor BOOTSTRAP TOPIC MESSAGES [acked|unacked]`` reads
``MESSAGES`` messages of ``TOPIC`` from the beginning with an agent that only counts them, in
a faust app built like the worker's (:class:`~stream.worker.transport.WorkerApp`, the same
fetch sizes, stream buffer and session timeout), prints ``messages_per_second=<rate>`` (from
the first message to the last) and ``peak_kib=<VmHWM>`` (the process's peak memory) and
exits.

``acked`` (the default) iterates as faust's agents do unless told otherwise: each event is
acknowledged when the next is taken, so that faust commits its offset. The worker
acknowledges every event too (once a snapshot holds it), so this is the like-for-like
ceiling: the worker's rate on the same messages divided by it is what the worker adds to
faust's cost per message. ``unacked`` acknowledges nothing, so faust never commits (the
worker's un-acked iteration without its acknowledgements): faust's cost of reading alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from typing import Any

from faust.worker import Worker

from benchmarks.proc_memory import memory_kib
from stream.worker.app import (
    FETCH_BYTES_PER_PARTITION,
    HEARTBEAT_SECONDS,
    SESSION_TIMEOUT_SECONDS,
    STREAM_BUFFER_MESSAGES,
)
from stream.worker.transport import NoTablesManager, WorkerApp

ACKED, UNACKED = "acked", "unacked"


def main(bootstrap: str, topic: str, expected: int, mode: str = ACKED) -> None:
    """Count ``expected`` messages of ``topic``, print the rate and end the process."""
    if mode not in (ACKED, UNACKED):
        msg = f"mode must be {ACKED!r} or {UNACKED!r}, got {mode!r}"
        raise ValueError(msg)
    app = WorkerApp(
        f"driftline-floor-{os.getpid()}",
        broker=f"kafka://{bootstrap}",
        store="memory://",
        datadir=tempfile.mkdtemp(prefix="driftline-floor-"),
        web_enabled=False,
        broker_session_timeout=SESSION_TIMEOUT_SECONDS,
        broker_heartbeat_interval=HEARTBEAT_SECONDS,
        broker_rebalance_timeout=SESSION_TIMEOUT_SECONDS,
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        consumer_max_fetch_size=FETCH_BYTES_PER_PARTITION,
        stream_buffer_maxsize=STREAM_BUFFER_MESSAGES,
        TableManager=NoTablesManager,
    )
    source = app.topic(topic, key_type=bytes, value_type=bytes, key_serializer="raw",
                       value_serializer="raw")  # fmt: skip
    seen = [0, 0.0]

    @app.agent(source, name="floor")
    async def floor(stream: Any) -> None:
        events = stream.events() if mode == ACKED else stream.noack().events()
        async for _event in events:
            seen[0] += 1
            if seen[0] == 1:
                seen[1] = time.perf_counter()
            elif seen[0] == expected:
                rate = (expected - 1) / (time.perf_counter() - seen[1])
                peak = memory_kib(os.getpid(), "VmHWM")
                print(f"messages_per_second={rate:.1f} peak_kib={peak}", flush=True)
                os._exit(0)  # the figure is out; no need for a graceful leave

    Worker(app, loglevel="warning", quiet=True, redirect_stdouts=False).execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:5])
