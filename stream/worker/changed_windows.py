"""What a restart with another configuration leaves in an aggregator's windows, and saying so.

A worker may be restarted over its snapshots with a longer or shorter ``window_seconds``, a
replaced data-quality baseline (a feature added, removed or of another type), or labelled
runs whose baselines or settings changed. The aggregator keeps what it can and drops what it
cannot judge; these functions find each case and log it, once per window:

- a window of another length keeps it and is published on its own (:func:`note_other_length`);
- a pending window merged with the previous baseline's columns starts again empty
  (:func:`renew_columns`), and a partial profiled with other columns than its window's is
  dropped (:func:`of_other_columns`);
- labelled runs restarted in restored windows are named with their window counts
  (:func:`note_restarted_runs`).

Examples
--------
>>> from detectors.quality.dataset_profile import DatasetProfile
>>> from stream.worker.aggregated_window import AggregatedWindow
>>> window = AggregatedWindow(DatasetProfile(features=("age",)), 0.0, 60.0, 0.0)
>>> renew_columns("m", window, ("age", "plan"), window.profile.kinds + ("string",))
True
>>> window.profile.features, window.records
(('age', 'plan'), 0)
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Collection, Sequence

from detectors.quality.dataset_profile import DatasetProfile
from stream.worker.aggregated_window import AggregatedWindow
from stream.worker.windows import WindowPartial

log = logging.getLogger("driftline.aggregator")


def of_other_columns(monitor: str, window: AggregatedWindow, item: WindowPartial) -> bool:
    """Whether ``item`` was profiled with other columns than ``window`` (logged if so).

    The baseline was replaced in between: a partial of the previous baseline's columns
    (sent before a restart, read after it) can be neither judged against the new one nor
    merged with the new baseline's rows, so the caller drops it, counted as late. A window
    published before the change keeps its figures.
    """
    if item.is_labelled or item.profile_state is None or window.profile is None:
        return False
    params = item.profile_state["params"]
    columns = (tuple(params["features"]), tuple(params["kinds"]))
    if columns == (window.profile.features, window.profile.kinds):
        return False
    log.warning(
        "monitor %s: partial of partition %d for window [%s, %s) dropped (%d records): "
        "it was profiled with other columns than the window (the baseline changed)",
        monitor, item.partition, item.window_start, item.window_end, item.record_count,
    )  # fmt: skip
    return True


def renew_columns(
    monitor: str, window: AggregatedWindow, features: Sequence[str], kinds: Sequence[str]
) -> bool:
    """Empty a pending window merged with other columns than the baseline's; whether it was.

    Its partials' sketches cannot be judged against the new baseline; the partitions that
    sent them restart their own open windows of it empty as well
    (:meth:`~stream.worker.window_table.WindowTable.restore`), so the window holds the
    records read after the change. Its merged offset ranges stay, so a partial sent again
    is still a duplicate.
    """
    profile = window.profile
    columns = (tuple(features), tuple(kinds))
    if profile is None or (profile.features, profile.kinds) == columns:
        return False
    log.warning(
        "monitor %s: the baseline's columns changed; the pending window [%s, %s) merged "
        "with the previous baseline's columns starts again empty (%d records left out)",
        monitor, window.start, window.end, window.records,
    )  # fmt: skip
    window.profile = DatasetProfile(features=columns[0], kinds=columns[1])
    window.records = 0
    return True


def note_other_length(monitor: str, window: AggregatedWindow, window_seconds: float) -> None:
    """Log a window of another length than the configured one (a restart changed it)."""
    length = window.end - window.start
    if not math.isclose(length, window_seconds):
        log.warning(
            "monitor %s: window length changed from %s s to %s s; the window [%s, %s) "
            "keeps %s s and is published on its own, never merged with %s s windows",
            monitor, f"{length:g}", f"{window_seconds:g}", window.start,
            window.end, f"{length:g}", f"{window_seconds:g}",
        )  # fmt: skip


def note_restarted_runs(monitor: str, windows: Collection[AggregatedWindow]) -> None:
    """Log the labelled runs restored windows hold no figures of (their settings changed)."""
    restarted: Counter[str] = Counter()
    for window in windows:
        if window.labelled is not None:
            restarted.update(window.labelled.restarted)
    for run, n in sorted(restarted.items()):
        log.warning(
            "monitor %s: %s was added or its baseline or settings changed; %d window(s) "
            "restored with figures tallied before publish %s from the labels merged from "
            "now on (the earlier ones are left out)",
            monitor, run, n, run,
        )  # fmt: skip
