"""Data quality against a baseline, as one detector: rows in, violations and a status out.

The one place where a profile becomes an evaluation and an execution status: the worker's
aggregator merges partition profiles into a :class:`DataQualityMonitor` per window, and
``driftline analyze`` feeds one with the rows of capture files; both read
:meth:`DataQualityMonitor.outcome`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from detectors.base import Reading, make_state, open_state
from detectors.quality.checks import BASELINE_DRIFT, EvaluationResult, evaluate
from detectors.quality.constraints import (
    Constraints,
    constraints_from_json,
    constraints_to_json,
    suggest_constraints,
)
from detectors.quality.dataset_profile import DatasetProfile
from detectors.quality.statistics import DatasetStatistics
from detectors.quality.statistics_json import statistics_from_json, statistics_to_json
from detectors.quality.value_types import FRACTIONAL, INTEGRAL, STRING
from detectors.violations import FAILED, Violation, execution_status

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DataQualityOutcome:
    """Statistics of the rows seen, the checks' evaluation, and the execution status."""

    statistics: DatasetStatistics
    evaluation: EvaluationResult
    status: str  # Completed, CompletedWithViolations or Failed
    failure_reason: str = ""


def feature_kinds(
    baseline: DatasetStatistics, constraints: Constraints
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The baseline's feature names (statistics order, then constraint-only names) and kinds.

    A kind is the profile's ``numeric``, ``string`` or ``auto``: the constraint's inferred
    type, else the statistics' one.
    """
    names = list(baseline.names) + [
        f.name for f in constraints.features if baseline.feature(f.name) is None
    ]
    kinds = []
    for name in names:
        c, s = constraints.feature(name), baseline.feature(name)
        t = c.inferred_type if c is not None else (s.inferred_type if s else "")
        kinds.append(
            "numeric" if t in (INTEGRAL, FRACTIONAL) else "string" if t == STRING else "auto"
        )
    return tuple(names), tuple(kinds)


class DataQualityMonitor:
    """Profiles rows and checks them against a baseline's statistics and constraints.

    ``reading().value`` is the largest drift distance over the features (None until
    ``min_window_count`` rows); ``alarm`` is True while any constraint is violated. The
    detector keeps the whole stream it saw: use one per window, and merge windows or
    partitions with :meth:`merge`. Empty: no rows, value None, no alarm.

    Examples
    --------
    >>> import random
    >>> from detectors.quality.constraints import suggest_constraints
    >>> rng = random.Random(42)
    >>> train = DatasetProfile(features=("x", "plan"))
    >>> train.update_many([{"x": rng.gauss(0, 1), "plan": rng.choice("ab")} for _ in range(3000)])
    >>> baseline = train.statistics()
    >>> monitor = DataQualityMonitor(
    ...     name="credit", baseline=baseline, constraints=suggest_constraints(baseline),
    ...     min_window_count=100,
    ... )
    >>> monitor.reading()
    Reading(detector='credit', value=None, alarm=False, n=0)
    >>> monitor.update_many([{"x": rng.gauss(0, 1), "plan": rng.choice("ab")} for _ in range(300)])
    >>> monitor.reading().alarm
    False
    >>> shifted = DataQualityMonitor(
    ...     name="credit", baseline=baseline, constraints=suggest_constraints(baseline),
    ...     min_window_count=100,
    ... )
    >>> shifted.update_many([{"x": rng.gauss(1, 1), "plan": rng.choice("ab")} for _ in range(300)])
    >>> shifted.reading().alarm, round(shifted.reading().value, 1)
    (True, 0.3)
    >>> monitor = shifted
    >>> [v.feature_name for v in monitor.violations()]
    ['x']
    >>> DataQualityMonitor.from_state(monitor.to_state()).reading() == monitor.reading()
    True
    """

    _KIND = "data_quality_monitor"
    _VERSION = 1
    _merge_tolerance = 0.02  # two KLL sketches' rank error at k=400, plus a margin

    def __init__(
        self,
        *,
        name: str,
        baseline: DatasetStatistics,
        constraints: Constraints,
        min_window_count: int = 30,
        k: int = 400,
    ) -> None:
        if min_window_count < 1:
            msg = f"min_window_count must be >= 1, got {min_window_count}"
            raise ValueError(msg)
        self.name = name
        self.baseline = baseline
        self.constraints = constraints
        self.min_window_count = min_window_count
        self.k = k
        names, kinds = feature_kinds(baseline, constraints)
        self.profile = DatasetProfile(features=names, kinds=kinds, k=k)  # merge: profile merge
        self._result: EvaluationResult | None = None

    def __repr__(self) -> str:
        return f"DataQualityMonitor(name={self.name!r}, rows={self.profile.item_count})"

    def update(self, x: Row) -> None:
        """Add one row (column name → value)."""
        self.profile.update(x)
        self._result = None

    def update_many(self, xs: Sequence[Row]) -> None:
        """Add a batch of rows."""
        self.profile.update_many(xs)
        self._result = None

    def update_columns(self, columns: Mapping[str, Sequence[Any]], n_rows: int) -> None:
        """Add ``n_rows`` rows given as columns (column name → values)."""
        self.profile.update_columns(columns, n_rows)
        self._result = None

    def merge_profile(self, profile: DatasetProfile) -> None:
        """Absorb a profile of the same features (a partition's or an earlier window's)."""
        self.profile.merge(profile)
        self._result = None

    def outcome(self) -> DataQualityOutcome:
        """Statistics, evaluation and status; ``Failed`` when there are no rows to check."""
        statistics = self.profile.statistics()
        if self.profile.item_count == 0:
            empty = EvaluationResult((), ())
            return DataQualityOutcome(statistics, empty, FAILED, "no rows to check")
        evaluation = self.evaluation()
        return DataQualityOutcome(statistics, evaluation, execution_status(evaluation.violations))

    def evaluation(self) -> EvaluationResult:
        """Every check's decision on the rows seen so far."""
        if self._result is None:
            self._result = evaluate(
                self.baseline,
                self.constraints,
                self.profile.statistics(),
                min_window_count=self.min_window_count,
            )
        return self._result

    def violations(self) -> tuple[Violation, ...]:
        """The constraints broken by the rows seen so far."""
        return self.evaluation().violations

    def reading(self) -> Reading:
        """Largest drift distance, and whether any constraint is violated."""
        n = self.profile.item_count
        if n < self.min_window_count:
            return Reading(self.name, None, False, n)
        result = self.evaluation()
        distances = [
            d.value
            for d in result.decisions
            if d.check_type == BASELINE_DRIFT and d.value is not None
        ]
        return Reading(self.name, max(distances, default=0.0), bool(result.violations), n)

    def merge(self, other: DataQualityMonitor) -> None:
        """Absorb another window's or partition's rows."""
        self.profile.merge(other.profile)
        self._result = None

    def to_state(self) -> dict[str, Any]:
        """Return JSON-safe state: the baseline files and the live profile."""
        return make_state(
            self._KIND,
            self._VERSION,
            {
                "name": self.name,
                "baseline": statistics_to_json(self.baseline),
                "constraints": constraints_to_json(self.constraints),
                "min_window_count": self.min_window_count,
                "k": self.k,
            },
            {"profile": self.profile.to_state()},
        )

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> DataQualityMonitor:
        """Rebuild from :meth:`to_state` output."""
        params, s = open_state(state, kind=cls._KIND, version=cls._VERSION)
        monitor = cls(
            name=params["name"],
            baseline=statistics_from_json(params["baseline"]),
            constraints=constraints_from_json(params["constraints"]),
            min_window_count=int(params["min_window_count"]),
            k=int(params["k"]),
        )
        monitor.profile = DatasetProfile.from_state(s["profile"])
        return monitor

    @classmethod
    def _test_params(cls) -> Iterator[dict[str, Any]]:
        rng = random.Random(0)
        train = DatasetProfile(features=("x", "n", "plan"))
        train.update_many([_row(rng, 0.0) for _ in range(2000)])
        stats = train.statistics()
        yield {"name": "dq", "baseline": stats, "constraints": suggest_constraints(stats)}

    @classmethod
    def _test_stream(cls, rng: random.Random, n: int) -> list[Row]:
        return [_row(rng, 0.0 if i < n // 2 else 1.5) for i in range(n)]


def _row(rng: random.Random, shift: float) -> dict[str, Any]:
    return {
        "x": rng.gauss(shift, 1.0),
        "n": str(rng.randint(0, 9)),
        "plan": rng.choice(("basic", "premium", "gold" if shift else "basic")),
    }
