"""A WorkerState driven step by step through the worker's own Kafka clients on the test broker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from stream.kafka.topics import ensure_topics
from stream.worker.runner import WorkerRunner
from stream.worker.state import CAPTURE, WorkerState


def checkpointed_steps(
    ws: WorkerState, bootstrap: str, steps: Sequence[Callable[[], None]]
) -> list[bool]:
    """Run each step, then checkpoint capture partition 0: whether each checkpoint was saved.

    The topics are created (one partition each, with their configs) and the partition is
    restored first; the runner is closed after the last step.
    """

    async def run() -> list[bool]:
        await ensure_topics(bootstrap, ws.names, 1, 1, configs=ws.names.configs)
        runner = WorkerRunner(ws, bootstrap, {}, snapshot_interval_seconds=1.0)
        await runner.start()
        try:
            assert runner.checkpointer is not None
            await runner.checkpointer.ensure_restored(CAPTURE, 0)
            saved = []
            for step in steps:
                step()
                saved.append(await runner.checkpointer.checkpoint(CAPTURE, 0))
            return saved
        finally:
            await runner.close()

    return asyncio.run(run())
