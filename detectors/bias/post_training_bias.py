"""Streaming Clarify bias metrics of one facet, with the bias-drift alarm."""

from __future__ import annotations

import random
from collections.abc import Collection, Hashable, Iterable, Mapping
from typing import Any, NamedTuple, Self

from detectors.base import Reading, check_same_params, make_state, open_state
from detectors.bias.analysis import (
    POST_TRAINING_CODES,
    PRE_TRAINING_CODES,
    BiasAnalysis,
    FacetEntry,
    StageReport,
)
from detectors.bias.counts import OTHER, BiasCounts
from detectors.bias.drift_check import IntervalKey, bootstrap_interval, violates
from detectors.bias.flip_test import RowSample
from detectors.bias.metrics import MetricValue
from detectors.bias.report import flip_test_metric, post_training_metrics, pre_training_metrics
from detectors.bias.selection import DataType, ValueSelector, is_missing, parse_number

__all__ = ["BiasRow", "PostTrainingBias"]


class BiasRow(NamedTuple):
    """One joined inference: facet value, observed label, predicted label or score.

    ``predicted_label`` wins over ``score``; a score becomes 1 when > probability_threshold.
    ``group`` is the ``group_variable`` value (CDDL/CDDPL), ``features`` the numeric feature
    vector without facet and labels (FT).
    """

    facet: Any
    label: Any
    predicted_label: Any = None
    score: float | None = None
    group: Any = None
    features: tuple[float, ...] | None = None


def _higher(a: int | float | None, b: int | float | None) -> int | float | None:
    return b if a is None else a if b is None else max(a, b)


