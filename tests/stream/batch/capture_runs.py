"""``CaptureAnalyzer`` runs on the fast paths and on the general path, for tests to compare.

An ``on_record`` callback turns every fast path off: each record then goes through
decode_capture, parse_payload and RowBuilder one by one, and its row through the row path
of the profile (``text_columns`` declining every batch), the reference the fast paths must
equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any
from unittest.mock import patch

from detectors.quality.constraints import suggest_constraints
from detectors.quality.dataset_profile import DatasetProfile
from stream.batch import capture_analysis
from stream.batch.capture_analysis import AnalysisResult, CaptureAnalyzer
from stream.monitors.data_quality import DataQualityBaseline


def baseline_of(
    features: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
) -> DataQualityBaseline:
    """The baseline (statistics and suggested constraints) of ``rows``."""
    profile = DatasetProfile(features=features)
    profile.update_many(rows)
    stats = profile.statistics()
    return DataQualityBaseline(stats, suggest_constraints(stats))


def analyze(
    baseline: DataQualityBaseline,
    paths: Sequence[Path],
    parts: tuple[str, ...],
    *,
    general: bool,
    on_file: list[Path] | None = None,
) -> AnalysisResult:
    """Analyze ``paths`` in order, on the general path or not; ``on_file`` collects the files."""
    analyzer = CaptureAnalyzer(
        baseline, capture_index_names=parts, on_record=(lambda record: None) if general else None
    )
    rows_only = patch.object(capture_analysis, "text_columns", lambda rows, names: None)
    with rows_only if general else nullcontext():
        analyzer.add_files(paths, None if on_file is None else on_file.append)
        return analyzer.result()
