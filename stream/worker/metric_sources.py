"""What the metrics collector reads from a worker, and the label sets it starts at zero.

:class:`WorkerSources` is the collector's only view of a worker: callables read at every
scrape, so the collector copies nothing and the hot path never touches prometheus_client.
Two optional interfaces carry the labelled monitors (model quality, bias drift, feature
attribution drift): an aggregator that has :meth:`LabelledSource.labelled_summary` adds
its newest window's figures, a label join that has :meth:`JoinSource.join_summary` adds
its counts. Objects without them add nothing; their families stay empty.

Counters of known label sets are exported from the start at 0, so that ``increase()`` sees
their first increment (a series that appears at 1 has no earlier sample to increase from):
dead letters per :data:`DEAD_LETTER_REASONS` (and, for a labelled monitor, per reason its
label and attribution records can be refused for: :attr:`JoinSummary.dead_letter_reasons`),
violations per
:func:`data_quality_violation_labels`, online alarms per watched feature.

Examples
--------
>>> data_quality_violation_labels(("age", "plan"), ("numeric", "string"))[:4]
[('missing_column_check', 'age'), ('completeness_check', 'age'), ('data_type_check', 'age'), \
('baseline_drift_check', 'age')]
>>> ("extra_column_check", OTHER_FEATURE) in data_quality_violation_labels(("age",), ("numeric",))
True
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from detectors.quality.checks import (
    BASELINE_DRIFT,
    CATEGORICAL_VALUES,
    COMPLETENESS,
    DATA_TYPE,
    EXTRA_COLUMN,
    MISSING_COLUMN,
)
from stream.worker.labelled_summaries import (
    FACET_SIDES,
    LABEL_SIDES,
    JoinSource,
    JoinSummary,
    LabelledSource,
    LabelledSummary,
    MetricReading,
)
from stream.worker.state import CAPTURE, WorkerState

OTHER_FEATURE = "_other"  # label of a violation on a column outside the baseline

# Dead-letter reason codes of the capture path (stream.capture, stream.worker.state).
# A reason not listed here is still counted; its series appears at its first increment.
DEAD_LETTER_REASONS = (
    "bad_encoding",
    "batch_manifest",
    "bad_payload",
    "bad_time",
    "corrupt_batch",
    "empty_message",
    "future_time",
    "internal_error",
    "invalid_json",
    "missing_field",
    "missing_time",
    "not_an_object",
    "oversized",
    "preprocessor_error",
    "shape_mismatch",
    "tombstone",
    "too_deep",
)


def data_quality_violation_labels(
    features: Sequence[str], kinds: Sequence[str]
) -> list[tuple[str, str]]:
    """Every (check type, feature) a data-quality monitor on this baseline can violate.

    Per baseline feature: missing column, completeness, data type and baseline drift, plus
    categorical values for string features; extra columns are all labelled ``_other``.
    """
    labels: list[tuple[str, str]] = []
    for feature, kind in zip(features, kinds, strict=True):
        labels += [(check, feature) for check in (MISSING_COLUMN, COMPLETENESS, DATA_TYPE)]
        labels.append((BASELINE_DRIFT, feature))
        if kind == "string":
            labels.append((CATEGORICAL_VALUES, feature))
    labels.append((EXTRA_COLUMN, OTHER_FEATURE))
    return labels


@dataclass(frozen=True, slots=True)
class WorkerSources:
    """Where the collector reads a worker's live state; every callable runs at each scrape.

    Parameters
    ----------
    runtimes
        The capture paths, one per monitor (every worker has all of them).
    aggregators
        The aggregators, one per monitor (every worker has all of them).
    assigned_partitions
        The capture partitions this worker owns right now.
    owned_monitors
        Monitors whose partials partition this worker owns, i.e. which it aggregates, each
        with the POSIX time it took them over. Window gauges (drift distance, thresholds,
        last closed window …) are exported for these only, so that a worker that lost a
        monitor stops exporting its frozen last values.
    capture_partitions
        How many partitions the capture topic has (``kafka.partitions``).
    partition_lag
        Capture messages not yet processed, per owned partition (absent while unknown).
    send_failures
        Output messages the producer refused so far.
    internal_errors
        Unexpected exceptions caught so far (the message or partial was dead-lettered or
        dropped), by exception type.
    label_joins
        The label joins of the labelled monitors; those with ``join_summary()``
        (:class:`JoinSource`) feed the join's families.
    unmatched_events
        Capture records in messages whose Kafka headers matched no monitor's ``match``
        (:mod:`stream.worker.unmatched`).
    withheld
        Per-record counters' increments no saved snapshot covers yet, by (family name, label
        values): exported once one does (:mod:`stream.worker.uncommitted_counts`).
    """

    runtimes: Callable[[], Iterable[Any]]
    aggregators: Callable[[], Iterable[Any]]
    assigned_partitions: Callable[[], Collection[int]]
    owned_monitors: Callable[[], Mapping[str, float]]
    capture_partitions: int
    partition_lag: Callable[[], Mapping[int, int]] = dict
    send_failures: Callable[[], int] = int
    internal_errors: Callable[[], Mapping[str, int]] = dict
    label_joins: Callable[[], Iterable[Any]] = list
    unmatched_events: Callable[[], int] = int
    withheld: Callable[[], Mapping[tuple[str, tuple[str, ...]], float]] = dict


def worker_sources(state: WorkerState) -> WorkerSources:
    """The sources of a worker's :class:`~stream.worker.state.WorkerState`."""
    return WorkerSources(
        runtimes=lambda: state.paths.values(),
        aggregators=lambda: state.aggregators.values(),
        assigned_partitions=lambda: state.assigned,
        owned_monitors=lambda: owned_monitors(state),
        capture_partitions=state.partitions,
        partition_lag=lambda: partition_lag(state),
        send_failures=lambda: state.send_failures,
        internal_errors=lambda: dict(state.internal_errors + state.stores.errors),
        label_joins=lambda: state.labelled.values(),
        unmatched_events=lambda: state.unmatched.events,
        withheld=lambda: state.uncommitted.withheld,
    )


def owned_monitors(state: WorkerState) -> dict[str, float]:
    """Monitors the worker aggregates (it owns their partials partition), and since when."""
    since = state.partials_since
    return {name: since[a.partials_partition] for name, a in state.aggregators.items()
            if a.partials_partition in since}  # fmt: skip


def partition_lag(state: WorkerState) -> dict[int, int]:
    """Capture messages not yet processed, per owned partition whose end offset is known."""
    lag = {}
    for partition in sorted(state.assigned):
        end = state.end_offsets.get((CAPTURE, partition))
        if end is not None:
            lag[partition] = max(0, end - (state.book(CAPTURE, partition).last_offset(CAPTURE) + 1))
    return lag


__all__ = [
    "DEAD_LETTER_REASONS",
    "FACET_SIDES",
    "LABEL_SIDES",
    "OTHER_FEATURE",
    "JoinSource",
    "JoinSummary",
    "LabelledSource",
    "LabelledSummary",
    "MetricReading",
    "WorkerSources",
    "data_quality_violation_labels",
    "owned_monitors",
    "partition_lag",
    "worker_sources",
]
