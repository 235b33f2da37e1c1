"""Facet value groups: which groups are reported and how they are named, by hand."""

from __future__ import annotations

from detectors.bias.counts import OTHER, BiasCounts
from detectors.bias.facet_groups import FacetGroup, facet_groups, metric_value
from detectors.bias.selection import ValueSelector


def test_one_versus_all_reports_each_kept_value_but_not_the_overflow_bucket() -> None:
    counts = BiasCounts(max_facet_values=2, max_subgroups=4)
    for value in ("x", "y", "z", "w", "x"):
        counts.add(value, None, observed=True, predicted=True)
    assert counts.facet_keys == ("x", "y", OTHER)
    assert facet_groups(counts, None, None) == [
        FacetGroup("x", "x", None),
        FacetGroup("y", "y", None),
    ]


def test_a_configured_facet_is_one_group_named_by_its_values_or_interval() -> None:
    counts = BiasCounts(max_facet_values=2, max_subgroups=4)
    sex = ValueSelector(("F", "X"), "categorical")
    assert facet_groups(counts, sex, None) == [FacetGroup(True, "F,X", "F,X")]
    age = ValueSelector((40,), "continuous")
    assert facet_groups(counts, age, 73) == [FacetGroup(True, "(40, 73]", "40")]


def test_metric_value_is_none_when_the_metric_errors() -> None:
    counts = BiasCounts(max_facet_values=4, max_subgroups=4)
    counts.add(True, None, observed=True, predicted=True)  # no facet a: DPPL errors
    assert metric_value(counts, None, True, "DPPL") is None
    counts.add(False, None, observed=False, predicted=False)
    assert metric_value(counts, None, True, "DPPL") == -1.0  # q̂a − q̂d = 0/1 − 1/1
