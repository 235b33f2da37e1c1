"""``bias_drift_check``: a window's bias analysis against a baseline analysis.json (spec §6.3).

Every bias metric is ideal at 0 (DI at 1). The baseline value ``b`` sets the allowed range
``A = [−|b|, |b|]`` (DI: ``[1−|b−1|, 1+|b−1|]``).

* ``"point"`` mode (default): violation when the window value is outside ``A``, i.e.
  ``|current| > |baseline|`` — the documented example: baseline DPPL 0.2, current 0.1 is
  fine, current −0.3 is a violation.
* ``"bootstrap"`` mode: the window value comes with a normal bootstrap interval ``C``
  (:func:`bootstrap_interval`, seeded multinomial resamples of the count cells); violation
  iff ``C`` and ``A`` do not overlap. Values without an interval fall back to the point rule.

An infinite value is checked as any other (it has no bootstrap interval): worse than any
finite baseline, so a violation, as SageMaker's bias monitor reports TE ``Infinity`` in AWS's
examples; its description prints it as ``Infinity`` (:func:`violation_description`).

Only stages, facets, facet values and metrics present in the baseline are checked; a null
(errored) value on either side is skipped. A facet entry is matched by its
``value_or_threshold``; a continuous facet (whose interval string follows the running
maximum) is matched when both sides have a single entry.

Examples
--------
>>> violates("DPPL", 0.1, 0.2), violates("DPPL", -0.3, 0.2), violates("DI", 0.7, 1.2)
(False, True, True)
>>> allowed_range("DI", 0.8)
(0.8, 1.2)
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from detectors.bias.analysis import BiasAnalysis, FacetEntry, StageReport
from detectors.bias.counts import BiasCounts
from detectors.bias.report import count_metrics
from detectors.bias.resampled import resampled_values
from detectors.violations import Violation, figure_text

__all__ = [
    "CHECK_TYPE",
    "allowed_range",
    "bias_drift_check",
    "bootstrap_interval",
    "bootstrap_intervals",
    "matching_entry",
    "violates",
    "violation_description",
]

CHECK_TYPE = "bias_drift_check"
IntervalKey = tuple[str, str, str]  # (facet name, value_or_threshold, metric code)


def allowed_range(code: str, baseline: float) -> tuple[float, float]:
    """The allowed range set by a baseline value: symmetric around the metric's ideal."""
    if code == "DI":
        half = abs(baseline - 1.0)
        return 1.0 - half, 1.0 + half
    return -abs(baseline), abs(baseline)


def violates(code: str, current: float, baseline: float) -> bool:
    """Point rule: the window value is farther from the ideal than the baseline value."""
    if code == "DI":
        return abs(current - 1.0) > abs(baseline - 1.0)
    return abs(current) > abs(baseline)


def violation_description(current: float, baseline: float) -> str:
    """The description SageMaker's bias monitor writes for a metric worse than its baseline.

    As AWS's bias monitor examples show it (``Metric value Infinity doesn't meet the
    baseline constraint requirement 2.916666666666667`` for TE): an infinite value prints
    as Clarify's analysis.json writes it.

    >>> violation_description(float("-inf"), -0.5278688524590163)
    "Metric value -Infinity doesn't meet the baseline constraint requirement -0.5278688524590163"
    """
    return (
        f"Metric value {figure_text(current)} doesn't meet the baseline constraint requirement "
        f"{figure_text(baseline)}"
    )


def bootstrap_interval(
    counts: BiasCounts,
    d_key: Hashable,
    code: str,
    *,
    n_resamples: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float] | None:
    """Normal bootstrap interval ``v̂ ± z·sd`` of a count-based metric.

    Resamples draw the window's total ``n`` rows over the cells (TP/FP/FN/TN per facet key
    and subgroup) with the observed proportions. Resamples where the metric errors or is
    infinite are dropped; ``None`` when the metric itself has no finite value or fewer than
    two resamples do.
    """
    intervals = bootstrap_intervals(
        counts, d_key, (code,), n_resamples=n_resamples, confidence=confidence, seed=seed
    )
    return intervals.get(code)


