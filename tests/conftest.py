"""Shared fixtures: the test broker, a fake clock and a private Prometheus registry.

The broker for ``@pytest.mark.kafka`` tests is chosen once per session:
``DRIFTLINE_BOOTSTRAP_SERVERS`` if set, else testcontainers' Kafka when a Docker engine
answers, else the embedded Tansu broker (started here, stopped at the end of the session).
``make test`` runs three test processes (pytest-xdist), each with its own session broker.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Broker tests first: they are the long ones (mostly waiting on the broker), and with
    ``-n 3`` the short ones then fill the gaps instead of leaving one long tail."""
    items.sort(key=lambda item: item.get_closest_marker("kafka") is None)


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:  # no SDK, no socket, no engine: all mean "no Docker"
        return False
    return True


@pytest.fixture(autouse=True)
def _stop_signal_handlers_restored() -> Iterator[None]:
    """SIGINT's and SIGTERM's handlers as they were before each test.

    An in-process ``driftline worker`` or ``demo`` (a usage error included) remembers those
    signals from the moment the command is chosen (:mod:`stream.worker.early_signals`) and
    leaves its handler installed. Left there, it decided what later tests in the same
    process saw of Ctrl-C, and whether the commands they start inherit an ignored SIGINT: a
    test's outcome then hung on which tests ran before it in its xdist worker.
    """
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in before.items():
        if handler is not None and signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap servers of a Kafka-compatible broker for the whole session."""
    given = os.environ.get("DRIFTLINE_BOOTSTRAP_SERVERS", "").strip()
    if given:
        yield given
    elif _docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer() as container:
            yield container.get_bootstrap_server()
    else:
        from stream.kafka.broker import EmbeddedBroker

        with EmbeddedBroker() as broker:
            yield broker.bootstrap_servers


@pytest.fixture
def topic_prefix() -> str:
    """A topic prefix no other test uses, since the session broker is shared."""
    return f"t{uuid.uuid4().hex[:12]}"


class FakeClock:
    """A clock that moves only when told: ``clock()`` is the time, ``advance()`` moves it."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def __call__(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        """Seconds as ``time.monotonic`` would count them (here: the POSIX timestamp)."""
        return self._now.timestamp()

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` and return the new time."""
        self._now += timedelta(seconds=seconds)
        return self._now


@pytest.fixture
def fake_clock() -> FakeClock:
    """A UTC clock at 2024-03-05T14:00:00Z, to inject as ``now``."""
    return FakeClock(datetime(2024, 3, 5, 14, 0, 0, tzinfo=UTC))


@pytest.fixture
def registry() -> CollectorRegistry:
    """A private Prometheus registry; assert with ``registry.get_sample_value(...)``."""
    return CollectorRegistry()
