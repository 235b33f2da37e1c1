"""Run a worker process: status page and /metrics, embedded broker if needed, topics, faust.

Shutdown is owned here, not left to faust: SIGTERM or SIGINT first checkpoints every owned
partition (:meth:`~stream.worker.runner.WorkerRunner.graceful_stop`, for at most half of
``shutdown_timeout_seconds``), then asks faust's worker to stop, and arms a watchdog; if the
worker is not down ``shutdown_timeout_seconds`` after the signal (a member can hang
mid-rebalance, a broker can stop answering), the watchdog stops the embedded broker and ends
the process with exit status 0 — the last saved snapshot stands, and the next owner of each
partition continues from it. A signal that arrives during startup, before faust has
installed its handlers, stops the worker just as cleanly (exit status 0), as does one that
came while the command line imported the worker (:mod:`stream.worker.early_signals`). The embedded
broker this process started is always stopped on the way out. Before faust starts, the
garbage collector is told to collect cycles less often
(:data:`~stream.capture.gc_thresholds.GC_THRESHOLDS`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import faust
from prometheus_client import CollectorRegistry

from stream.capture.gc_thresholds import collect_cycles_less_often
from stream.config import DriftlineConfig, WorkerConfig
from stream.kafka.broker import EmbeddedBroker
from stream.kafka.client_stop import is_cancelling
from stream.kafka.error_text import error_text
from stream.kafka.security import kafka_python_kwargs
from stream.kafka.topics import aiokafka_kwargs, ensure_topics_sync
from stream.status.service import StatusService
from stream.worker.app import build_app
from stream.worker.early_signals import take_stop_signal
from stream.worker.metric_sources import worker_sources
from stream.worker.metrics import register_worker_metrics
from stream.worker.monitor_parts import load_baselines
from stream.worker.pending_stores import PendingStores
from stream.worker.results import WindowResult
from stream.worker.runner import WorkerRunner
from stream.worker.state import WorkerState
from stream.worker.state_folder import worker_folder

log = logging.getLogger("driftline.worker")

EXIT_HUNG = 0  # nothing is lost: the last snapshot stands
OWNING_WAIT_SECONDS = 60.0  # a run with a TimedStop waits this long for its partitions


class _StopDuringStartup(Exception):
    """SIGTERM or SIGINT arrived before faust was running."""


class _StartupSignal:
    """The SIGTERM/SIGINT handler until faust runs: remembers the signal, and raises.

    It raises only while no event loop runs: inside the loop, before faust has installed its
    own handlers, an exception would surface in whatever callback runs (aiokafka turns it
    into a lost connection). An exception raised by a signal handler is also lost when the
    handler happens to run inside a finalizer (a ``__del__`` during a garbage collection).
    Either way the remembered signal stops the worker as soon as faust installs its handlers.
    """

    def __init__(self) -> None:
        self.received: signal.Signals | None = None

    def __call__(self, signum: int, frame: object) -> None:
        self.received = signal.Signals(signum)
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop: unwind the startup
            raise _StopDuringStartup(self.received.name) from None


@dataclass(frozen=True)
class TimedStop:
    """When a run of a set length (the demo's) stops, counted from its first partition.

    ``seconds`` after it first owns partitions; while ``settled()`` is false then, up to
    ``settle_seconds`` later.
    A demo on a loaded machine can end with the worker still behind its traffic; ``settled``
    says whether it has caught up, so that the run waits a little for it rather than
    summing up a part.

    >>> TimedStop(30.0).settled()
    True
    """

    seconds: float
    settled: Callable[[], bool] = lambda: True
    settle_seconds: float = 0.0


async def settle(stop: TimedStop, poll_seconds: float = 0.25) -> bool:
    """Wait until ``stop.settled()``, at most ``stop.settle_seconds``; whether it settled."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + stop.settle_seconds
    if not stop.settled() and stop.settle_seconds > 0:
        log.warning("waiting up to %g s for the worker to catch up", stop.settle_seconds)
    while not stop.settled():
        if loop.time() >= give_up:
            return False
        await asyncio.sleep(poll_seconds)
    return True


class _Worker(faust.Worker):
    """faust's worker with driftline's signal handling and an optional run time."""

    def __init__(self, app: faust.App, *, runner: WorkerRunner, deadline_seconds: float,
                 on_hang: Callable[[], None], stop_after: TimedStop | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(app, **kwargs)
        self._runner = runner
        self._deadline_seconds = deadline_seconds
        self._on_hang = on_hang
        self._stop_after = stop_after
        self._watchdog: threading.Timer | None = None

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop the worker, with a watchdog for a hung shutdown."""
        startup = signal.getsignal(signal.SIGTERM)
        self.loop.add_signal_handler(signal.SIGTERM, self.request_stop, signal.SIGTERM)
        self.loop.add_signal_handler(signal.SIGINT, self.request_stop, signal.SIGINT)
        if isinstance(startup, _StartupSignal) and startup.received is not None:
            self.loop.call_soon(self.request_stop, startup.received)  # its exception was lost
        if self._stop_after is not None:
            asyncio.ensure_future(self._stop_after_owning(self._stop_after), loop=self.loop)

    async def _stop_after_owning(self, stop: TimedStop) -> None:
        """Stop ``stop.seconds`` after this worker first owns capture partitions (then settled).

        The group join takes a few seconds, many more on a loaded machine: counted from
        start, a short run would lose most of its windows to it. At most
        :data:`OWNING_WAIT_SECONDS` are waited for the first partition.
        """
        give_up = self.loop.time() + OWNING_WAIT_SECONDS
        while not self._runner.state.assigned and self.loop.time() < give_up:
            await asyncio.sleep(0.1)
        await asyncio.sleep(stop.seconds)
        await settle(stop)
        self.request_stop(signal.SIGTERM)

    def request_stop(self, signum: signal.Signals = signal.SIGTERM) -> None:
        """Begin a clean shutdown (idempotent); the watchdog bounds how long it may take."""
        if self._watchdog is None:
            log.warning("stopping (%s)", signum.name)
            self._watchdog = threading.Timer(self._deadline_seconds, self._on_hang)
            self._watchdog.daemon = True
            self._watchdog.start()
            asyncio.ensure_future(self._checkpoint_then_stop(signum), loop=self.loop)

    async def _checkpoint_then_stop(self, signum: signal.Signals) -> None:
        try:
            await asyncio.wait_for(self._runner.graceful_stop(), self._deadline_seconds / 2)
        except asyncio.CancelledError:  # aiokafka's own after an outage, unless this task's
            if is_cancelling():
                raise
            log.warning("final checkpoint not completed: cancelled inside aiokafka")
        except Exception as error:  # e.g. the broker does not answer: the last snapshot stands
            log.warning("final checkpoint not completed: %s", error_text(error))
        self._schedule_shutdown(signum)

    def _shutdown_loop(self) -> None:
        """Faust has stopped: stop driftline's own Kafka clients before the loop closes."""
        self.loop.run_until_complete(self._runner.close())
        super()._shutdown_loop()

    async def _sentinel_task(self) -> None:
        """One more pass of the loop before it closes, where mode sleeps a whole second.

        By then faust and driftline have stopped and every task is gathered: what is left to
        run is the callbacks that closing sockets scheduled.
        """
        await asyncio.sleep(0)

    def cancel_watchdog(self) -> None:
        """The worker is down: the watchdog is no longer needed."""
        if self._watchdog is not None:
            self._watchdog.cancel()


def last_words(on_hang: Callable[[], None] | None) -> None:
    """Call the caller's ``on_hang`` before a hung exit; its failure must not stop the exit."""
    if on_hang is None:
        return
    try:
        on_hang()
    except Exception:  # the process ends next whatever happens: say why, then go
        log.exception("on_hang failed")


def exit_hung(scratch: list[Path]) -> NoReturn:
    """End a worker whose shutdown hangs, from the watchdog's thread: no ``finally`` runs.

    ``os._exit`` is the only way out of a hung event loop, and it skips every ``finally``,
    ``atexit`` hook and buffer flush; what the worker owns and can finish from another
    thread is finished here first. Nothing of the monitor's state is lost (the last saved
    snapshot and the changelog stand, as after a kill -9), but ``scratch`` — this process's
    temporary folders: faust's data folder, and the RocksDB store of pending label joins
    when there is no ``worker.state_dir`` — stayed on disk for good, and text a script
    printed to a piped stdout (block-buffered) was dropped.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or file: nothing left to save
            pass
    for folder in scratch:
        shutil.rmtree(folder, ignore_errors=True)
    os._exit(EXIT_HUNG)


def _tune_garbage_collector() -> None:
    """Collect cycles less often, and never walk what startup made (modules, config, faust).

    The worker unfreezes it when it stops: native objects of a frozen generation would be
    reported leaked at exit.
    """
    gc.collect()
    gc.freeze()
    collect_cycles_less_often()


def run_worker(
    config: DriftlineConfig,
    *,
    registry: CollectorRegistry | None = None,
    on_result: Callable[[WindowResult], None] | None = None,
    on_ready: Callable[[str, int], None] | None = None,
    stop_after: TimedStop | None = None,
    on_stop: Callable[[], None] | None = None,
    loglevel: str = "warning",
    log_config: bool = False,
    on_hang: Callable[[], None] | None = None,
) -> int:
    """Run until SIGTERM/SIGINT, or as ``stop_after`` says once it owns partitions; exit status.

    ``on_ready(bootstrap_servers, metrics_port)`` is called once the broker, the topics and
    the metrics server are up, before faust starts (the demo starts its traffic there);
    ``on_stop()`` once faust has stopped, before the embedded broker is stopped. When the
    stop hangs, neither ``on_stop`` nor this function returns: ``on_hang()`` is called from
    the watchdog's thread just before the process ends with :data:`EXIT_HUNG` (the demo
    prints its summary there). With
    ``log_config`` the configuration is logged once everything it names has loaded
    (baselines, scripts, state folder) and the metrics port is bound: a config that fails
    there shows its one error line, not a configuration dump before it.
    """
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {}
    if in_main_thread:  # faust installs its own handlers once its loop runs
        on_signal = _StartupSignal()
        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        early = take_stop_signal()  # one that came while the command imported the worker
        if early is not None:
            raise _StopDuringStartup(early.name)
        return _start_and_run(config, registry, on_result, on_ready, stop_after,
                              on_stop, loglevel, log_config, on_hang)  # fmt: skip
    except (_StopDuringStartup, KeyboardInterrupt) as stop:
        log.warning("stopped during startup (%s)", stop or "SIGINT")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start_and_run(
    config: DriftlineConfig,
    registry: CollectorRegistry | None,
    on_result: Callable[[WindowResult], None] | None,
    on_ready: Callable[[str, int], None] | None,
    stop_after: TimedStop | None,
    on_stop: Callable[[], None] | None,
    loglevel: str,
    log_config: bool,
    on_hang: Callable[[], None] | None,
) -> int:
    baselines = load_baselines(config)  # a missing baseline is an error before anything starts
    with worker_folder(config.worker.state_dir, config.kafka.topic_prefix) as folder:
        stores = PendingStores(folder / "pending")
        state = WorkerState(config, baselines, on_result=on_result, stores=stores)
        scratch = [folder] if config.worker.state_dir is None else []  # a temporary folder
        try:
            return _serve(state, config, registry, on_ready, stop_after, on_stop, loglevel,
                          log_config, scratch, on_hang)  # fmt: skip
        finally:
            stores.close()


def _serve(
    state: WorkerState,
    config: DriftlineConfig,
    registry: CollectorRegistry | None,
    on_ready: Callable[[str, int], None] | None,
    stop_after: TimedStop | None,
    on_stop: Callable[[], None] | None,
    loglevel: str,
    log_config: bool,
    scratch: list[Path],
    on_hang: Callable[[], None] | None = None,
) -> int:
    """Broker, topics, metrics and status page up; run faust; take them down again.

    ``scratch`` lists the temporary folders made so far (removed on a hung exit as well).
    """
    broker: EmbeddedBroker | None = None
    kafka = config.kafka
    registry = registry or CollectorRegistry()
    # the port first: when it is taken, nothing has started yet
    status = StatusService.bind(config.metrics.host, config.metrics.port, registry)
    if log_config:  # usable as far as this process can tell: the rest is the broker's
        log.warning("config:\n%s", config.describe())
        warn_about_settings(config.worker)
    try:
        if kafka.uses_embedded_broker:
            broker = EmbeddedBroker(stop_timeout_seconds=2.0)
            broker.start()  # stopped below even when interrupted while it starts
            log.warning("embedded broker started at %s", broker.bootstrap_servers)
        bootstrap = broker.bootstrap_servers if broker else kafka.bootstrap_servers
        ensure_topics_sync(
            bootstrap,
            state.names,
            kafka.partitions,
            kafka.replication_factor,
            kafka_python_kwargs(kafka),
            configs=state.names.configs,
        )
        register_worker_metrics(registry, worker_sources(state))
        status.start(config, bootstrap, lambda: len(state.assigned))
        port = status.port
        log.warning("status page on http://%s:%d/ (metrics at /metrics)", config.metrics.host, port)
        if on_ready is not None:
            on_ready(bootstrap, port)
        return _run_faust(state, bootstrap, config, broker, stop_after, loglevel, scratch,
                          on_hang)  # fmt: skip
    finally:
        if on_stop is not None:
            on_stop()
        status.stop()
        if broker is not None:
            broker.stop()


def _run_faust(
    state: WorkerState,
    bootstrap: str,
    config: DriftlineConfig,
    broker: EmbeddedBroker | None,
    stop_after: TimedStop | None,
    loglevel: str,
    scratch: list[Path],
    on_hang: Callable[[], None] | None = None,
) -> int:
    asyncio.set_event_loop(asyncio.new_event_loop())
    _tune_garbage_collector()
    worker_settings = config.worker
    runner = WorkerRunner(
        state,
        bootstrap,
        aiokafka_kwargs(kafka_python_kwargs(config.kafka)),
        snapshot_interval_seconds=worker_settings.snapshot_interval_seconds,
    )
    datadir = tempfile.TemporaryDirectory(prefix="driftline-faust-")
    app = build_app(runner, bootstrap, Path(datadir.name))

    def on_watchdog() -> None:
        log.error("worker did not stop within %s s; exiting (the last snapshot stands)", deadline)
        last_words(on_hang)  # while the broker still answers: a demo's traffic stops quietly
        if broker is not None:
            broker.stop()
        exit_hung([*scratch, Path(datadir.name)])

    deadline = config.worker.shutdown_timeout_seconds
    worker = _Worker(
        app,
        runner=runner,
        deadline_seconds=deadline,
        on_hang=on_watchdog,
        stop_after=stop_after,
        loglevel=loglevel,
        quiet=True,
        redirect_stdouts=False,
        override_logging=False,  # the CLI's plain ISO-8601 log lines, not faust's format
    )
    try:
        worker.execute_from_commandline()
    except SystemExit as done:
        return int(done.code or 0)
    finally:
        worker.cancel_watchdog()
        datadir.cleanup()
        gc.unfreeze()  # what startup made may be collected again at exit
    return 0


def warn_about_settings(worker: WorkerConfig) -> None:
    """Log the ``[worker]`` settings that can lose live records, and why."""
    future, horizon = worker.max_future_seconds, worker.revision_horizon_seconds
    if future > horizon:
        log.warning(
            "worker.max_future_seconds (%g s) exceeds worker.revision_horizon_seconds (%g s): "
            "a record stamped that far ahead of the clock moves its partition's watermark past "
            "the live windows for longer than they stay revisable, and live records are then "
            "dropped as late until the clock catches up",
            future, horizon,
        )  # fmt: skip
