"""Run every benchmark and print its figures: ``python -m benchmarks [name ...]``."""

from __future__ import annotations

import importlib
import sys

SUITES = (
    "detectors",
    "data_quality",
    "streaming",
    "producers",
    "status",
    "labelled",
    "settled_windows",
    "pending_store",
)


def main(argv: list[str]) -> None:
    for name in argv or SUITES:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            print(f"== {name}: not available ({exc})")
            continue
        print(f"== {name}")
        module.run()
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
