"""Find every detector class: each class under ``detectors`` defining ``_test_params``.

The conformance suite and the benchmarks walk this list, so a new detector is tested and
measured by existing.

Examples
--------
>>> names = [cls.__name__ for cls in detector_classes()]
>>> "DataQualityMonitor" in names
True
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import detectors


def detector_classes() -> Iterator[type]:
    """Detector classes in module order, each once."""
    seen: set[type] = set()
    for info in sorted(
        pkgutil.walk_packages(detectors.__path__, "detectors."), key=lambda i: i.name
    ):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and obj.__module__ == module.__name__
                and hasattr(obj, "_test_params")
                and hasattr(obj, "_test_stream")
                and obj not in seen
            ):
                seen.add(obj)
                yield obj
