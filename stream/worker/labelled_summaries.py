"""What the labelled monitors tell the metrics: the newest window's figures and the join's counts.

An aggregator of a labelled monitor answers :meth:`labelled_summary` with a
:class:`LabelledSummary`; a labelled path answers ``join_summary()`` with a
:class:`JoinSummary`. :mod:`stream.worker.labelled_metrics` turns them into metric families.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

LABEL_SIDES = ("prediction", "label", "shap")  # what waits in the join and can expire
# why a capture gave no prediction to join (stream.monitors.labelled.pending_of): its output
# gave none (or a predicted label nested too deep, or an output that does not decode:
# bad_encoding, bad_payload), or its request gave no bias columns by
# the config's headers (bias_columns);
# or (stream.monitors.label_join) its N predictions met a label of M != N values; or its
# explanations could not be read: a Clarify response's (stream.capture.explainer_response)
# or the output's shap object (stream.labels.attributions.output_shap)
UNUSABLE_PREDICTION_REASONS = (
    "bad_encoding", "bad_explanations", "bad_payload", "headers_mismatch",
    "instance_count_mismatch", "missing_input", "missing_output", "multi_row_output",
    "no_features", "no_prediction", "too_deep", "unnamed_features",
)  # fmt: skip
FACET_SIDES = ("d", "a")  # a bias facet's selected rows, and the others


@dataclass(frozen=True, slots=True)
class MetricReading:
    """A model-quality metric of the shown window and its constraint threshold (or None)."""

    value: float
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class LabelledSummary:
    """The figures of a labelled monitor's newest window that has some, per monitor type.

    A window whose labels have not come yet leaves the previous one's shown, and a late label
    revising an older window does not take them back to it
    (:meth:`~stream.worker.aggregator.Aggregator.labelled_summary`).

    Every mapping's keys come from the configuration or a fixed metric vocabulary (metric
    names, configured facet values, labels), so the label sets stay bounded; a one-versus-all
    facet (no configured value) has a figure per value it met, at most ``max_facet_values``
    (50) and an "other" bucket.
    """

    monitor: str
    model_quality: Mapping[str, MetricReading] = field(default_factory=dict)  # by metric
    label_coverage: float | None = None  # share of predictions with a label, 0..1
    # (facet, facet value, metric): a one-versus-all facet has a figure per value
    bias: Mapping[tuple[str, str, str], float] = field(default_factory=dict)
    ndcg: Mapping[str, float] = field(default_factory=dict)  # by label
    bias_facet_rows: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (facet, side)


@dataclass(frozen=True, slots=True)
class JoinSummary:
    """A capture runtime's label join over the partitions this worker owns."""

    monitor: str
    pending_predictions: int = 0  # predictions waiting for their label
    pending_labels: int = 0  # labels waiting for their prediction
    joined: int = 0  # total joined pairs
    expired: Mapping[str, int] = field(default_factory=dict)  # by side, see LABEL_SIDES
    duplicates: int = 0  # total labels seen twice for one prediction
    unusable: Mapping[str, int] = field(default_factory=dict)  # predictions unread, by reason
    evicted: int = 0  # predictions not kept: max_pending were waiting
    duplicate_predictions: int = 0  # captures seen again for one key (the first one stands)
    superseded_labels: int = 0  # waiting labels replaced by a later one (the last one wins)
    # joined labels model quality left out of the windows sent, by reason; every reason of
    # the problem type is present (from 0), none without model quality; and the rows bias
    # left out, by its reasons prefixed bias_ (every one from 0 with a bias monitor)
    unusable_labels: Mapping[str, int] = field(default_factory=dict)
    # what the monitor's label and attribution records can be dead-lettered for: the
    # metrics count each from 0, with the capture path's reasons
    dead_letter_reasons: tuple[str, ...] = ()


@runtime_checkable
class LabelledSource(Protocol):
    """An aggregator of a labelled monitor (model quality, bias drift or attribution drift)."""

    def labelled_summary(self) -> LabelledSummary | None:
        """The newest window's figures, per monitor type; None before the first window."""


@runtime_checkable
class JoinSource(Protocol):
    """A labelled monitor's path that joins predictions with their labels."""

    def join_summary(self) -> JoinSummary:
        """The join's counts so far."""


def join_summaries(joins: Iterable[Any]) -> list[JoinSummary]:
    """The summaries of the joins that report one (:class:`JoinSource`); others add none."""
    return [join.join_summary() for join in joins if isinstance(join, JoinSource)]


def labelled_summary(monitor: str, results: Iterable[Any]) -> LabelledSummary:
    """The figures of a monitor's latest labelled results (one per monitor type).

    Model-quality metrics and bias metrics come from the results' decisions, so only metrics
    with a baseline constraint (or a baseline value) become series. The rows of facet d and
    facet a (``side`` ``d`` or ``a``) of each configured bias facet come from the bias
    result's ``facet_rows``, so an empty facet shows as 0, not as a missing series.
    """
    quality: dict[str, MetricReading] = {}
    bias: dict[tuple[str, str, str], float] = {}
    facet_rows: dict[tuple[str, str], int] = {}
    ndcg: dict[str, float] = {}
    coverage = None
    for result in results:
        outcome = result.outcome
        coverage = coverage if outcome.label_coverage is None else outcome.label_coverage
        if result.monitor_type == "bias_drift":
            for rows in outcome.statistics.get("facet_rows") or ():
                for side in FACET_SIDES:
                    facet_rows[(str(rows["facet"]), side)] = int(rows[side])
        for d in outcome.decisions:
            if d.get("value") is None:
                continue
            if result.monitor_type == "model_quality":
                quality[d["metric_name"]] = MetricReading(float(d["value"]), d.get("threshold"))
            elif result.monitor_type == "bias_drift":
                facet = (str(d.get("facet")), str(d.get("facet_value") or ""))
                bias[(*facet, d["metric_name"])] = float(d["value"])
            elif result.monitor_type == "feature_attribution_drift":
                ndcg[str(d.get("label"))] = float(d["value"])
    return LabelledSummary(monitor, quality, coverage, bias, ndcg, bias_facet_rows=facet_rows)
