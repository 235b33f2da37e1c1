"""Prometheus metrics of a worker, pulled from the live runtimes and aggregators.

:class:`WorkerCollector` is a custom collector: at every scrape it reads the counters that
the capture paths and the aggregators keep anyway (through
:class:`~stream.worker.metric_sources.WorkerSources`), so nothing on the hot path touches
prometheus_client. Names are ``driftline_<thing>_<unit>``, counters end in ``_total``; label
values are monitor and feature names from the config and baseline, check types, reason
codes and partition numbers — never raw data (a violation on a column outside the baseline
is labelled feature ``_other``).

What holds with any number of workers:

- capture-side series (events, dead letters, open-window rows, lag, records no monitor's
  ``match`` took) describe the partitions this worker owns: sum them over workers;
- window gauges (drift distance and threshold, completeness, last closed window, model
  quality, bias, nDCG) come only from the worker that aggregates the monitor now (owns its
  partials partition); a worker that loses a monitor stops exporting them;
- counters of known label sets start at 0 on every worker, so ``increase()`` sees the first
  violation, dead letter or alarm;
- per-record counters advance when the checkpoint that covers the records is saved
  (:mod:`stream.worker.uncommitted_counts`): what a successor replays after a kill -9 or a
  rebalance is counted by the successor only, so their sum over workers counts each record
  once;
- ``driftline_window_length_seconds`` lists every configured monitor on every worker, so a
  monitor whose window gauges are absent everywhere can be alerted on.
- a feature whose constraints say ``emit_metrics: Disabled`` (globally or in its overrides)
  has no window gauges, as SageMaker publishes no metrics for it; its violations still count.

Examples
--------
>>> from prometheus_client import CollectorRegistry
>>> from stream.worker.metric_sources import WorkerSources
>>> registry = CollectorRegistry()
>>> sources = WorkerSources(
...     runtimes=list, aggregators=list, assigned_partitions=lambda: {0, 2},
...     owned_monitors=dict, capture_partitions=4, partition_lag=lambda: {0: 7, 2: 0})
>>> registry.register(WorkerCollector(sources))
>>> registry.get_sample_value("driftline_assigned_partitions")
2.0
>>> registry.get_sample_value("driftline_consumer_lag_messages", {"partition": "0"})
7.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.samples import Sample

from detectors.quality.checks import BASELINE_DRIFT, COMPLETENESS, drift_figure_is_p_value
from stream import __version__
from stream.worker.labelled_metrics import join_families, labelled_families
from stream.worker.labelled_summaries import join_summaries
from stream.worker.metric_sources import (
    DEAD_LETTER_REASONS,
    WorkerSources,
    data_quality_violation_labels,
)
from stream.worker.record_counters import CHECKPOINTED_FAMILIES
from stream.worker.uncommitted_counts import CounterKey

# appended to the HELP text of every per-record counter
CHECKPOINTED_NOTE = " (advances when a saved checkpoint covers the records: each counted once)"


class WorkerCollector:
    """Yields the worker's metric families at scrape time.

    Parameters
    ----------
    sources
        Where to read the worker's live state.
    """

    def __init__(self, sources: WorkerSources) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        """One family per metric, read from the live state; per-record counters as checkpointed.

        A per-record counter (:data:`~stream.worker.record_counters.CHECKPOINTED_FAMILIES`)
        is its live value less the increments no saved snapshot covers yet, so that a record
        a successor replays after a crash or a rebalance is counted once over the workers.
        """
        withheld = self.sources.withheld()
        for metric in self._live():
            if metric.name in CHECKPOINTED_FAMILIES:
                metric.documentation += CHECKPOINTED_NOTE
                if withheld:
                    metric.samples = [_less(sample, metric.name, withheld)
                                      for sample in metric.samples]  # fmt: skip
            yield metric

    def _live(self) -> Iterator[Metric]:
        runtimes = list(self.sources.runtimes())
        aggregators = list(self.sources.aggregators())
        owned = self.sources.owned_monitors()
        joins = join_summaries(self.sources.label_joins())
        refusable = {join.monitor: join.dead_letter_reasons for join in joins}
        yield from self._capture_families(runtimes, refusable)
        yield from join_families(joins)
        yield from self._window_counters(aggregators)
        mine = [agg for agg in aggregators if agg.config.name in owned]
        yield from self._window_gauges(mine, owned)
        yield from labelled_families(mine)
        yield from self._worker_families(aggregators)

    def _capture_families(
        self, runtimes: list[Any], refusable: Mapping[str, Sequence[str]]
    ) -> Iterator[Metric]:
        """The capture paths' families; ``refusable``: more dead-letter reasons, by monitor.

        Dead letters of every known reason are exported from 0: the capture path's, and
        those a labelled monitor's label and attribution records can be refused for.
        """
        m = ["monitor"]
        consumed = CounterMetricFamily(
            "driftline_events_consumed", "Capture records read", labels=m
        )
        processed = CounterMetricFamily(
            "driftline_events_processed", "Capture records profiled into a window", labels=m
        )
        late = CounterMetricFamily(
            "driftline_late_events", "Records whose window had already closed", labels=m
        )
        sampled = CounterMetricFamily(
            "driftline_sampled_out_events", "Records left out by sampling_percentage", labels=m
        )
        dropped = CounterMetricFamily(
            "driftline_dropped_events",
            "Records that gave no row: the preprocessor returned none, or the payload held none",
            labels=m,
        )
        revised = CounterMetricFamily(
            "driftline_revised_events", "Records that revised an already published window",
            labels=m,
        )  # fmt: skip
        dead = CounterMetricFamily(
            "driftline_dead_letters", "Records sent to the dead-letter topic", labels=[*m, "reason"]
        )
        online = CounterMetricFamily(
            "driftline_online_alarms", "Online detector alarms", labels=[*m, "feature"]
        )
        rows = GaugeMetricFamily(
            "driftline_current_window_rows", "Rows in the latest open window", labels=m
        )
        lag = GaugeMetricFamily(
            "driftline_event_time_lag_seconds", "Wall clock minus the latest event time", labels=m
        )
        for rt in runtimes:
            c, name = rt.counts, [rt.name]
            consumed.add_metric(name, c.consumed)
            processed.add_metric(name, c.processed)
            late.add_metric(name, c.late)
            sampled.add_metric(name, c.sampled_out)
            dropped.add_metric(name, c.dropped)
            revised.add_metric(name, c.revised)
            known = (*DEAD_LETTER_REASONS, *refusable.get(rt.name, ()))
            reasons = dict.fromkeys(known, 0) | dict(c.dead_letters)
            for reason, n in sorted(reasons.items()):
                dead.add_metric([rt.name, reason], n)
            watched = [f for _, f in rt.online.watched] if rt.online.enabled else []
            alarms = dict.fromkeys(watched, 0) | dict(rt.online.alarms)
            for feature, n in sorted(alarms.items()):
                online.add_metric([rt.name, feature], n)
            rows.add_metric(name, rt.table.rows_in_latest())
            seconds = rt.event_time_lag_seconds()
            if seconds is not None:
                lag.add_metric(name, seconds)
        yield from (consumed, processed, late, sampled, dropped, revised, dead, online, rows, lag)

    def _window_counters(self, aggregators: list[Any]) -> Iterator[Metric]:
        m = ["monitor"]
        closed = CounterMetricFamily("driftline_windows_closed", "Windows evaluated", labels=m)
        violations = CounterMetricFamily(
            "driftline_violations",
            "Constraint violations, by feature (data quality), metric (model quality), facet"
            " (bias drift) or label (attribution drift); a window revised by late records or"
            " labels counts only the violations its previous revision lacked",
            labels=[*m, "check_type", "feature"],
        )
        failures = CounterMetricFamily(
            "driftline_postprocessor_failures", "postprocess_handler() errors", labels=m
        )
        late = CounterMetricFamily(
            "driftline_late_partials", "Partials for a window too old to revise (dropped)", labels=m
        )
        duplicates = CounterMetricFamily(
            "driftline_duplicate_partials", "Partials merged already (dropped)", labels=m
        )
        length = GaugeMetricFamily(
            "driftline_window_length_seconds",
            "window_seconds of every configured monitor (exported by every worker)",
            labels=m,
        )
        for agg in aggregators:
            name = [agg.config.name]
            closed.add_metric(name, agg.windows_closed)
            failures.add_metric(name, agg.postprocessor_failures)
            late.add_metric(name, agg.late_partials)
            duplicates.add_metric(name, agg.duplicate_partials)
            length.add_metric(name, agg.config.window_seconds)
            counts = dict.fromkeys(_violation_labels(agg), 0) | dict(agg.violations)
            for (check, feature), n in sorted(counts.items()):
                violations.add_metric([agg.config.name, check, feature], n)
        yield from (closed, violations, failures, late, duplicates, length)

    def _window_gauges(self, owned: list[Any], since: Mapping[str, float]) -> Iterator[Metric]:
        m, mf = ["monitor"], ["monitor", "feature"]
        distance = GaugeMetricFamily(
            "driftline_drift_distance",
            "Baseline drift distance, last window (a ChiSquared categorical feature: 1 - its"
            " p-value); above driftline_drift_threshold is drift",
            labels=mf,
        )
        threshold = GaugeMetricFamily(
            "driftline_drift_threshold",
            "Baseline drift threshold (a ChiSquared categorical feature: 1 - its p-value"
            " threshold)",
            labels=mf,
        )
        samples = GaugeMetricFamily(
            "driftline_window_samples",
            "Values behind the last window's drift decision (below min_window_count: no verdict)",
            labels=mf,
        )
        completeness = GaugeMetricFamily(
            "driftline_completeness_ratio", "Share of non-missing values, last window", labels=mf
        )
        rows = GaugeMetricFamily(
            "driftline_window_rows", "Rows in the last closed window", labels=m
        )
        last_end = GaugeMetricFamily(
            "driftline_last_closed_window_end_timestamp_seconds",
            "End of the last evaluated window (POSIX seconds)",
            labels=m,
        )
        aggregating = GaugeMetricFamily(
            "driftline_aggregating_since_timestamp_seconds",
            "When this worker took over aggregating the monitor (POSIX seconds)",
            labels=m,
        )
        for agg in owned:
            name = agg.config.name
            aggregating.add_metric([name], since[name])
            result = agg.last_result
            if result is None:
                continue
            last_end.add_metric([name], result.window_end)
            rows.add_metric([name], result.row_count)
            emits = _feature_metrics_switch(agg)
            oriented = _drift_orientation(agg)
            for d in result.evaluation.decisions:
                if not emits(d.feature_name):
                    continue
                labels = [name, d.feature_name]
                if d.check_type == BASELINE_DRIFT:
                    samples.add_metric(labels, d.sample_count)
                    if d.value is not None:
                        distance.add_metric(labels, oriented(d.feature_name, d.value))
                    if d.threshold is not None:
                        threshold.add_metric(labels, oriented(d.feature_name, d.threshold))
                if d.check_type == COMPLETENESS and d.value is not None:
                    completeness.add_metric(labels, d.value)
        yield from (distance, threshold, samples, completeness, rows, last_end, aggregating)

    def _worker_families(self, aggregators: list[Any]) -> Iterator[Metric]:
        assigned = GaugeMetricFamily(
            "driftline_assigned_partitions", "Capture partitions owned by this worker"
        )
        assigned.add_metric([], float(len(self.sources.assigned_partitions())))
        configured = GaugeMetricFamily(
            "driftline_capture_partitions", "Partitions of the capture topic (configured)"
        )
        configured.add_metric([], float(self.sources.capture_partitions))
        lag = GaugeMetricFamily(
            "driftline_consumer_lag_messages",
            "Capture messages not yet processed, per partition this worker owns",
            labels=["partition"],
        )
        for partition, behind in sorted(self.sources.partition_lag().items()):
            lag.add_metric([str(partition)], float(behind))
        failures = CounterMetricFamily(
            "driftline_send_failures",
            "Output messages the producer refused (violations, statistics … lost)",
        )
        failures.add_metric([], float(self.sources.send_failures()))
        errors = CounterMetricFamily(
            "driftline_internal_errors", "Unexpected exceptions caught, by type", labels=["type"]
        )
        for kind, n in sorted(self.sources.internal_errors().items()):
            errors.add_metric([kind], float(n))
        unmatched = CounterMetricFamily(
            "driftline_unmatched_events",
            "Capture records whose Kafka headers match no monitor's match (read, not monitored)",
        )
        unmatched.add_metric([], float(self.sources.unmatched_events()))
        build = GaugeMetricFamily(
            "driftline_build_info", "driftline version (always 1)", labels=["version"]
        )
        build.add_metric([__version__], 1.0)
        yield from (assigned, configured, lag, failures, errors, unmatched, build)


def _less(sample: Sample, family: str, withheld: Mapping[CounterKey, float]) -> Sample:
    """A counter's sample less the increments withheld of it."""
    held = withheld.get((family, tuple(sample.labels.values())), 0)
    return sample._replace(value=sample.value - held) if held else sample


