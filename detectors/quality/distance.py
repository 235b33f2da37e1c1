"""Drift distances between a baseline and a current distribution (Deequ's ``Distance``).

- numeric ``linf_simple``: the largest CDF gap over the union of sketch items (the
  Kolmogorov–Smirnov statistic when both sides are exact);
- categorical L-infinity: the largest gap between category frequencies;
- ``linf_robust``: ``max(0, linf_simple - c_alpha * sqrt((n + m) / (n * m)))`` with
  ``c_alpha = 1.8`` — the two-sample KS critical value, so only significant gaps remain;
- chi-squared: the p-value of current counts against baseline proportions.

Examples
--------
>>> robust_distance(0.3, 100, 100)
0.045...
>>> robust_distance(0.1, 100, 100)
0.0
>>> categorical_linf({"a": 50, "b": 50}, {"a": 80, "b": 20})
0.3
>>> round(chi_squared_p_value({"a": 50, "b": 50}, {"a": 80, "b": 20}), 8)   # chi2 = 36, 1 dof
0.0
>>> round(regularized_upper_gamma(0.5, 1.92), 4)   # P(chi2_1 > 3.84) = 0.05
0.05
"""

from __future__ import annotations

import math
from collections.abc import Mapping

ROBUST_C_ALPHA = 1.8


def robust_distance(distance: float, n: float, m: float, c_alpha: float = ROBUST_C_ALPHA) -> float:
    """Deequ's ``linf_robust``: the distance less the KS critical value for sizes n and m."""
    if n <= 0 or m <= 0:
        return 0.0
    return max(0.0, distance - c_alpha * math.sqrt((n + m) / (n * m)))


def c_alpha_for(alpha: float) -> float:
    """KS critical-value coefficient for significance ``alpha``: ``sqrt(-ln(alpha/2)/2)``."""
    return math.sqrt(-math.log(alpha / 2) / 2)


def categorical_linf(baseline: Mapping[str, float], current: Mapping[str, float]) -> float:
    """Largest absolute difference of category frequencies over the union of categories."""
    n = sum(baseline.values())
    m = sum(current.values())
    if n <= 0 or m <= 0:
        return 0.0
    keys = set(baseline) | set(current)
    return max(abs(baseline.get(k, 0) / n - current.get(k, 0) / m) for k in keys)


def chi_squared_p_value(
    baseline: Mapping[str, float], current: Mapping[str, float]
) -> float | None:
    """P-value of the current counts against the baseline proportions (goodness of fit).

    Expected counts are the baseline counts rescaled to the current total over the baseline's
    categories (current categories unseen in the baseline are left out: the domain check
    reports them). Small categories are folded, smallest into second smallest, until every
    expected count is >= 10 (two categories) or at most 20 % are below 5 (more). Returns
    None when fewer than two categories remain: no test is possible.
    """
    cells = [
        [float(baseline[k]), float(current.get(k, 0))] for k in sorted(baseline) if baseline[k] > 0
    ]
    total_current = sum(c for _, c in cells)
    total_baseline = sum(b for b, _ in cells)
    if total_current <= 0 or total_baseline <= 0:
        return None
    for cell in cells:
        cell[0] = cell[0] / total_baseline * total_current  # expected count
    while len(cells) >= 2 and not _expected_counts_valid([e for e, _ in cells]):
        cells.sort(key=lambda cell: cell[0])
        smallest = cells.pop(0)
        cells[0] = [cells[0][0] + smallest[0], cells[0][1] + smallest[1]]
    if len(cells) < 2:
        return None
    statistic = sum((o - e) ** 2 / e for e, o in cells)
    return regularized_upper_gamma((len(cells) - 1) / 2, statistic / 2)


def _expected_counts_valid(expected: list[float]) -> bool:
    if len(expected) == 2:
        return all(e >= 10 for e in expected)
    return sum(1 for e in expected if e < 5) <= 0.2 * len(expected)


def regularized_upper_gamma(s: float, x: float) -> float:
    """``Q(s, x) = Γ(s, x) / Γ(s)``; the chi-squared survival is ``Q(dof/2, statistic/2)``.

    A power series below ``x < s + 1``, a continued fraction (modified Lentz) above it.
    """
    if x <= 0:
        return 1.0
    log_prefactor = s * math.log(x) - x - math.lgamma(s)
    if x < s + 1:
        term = 1.0 / s
        total = term
        a = s
        for _ in range(10_000):
            a += 1
            term *= x / a
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefactor))
    tiny = 1e-300
    b = x + 1 - s
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - s)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(log_prefactor) * h
