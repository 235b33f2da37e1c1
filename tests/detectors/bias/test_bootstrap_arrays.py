"""The bootstrap on arrays of resamples gives the intervals of one table rebuilt per resample."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Collection, Hashable
from typing import Any

import numpy as np
import pytest

from detectors.bias import drift_check, resampled
from detectors.bias.analysis import POST_TRAINING_CODES, PRE_TRAINING_CODES
from detectors.bias.counts import OTHER, BiasCounts
from detectors.bias.drift_check import bootstrap_intervals
from detectors.bias.report import count_metrics

COUNT_CODES = tuple(c for c in PRE_TRAINING_CODES + POST_TRAINING_CODES if c != "FT")


def reference_intervals(
    counts: BiasCounts,
    d_key: Hashable,
    codes: Collection[str],
    *,
    n_resamples: int,
    confidence: float,
    seed: int,
) -> dict[str, tuple[float, float]]:
    """The straightforward algorithm: a BiasCounts rebuilt from each resample's cells."""
    points = {
        c: m.value
        for c, m in count_metrics(counts, d_key, codes).items()
        if m.value is not None and math.isfinite(m.value)
    }
    if not points:
        return {}
    keys = [(k, g) for k, g, _ in counts.rows()]
    cells = np.array([c for _, _, c in counts.rows()], dtype=np.int64)
    n = int(cells.sum())
    draws = (
        np.random.default_rng(seed)
        .multinomial(n, cells.ravel() / n, size=n_resamples)
        .reshape(n_resamples, *cells.shape)
    )
    values: dict[str, list[float]] = {c: [] for c in points}
    for draw in draws:
        resample = BiasCounts(
            max_facet_values=counts.max_facet_values, max_subgroups=counts.max_subgroups
        )
        for (k, g), c in zip(keys, draw.tolist(), strict=True):
            resample.add_cells(k, g, c)
        for code, metric in count_metrics(resample, d_key, list(points)).items():
            if metric.value is not None and math.isfinite(metric.value):
                values[code].append(metric.value)
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    return {
        code: (points[code] - z * statistics.pstdev(vs), points[code] + z * statistics.pstdev(vs))
        for code, vs in values.items()
        if len(vs) >= 2
    }


def random_table(rng: random.Random) -> tuple[BiasCounts, Hashable]:
    """Small and skewed tables: empty facets, rare predicted positives, zero FP (TE = inf),
    subgroups past the cap, a one-versus-all facet with several values."""
    n_keys = rng.randint(1, 5)
    keys: list[Hashable] = (
        [True, False][:n_keys] if rng.random() < 0.4 else [f"v{i}" for i in range(n_keys)]
    )
    if rng.random() < 0.2:
        keys.append(OTHER)
    n_groups = rng.choice([0, 0, 1, 2, 3, 5])
    groups: list[Hashable] = [None] if n_groups == 0 else [f"g{i}" for i in range(n_groups)]
    if n_groups and rng.random() < 0.2:
        groups.insert(rng.randrange(len(groups) + 1), OTHER)
    if n_groups and rng.random() < 0.2:
        groups.append(None)
    counts = BiasCounts(max_facet_values=rng.randint(1, 6), max_subgroups=rng.randint(1, 6))
    scale = rng.choice([1, 3, 10, 60])
    weights = [rng.random() ** 3 for _ in range(4)]  # some cells nearly never drawn
    if rng.random() < 0.3:
        weights[0] = weights[1] = 0.0  # no predicted positive anywhere
    for key in keys:
        if rng.random() < 0.15:
            continue  # this facet value never counted
        for group in rng.sample(groups, rng.randint(1, len(groups))):
            cells = [int(rng.random() < 0.8) * rng.randint(0, int(scale * w)) for w in weights]
            counts.add_cells(key, group, cells)
    d_key = rng.choice([*keys, "absent"])
    return counts, d_key


def close(x: float, y: float, scale: float) -> bool:
    return abs(x - y) <= 1e-12 * scale


def test_array_bootstrap_matches_one_table_per_resample() -> None:
    rng = random.Random(20261130)
    compared: dict[str, int] = dict.fromkeys(COUNT_CODES, 0)
    for case in range(1000):
        counts, d_key = random_table(rng)
        n_resamples = rng.choice([2, 3, 25, 80])
        seed = rng.randrange(1000)
        if counts.n == 0:
            continue
        got = bootstrap_intervals(counts, d_key, COUNT_CODES, n_resamples=n_resamples, seed=seed)
        want = reference_intervals(
            counts, d_key, COUNT_CODES, n_resamples=n_resamples, confidence=0.95, seed=seed
        )
        assert got.keys() == want.keys(), (case, counts.to_rows(), d_key)
        for code, (lo, hi) in want.items():
            scale = max(abs(lo), abs(hi))  # the endpoints to 1e-12 of the interval's size
            assert close(got[code][0], lo, scale), (case, code, got[code], (lo, hi))
            assert close(got[code][1], hi, scale), (case, code, got[code], (lo, hi))
            compared[code] += 1
    assert min(compared.values()) >= 90, compared  # every code, a few hundred tables each


def test_array_codes_do_not_rebuild_a_table_per_resample(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = BiasCounts(max_facet_values=4, max_subgroups=4)
    counts.add_cells("F", "a", [40, 10, 20, 80])
    counts.add_cells("M", "b", [50, 20, 10, 70])
    calls = []

    def counted(*args: Any) -> Any:
        calls.append(args)
        return count_metrics(*args)

    monkeypatch.setattr(drift_check, "count_metrics", counted)
    monkeypatch.setattr(resampled, "count_metrics", counted)
    codes = [c for c in POST_TRAINING_CODES if c != "FT"]
    assert len(drift_check.bootstrap_intervals(counts, "F", codes, n_resamples=50)) == 12
    assert len(calls) == 1  # the point values; no resample goes through count_metrics


def test_every_post_training_code_on_a_large_table() -> None:
    counts = BiasCounts(max_facet_values=4, max_subgroups=4)
    for key, cells in [("F", (180, 60, 90, 420)), ("M", (260, 90, 70, 330)), ("X", (5, 0, 9, 6))]:
        for group, share in [("a", 0.25), ("b", 0.75)]:
            counts.add_cells(key, group, [round(c * share) for c in cells])
    codes = [c for c in POST_TRAINING_CODES if c != "FT"]
    for d_key in ("F", "X"):
        got = bootstrap_intervals(counts, d_key, codes, n_resamples=200, seed=5)
        want = reference_intervals(counts, d_key, codes, n_resamples=200, confidence=0.95, seed=5)
        assert set(got) == set(want) >= {"AD", "CDDPL", "DI", "DPPL", "GE"}
        for code, (lo, hi) in want.items():
            assert math.isclose(got[code][0], lo, rel_tol=1e-12)
            assert math.isclose(got[code][1], hi, rel_tol=1e-12)
