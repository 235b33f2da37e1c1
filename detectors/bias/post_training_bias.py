"""Streaming Clarify bias metrics of one facet, with the bias-drift alarm."""

from __future__ import annotations

import random
from collections.abc import Collection, Hashable, Iterable, Mapping
from typing import Any, Self

from detectors.base import Reading, check_same_params, make_state, open_state
from detectors.bias.analysis import (
    POST_TRAINING_CODES,
    PRE_TRAINING_CODES,
    BiasAnalysis,
    StageReport,
)
from detectors.bias.bias_row import BiasRow
from detectors.bias.drift_check import IntervalKey, violates
from detectors.bias.facet_groups import (
    FacetGroup,
    count_intervals,
    facet_groups,
    metric_value,
    stage_entries,
)
from detectors.bias.selection import DataType, ValueSelector
from detectors.bias.tally import BiasTally

__all__ = ["PostTrainingBias"]


class PostTrainingBias:
    """Clarify's pre- and post-training bias metrics of one facet over a stream of rows.

    Counts TP/FP/FN/TN per facet group and subgroup, exact and mergeable, in its ``tally``
    (:class:`~detectors.bias.tally.BiasTally`); FT runs on a bounded sample of rows with
    features — ``max_flip_test_rows`` each for facet d and facet a, or in all for a
    one-versus-all facet — exact until the sample overflows, approximate (and only
    approximately mergeable) after. With ``facet_values=None`` the facet is
    one-versus-all per value (categorical only), in order of first appearance; past
    ``max_facet_values`` values, and past ``max_subgroups`` ``group`` values, rows share an
    "other" bucket and the metrics of the values involved are approximate.

    The reading is ``metric`` for the worst facet value (farthest from its ideal; DI's is 1),
    ``None`` before ``min_samples`` rows or when the metric errors. ``alarm`` follows the
    bias-drift point rule against ``baseline_value`` (``|v| > |baseline|``). Rows with a
    missing facet, label or prediction are counted in ``tally.n_invalid``, by reason in
    ``tally.left_out_reasons()``, and otherwise ignored. Call
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
        self.tally = BiasTally(  # merge: BiasTally.merge
            facet=self._facet,
            label=self._label,
            probability_threshold=self.probability_threshold,
            max_facet_values=self.max_facet_values,
            max_subgroups=self.max_subgroups,
            max_flip_test_rows=self.max_flip_test_rows,
            seed=self.seed,
        )

    @property
    def n(self) -> int:
        """Rows counted, valid or not."""
        return self.tally.n

    def __repr__(self) -> str:
        return (
            f"PostTrainingBias(name={self.name!r}, facet_name={self.facet_name!r}, "
            f"facet_values={self.facet_values!r}, metric={self.metric!r})"
        )

    def update(self, x: BiasRow) -> None:
        """Count one row."""
        self.tally.add(x)

    def update_many(self, xs: Iterable[BiasRow]) -> None:
        """Count a batch; equals ``update`` in a loop."""
        for x in xs:
            self.tally.add(x)

    def _groups(self) -> list[FacetGroup]:
        return facet_groups(self.tally.counts, self._facet, self.tally.shown_facet_max)

    def _metric_value(self, key: Hashable) -> float | None:
        tally = self.tally
        return metric_value(
            tally.counts, tally.sample, key, self.metric, tally.n_non_numeric_features
        )

    def reading(self) -> Reading:
        """The configured metric for the worst facet value, and the drift alarm."""
        if self.n < self.min_samples:
            return Reading(self.name, None, False, self.n)
        ideal = 1.0 if self.metric == "DI" else 0.0
        values = [v for g in self._groups() if (v := self._metric_value(g.key)) is not None]
        if not values:
            return Reading(self.name, None, False, self.n)
        value = max(values, key=lambda v: abs(v - ideal))
        alarm = self.baseline_value is not None and violates(
            self.metric, value, self.baseline_value
        )
        return Reading(self.name, value, alarm, self.n)

    def analysis(self) -> BiasAnalysis:
        """Both stages of analysis.json for the rows seen (one window)."""
        tally = self.tally
        groups = self._groups()
        pre, post = stage_entries(groups, tally.counts, tally.sample, tally.n_non_numeric_features)
        label_shown = self._label.display(tally.shown_label_max)
        return BiasAnalysis(
            StageReport(self.label_name, label_shown, ((self.facet_name, pre),)),
            StageReport(self.label_name, label_shown, ((self.facet_name, post),)),
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
        return count_intervals(
            self._groups(),
            self.tally.counts,
            self.facet_name,
            n_resamples=n_resamples,
            confidence=confidence,
            seed=seed,
            codes=codes,
        )

    def merge(self, other: Self) -> None:
        """Absorb a detector with the same parameters that saw another part of the stream."""
        check_same_params(self, other, *self._params())
        self.tally.merge(other.tally)

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
        return make_state(self._KIND, self._VERSION, params, self.tally.to_state())

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Self:
        """Rebuild from :meth:`to_state` output."""
        params, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        for field in ("facet_values", "label_values"):
            if params[field] is not None:
                params[field] = tuple(params[field])
        detector = cls(**params)
        detector.tally.restore(s)
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
