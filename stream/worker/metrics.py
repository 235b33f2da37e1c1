"""Prometheus metrics of a worker, pulled from the live runtimes and aggregators.

:class:`WorkerCollector` is a custom collector: at every scrape it reads the counters that
the capture runtimes and the aggregators keep
anyway, so nothing on the hot path touches prometheus_client. Names are
``driftline_<thing>_<unit>``, counters end in ``_total``; label values are monitor and
feature names from the config and baseline, check types and reason codes — never raw data
(a violation on a column outside the baseline is labelled feature ``_other``).

Examples
--------
>>> from prometheus_client import CollectorRegistry
>>> registry = CollectorRegistry()
>>> registry.register(WorkerCollector(lambda: [], lambda: [], lambda: 0))
>>> registry.get_sample_value("driftline_assigned_partitions")
0.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from detectors.quality.checks import BASELINE_DRIFT, COMPLETENESS
from stream.worker.aggregator import Aggregator
from stream.worker.capture_path import CapturePath


class WorkerCollector:
    """Yields the worker's metric families at scrape time.

    Parameters
    ----------
    runtimes
        The capture-side runtimes, one per monitor.
    aggregators
        The aggregators, one per monitor.
    assigned_partitions
        How many capture partitions this worker owns right now.
    send_failures
        How many output messages the producer refused so far.
    """

    def __init__(
        self,
        runtimes: Callable[[], Iterable[CapturePath]],
        aggregators: Callable[[], Iterable[Aggregator]],
        assigned_partitions: Callable[[], int],
        send_failures: Callable[[], int] = lambda: 0,
    ) -> None:
        self.runtimes = runtimes
        self.aggregators = aggregators
        self.assigned_partitions = assigned_partitions
        self.send_failures = send_failures

    def collect(self) -> Iterator[Metric]:
        """One family per metric, read from the live state."""
        yield from self._capture_families()
        yield from self._window_families()
        assigned = GaugeMetricFamily(
            "driftline_assigned_partitions", "Capture partitions owned by this worker"
        )
        assigned.add_metric([], float(self.assigned_partitions()))
        yield assigned
        failures = CounterMetricFamily(
            "driftline_send_failures", "Output messages the producer refused"
        )
        failures.add_metric([], float(self.send_failures()))
        yield failures

    def _capture_families(self) -> Iterator[Metric]:
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
        for rt in self.runtimes():
            c, name = rt.counts, [rt.name]
            consumed.add_metric(name, c.consumed)
            processed.add_metric(name, c.processed)
            late.add_metric(name, c.late)
            sampled.add_metric(name, c.sampled_out)
            for reason, n in sorted(c.dead_letters.items()):
                dead.add_metric([rt.name, reason], n)
            for feature, n in sorted(rt.online.alarms.items()):
                online.add_metric([rt.name, feature], n)
            rows.add_metric(name, rt.table.rows_in_latest())
            seconds = rt.event_time_lag_seconds()
            if seconds is not None:
                lag.add_metric(name, seconds)
        yield from (consumed, processed, late, sampled, dead, online, rows, lag)

    def _window_families(self) -> Iterator[Metric]:
        m = ["monitor"]
        closed = CounterMetricFamily("driftline_windows_closed", "Windows evaluated", labels=m)
        violations = CounterMetricFamily(
            "driftline_violations", "Constraint violations", labels=[*m, "check_type", "feature"]
        )
        failures = CounterMetricFamily(
            "driftline_postprocessor_failures", "postprocess_handler() errors", labels=m
        )
        late = CounterMetricFamily(
            "driftline_late_partials", "Partials for an already final window", labels=m
        )
        mf = [*m, "feature"]
        distance = GaugeMetricFamily(
            "driftline_drift_distance", "Baseline drift distance, last window", labels=mf
        )
        threshold = GaugeMetricFamily(
            "driftline_drift_threshold", "Baseline drift threshold", labels=mf
        )
        completeness = GaugeMetricFamily(
            "driftline_completeness_ratio", "Share of non-missing values, last window", labels=mf
        )
        last_end = GaugeMetricFamily(
            "driftline_last_closed_window_end_timestamp_seconds",
            "End of the last evaluated window (POSIX seconds)",
            labels=m,
        )
        for agg in self.aggregators():
            name = [agg.config.name]
            closed.add_metric(name, agg.windows_closed)
            failures.add_metric(name, agg.postprocessor_failures)
            late.add_metric(name, agg.late_partials)
            for (check, feature), n in sorted(agg.violations.items()):
                violations.add_metric([agg.config.name, check, feature], n)
            result = agg.last_result
            if result is None:
                continue
            last_end.add_metric(name, result.window_end)
            for d in result.evaluation.decisions:
                labels = [agg.config.name, d.feature_name]
                if d.check_type == BASELINE_DRIFT and d.value is not None:
                    distance.add_metric(labels, d.value)
                if d.check_type == BASELINE_DRIFT and d.threshold is not None:
                    threshold.add_metric(labels, d.threshold)
                if d.check_type == COMPLETENESS and d.value is not None:
                    completeness.add_metric(labels, d.value)
        yield from (closed, violations, failures, late, distance, threshold, completeness, last_end)
