"""``driftline_bias_metric`` has a series per facet value, as the README's table says.

A one-versus-all bias facet (no ``value_or_threshold`` in analysis_config.json) has a figure
per value of the facet, and two configured facets may name one column. The gauge was keyed
by (facet, metric) only, so each value's figure overwrote the one before: ``DPPL`` of
``region`` showed whichever value came last (here ``west``, 0.02) while ``north`` had
drifted to 0.41, and the dashboard's bias panel showed that one line.
"""

from __future__ import annotations

from types import SimpleNamespace

from prometheus_client import CollectorRegistry
from prometheus_client.core import Metric

from stream.worker.labelled_metrics import labelled_families
from stream.worker.labelled_summaries import labelled_summary

FIGURES = {("region", "north", "DPPL"): 0.41, ("region", "west", "DPPL"): 0.02,
           ("region", "north", "DI"): 0.55, ("region", "west", "DI"): 0.97}  # fmt: skip


def bias_result() -> SimpleNamespace:
    """A bias window's result: one decision per (facet, facet value, metric), as evaluated."""
    decisions = tuple(
        {"check_type": "bias_drift_check", "metric_name": metric, "facet": facet,
         "facet_value": value, "value": figure, "threshold": None, "violated": None,
         "sample_count": 900}
        for (facet, value, metric), figure in FIGURES.items()
    )  # fmt: skip
    outcome = SimpleNamespace(label_coverage=0.5, statistics={}, decisions=decisions)
    return SimpleNamespace(monitor_type="bias_drift", outcome=outcome)


class Aggregator:
    """Stands for a bias monitor's aggregator: only ``labelled_summary()``."""

    def labelled_summary(self):
        return labelled_summary("credit", [bias_result()])


def test_each_facet_value_has_its_own_series():
    registry = CollectorRegistry()

    class Collector:
        def collect(self) -> list[Metric]:
            return list(labelled_families([Aggregator()]))

    registry.register(Collector())
    for (facet, value, metric), figure in FIGURES.items():
        labels = {"monitor": "credit", "facet": facet, "facet_value": value, "metric": metric}
        assert registry.get_sample_value("driftline_bias_metric", labels) == figure, labels
