"""The board as the page's JSON: one summary of every monitor, and one window in detail.

The summary (``/api/status``) has, per (monitor, monitor type), the kept windows oldest
first and one *chart* per series: its value in every window (null where it has none), its
threshold (one number when it never changed) and the windows where a check on it was
violated. For data quality a chart is a feature and its value the ``baseline_drift_check``
distance; violations of every check on the feature mark it. For the other monitor types a
chart is a metric (a statistics figure such as ``accuracy``, ``DPPL [sex=0]`` or
``ndcg [label=label0]``, else the figure of its decision). Call these under ``board.lock``.

Examples
--------
>>> from stream.status.board import StatusBoard
>>> board = StatusBoard()
>>> for i, (value, violated) in enumerate([(0.02, False), (0.31, True)]):
...     board.apply("executions", {"monitor": "m", "revision": 0, "status": "Completed",
...         "window_start": f"2024-03-05T14:0{i}:00Z", "window_end": f"2024-03-05T14:0{i + 1}:00Z",
...         "decisions": [{"check_type": "baseline_drift_check", "feature_name": "age",
...                        "value": value, "threshold": 0.1, "violated": violated}]})
>>> chart = monitor_summary(board.monitors[("m", "data_quality")])["charts"][0]
>>> chart["name"], chart["values"], chart["threshold"], chart["violations"]
('age', [0.02, 0.31], 0.1, [[1, 'baseline_drift_check']])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detectors.verdicts import lacks_verdict
from stream.status.board import MonitorBoard, StatusBoard, WindowEntry
from stream.status.distributions import QUANTILE_LEVELS, FeatureShapes
from stream.status.messages import (
    ATTRIBUTION_DRIFT,
    BIAS_DRIFT,
    DATA_QUALITY,
    MODEL_QUALITY,
    ViolationSummary,
)

DRIFT_CHECK = "baseline_drift_check"
MONITOR_TYPES = (DATA_QUALITY, MODEL_QUALITY, BIAS_DRIFT, ATTRIBUTION_DRIFT)  # the page's order


def status_summary(board: StatusBoard) -> dict[str, Any]:
    """Every monitor's windows and charts: data quality first, then by type and name."""
    return {
        "version": board.version,
        "quantile_levels": list(QUANTILE_LEVELS),
        "monitors": [
            monitor_summary(board.monitors[key]) for key in sorted(board.monitors, key=_order)
        ],
    }


def _order(key: tuple[str, str]) -> tuple[int, str, str]:
    monitor, kind = key
    rank = MONITOR_TYPES.index(kind) if kind in MONITOR_TYPES else len(MONITOR_TYPES)
    return rank, kind, monitor


def monitor_summary(board: MonitorBoard) -> dict[str, Any]:
    """One monitor's windows (oldest first), charts and recent online alarms."""
    entries = board.ordered()
    return {
        "monitor": board.monitor,
        "monitor_type": board.monitor_type,
        "windows": [window_row(e, board.monitor_type) for e in entries],
        "charts": _charts(board.monitor_type, entries),
        "online_alarms": [violation_json(v) for v in reversed(board.online)],
        "too_old": board.too_old,
    }


def window_row(entry: WindowEntry, kind: str = DATA_QUALITY) -> dict[str, Any]:
    """A line of the windows table; ``pending`` while no execution message was read.

    ``no_verdict``: the execution says ``Completed`` but its deciding checks went without a
    verdict (see :func:`_no_verdict`); the page shows "no verdict", not a clean window.
    """
    e = entry.execution
    revision = max(entry.execution_revision, entry.statistics_revision, entry.violations_revision)
    return {
        "start": entry.start_text,
        "end": entry.end,
        "pending": e is None,
        "status": e.status if e else "",
        "no_verdict": _no_verdict(entry, kind),
        "rows": e.row_count if e else None,
        "labelled": None if kind == DATA_QUALITY else _labelled_count(entry),
        "records": e.record_count if e else None,
        "violations": e.violation_count if e else len(entry.violations),
        "revision": max(revision, 0),
        "label_coverage": e.label_coverage if e else entry.metrics.get("label coverage"),
        "complete": e.complete if e else None,
        "partitions": list(e.partitions_reported) if e else [],
        "finalised_by": e.finalised_by if e else "",
        "failure_reason": e.failure_reason if e else "",
        "warnings": list(e.warnings) if e else [],
    }


def _no_verdict(entry: WindowEntry, kind: str) -> bool:
    """Whether the window's verdict is missing: its deciding checks all went without one.

    The rule is :func:`detectors.verdicts.lacks_verdict`, which ``analyze`` shares: the
    executions topic says ``Completed`` for such a window (SageMaker's statuses have no
    other word for it), but it is not a clean window: most often it had fewer than
    ``min_window_count`` rows or labelled predictions.
    """
    e, d = entry.execution, entry.decisions
    if e is None or d is None:
        return False
    verdicts = [None if v < 0 else bool(v) for v in d.verdicts]  # negative: no verdict
    checks = [check for check, _ in d.keys]
    return lacks_verdict(e.status, e.violation_count, zip(checks, verdicts, strict=True),
                         data_quality=kind == DATA_QUALITY)  # fmt: skip


