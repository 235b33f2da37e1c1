"""Metric families of the labelled monitors: model quality, bias drift, attribution drift.

They read the optional interfaces of :mod:`stream.worker.metric_sources`: an aggregator with
``labelled_summary()`` (window figures, exported by the worker that aggregates the monitor)
and a labelled monitor's path with ``join_summary()`` (the label join over this worker's
partitions, read once per scrape by :func:`~stream.worker.labelled_summaries.join_summaries`).
Where no object has them, every family is yielded empty.

Examples
--------
>>> from stream.worker.metric_sources import JoinSummary
>>> summary = JoinSummary("credit", pending_predictions=12, joined=30)
>>> families = {f.name: f for f in join_families([summary])}
>>> [(s.labels["side"], s.value) for s in families["driftline_labels_expired"].samples]
[('prediction', 0), ('label', 0), ('shap', 0)]
>>> families["driftline_pending_predictions"].samples[0].value
12
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from stream.worker.labelled_summaries import UNUSABLE_PREDICTION_REASONS
from stream.worker.metric_sources import LABEL_SIDES, JoinSummary, LabelledSource


def labelled_families(aggregators: Iterable[Any]) -> Iterator[Metric]:
    """Window figures of the labelled monitors among ``aggregators`` (the owned ones)."""
    m = ["monitor"]
    quality = GaugeMetricFamily(
        "driftline_model_quality_metric", "Model-quality metric, newest window with figures",
        labels=[*m, "metric"],
    )  # fmt: skip
    quality_threshold = GaugeMetricFamily(
        "driftline_model_quality_threshold", "Model-quality constraint threshold",
        labels=[*m, "metric"],
    )  # fmt: skip
    coverage = GaugeMetricFamily(
        "driftline_label_coverage_ratio",
        "Share of the predictions with a label, newest window with figures",
        labels=m,
    )  # fmt: skip
    bias = GaugeMetricFamily(
        "driftline_bias_metric",
        "Post-training bias metric per facet value, newest window with figures",
        labels=[*m, "facet", "facet_value", "metric"],
    )  # fmt: skip
    facet_rows = GaugeMetricFamily(
        "driftline_bias_facet_rows",
        "Rows of facet d (side=d) and facet a (side=a) per configured facet, newest window with"
        " figures; 0 leaves every bias metric of the facet null",
        labels=[*m, "facet", "side"],
    )
    ndcg = GaugeMetricFamily(
        "driftline_attribution_ndcg", "nDCG of live vs baseline feature attributions",
        labels=[*m, "label"],
    )  # fmt: skip
    for agg in aggregators:
        summary = agg.labelled_summary() if isinstance(agg, LabelledSource) else None
        if summary is None:
            continue
        name = summary.monitor
        for metric, reading in sorted(summary.model_quality.items()):
            quality.add_metric([name, metric], reading.value)
            if reading.threshold is not None:
                quality_threshold.add_metric([name, metric], reading.threshold)
        if summary.label_coverage is not None:
            coverage.add_metric([name], summary.label_coverage)
        for (facet, facet_value, metric), value in sorted(summary.bias.items()):
            bias.add_metric([name, facet, facet_value, metric], value)
        for (facet, side), rows in sorted(summary.bias_facet_rows.items()):
            facet_rows.add_metric([name, facet, side], rows)
        for label, value in sorted(summary.ndcg.items()):
            ndcg.add_metric([name, label], value)
    yield from (quality, quality_threshold, coverage, bias, facet_rows, ndcg)


def join_families(summaries: Iterable[JoinSummary]) -> Iterator[Metric]:
    """The label join's gauges and counters, from each join's summary."""
    m = ["monitor"]
    pending_predictions = GaugeMetricFamily(
        "driftline_pending_predictions", "Predictions waiting for their label", labels=m
    )
    pending_labels = GaugeMetricFamily(
        "driftline_pending_labels", "Labels waiting for their prediction", labels=m
    )
    joined = CounterMetricFamily(
        "driftline_labels_joined", "Predictions joined with their label", labels=m
    )
    expired = CounterMetricFamily(
        "driftline_labels_expired",
        "Join entries expired unmatched (label_ttl_seconds); predictions also when a later "
        "window's capture of their key replaced them unlabelled",
        labels=[*m, "side"],
    )  # fmt: skip
    duplicates = CounterMetricFamily(
        "driftline_labels_duplicate", "Labels received again for a joined prediction", labels=m
    )
    unusable = CounterMetricFamily(
        "driftline_unusable_predictions",
        "Capture records whose output gave no prediction to join (profiled all the same)",
        labels=[*m, "reason"],
    )
    evicted = CounterMetricFamily(
        "driftline_predictions_evicted",
        "Predictions not kept because max_pending predictions were waiting for their label",
        labels=m,
    )
    duplicate_predictions = CounterMetricFamily(
        "driftline_predictions_duplicate",
        "Capture records whose key waits or joined in their window, or a later one "
        "(the first one stands)",
        labels=m,
    )
    unusable_labels = CounterMetricFamily(
        "driftline_unusable_labels",
        "Joined labels model quality or bias left out of a window's metrics, by reason: the"
        " label's (not_binary, not_a_number, missing, too_many_classes) or its prediction's"
        " (prediction_*) for model quality; bias_label_*, bias_prediction_*, bias_facet_* for"
        " bias",
        labels=[*m, "reason"],
    )
    superseded = CounterMetricFamily(
        "driftline_labels_superseded",
        "Waiting labels replaced by a later label for the same key (the last one wins)",
        labels=m,
    )
    for summary in summaries:
        name = [summary.monitor]
        pending_predictions.add_metric(name, summary.pending_predictions)
        pending_labels.add_metric(name, summary.pending_labels)
        joined.add_metric(name, summary.joined)
        counts = dict.fromkeys(LABEL_SIDES, 0) | dict(summary.expired)
        for side, n in counts.items():
            expired.add_metric([summary.monitor, side], n)
        duplicates.add_metric(name, summary.duplicates)
        reasons = dict.fromkeys(UNUSABLE_PREDICTION_REASONS, 0) | dict(summary.unusable)
        for reason, n in sorted(reasons.items()):
            unusable.add_metric([summary.monitor, reason], n)
        evicted.add_metric(name, summary.evicted)
        duplicate_predictions.add_metric(name, summary.duplicate_predictions)
        superseded.add_metric(name, summary.superseded_labels)
        for reason, n in sorted(summary.unusable_labels.items()):
            unusable_labels.add_metric([summary.monitor, reason], n)
    yield from (pending_predictions, pending_labels, joined, expired, duplicates, unusable)
    yield from (evicted, duplicate_predictions, superseded, unusable_labels)
