"""The worker's shutdown goes to its end when an aiokafka client's stop() raises CancelledError.

After a broker outage aiokafka 0.14's ``stop()`` can let out a ``CancelledError`` of its own
(see ``tests/stream/status/test_follower_stop.py``). The worker's shutdown caught only
``Exception``: :meth:`WorkerRunner.close` left the clients after that one open, and out of
``_shutdown_loop`` it skipped faust's own loop shutdown; out of the final checkpoint it
skipped asking faust to stop, and the worker waited for its watchdog. The reference is a
shutdown with no failing client: every client stopped, and faust asked to stop.
"""

from __future__ import annotations

import asyncio
import signal
from types import SimpleNamespace

import pytest

from stream.worker.process import _Worker
from stream.worker.runner import WorkerRunner


class Connections:
    def __init__(self) -> None:
        self.closed = False

    async def close(self) -> None:
        self.closed = True


class Client:
    """A stand-in aiokafka client; ``raises`` is what its stop() lets out."""

    def __init__(self, name: str, stopped: list[str], raises: BaseException | None = None):
        self.name, self.stopped, self.raises = name, stopped, raises
        self._client = Connections()

    async def stop(self) -> None:
        if self.raises is not None:
            raise self.raises  # what aiokafka's Fetcher.close let out
        self.stopped.append(self.name)


def _runner(clients: list[Client]) -> WorkerRunner:
    runner = WorkerRunner(SimpleNamespace(names=None), "localhost:1", {},  # type: ignore[arg-type]
                          snapshot_interval_seconds=1.0)  # fmt: skip
    runner._clients = list(clients)
    return runner


def test_every_client_is_stopped_after_one_whose_stop_raises_cancelled_error() -> None:
    stopped: list[str] = []
    producer = Client("producer", stopped)
    broken = Client("consumer after the outage", stopped, asyncio.CancelledError())
    consumers = [Client(f"consumer {i}", stopped) for i in range(3)]
    runner = _runner([producer, *consumers, broken])  # close() stops the last one first

    asyncio.run(runner.close())

    assert sorted(stopped) == ["consumer 0", "consumer 1", "consumer 2", "producer"]
    assert broken._client.closed  # what its stop() left open is closed
    assert runner._clients == []


def test_a_cancelled_error_out_of_the_final_checkpoint_still_stops_faust() -> None:
    async def graceful_stop() -> None:
        raise asyncio.CancelledError  # the producer's send, after the outage

    scheduled: list[signal.Signals] = []
    worker = SimpleNamespace(
        _runner=SimpleNamespace(graceful_stop=graceful_stop),
        _deadline_seconds=10.0,
        _schedule_shutdown=scheduled.append,
    )

    asyncio.run(_Worker._checkpoint_then_stop(worker, signal.SIGTERM))  # type: ignore[arg-type]

    assert scheduled == [signal.SIGTERM]


def test_a_real_cancellation_of_the_closing_task_still_cancels_it() -> None:
    stopping = asyncio.Event()

    class Hanging(Client):
        async def stop(self) -> None:
            stopping.set()
            await asyncio.Event().wait()

    stopped: list[str] = []
    runner = _runner([Client("producer", stopped), Hanging("consumer", stopped)])

    async def main() -> None:
        task = asyncio.ensure_future(runner.close())
        await stopping.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert stopped == []  # the cancellation went on: nothing after it ran


def test_a_real_cancellation_of_the_final_checkpoint_still_cancels_it() -> None:
    checkpointing = asyncio.Event()

    async def graceful_stop() -> None:
        checkpointing.set()
        await asyncio.Event().wait()

    scheduled: list[signal.Signals] = []
    worker = SimpleNamespace(
        _runner=SimpleNamespace(graceful_stop=graceful_stop),
        _deadline_seconds=10.0,
        _schedule_shutdown=scheduled.append,
    )

    async def main() -> None:
        task = asyncio.ensure_future(_Worker._checkpoint_then_stop(worker, signal.SIGTERM))
        await checkpointing.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert scheduled == []
