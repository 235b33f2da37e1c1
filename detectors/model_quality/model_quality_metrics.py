"""What the three model-quality detectors share, written once.

:class:`ModelQualityMetrics` holds the headline parameters (``name``, ``metric``,
``threshold``, ``comparison_operator``, ``min_samples``, ``seed``), the counters every
problem type keeps (``n``, ``invalid_count`` and its reasons), the rows left out of the
metrics by reason (:meth:`left_out_reasons`), the headline :meth:`reading`, the tail of
:meth:`statistics` (values, subsample standard deviations, SageMaker's statistics object),
the parameter check and counter sums of :meth:`merge`, and the state envelope of
:meth:`to_state` / :meth:`from_state`. A problem type fills in hooks, as prometheus
client_python's ``MetricWrapperBase`` subclasses fill ``_metric_init`` and
``_child_samples``:

- ``_reset_state()`` — forget its own observations;
- ``_merge_state(other)`` — absorb the other side's own observations;
- ``item_count`` and ``metrics()`` — valid rows and every scalar metric;
- ``_refuse(reason)`` — count a row left out (a reason of :mod:`detectors.model_quality.left_out`);
- ``_left_out_beyond_invalid()`` — rows left out other than the invalid ones (multiclass);
- ``_subsample(rng, fraction)`` — the metrics of one simulated row subsample;
- ``_statistics_parts()`` — the confusion matrix and curves, where the type has them;
- ``_state_fields()`` / ``_load_state(state)`` — its own part of the JSON state.

The base is not a detector by itself (it has no ``_test_params``), so the conformance
suite tests each problem type, not the base.

Examples
--------
>>> from detectors.model_quality.regression import RegressionMetrics
>>> issubclass(RegressionMetrics, ModelQualityMetrics)
True
>>> RegressionMetrics(name="price").reading()
Reading(detector='price', value=None, alarm=False, n=0)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Self

import numpy as np

from detectors.base import Reading, check_same_params, make_state, open_state
from detectors.left_out_counts import add_counts, by_reason, reasons_state, restored_reasons
from detectors.model_quality.headline import check_headline, headline_reading
from detectors.model_quality.labeled import LabeledPrediction
from detectors.model_quality.statistics import (
    MetricValue,
    ModelQualityStatistics,
    subsample_standard_deviations,
)

__all__ = ["ModelQualityMetrics"]


class ModelQualityMetrics(ABC):
    """Base of the binary, multiclass and regression metric detectors (see the module)."""

    _KIND: ClassVar[str]
    _VERSION: ClassVar[int]
    _PARAMS: ClassVar[tuple[str, ...]]
    _PROBLEM_TYPE: ClassVar[str]
    _METRIC_NAMES: ClassVar[Sequence[str]]

    def __init__(
        self,
        *,
        name: str,
        metric: str,
        threshold: float | None,
        comparison_operator: str | None,
        min_samples: int,
        seed: int,
    ) -> None:
        check_headline(metric, self._METRIC_NAMES, threshold, comparison_operator, min_samples)
        self.name = name
        self.metric = metric
        self.threshold = threshold
        self.comparison_operator = comparison_operator
        self.min_samples = min_samples
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        """Forget every observation."""
        self.n = 0  # merge: sum
        self.invalid_count = 0  # merge: sum
        self.invalid_reasons: dict[str, int] = {}  # invalid_count by reason; merge: sum per key
        self._reset_state()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, metric={self.metric!r}, "
            f"item_count={self.item_count}{self._repr_extra()})"
        )

    def _repr_extra(self) -> str:
        return ""

    @property
    @abstractmethod
    def item_count(self) -> int:
        """Valid rows counted in the metrics."""

    @abstractmethod
    def update(self, x: LabeledPrediction) -> None:
        """Count one labeled prediction; invalid rows are counted, never raised."""

    def _refuse(self, reason: str) -> None:
        """Count one row left out as invalid for ``reason``."""
        self.invalid_count += 1
        add_counts(self.invalid_reasons, {reason: 1})

    def _left_out_beyond_invalid(self) -> dict[str, int]:
        """Rows left out of the metrics though valid (e.g. a class over the cap), by reason."""
        return {}

    def left_out_reasons(self) -> dict[str, int]:
        """Rows counted in ``n`` but left out of the metrics, by reason (sorted, no zeros).

        The counts sum to ``n - item_count``; the reasons are those of
        :data:`~detectors.model_quality.left_out.LEFT_OUT_REASONS` for the problem type.
        """
        out = dict(self.invalid_reasons)
        add_counts(out, self._left_out_beyond_invalid())
        return by_reason(out)

    def update_many(self, xs: Iterable[LabeledPrediction]) -> None:
        """Count a batch; equals ``update`` in a loop."""
        for x in xs:
            self.update(x)

    def merge(self, other: Self) -> None:
        """Absorb a detector with the same parameters."""
        check_same_params(self, other, *self._PARAMS)
        self.n += other.n
        self.invalid_count += other.invalid_count
        add_counts(self.invalid_reasons, other.invalid_reasons)
        self._merge_state(other)

    @abstractmethod
    def metrics(self) -> dict[str, float]:
        """Every scalar metric, keyed by SageMaker's names."""

    def _headline_metrics(self) -> Mapping[str, float]:
        """The metrics the headline reading looks at (all of them unless cheaper)."""
        return self.metrics() if self.item_count >= self.min_samples else {}

    def reading(self) -> Reading:
        """The headline ``metric``; alarm when it breaks ``threshold``."""
        return headline_reading(
            name=self.name,
            n=self.n,
            item_count=self.item_count,
            min_samples=self.min_samples,
            metrics=self._headline_metrics(),
            metric=self.metric,
            threshold=self.threshold,
            comparison_operator=self.comparison_operator,
        )

    def statistics(self, *, evaluation_time: str | None = None) -> ModelQualityStatistics:
        """SageMaker's statistics: standard deviations from 5 simulated 80 % subsamples.

        Under 200 rows every standard deviation is NaN (written ``"NaN"``); otherwise the
        spread of the metrics over 5 seeded draws of ``_subsample``.
        """
        values = self.metrics()
        stds = subsample_standard_deviations(self.item_count, self._subsample, seed=self.seed)
        return ModelQualityStatistics(
            problem_type=self._PROBLEM_TYPE,
            item_count=self.item_count,
            metrics={k: MetricValue(v, stds.get(k, float("nan"))) for k, v in values.items()},
            evaluation_time=evaluation_time,
            **self._statistics_parts(),
        )

    def _statistics_parts(self) -> dict[str, Any]:
        """Extra :class:`ModelQualityStatistics` fields (confusion matrix, curves)."""
        return {}

    def to_state(self) -> dict[str, Any]:
        """Return versioned, JSON-safe state."""
        params = {p: getattr(self, p) for p in self._PARAMS}
        state = {
            "n": self.n,
            "invalid_count": self.invalid_count,
            "invalid_reasons": reasons_state(self.invalid_reasons),
            **self._state_fields(),
        }
        return make_state(self._KIND, self._VERSION, params, state)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Self:
        """Rebuild a detector from :meth:`to_state` output."""
        params, fields = open_state(state, kind=cls._KIND, version=cls._VERSION)
        detector = cls(**cls._current_params(params))
        detector._load_state(fields)
        detector.n = int(fields["n"])
        detector.invalid_count = int(fields["invalid_count"])
        detector.invalid_reasons = restored_reasons(
            fields.get("invalid_reasons"), detector.invalid_count
        )
        return detector

    @classmethod
    def _current_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        """The parameters of a saved state as this version names them (here: as saved)."""
        return params

    @abstractmethod
    def _reset_state(self) -> None:
        """Forget the problem type's own observations."""

    @abstractmethod
    def _merge_state(self, other: Self) -> None:
        """Absorb the other detector's own observations (parameters already checked)."""

    @abstractmethod
    def _subsample(self, rng: np.random.Generator, fraction: float) -> dict[str, float]:
        """The metrics of one simulated Bernoulli(``fraction``) row subsample."""

    @abstractmethod
    def _state_fields(self) -> dict[str, Any]:
        """The problem type's own JSON-safe state (beside ``n`` and the invalid counts)."""

    @abstractmethod
    def _load_state(self, fields: Mapping[str, Any]) -> None:
        """Restore what :meth:`_state_fields` wrote."""