def _labelled_count(entry: WindowEntry) -> int | None:
    """How many predictions a labelled window's verdicts stand on (None when unknown)."""
    d = entry.decisions
    if d is None or not len(d.sample_counts):
        return None
    return int(d.sample_counts.max())


def violation_json(v: ViolationSummary) -> dict[str, Any]:
    """A violation for the page (online alarms add when, where and which detector)."""
    out = {
        "check_type": v.check_type,
        "name": v.name,
        "value": v.value,
        "threshold": v.threshold,
        "sample_count": v.sample_count,
        "description": v.description,
    }
    if v.detected_at is not None:
        out.update(detected_at=v.detected_at, detector=v.detector, partition=v.partition)
    return out


def window_detail(
    board: MonitorBoard, entry: WindowEntry, baseline: FeatureShapes | None
) -> dict[str, Any]:
    """One window: its row, violations, every decision, and baseline-vs-live shapes."""
    decisions = []
    if entry.decisions is not None:
        d = entry.decisions
        for i, (check, name) in enumerate(d.keys):
            verdict = int(d.verdicts[i])
            decisions.append({
                "check_type": check, "name": name,
                "value": _figure(float(d.values[i])), "threshold": _figure(float(d.thresholds[i])),
                "violated": None if verdict < 0 else bool(verdict),
                "sample_count": int(d.sample_counts[i]),
            })  # fmt: skip
    live = entry.shapes
    known = (baseline.names if baseline else ()) + (live.names if live else ())
    names = list(dict.fromkeys(known))
    features = [
        {
            "name": name,
            "baseline": baseline.shape_json(name) if baseline else None,
            "live": live.shape_json(name) if live else None,
        }
        for name in names
    ]
    return {
        "monitor": board.monitor,
        "monitor_type": board.monitor_type,
        "window": window_row(entry, board.monitor_type),
        "violations": [violation_json(v) for v in entry.violations],
        "violations_dropped": entry.violations_dropped,
        "decisions": decisions,
        "features": features,
        "metrics": {k: v for k, v in entry.metrics.items()},
        "shap": {label: [list(p) for p in pairs] for label, pairs in entry.shap.items()},
    }


def _charts(kind: str, entries: list[WindowEntry]) -> list[dict[str, Any]]:
    n = len(entries)
    values: dict[str, np.ndarray] = {}
    thresholds: dict[str, np.ndarray] = {}
    flags: dict[str, list[list[Any]]] = {}

    def series(name: str) -> None:
        if name not in values:
            values[name], thresholds[name] = np.full(n, np.nan), np.full(n, np.nan)
            flags[name] = []

    groups: dict[int, tuple[tuple[tuple[str, str], ...], list[int]]] = {}
    for i, e in enumerate(entries):
        if e.decisions is not None and e.decisions.keys:
            groups.setdefault(id(e.decisions.keys), (e.decisions.keys, []))[1].append(i)
    for keys, index in groups.values():  # windows with the same decision layout, at once
        rows: dict[str, int] = {}
        for r, (check, name) in enumerate(keys):
            series(name)
            if check == DRIFT_CHECK or (kind != DATA_QUALITY and name not in rows):
                rows[name] = r
        picked = [entries[i].decisions for i in index]
        figures = np.stack([d.values for d in picked if d is not None])
        limits = np.stack([d.thresholds for d in picked if d is not None])
        for name, r in rows.items():
            values[name][index], thresholds[name][index] = figures[:, r], limits[:, r]
        verdicts = np.stack([d.verdicts for d in picked if d is not None])
        for w, r in zip(*np.nonzero(verdicts == 1), strict=True):
            flags[keys[r][1]].append([index[w], keys[r][0]])
    distances = _distances(entries) if kind == DATA_QUALITY else {}
    if kind != DATA_QUALITY:
        for i, e in enumerate(entries):
            for name, value in e.metrics.items():
                series(name)
                values[name][i] = np.nan if value is None else value
    return [
        {
            "name": name,
            "values": _figures(values[name]),
            "threshold": _threshold(thresholds[name]),
            "violations": sorted(flags[name]),
            "distances": _figures(distances[name]) if name in distances else None,
        }
        for name in values
    ]


def _distances(entries: list[WindowEntry]) -> dict[str, np.ndarray]:
    """Per feature, the L-infinity distance of each window alone (see ``window_distances``)."""
    out: dict[str, np.ndarray] = {}
    for i, e in enumerate(entries):
        if e.shapes is None or e.distances is None:
            continue
        for name, d in zip(e.shapes.names, e.distances.tolist(), strict=True):
            if name not in out:
                out[name] = np.full(len(entries), np.nan)
            out[name][i] = d
    return out


def _figure(x: float) -> float | None:
    return float(f"{x:.4g}") if np.isfinite(x) else None


def _figures(array: np.ndarray) -> list[float | None]:
    return [_figure(x) for x in array.tolist()]


def _threshold(array: np.ndarray) -> float | list[float | None] | None:
    finite = array[np.isfinite(array)]
    if finite.size == 0:
        return None
    if np.all(finite == finite[0]):  # windows without a decision do not break the line
        return _figure(float(finite[0]))
    return _figures(array)
