"""``update`` throughput of every detector, in events per second."""

from __future__ import annotations

import random
import time

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
