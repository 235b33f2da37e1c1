"""Shared fixtures: the test broker, a fake clock and a private Prometheus registry.

The broker for ``@pytest.mark.kafka`` tests is chosen once per session:
``DRIFTLINE_BOOTSTRAP_SERVERS`` if set, else testcontainers' Kafka when a Docker engine
answers, else the embedded Tansu broker (started here, stopped at the end of the session).
``make test`` runs three test processes (pytest-xdist), each with its own session broker.
"""

from __future__ import annotations

import os
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
