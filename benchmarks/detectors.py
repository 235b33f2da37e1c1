"""``update`` throughput of every detector, in events per second; the bias bootstrap's cost;
a wide baseline's feature lookups and checks (8,000 features), as a ratio to one Python pass
over the features."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import numpy as np

from detectors.bias.analysis import POST_TRAINING_CODES
from detectors.bias.counts import BiasCounts
from detectors.bias.drift_check import bootstrap_intervals
from detectors.bias.report import count_metrics
from detectors.bias.resampled import values_one_at_a_time
from detectors.quality.checks import evaluate
from detectors.quality.data_quality_monitor import feature_kinds
from detectors.registry import detector_classes

EVENTS = 20_000


def run() -> None:
    print(f"{'detector':<36} {'update/s':>12} {'update_many/s':>14}")
    for cls in detector_classes():
        params = next(iter(cls._test_params()))
        xs = list(cls._test_stream(random.Random(1), EVENTS))
        detector = cls(**params)
        start = time.perf_counter()
        for x in xs:
            detector.update(x)
        per_update = EVENTS / (time.perf_counter() - start)
        many = ""
        if hasattr(cls, "update_many"):
            detector = cls(**params)
            start = time.perf_counter()
            detector.update_many(xs)
            many = f"{EVENTS / (time.perf_counter() - start):>14,.0f}"
        print(f"{cls.__name__:<36} {per_update:>12,.0f} {many}")
    print()
    bootstrap()
    wide()


def wide() -> None:
    """``feature_kinds`` and ``evaluate`` of 8,000 features (they scanned per feature: ~3 s)."""
    from tests.detectors.quality.test_wide_baseline import WIDTH, sparse_window, wide_baseline

    statistics, constraints = wide_baseline()
    current, completeness = sparse_window()
    names = {f.name: f for f in statistics.features}
    one_pass = _ms_per_call(lambda: [names.get(f.name) for f in constraints.features])
    kinds = _ms_per_call(lambda: feature_kinds(statistics, constraints), repeat=5)
    checks = _ms_per_call(lambda: evaluate(current, completeness, current), repeat=5)
    print()
    print(f"{f'wide baseline, {WIDTH:,} features':<44} {'ms/call':>9} {'ratio':>7}")
    print(f"{'  one pass, a dict lookup a feature':<44} {one_pass:>9.2f} {1.0:>7.2f}")
    print(f"{'  feature_kinds':<44} {kinds:>9.2f} {kinds / one_pass:>7.1f}")
    print(f"{'  evaluate (completeness of each)':<44} {checks:>9.2f} {checks / one_pass:>7.1f}")


def bootstrap() -> None:
    """Bootstrap intervals of the 12 count-based post-training metrics of one facet group."""
    counts = BiasCounts(max_facet_values=4, max_subgroups=4)
    table = [  # 1,500 rows over two facet values and two subgroups (CDDPL has a value)
        ("F", "young", (90, 40, 30, 140)),
        ("F", "old", (50, 20, 40, 190)),
        ("M", "young", (120, 50, 20, 260)),
        ("M", "old", (80, 40, 40, 340)),
    ]
    for key, subgroup, cells in table:
        counts.add_cells(key, subgroup, cells)
    codes = [c for c in POST_TRAINING_CODES if c != "FT"]
    assert len(bootstrap_intervals(counts, "F", codes)) == len(codes) == 12
    arrays = _ms_per_call(lambda: bootstrap_intervals(counts, "F", codes))
    per_resample = _ms_per_call(lambda: _per_resample_intervals(counts, "F", codes))
    print(f"{'bootstrap intervals, 12 codes, 1,500 rows':<44} {'ms/call':>9} {'ratio':>7}")
    print(f"{'  one table rebuilt per resample':<44} {per_resample:>9.2f} {1.0:>7.2f}")
    print(f"{'  all resamples as arrays':<44} {arrays:>9.2f} {arrays / per_resample:>7.3f}")


def _ms_per_call(call: Callable[[], object], repeat: int = 20) -> float:
    call()
    start = time.perf_counter()
    for _ in range(repeat):
        call()
    return (time.perf_counter() - start) / repeat * 1000


def _per_resample_intervals(
    counts: BiasCounts, d_key: str, codes: list[str], n_resamples: int = 200
) -> dict[str, tuple[float, float]]:
    """The bootstrap as it was: the same draws, one BiasCounts per resample."""
    points = {c: m.value for c, m in count_metrics(counts, d_key, codes).items()}
    cells = np.array([c for _, _, c in counts.rows()], dtype=np.int64)
    n = int(cells.sum())
    draws = (
        np.random.default_rng(0)
        .multinomial(n, cells.ravel() / n, size=n_resamples)
        .reshape(n_resamples, *cells.shape)
    )
    values = values_one_at_a_time(counts, d_key, codes, draws)
    z = statistics.NormalDist().inv_cdf(0.975)
    out = {}
    for code, v in values.items():
        point = points[code]
        if point is not None and len(v) >= 2:
            sd = statistics.pstdev(v.tolist())
            out[code] = (point - z * sd, point + z * sd)
    return out