def _feature_metrics_switch(aggregator: Any) -> Callable[[str], bool]:
    """Whether a feature's window gauges are exported: its ``emit_metrics`` setting.

    SageMaker's ``emit_metrics: Disabled`` (in ``monitoring_config``, or in a feature's
    overrides) publishes no metrics for the features it covers; the window gauges are
    driftline's counterpart of those metrics. Violations are still counted.
    """
    baseline = getattr(aggregator, "baseline", None)
    constraints = getattr(baseline, "constraints", None)
    if constraints is None:
        return lambda _name: True
    return lambda name: constraints.config_for(name).emit_metrics


def _drift_orientation(aggregator: Any) -> Callable[[str, float], float]:
    """A feature's drift figure as the gauges read it: above the threshold is drift.

    A ChiSquared categorical feature's figure is a p-value, violated *below* its threshold:
    its gauges carry 1 - p and 1 - threshold, so that ``distance > threshold``
    (``DriftlineFeatureDrift``, the dashboard's distance / threshold) holds exactly when the
    feature's ``baseline_drift_check`` is violated, as for a distance.
    """
    baseline = getattr(aggregator, "baseline", None)
    constraints = getattr(baseline, "constraints", None)
    if constraints is None:
        return lambda _name, figure: figure
    return lambda name, figure: (
        1.0 - figure if drift_figure_is_p_value(constraints, name) else figure
    )


def _violation_labels(aggregator: Any) -> list[tuple[str, str]]:
    """Every (check type, feature) of the monitor's data-quality and labelled checks."""
    labelled = list(getattr(aggregator, "labelled_violation_labels", ()))
    baseline = getattr(aggregator, "baseline", None)
    kinds = getattr(baseline, "kinds", None)
    if kinds is None:  # not a data-quality aggregator: its violations appear when counted
        return labelled
    return data_quality_violation_labels(baseline.features, kinds) + labelled


def register_worker_metrics(registry: CollectorRegistry, sources: WorkerSources) -> None:
    """Put the worker's metrics, its process, Python and GC metrics on ``registry``."""
    registry.register(WorkerCollector(sources))
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
