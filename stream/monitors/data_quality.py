"""The data-quality baseline: ``statistics.json`` + ``constraints.json`` in a folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from detectors.quality.constraints import Constraints, constraints_from_json, constraints_to_json
from detectors.quality.data_quality_monitor import DataQualityMonitor, feature_kinds
from detectors.quality.statistics import DatasetStatistics
from detectors.quality.statistics_json import statistics_from_json, statistics_to_json
from stream.monitors.files import (
    CONSTRAINTS,
    MALFORMED,
    STATISTICS,
    BaselineError,
    not_usable,
    read_json,
    write_json,
)


@dataclass(frozen=True)
class DataQualityBaseline:
    """A loaded data-quality baseline."""

    statistics: DatasetStatistics
    constraints: Constraints

    @property
    def features(self) -> tuple[str, ...]:
        """Feature names in column order (statistics order, then constraint-only names)."""
        return feature_kinds(self.statistics, self.constraints)[0]

    @property
    def kinds(self) -> tuple[str, ...]:
        """Profile kinds per feature: numeric, string, or auto when the type is unknown."""
        return feature_kinds(self.statistics, self.constraints)[1]

    def monitor(self, name: str, *, min_window_count: int) -> DataQualityMonitor:
        """A fresh :class:`DataQualityMonitor` against this baseline."""
        return DataQualityMonitor(
            name=name,
            baseline=self.statistics,
            constraints=self.constraints,
            min_window_count=max(1, min_window_count),
        )


def load_data_quality_baseline(folder: Path) -> DataQualityBaseline:
    """Load ``statistics.json`` and ``constraints.json`` from a folder."""
    if folder.exists() and not folder.is_dir():
        msg = (
            f"the baseline {folder} is a file; give the folder that holds {STATISTICS} and "
            f"{CONSTRAINTS}"
        )
        raise BaselineError(msg)
    if not folder.is_dir():
        msg = f"baseline folder not found: {folder}"
        raise BaselineError(msg)
    reading = STATISTICS
    try:
        stats = statistics_from_json(read_json(folder / STATISTICS))
        reading = CONSTRAINTS
        constraints = constraints_from_json(read_json(folder / CONSTRAINTS))
    except MALFORMED as exc:
        error = not_usable("baseline", folder, exc, reading)
        raise error from exc
    baseline = DataQualityBaseline(stats, constraints)
    names = baseline.features
    if len(set(names)) != len(names):
        twice = next(name for name in names if names.count(name) > 1)
        msg = f"baseline in {folder} is not usable: it lists the feature {twice!r} twice"
        raise BaselineError(msg)
    return baseline


def save_data_quality_baseline(folder: Path, baseline: DataQualityBaseline) -> None:
    """Write ``statistics.json`` and ``constraints.json`` into a folder."""
    write_json(folder / STATISTICS, statistics_to_json(baseline.statistics))
    write_json(folder / CONSTRAINTS, constraints_to_json(baseline.constraints), plain_decimals=True)
