"""The worker's faust app: no faust table, so no wait at start; static membership on demand."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from faust.tables import TableManager

from stream.config.kafka_settings import KafkaConfig
from stream.worker.app import _worker_app
from stream.worker.transport import NoTablesManager


def _steps_of_start(manager: Any) -> list[Any]:
    """What ``manager.on_start`` does, each step recorded instead of run."""
    steps: list[Any] = []

    async def sleep(seconds: float) -> None:
        steps.append(("sleep", seconds))

    async def update_channels() -> None:
        steps.append("channels")

    async def start_recovery() -> None:
        steps.append("recovery")

    manager.sleep = sleep
    manager._update_channels = update_channels
    manager._recovery = SimpleNamespace(start=start_recovery)
    asyncio.run(manager.on_start())
    return steps


def test_the_worker_app_declares_no_table_and_uses_the_manager_without_the_wait(
    tmp_path: Path,
) -> None:
    app = _worker_app(KafkaConfig(topic_prefix="t"), "127.0.0.1:9092", tmp_path)
    assert isinstance(app.tables, NoTablesManager)
    assert len(app.tables) == 0


def test_it_starts_as_fausts_does_less_the_one_second_sleep(tmp_path: Path) -> None:
    app = _worker_app(KafkaConfig(topic_prefix="t"), "127.0.0.1:9092", tmp_path)
    fausts = _steps_of_start(TableManager(app=app))
    assert fausts == [("sleep", 1.0), "channels", "recovery"]  # the faust this was written for
    assert _steps_of_start(NoTablesManager(app=app)) == fausts[1:]


def test_the_worker_app_is_a_static_member_only_with_a_group_instance_id(tmp_path: Path) -> None:
    kafka = KafkaConfig(topic_prefix="t")
    dynamic = _worker_app(kafka, "127.0.0.1:9092", tmp_path)
    static = _worker_app(kafka, "127.0.0.1:9092", tmp_path, "driftline-0")
    assert dynamic.conf.consumer_group_instance_id is None
    assert static.conf.consumer_group_instance_id == "driftline-0"
