"""Everything a worker process holds, without faust: messages in, messages to send out.

The faust agents in :mod:`stream.worker.app` are thin: they hand each capture message, each partial
and each timer tick to :class:`WorkerState` and send the :class:`Outbound` messages it
returns. Routing: a capture message belongs to every monitor whose ``match`` fields
(``endpoint``, ``variant``, ``model``) equal the message's Kafka headers of the same names;
a monitor without ``match`` takes every message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from stream.capture.preprocess import load_postprocessor, load_preprocessor
from stream.config import ConfigError, DriftlineConfig, MonitorConfig
from stream.kafka.topics import TopicNames
from stream.monitors.data_quality import DataQualityBaseline, load_data_quality_baseline
from stream.worker.aggregator import Aggregator, WindowResult
from stream.worker.capture_runtime import MonitorRuntime
from stream.worker.outputs import (
    dead_letter_message,
    execution_message,
    online_violation_message,
    statistics_message,
    violation_messages,
)
from stream.worker.windows import WindowPartial

log = logging.getLogger("driftline.worker")


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message to send: topic name, key, value bytes."""

    topic: str
    key: bytes | None
    value: bytes


def utc_now() -> datetime:
    """The wall clock, timezone-aware UTC."""
    return datetime.now(UTC)


class WorkerState:
    """Runtimes and aggregators of every monitor, and the topic names to send to.

    Parameters
    ----------
    config
        The whole configuration.
    baselines
        Each monitor's data-quality baseline, by monitor name.
    now
        Wall clock.
    on_result
        Called with every evaluated window (the demo and the benchmark listen here).
    """

    def __init__(
        self,
        config: DriftlineConfig,
        baselines: Mapping[str, DataQualityBaseline],
        *,
        now: Callable[[], datetime] = utc_now,
        on_result: Callable[[WindowResult], None] | None = None,
    ) -> None:
        self.config = config
        self.names = TopicNames.from_prefix(config.kafka.topic_prefix)
        self.now = now
        self.on_result = on_result
        self.runtimes: dict[str, MonitorRuntime] = {}
        self.aggregators: dict[str, Aggregator] = {}
        for monitor in config.monitors:
            baseline = baselines[monitor.name]
            pre = load_preprocessor(monitor.preprocessor) if monitor.preprocessor else None
            post = load_postprocessor(monitor.postprocessor) if monitor.postprocessor else None
            self.runtimes[monitor.name] = MonitorRuntime(
                monitor, baseline, now=now, preprocessor=pre
            )
            self.aggregators[monitor.name] = Aggregator(
                monitor,
                baseline,
                partitions=config.kafka.partitions,
                now=now,
                postprocessor=post,
            )
        self.assigned: set[int] = set()
        self.send_failures = 0  # output messages the producer refused

    @classmethod
    def from_config(cls, config: DriftlineConfig, **kwargs: Any) -> WorkerState:
        """Load every monitor's baseline folder; ConfigError when one has none."""
        if not config.monitors:
            msg = "the config defines no [[monitor]]; the worker has nothing to do"
            raise ConfigError(msg)
        baselines = {}
        for monitor in config.monitors:
            if monitor.baseline is None:
                msg = f"monitor {monitor.name!r}: baseline is required by the worker"
                raise ConfigError(msg)
            baselines[monitor.name] = load_data_quality_baseline(monitor.baseline)
        return cls(config, baselines, **kwargs)

    def on_capture(
        self, partition: int, offset: int, value: bytes, headers: Any = None
    ) -> list[Outbound]:
        """One capture message: dead letters, online alarms and closed-window partials."""
        header_map = _headers(headers)
        out: list[Outbound] = []
        for name, rt in self.runtimes.items():
            if not _matches(rt.config, header_map):
                continue
            outcome = rt.process_batch(partition, offset, value)
            for letter in outcome.dead_letters:
                doc = dead_letter_message(letter, self.names.capture)
                out.append(Outbound(self.names.deadletter, name.encode(), orjson.dumps(doc)))
            for alarm in outcome.online_violations:
                doc = online_violation_message(name, alarm)
                out.append(Outbound(self.names.violations, name.encode(), orjson.dumps(doc)))
            out.extend(self._partials(rt))
        return out

    def _partials(self, rt: MonitorRuntime) -> list[Outbound]:
        key = rt.name.encode()
        return [Outbound(self.names.partials, key, p.to_bytes()) for p in rt.close_due()]

    def on_partial(self, raw: bytes) -> list[Outbound]:
        """One partial from the partials topic: the outputs of the windows it made final."""
        try:
            partial = WindowPartial.from_bytes(raw)
        except (ValueError, TypeError) as error:
            log.error("unreadable partial dropped: %s", error)
            return []
        aggregator = self.aggregators.get(partial.monitor)
        if aggregator is None:
            log.warning("partial for unknown monitor %r dropped", partial.monitor)
            return []
        return self._results(aggregator.add(partial))

    def tick(self) -> list[Outbound]:
        """Timer: close idle windows on both sides."""
        out: list[Outbound] = []
        for rt in self.runtimes.values():
            out.extend(self._partials(rt))
        for aggregator in self.aggregators.values():
            out.extend(self._results(aggregator.close_due()))
        return out

    def _results(self, results: Iterable[WindowResult]) -> list[Outbound]:
        out: list[Outbound] = []
        for result in results:
            key = result.monitor.encode()
            for doc in violation_messages(result):
                out.append(Outbound(self.names.violations, key, orjson.dumps(doc)))
            out.append(
                Outbound(self.names.statistics, key, orjson.dumps(statistics_message(result)))
            )
            out.append(
                Outbound(self.names.executions, key, orjson.dumps(execution_message(result)))
            )
            log.info(
                "monitor %s window %s: %s, %d rows, %d violations",
                result.monitor,
                result.window_start,
                result.status,
                result.row_count,
                len(result.evaluation.violations),
            )
            if self.on_result is not None:
                self.on_result(result)
        return out

    def on_assigned(self, partitions: set[int]) -> None:
        """Capture partitions owned after a rebalance; forget the state of lost ones.

        Open windows of a lost partition are dropped (and logged): the new owner re-reads
        from the committed offset. Snapshot and restore of that state is later work.
        """
        lost = self.assigned - partitions
        if lost:
            for rt in self.runtimes.values():
                dropped = rt.drop_partitions(lost)
                rt.online.drop_partitions(lost)
                if dropped:
                    log.warning("monitor %s: %d open windows of lost partitions %s dropped",
                                rt.name, dropped, sorted(lost))  # fmt: skip
        self.assigned = set(partitions)


def _headers(headers: Any) -> dict[str, str]:
    if not headers:
        return {}
    items = headers.items() if isinstance(headers, Mapping) else headers
    out = {}
    for key, value in items:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        out[str(key)] = text
    return out


def _matches(monitor: MonitorConfig, headers: Mapping[str, str]) -> bool:
    match = monitor.match
    wanted = {"endpoint": match.endpoint, "variant": match.variant, "model": match.model}
    return all(headers.get(k) == v for k, v in wanted.items() if v is not None)
