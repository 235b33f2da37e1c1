"""What a bias detector's rows leave behind: confusion counts, the FlipTest sample, counters.

:class:`BiasTally` reads each :class:`~detectors.bias.bias_row.BiasRow` through the facet
and label selectors — its facet key (the facet value itself when the facet is
one-versus-all, else whether the row is facet d), whether its observed and predicted labels
are positive — and counts it in a :class:`~detectors.bias.counts.BiasCounts` cell. Rows
with a feature vector are offered to the bounded :class:`~detectors.bias.flip_test.RowSample`
for FT, unless a feature is not numeric (counted: FlipTest does not support non-numeric
columns). Rows with a missing facet, label or prediction (or, for a continuous column, one
that is not a number) are counted as invalid, by reason (:mod:`detectors.bias.left_out`),
and otherwise ignored.
Continuous columns keep their running maximum, which the ``"(t, max]"`` strings of
analysis.json show: the facet's, and the observed label's alone — smclarify's
``label_value_or_threshold(label_series, …)`` builds the label string from the label column,
for the post-training stage too, so predicted labels never move it. A running maximum is a
float once any value counted was one, as the maximum of a pandas column with a float in it
is (labels 0, 3, 2.5 with threshold 1 write ``"(1.0, 3.0]"``, not ``"(1, 3]"``) — and once
any row held no value there (None, NaN, a blank cell), as a whole-number pandas column with
a missing value is float64 (labels 0, 4 and a blank with threshold 0 write ``"(0.0, 4.0]"``):
:attr:`BiasTally.shown_facet_max` and :attr:`BiasTally.shown_label_max`.

:class:`~detectors.bias.post_training_bias.PostTrainingBias` owns the parameters and what
is reported; the tally owns what is counted, how it merges, and its state.

Examples
--------
>>> from detectors.bias.selection import ValueSelector
>>> tally = BiasTally(facet=ValueSelector(("F",), "categorical"),
...                   label=ValueSelector((1,), "categorical"), probability_threshold=0.5,
...                   max_facet_values=10, max_subgroups=10, max_flip_test_rows=10, seed=0)
>>> tally.add(BiasRow(facet="F", label=1, score=0.9))
>>> tally.add(BiasRow(facet="M", label=0, predicted_label=1))
>>> tally.add(BiasRow(facet=None, label=1, score=0.2))  # no facet value: invalid
>>> tally.n, tally.n_invalid, tally.left_out_reasons()
(3, 1, {'facet_missing': 1})
>>> tally.counts.facet_split(True)
FacetSplit(d=Confusion(tp=1, fp=0, fn=0, tn=0), a=Confusion(tp=0, fp=1, fn=0, tn=0), ...)
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from detectors.bias.bias_row import BiasRow
from detectors.bias.counts import BiasCounts
from detectors.bias.flip_test import RowSample
from detectors.bias.left_out import UNRECORDED, left_out_reason
from detectors.bias.selection import CONTINUOUS, ValueSelector, is_missing, parse_number
from detectors.left_out_counts import add_counts, by_reason, reasons_state, restored_reasons

__all__ = ["BiasTally"]


def _is_blank(v: Any) -> bool:
    """Whether pandas would read ``v`` as NaN: None, NaN, or an empty (blank) text cell."""
    return is_missing(v) or (isinstance(v, str) and not v.strip())


_BOOL_TEXT = {"True": 1, "TRUE": 1, "true": 1, "False": 0, "FALSE": 0, "false": 0}


def _feature_number(v: Any) -> int | float | None:
    """A FlipTest feature value as a number, or ``None`` when it is not numeric.

    The words of a True/False CSV column count as 1 and 0: pandas reads that column as
    bool, which Clarify's FlipTest takes as a numeric column.

    >>> _feature_number("2.5"), _feature_number("True"), _feature_number("false")
    (2.5, 1, 0)
    >>> _feature_number(" True") is None, _feature_number("yes") is None
    (True, True)
    """
    number = parse_number(v)
    if number is None and isinstance(v, str):
        return _BOOL_TEXT.get(v)
    return number


def _as_shown(top: int | float | None, float_column: bool) -> int | float | None:
    """A running maximum as its pandas column holds it: a float in a float column."""
    return float(top) if float_column and top is not None else top


def _higher(a: int | float | None, b: int | float | None) -> int | float | None:
    """The larger of two running-maximum candidates; a float if either is (a float column)."""
    if a is None or b is None:
        return b if a is None else a
    top = max(a, b)
    return float(top) if isinstance(a, float) or isinstance(b, float) else top


class BiasTally:
    """Counts of one facet's rows, mergeable and serialisable.

    Empty behaviour: every counter 0, no cells, no sampled rows, no running maxima.

    Parameters
    ----------
    facet
        Selector of facet d, or None: one-versus-all per facet value (categorical).
    label
        Selector of the positive labels, observed and predicted.
    probability_threshold
        A score above it is predicted label 1, else 0.
    max_facet_values, max_subgroups
        Caps of the counts' facet keys and ``group`` values.
    max_flip_test_rows
        FT sample capacity per facet key (in all, one-versus-all).
    seed
        Seed of the FT sample.
    """

    def __init__(
        self,
        *,
        facet: ValueSelector | None,
        label: ValueSelector,
        probability_threshold: float,
        max_facet_values: int,
        max_subgroups: int,
        max_flip_test_rows: int,
        seed: int,
    ) -> None:
        self.facet = facet
        self.label = label
        self.probability_threshold = probability_threshold
        self._facet_is_continuous = facet is not None and facet.data_type == CONTINUOUS
        self._label_is_continuous = label.data_type == CONTINUOUS
        self.n = 0  # merge: sum (every update, valid or not)
        self.n_invalid = 0  # merge: sum
        self.invalid_reasons: dict[str, int] = {}  # n_invalid by reason; merge: sum per key
        self.n_non_numeric_features = 0  # merge: sum
        self.counts = BiasCounts(  # merge: cell-wise sum
            max_facet_values=max_facet_values, max_subgroups=max_subgroups
        )
        self.sample = RowSample(  # merge: union, lowest priorities kept
            capacity=max_flip_test_rows, seed=seed, per_key=facet is not None
        )
        self.facet_max: int | float | None = None  # merge: max
        self.label_max: int | float | None = None  # merge: max (observed labels only)
        self.facet_had_missing = False  # a row had no facet value; merge: or
        self.label_had_missing = False  # a row had no observed label; merge: or

    @property
    def shown_facet_max(self) -> int | float | None:
        """The facet's running maximum as its pandas column prints it (see the module doc)."""
        return _as_shown(self.facet_max, self.facet_had_missing)

    @property
    def shown_label_max(self) -> int | float | None:
        """The observed label's running maximum as its pandas column prints it."""
        return _as_shown(self.label_max, self.label_had_missing)

    def add(self, x: BiasRow) -> None:
        """Count one row."""
        seq = self.n
        self.n += 1
        predicted = x.predicted(self.probability_threshold)
        key: Hashable | None = (
            (None if isinstance(x.facet, list | dict) else x.facet)  # a JSON array: no value
            if self.facet is None
            else self.facet.match(x.facet)
        )
        observed, positive = self.label.match(x.label), self.label.match(predicted)
        if self._facet_is_continuous and _is_blank(x.facet):
            self.facet_had_missing = True
        if self._label_is_continuous and _is_blank(x.label):
            self.label_had_missing = True
        if key is None or is_missing(key) or observed is None or positive is None:
            reason = left_out_reason(
                facet=x.facet,
                label=x.label,
                predicted=predicted,
                facet_selector=self.facet,
                label_selector=self.label,
            )
            self._refuse(UNRECORDED if reason is None else reason)
            return
        if self._facet_is_continuous:
            self.facet_max = _higher(self.facet_max, parse_number(x.facet))
        if self._label_is_continuous:
            self.label_max = _higher(self.label_max, parse_number(x.label))
        group = None if is_missing(x.group) or isinstance(x.group, list | dict) else x.group
        self.counts.add(key, group, observed=observed, predicted=positive)
        if x.features is not None:
            features = tuple(_feature_number(v) for v in x.features)
            if any(v is None for v in features):
                self.n_non_numeric_features += 1  # FlipTest does not support non-numeric columns
                return
            self.sample.add(key, seq, tuple(float(v) for v in features if v is not None), positive)

    def reason_left_out(self, x: BiasRow) -> str | None:
        """Why :meth:`add` would leave ``x`` out, or None when it would count it."""
        return left_out_reason(
            facet=x.facet,
            label=x.label,
            predicted=x.predicted(self.probability_threshold),
            facet_selector=self.facet,
            label_selector=self.label,
        )

    def _refuse(self, reason: str) -> None:
        """Count one row left out for ``reason``."""
        self.n_invalid += 1
        add_counts(self.invalid_reasons, {reason: 1})

    def left_out_reasons(self) -> dict[str, int]:
        """Rows left out of the counts, by reason (sorted, no zeros); they sum to ``n_invalid``."""
        return by_reason(self.invalid_reasons)

    def merge(self, other: BiasTally) -> None:
        """Absorb a tally with the same settings that counted rows after this one's."""
        self.counts.merge(other.counts)
        self.sample.merge(other.sample, seq_offset=self.n)
        self.facet_max = _higher(self.facet_max, other.facet_max)
        self.label_max = _higher(self.label_max, other.label_max)
        self.facet_had_missing = self.facet_had_missing or other.facet_had_missing
        self.label_had_missing = self.label_had_missing or other.label_had_missing
        self.n += other.n
        self.n_invalid += other.n_invalid
        add_counts(self.invalid_reasons, other.invalid_reasons)
        self.n_non_numeric_features += other.n_non_numeric_features

    def to_state(self) -> dict[str, Any]:
        """JSON-safe counters, cells, subgroups, sampled rows and running maxima."""
        return {
            "n": self.n,
            "n_invalid": self.n_invalid,
            "invalid_reasons": reasons_state(self.invalid_reasons),
            "n_non_numeric_features": self.n_non_numeric_features,
            "cells": self.counts.to_rows(),
            "subgroups": list(self.counts.subgroups),
            "sample": self.sample.to_rows(),
            "sample_overflowed": self.sample.overflowed,
            "facet_max": self.facet_max,
            "observed_label_max": self.label_max,
            "label_max": self.label_max,  # what versions before observed_label_max restore
            "facet_had_missing": self.facet_had_missing,
            "label_had_missing": self.label_had_missing,
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Replace what was counted by a :meth:`to_state` of a tally with the same settings.

        A state saved before the label's maximum was kept apart (no ``"observed_label_max"``)
        restores its ``"label_max"`` instead: the maximum over observed *and predicted* labels
        that those versions kept, so the label string stays what it was until new rows raise it.
        A state saved before missing values were noted restores as having seen none.
        """
        self.n, self.n_invalid = int(state["n"]), int(state["n_invalid"])
        self.invalid_reasons = restored_reasons(state.get("invalid_reasons"), self.n_invalid)
        self.n_non_numeric_features = int(state["n_non_numeric_features"])
        self.counts = BiasCounts.from_rows(
            state["cells"],
            state["subgroups"],
            max_facet_values=self.counts.max_facet_values,
            max_subgroups=self.counts.max_subgroups,
        )
        self.sample = RowSample.from_rows(
            state["sample"],
            capacity=self.sample.capacity,
            seed=self.sample.seed,
            per_key=self.sample.per_key,
            overflowed=bool(state["sample_overflowed"]),
        )
        self.facet_max = state["facet_max"]
        old = "observed_label_max" not in state
        self.label_max = state["label_max" if old else "observed_label_max"]
        self.facet_had_missing = bool(state.get("facet_had_missing", False))
        self.label_had_missing = bool(state.get("label_had_missing", False))