def bootstrap_intervals(
    counts: BiasCounts,
    d_key: Hashable,
    codes: Collection[str],
    *,
    n_resamples: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """:func:`bootstrap_interval` of several metrics, from one set of resamples.

    Each metric gets the interval it would get alone (the same seed draws the same
    resamples); a metric without one is left out. The metrics of all resamples are
    computed at once on arrays of counts (:mod:`detectors.bias.resampled`).
    """
    points = {
        c: m.value
        for c, m in count_metrics(counts, d_key, codes).items()
        if m.value is not None and math.isfinite(m.value)
    }
    wanted = list(points)
    if not wanted:
        return {}
    cells = np.array([c for _, _, c in counts.rows()], dtype=np.int64)
    n = int(cells.sum())
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, cells.ravel() / n, size=n_resamples).reshape(
        n_resamples, *cells.shape
    )
    values = resampled_values(counts, d_key, wanted, draws)
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    out = {}
    for code in wanted:
        if len(values[code]) >= 2:
            sd = _population_sd(values[code])
            out[code] = (points[code] - z * sd, points[code] + z * sd)
    return out


def _population_sd(values: NDArray[np.float64]) -> float:
    """``statistics.pstdev`` in numpy; exactly 0 when all values are equal.

    >>> _population_sd(np.array([0.1] * 7)), _population_sd(np.array([1.0, 3.0]))
    (0.0, 1.0)
    """
    shifted = values - values[0]
    centered = shifted - shifted.mean()
    return float(np.sqrt(np.mean(centered * centered)))


def matching_entry(
    entries: Sequence[FacetEntry], base: FacetEntry, single: bool
) -> FacetEntry | None:
    """The entry of ``entries`` checked against the baseline entry ``base``, if any.

    The one with the same ``value_or_threshold``; else, when the baseline facet has a
    ``single`` entry and the window's too, that one: a continuous facet's interval string
    follows the running maximum (``"(40, 79]"`` in the baseline, ``"(40, 75]"`` in a window).

    >>> base = FacetEntry("(40, 79]", ())
    >>> matching_entry([FacetEntry("(40, 75]", ())], base, single=True).value_or_threshold
    '(40, 75]'
    >>> matching_entry([FacetEntry("F", ()), FacetEntry("M", ())], base, single=True) is None
    True
    """
    for entry in entries:
        if entry.value_or_threshold == base.value_or_threshold:
            return entry
    return entries[0] if single and len(entries) == 1 else None


def _check_stage(
    current: StageReport,
    baseline: StageReport,
    mode: str,
    intervals: Mapping[IntervalKey, tuple[float, float]],
    sample_count: int | None,
) -> list[Violation]:
    out = []
    current_facets = dict(current.facets)
    for name, base_entries in baseline.facets:
        entries = current_facets.get(name, ())
        for base in base_entries:
            entry = matching_entry(entries, base, single=len(base_entries) == 1)
            if entry is None:
                continue
            for base_metric in base.metrics:
                b = base_metric.value
                v = entry.value(base_metric.code)
                if b is None or v is None:
                    continue
                code = base_metric.code
                ci = intervals.get((name, entry.value_or_threshold, code))
                if mode == "bootstrap" and ci is not None:
                    lo, hi = allowed_range(code, b)
                    broken = ci[1] < lo or ci[0] > hi
                else:
                    broken = violates(code, v, b)
                if broken:
                    out.append(
                        Violation(
                            constraint_check_type=CHECK_TYPE,
                            description=violation_description(v, b),
                            metric_name=code,
                            value=v,
                            threshold=b,
                            sample_count=sample_count,
                            extra=(("facet", name), ("facet_value", entry.facet_value)),
                        )
                    )
    return out


def bias_drift_check(
    current: BiasAnalysis,
    baseline: BiasAnalysis,
    *,
    mode: Literal["point", "bootstrap"] = "point",
    intervals: Mapping[IntervalKey, tuple[float, float]] | None = None,
    sample_count: int | None = None,
) -> list[Violation]:
    """One violation per (facet, facet value, metric) worse than the baseline.

    ``intervals`` maps ``(facet, value_or_threshold, code)`` of the current analysis to a
    bootstrap interval (used in ``"bootstrap"`` mode). ``sample_count`` is the window size.
    """
    if mode not in ("point", "bootstrap"):
        msg = f"mode must be 'point' or 'bootstrap', got {mode!r}"
        raise ValueError(msg)
    out: list[Violation] = []
    pairs = (
        (current.pre_training, baseline.pre_training),
        (current.post_training, baseline.post_training),
    )
    for cur, base in pairs:
        if cur is not None and base is not None:
            out.extend(_check_stage(cur, base, mode, intervals or {}, sample_count))
    return out
