"""Restart safety on a real broker: every record counted exactly once through kill -9,
SIGTERM, failover to another worker and a frozen broker (``benchmarks/restart_safety.py``
runs many more trials of each)."""

from __future__ import annotations

import pytest

from stream.kafka.broker import EmbeddedBroker
from tests.integration.scenarios import joins, run_trial

pytestmark = pytest.mark.kafka


@pytest.mark.parametrize(("kind", "seed"), [("kill", 1), ("kill", 2), ("sigterm", 3),
                                            ("failover", 4)])  # fmt: skip
def test_no_record_lost_or_counted_twice(kind, seed, tmp_path, kafka_bootstrap):
    result = run_trial(kind, kafka_bootstrap, tmp_path, seed)
    assert (result.lost, result.doubled, result.wrong_sums, result.missing_windows) == (
        0, 0, 0, 0), result  # fmt: skip
    assert result.incomplete == 0, result


def test_a_static_member_killed_and_restarted_takes_its_partitions_back_in_its_generation(
    tmp_path, kafka_bootstrap
):
    result = run_trial("static", kafka_bootstrap, tmp_path, 6)
    assert (result.lost, result.doubled, result.wrong_sums, result.missing_windows) == (
        0, 0, 0, 0), result  # fmt: skip
    assert result.incomplete == 0, result
    (before, killed), (after, restarted) = (joins(tmp_path / f"worker-{i}.log")[-1] for i in (0, 1))
    assert after == before  # the same generation: no rebalance
    instance = next(tmp_path.glob("worker-static*.toml")).stem.removeprefix("worker-") + "-0"
    assert killed.startswith(instance) and restarted.startswith(instance), (killed, restarted)


def test_a_frozen_broker_loses_nothing(tmp_path):
    with EmbeddedBroker() as broker:
        result = run_trial("stall", broker.bootstrap_servers, tmp_path, 5,
                           broker_pid=broker.pid, stall_seconds=12.0)  # fmt: skip
    assert (result.lost, result.doubled, result.wrong_sums, result.missing_windows) == (
        0, 0, 0, 0), result  # fmt: skip
    assert result.incomplete == 0, result
