"""The worker's per-record counters, read cheaply by (family name, label values).

These are the counters of :mod:`stream.worker.metrics` (and :mod:`.labelled_metrics`) that
count the records of a partition — what a replay after a restart would count again — keyed
exactly as the collector exports them, so that
:class:`~stream.worker.uncommitted_counts.UncommittedCounts` can hold their increments back
until a checkpoint covers them. Read before and after every partition-scoped step, so only
the plain numbers are read here: no store is counted, no family is built.

Counters of process events stay out: ``driftline_send_failures`` and
``driftline_internal_errors`` (the dead letter an internal error causes is counted here).

``capture`` partitions: the capture paths' record counts and dead letters, online alarms,
the label joins' counts, joined labels left out of windows, records no monitor takes.
``partials`` partitions: the aggregators' windows closed, violations, postprocessor
failures, late and duplicate partials.
"""

from __future__ import annotations

from typing import Any

from stream.worker.books import CAPTURE
from stream.worker.uncommitted_counts import CounterKey

# Families whose increments wait for a checkpoint (the metric HELP texts say so).
CHECKPOINTED_FAMILIES = frozenset({
    "driftline_events_consumed", "driftline_events_processed", "driftline_late_events",
    "driftline_sampled_out_events", "driftline_dropped_events", "driftline_revised_events",
    "driftline_dead_letters", "driftline_online_alarms", "driftline_unmatched_events",
    "driftline_labels_joined", "driftline_labels_expired", "driftline_labels_duplicate",
    "driftline_unusable_predictions", "driftline_predictions_evicted",
    "driftline_predictions_duplicate", "driftline_labels_superseded",
    "driftline_unusable_labels", "driftline_windows_closed", "driftline_violations",
    "driftline_postprocessor_failures", "driftline_late_partials",
    "driftline_duplicate_partials",
})  # fmt: skip


def read_record_counters(state: Any, kind: str) -> dict[CounterKey, float]:
    """The live per-record counters of ``kind`` partitions of a :class:`WorkerState`."""
    out: dict[CounterKey, float] = {}
    if kind == CAPTURE:
        for path in state.paths.values():
            _capture_path(out, path)
        for name, labelled in state.labelled.items():
            _label_join(out, name, labelled)
        out[("driftline_unmatched_events", ())] = state.unmatched.events
    else:
        for name, aggregator in state.aggregators.items():
            _aggregator(out, name, aggregator)
    return out


def _capture_path(out: dict[CounterKey, float], path: Any) -> None:
    c, m = path.counts, (path.name,)
    out[("driftline_events_consumed", m)] = c.consumed
    out[("driftline_events_processed", m)] = c.processed
    out[("driftline_late_events", m)] = c.late
    out[("driftline_sampled_out_events", m)] = c.sampled_out
    out[("driftline_dropped_events", m)] = c.dropped
    out[("driftline_revised_events", m)] = c.revised
    for reason, n in c.dead_letters.items():
        out[("driftline_dead_letters", (path.name, reason))] = n
    for feature, n in path.online.alarms.items():
        out[("driftline_online_alarms", (path.name, feature))] = n


def _label_join(out: dict[CounterKey, float], name: str, labelled: Any) -> None:
    c, m = labelled.join.counts, (name,)
    out[("driftline_labels_joined", m)] = c.joined
    out[("driftline_labels_expired", (name, "prediction"))] = c.expired_predictions
    out[("driftline_labels_expired", (name, "label"))] = c.expired_labels
    out[("driftline_labels_expired", (name, "shap"))] = c.expired_shap
    out[("driftline_labels_duplicate", m)] = c.duplicate_labels
    for reason, n in c.unusable.items():
        out[("driftline_unusable_predictions", (name, reason))] = n
    out[("driftline_predictions_evicted", m)] = c.evicted_predictions
    out[("driftline_predictions_duplicate", m)] = c.duplicate_predictions
    out[("driftline_labels_superseded", m)] = c.superseded_labels
    for reason, n in labelled.unusable_labels.items():
        out[("driftline_unusable_labels", (name, reason))] = n


def _aggregator(out: dict[CounterKey, float], name: str, aggregator: Any) -> None:
    m = (name,)
    out[("driftline_windows_closed", m)] = aggregator.windows_closed
    out[("driftline_postprocessor_failures", m)] = aggregator.postprocessor_failures
    out[("driftline_late_partials", m)] = aggregator.late_partials
    out[("driftline_duplicate_partials", m)] = aggregator.duplicate_partials
    for (check, feature), n in aggregator.violations.items():
        out[("driftline_violations", (name, check, feature))] = n
