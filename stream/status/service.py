"""The status page of one worker process, wired from the configuration.

:meth:`StatusService.bind` takes the metrics port first (a port in use fails before the
broker starts); :meth:`StatusService.start` loads the data-quality baselines of the
configured monitors, puts every configured monitor on the board (one that publishes nothing
is shown as such), follows the output topics and serves; :meth:`StatusService.stop` ends
both. The follower's counters are exported on the worker's registry.

Examples
--------
>>> from prometheus_client import CollectorRegistry
>>> follower = TopicFollower(StatusBoard(), "localhost:9092", {"executions": "x.executions"})
>>> follower.apply("executions", b"not json")
>>> registry = CollectorRegistry()
>>> registry.register(FollowerCollector(follower))
>>> registry.get_sample_value("driftline_status_unreadable_messages_total", {"topic": "executions"})
1.0
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from detectors.quality.statistics import DatasetStatistics
from stream.config import DriftlineConfig
from stream.kafka.security import kafka_python_kwargs
from stream.kafka.topics import TopicNames
from stream.monitors.data_quality import load_data_quality_baseline
from stream.monitors.files import BaselineError
from stream.status.board import TOPIC_KINDS, StatusBoard
from stream.status.follower import TopicFollower
from stream.status.messages import ATTRIBUTION_DRIFT, BIAS_DRIFT, DATA_QUALITY, MODEL_QUALITY
from stream.status.server import Readiness, StatusServer

log = logging.getLogger("driftline.status")


class FollowerCollector:
    """Messages the status follower read and refused, by topic kind; broker answer age."""

    def __init__(self, follower: TopicFollower) -> None:
        self.follower = follower

    def collect(self) -> Iterator[Metric]:
        """Families read at scrape time."""
        read = CounterMetricFamily(
            "driftline_status_messages",
            "Output messages shown on the status page",
            labels=["topic"],
        )
        refused = CounterMetricFamily(
            "driftline_status_unreadable_messages",
            "Output messages the status page could not read",
            labels=["topic"],
        )
        for kind in TOPIC_KINDS:
            read.add_metric([kind], float(self.follower.read[kind]))
            refused.add_metric([kind], float(self.follower.unreadable[kind]))
        yield read
        yield refused
        up = GaugeMetricFamily(
            "driftline_status_broker_reachable", "1 when the broker answered in the last 15 s"
        )
        up.add_metric([], float(self.follower.broker_answered_within(15.0)))
        yield up


# a [[monitor]]'s labelled sections and the monitor types they publish
SECTION_TYPES = {
    "model_quality": MODEL_QUALITY,
    "bias": BIAS_DRIFT,
    "attribution": ATTRIBUTION_DRIFT,
}


def configured_monitors(config: DriftlineConfig) -> list[tuple[str, str]]:
    """(monitor, monitor type) of every configured monitor: data quality and its sections."""
    out = []
    for monitor in config.monitors:
        out.append((monitor.name, DATA_QUALITY))
        out.extend((monitor.name, SECTION_TYPES[s]) for s in monitor.labelled_sections)
    return out


def baseline_statistics(config: DriftlineConfig) -> dict[str, DatasetStatistics]:
    """Statistics of every monitor whose baseline folder holds data-quality statistics."""
    shapes = {}
    for monitor in config.monitors:
        folder: Path | None = monitor.baseline
        if folder is None:
            continue
        try:
            baseline = load_data_quality_baseline(folder)
        except BaselineError as error:  # e.g. a model-quality baseline: no feature charts
            log.info("monitor %s: no data-quality baseline for the page (%s)", monitor.name, error)
            continue
        shapes[monitor.name] = baseline.statistics
    return shapes


class StatusService:
    """The server, the board and the follower of one worker."""

    def __init__(self, server: StatusServer) -> None:
        self.server = server
        self.follower: TopicFollower | None = None

    @classmethod
    def bind(cls, host: str, port: int, registry: CollectorRegistry) -> StatusService:
        """Take the port now; StatusServerError when it is in use."""
        return cls(StatusServer.bind(host, port, registry))

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self.server.port

    def start(
        self,
        config: DriftlineConfig,
        bootstrap: str,
        assigned_partitions: Callable[[], int],
        lookback: Mapping[str, int] | None = None,
    ) -> None:
        """Follow ``config``'s output topics on ``bootstrap`` and serve the page."""
        names = TopicNames.from_prefix(config.kafka.topic_prefix)
        board = StatusBoard(baseline_statistics(config), monitors=configured_monitors(config))
        topics = {kind: getattr(names, kind) for kind in TOPIC_KINDS}
        follower = TopicFollower(
            board, bootstrap, topics, kafka_python_kwargs(config.kafka), lookback
        )
        self.follower = follower
        self.server.registry.register(FollowerCollector(follower))
        follower.start()
        readiness = Readiness(
            assigned_partitions, follower.broker_answered_within, lambda: follower.missing_topics
        )
        self.server.serve(board, readiness)

    def stop(self) -> None:
        """Stop following and serving.

        A follower stuck on an unreachable broker is awaited for a second at most (its thread
        is a daemon), so the worker's shutdown stays bounded.
        """
        if self.follower is not None:
            self.follower.stop(timeout_seconds=1.0)
        self.server.stop()