class PostTrainingBias:
    """Clarify's pre- and post-training bias metrics of one facet over a stream of rows.

    Counts TP/FP/FN/TN per facet group and subgroup (exact and mergeable); FT runs on a
    bounded sample of rows with features — ``max_flip_test_rows`` each for facet d and facet
    a, or in all for a one-versus-all facet — exact until the sample overflows, approximate
    (and only approximately mergeable) after. With ``facet_values=None`` the facet is
    one-versus-all per value (categorical only), in order of first appearance; past
    ``max_facet_values`` values, and past ``max_subgroups`` ``group`` values, rows share an
    "other" bucket and the metrics of the values involved are approximate.

    The reading is ``metric`` for the worst facet value (farthest from its ideal; DI's is 1),
    ``None`` before ``min_samples`` rows or when the metric errors. ``alarm`` follows the
    bias-drift point rule against ``baseline_value`` (``|v| > |baseline|``). Rows with a
    missing facet or label are counted in ``n_invalid`` and otherwise ignored. Call
    :meth:`analysis` at window close for the full analysis.json content.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> bias = PostTrainingBias(facet_name="sex", facet_values=("F",), metric="DPPL",
    ...                         baseline_value=0.1, min_samples=100)
    >>> bias.reading()
    Reading(detector='bias', value=None, alarm=False, n=0)
    >>> for i in range(2000):
    ...     sex = rng.choice("FM")
    ...     p = 0.5 if i < 1000 or sex == "M" else 0.3
    ...     row = BiasRow(facet=sex, label=int(rng.random() < 0.5), score=rng.random() * p * 2)
    ...     bias.update(row)
    ...     if bias.reading().alarm:
    ...         print(f"alarm at row {i}")
    ...         break
    alarm at row ...
    >>> PostTrainingBias.from_state(bias.to_state()).reading() == bias.reading()
    True
    """

    _KIND = "post_training_bias"
    _VERSION = 1

    def __init__(
        self,
        *,
        name: str = "bias",
        facet_name: str = "facet",
        facet_values: tuple[Any, ...] | None = None,
        facet_data_type: DataType = "categorical",
        label_name: str = "label",
        label_values: tuple[Any, ...] = (1,),
        label_data_type: DataType = "categorical",
        probability_threshold: float = 0.5,
        metric: str = "DPPL",
        baseline_value: float | None = None,
        min_samples: int = 30,
        max_facet_values: int = 50,
        max_subgroups: int = 100,
        max_flip_test_rows: int = 500,
        seed: int = 0,
    ) -> None:
        if metric not in PRE_TRAINING_CODES + POST_TRAINING_CODES:
            msg = (
                f"metric must be one of {PRE_TRAINING_CODES + POST_TRAINING_CODES}, got {metric!r}"
            )
            raise ValueError(msg)
        if facet_values is None and facet_data_type != "categorical":
            msg = "Threshold values must be provided for continuous features"
            raise ValueError(msg)
        if min(min_samples, max_facet_values, max_subgroups, max_flip_test_rows) < 1:
            msg = "min_samples and the max_* caps must be >= 1"
            raise ValueError(msg)
        self.name = name
        self.facet_name = facet_name
        self.facet_values = facet_values
        self.facet_data_type = facet_data_type
        self.label_name = label_name
        self.label_values = label_values
        self.label_data_type = label_data_type
        self.probability_threshold = probability_threshold
        self.metric = metric
        self.baseline_value = baseline_value
        self.min_samples = min_samples
        self.max_facet_values = max_facet_values
        self.max_subgroups = max_subgroups
        self.max_flip_test_rows = max_flip_test_rows
        self.seed = seed
        self._facet = None if facet_values is None else ValueSelector(facet_values, facet_data_type)
        self._label = ValueSelector(label_values, label_data_type)
        self.reset()

    def reset(self) -> None:
        """Forget every row (a new window)."""
        self.n = 0  # merge: sum (every update, valid or not)
        self.n_invalid = 0  # merge: sum
        self.n_non_numeric_features = 0  # merge: sum
        self.counts = BiasCounts(  # merge: cell-wise sum
            max_facet_values=self.max_facet_values, max_subgroups=self.max_subgroups
        )
        self.sample = RowSample(  # merge: union, lowest priorities kept
            capacity=self.max_flip_test_rows, seed=self.seed, per_key=self._facet is not None
        )
        self.facet_max: int | float | None = None  # merge: max
        self.label_max: int | float | None = None  # merge: max

    def __repr__(self) -> str:
        return (
            f"PostTrainingBias(name={self.name!r}, facet_name={self.facet_name!r}, "
            f"facet_values={self.facet_values!r}, metric={self.metric!r})"
        )

    def update(self, x: BiasRow) -> None:
        """Count one row."""
        seq = self.n
        self.n += 1
        predicted = x.predicted_label
        if is_missing(predicted) and x.score is not None and not is_missing(x.score):
            predicted = 1 if x.score > self.probability_threshold else 0
        key: Hashable | None = x.facet if self._facet is None else self._facet.match(x.facet)
        observed, positive = self._label.match(x.label), self._label.match(predicted)
        if key is None or is_missing(key) or observed is None or positive is None:
            self.n_invalid += 1
            return
        if self.facet_data_type == "continuous":
            self.facet_max = _higher(self.facet_max, parse_number(x.facet))
        if self.label_data_type == "continuous":
            both = _higher(parse_number(x.label), parse_number(predicted))
            self.label_max = _higher(self.label_max, both)
        group = None if is_missing(x.group) else x.group
        self.counts.add(key, group, observed=observed, predicted=positive)
        if x.features is not None:
            features = tuple(parse_number(v) for v in x.features)
            if any(v is None for v in features):
                self.n_non_numeric_features += 1  # FlipTest does not support non-numeric columns
                return
            self.sample.add(key, seq, tuple(float(v) for v in features if v is not None), positive)

    def update_many(self, xs: Iterable[BiasRow]) -> None:
        """Count a batch; equals ``update`` in a loop."""
        for x in xs:
            self.update(x)

    def _d_keys(self) -> list[tuple[Hashable, str, str | None]]:
        """(facet key, value_or_threshold, configured value) per facet value group."""
        if self._facet is None:
            return [(k, str(k), None) for k in self.counts.facet_keys if k != OTHER]
        configured = ",".join(str(v) for v in self._facet.values)
        return [(True, self._facet.display(self.facet_max), configured)]

    def _value(self, d_key: Hashable) -> float | None:
        split = self.counts.facet_split(d_key)
        if self.metric in PRE_TRAINING_CODES:
            metrics: tuple[MetricValue, ...] = pre_training_metrics(split)
        else:
            flip = (
                flip_test_metric(self.sample, d_key, self.n_non_numeric_features)
                if self.metric == "FT"
                else None
            )
            metrics = post_training_metrics(split, flip)
        return next(m.value for m in metrics if m.code == self.metric)

    def reading(self) -> Reading:
        """The configured metric for the worst facet value, and the drift alarm."""
        if self.n < self.min_samples:
            return Reading(self.name, None, False, self.n)
        ideal = 1.0 if self.metric == "DI" else 0.0
        values = [v for k, _, _ in self._d_keys() if (v := self._value(k)) is not None]
        if not values:
            return Reading(self.name, None, False, self.n)
        value = max(values, key=lambda v: abs(v - ideal))
        alarm = self.baseline_value is not None and violates(
            self.metric, value, self.baseline_value
        )
        return Reading(self.name, value, alarm, self.n)

    def analysis(self) -> BiasAnalysis:
        """Both stages of analysis.json for the rows seen (one window)."""
        pre, post = [], []
        for key, shown, configured in self._d_keys():
            split = self.counts.facet_split(key)
            pre.append(FacetEntry(shown, pre_training_metrics(split), configured))
            flip = flip_test_metric(self.sample, key, self.n_non_numeric_features)
            post.append(FacetEntry(shown, post_training_metrics(split, flip), configured))
        label_shown = self._label.display(self.label_max)
        return BiasAnalysis(
            StageReport(self.label_name, label_shown, ((self.facet_name, tuple(pre)),)),
            StageReport(self.label_name, label_shown, ((self.facet_name, tuple(post)),)),
        )

    def intervals(
        self,
        *,
        n_resamples: int = 200,
        confidence: float = 0.95,
        seed: int = 0,
        codes: Collection[str] | None = None,
    ) -> dict[IntervalKey, tuple[float, float]]:
        """Bootstrap intervals of the count-based metrics (all, or ``codes``) for the check."""
        out = {}
        for key, shown, _ in self._d_keys():
            for code in PRE_TRAINING_CODES + POST_TRAINING_CODES:
                if code == "FT" or (codes is not None and code not in codes):
                    continue
                ci = bootstrap_interval(
                    self.counts,
                    key,
                    code,
                    n_resamples=n_resamples,
                    confidence=confidence,
                    seed=seed,
                )
                if ci is not None:
                    out[(self.facet_name, shown, code)] = ci
        return out

    def merge(self, other: Self) -> None:
        """Absorb a detector with the same parameters that saw another part of the stream."""
        check_same_params(self, other, *self._params())
        self.counts.merge(other.counts)
        self.sample.merge(other.sample, seq_offset=self.n)
        self.facet_max = _higher(self.facet_max, other.facet_max)
        self.label_max = _higher(self.label_max, other.label_max)
        self.n += other.n
        self.n_invalid += other.n_invalid
        self.n_non_numeric_features += other.n_non_numeric_features

    def _params(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "facet_name": self.facet_name,
            "facet_values": self.facet_values,
            "facet_data_type": self.facet_data_type,
            "label_name": self.label_name,
            "label_values": self.label_values,
            "label_data_type": self.label_data_type,
            "probability_threshold": self.probability_threshold,
            "metric": self.metric,
            "baseline_value": self.baseline_value,
            "min_samples": self.min_samples,
            "max_facet_values": self.max_facet_values,
            "max_subgroups": self.max_subgroups,
            "max_flip_test_rows": self.max_flip_test_rows,
            "seed": self.seed,
        }

    def to_state(self) -> dict[str, Any]:
        """Versioned JSON-safe state."""
        params = self._params()
        for field in ("facet_values", "label_values"):
            params[field] = None if params[field] is None else list(params[field])
        return make_state(
            self._KIND,
            self._VERSION,
            params,
            {
                "n": self.n,
                "n_invalid": self.n_invalid,
                "n_non_numeric_features": self.n_non_numeric_features,
                "cells": self.counts.to_rows(),
                "subgroups": list(self.counts.subgroups),
                "sample": self.sample.to_rows(),
                "sample_overflowed": self.sample.overflowed,
                "facet_max": self.facet_max,
                "label_max": self.label_max,
            },
        )

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Self:
        """Rebuild from :meth:`to_state` output."""
        params, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        for field in ("facet_values", "label_values"):
            if params[field] is not None:
                params[field] = tuple(params[field])
        detector = cls(**params)
        detector.n, detector.n_invalid = int(s["n"]), int(s["n_invalid"])
        detector.n_non_numeric_features = int(s["n_non_numeric_features"])
        detector.counts = BiasCounts.from_rows(
            s["cells"],
            s["subgroups"],
            max_facet_values=detector.max_facet_values,
            max_subgroups=detector.max_subgroups,
        )
        detector.sample = RowSample.from_rows(
            s["sample"],
            capacity=detector.max_flip_test_rows,
            seed=detector.seed,
            per_key=detector._facet is not None,
            overflowed=bool(s["sample_overflowed"]),
        )
        detector.facet_max, detector.label_max = s["facet_max"], s["label_max"]
        return detector

    @classmethod
    def _test_params(cls) -> Iterable[dict[str, Any]]:
        yield {"facet_values": (30, 31, 32), "min_samples": 50}
        yield {"facet_values": None, "metric": "DI", "baseline_value": 1.1, "max_facet_values": 100}
        yield {"facet_values": (40,), "facet_data_type": "continuous", "metric": "CDDPL"}
        yield {
            "facet_values": (60,),
            "facet_data_type": "continuous",
            "metric": "KL",
            "label_values": (0.5,),
            "label_data_type": "continuous",
            "baseline_value": 0.01,
        }

    @classmethod
    def _test_stream(cls, rng: random.Random, n: int) -> list[BiasRow]:
        rows = []
        for i in range(n):
            age = rng.randint(18, 80)
            rate = 0.5 if i < n // 2 or age < 50 else 0.3
            features = (round(rng.random(), 3), float(age))
            rows.append(
                BiasRow(
                    facet=age,
                    label=float(rng.random() < rate),
                    score=rng.random() * 2 * rate,
                    group=f"g{rng.randint(0, 4)}",
                    features=features,
                )
            )
        return rows
