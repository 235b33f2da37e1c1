"""The bounded in-memory board of recent windows, per (monitor, monitor type).

:meth:`StatusBoard.apply` takes one decoded message of the statistics, executions or
violations topic. Each window keeps, per message kind, only the latest revision (the
contract: a later revision replaces the earlier one); violations of one revision accumulate
until a higher revision of the window — its violations or its execution — replaces them.
Only derived data is kept: chart shapes of the features (:mod:`stream.status.distributions`),
the decisions as float32 columns, metric values; never the raw messages. At most
``max_windows`` windows per monitor are kept (the oldest leave first) and at most
``max_online_alarms`` online alarms; a window older than every kept one on a full board is
counted in ``too_old`` and ignored.

Examples
--------
>>> board = StatusBoard()
>>> window = {"monitor": "m", "window_start": "2024-03-05T14:00:00Z",
...           "window_end": "2024-03-05T14:01:00Z"}
>>> board.apply("executions", {**window, "status": "Completed", "revision": 0,
...     "decisions": [{"check_type": "baseline_drift_check", "feature_name": "age",
...                    "value": 0.02, "threshold": 0.1, "violated": False}]})
>>> board.apply("executions", {**window, "status": "CompletedWithViolations", "revision": 1})
>>> board.apply("executions", {**window, "status": "Completed", "revision": 0})  # stale
>>> entry = board.monitors[("m", "data_quality")].find(1709647200.0)
>>> entry.execution.status, entry.execution.revision
('CompletedWithViolations', 1)

A window is known by its start and its end: after a worker restarted with another
``window_seconds``, ``[14:00, 14:01)`` and ``[14:00, 14:02)`` are two windows.

>>> board.apply("executions", {**window, "window_end": "2024-03-05T14:02:00Z",
...     "status": "Completed", "revision": 0})
>>> [(e.end, e.execution.status) for e in board.monitors[("m", "data_quality")].ordered()]
[('2024-03-05T14:01:00Z', 'CompletedWithViolations'), ('2024-03-05T14:02:00Z', 'Completed')]
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from detectors.quality.statistics import DatasetStatistics
from detectors.quality.statistics_json import statistics_from_json
from stream.status.distributions import FeatureShapes, window_distances
from stream.status.messages import (
    DATA_QUALITY,
    Decision,
    ExecutionSummary,
    MessageError,
    ViolationSummary,
    global_shap,
    metric_values,
    monitor_type,
    window_key,
)

MAX_WINDOWS = 1000
MAX_ONLINE_ALARMS = 200
MAX_VIOLATIONS_PER_WINDOW = 500
TOPIC_KINDS = ("statistics", "executions", "violations")
_INTERNED_KEYS = 256


@dataclass(frozen=True, slots=True, eq=False)
class DecisionColumns:
    """A window's decisions as columns; ``keys[i]`` is (check type, series name) of row i.

    ``verdicts``: 1 violated, 0 passed, -1 skipped. Figures are float32 (NaN: none).
    """

    keys: tuple[tuple[str, str], ...]
    values: np.ndarray
    thresholds: np.ndarray
    verdicts: np.ndarray
    sample_counts: np.ndarray

    @classmethod
    def from_decisions(cls, decisions: list[Decision], keys: tuple[tuple[str, str], ...]) -> Any:
        """Columns of ``decisions``, whose keys (interned by the caller) are ``keys``."""
        nan = float("nan")
        return cls(
            keys=keys,
            values=np.array([nan if d.value is None else d.value for d in decisions], "f4"),
            thresholds=np.array(
                [nan if d.threshold is None else d.threshold for d in decisions], "f4"
            ),
            verdicts=np.array(
                [-1 if d.violated is None else int(d.violated) for d in decisions], "i1"
            ),  # fmt: skip
            sample_counts=np.array([d.sample_count or 0 for d in decisions], "i8"),
        )


class WindowEntry:
    """What the board keeps of one window."""

    __slots__ = (
        "decisions", "distances", "end", "execution", "execution_revision", "metrics", "shapes",
        "shap", "start", "start_text", "statistics_revision", "violations", "violations_dropped",
        "violations_revision",
    )  # fmt: skip

    def __init__(self, start: float, start_text: str, end: str) -> None:
        self.start = start
        self.start_text = start_text
        self.end = end
        self.execution: ExecutionSummary | None = None
        self.execution_revision = -1
        self.decisions: DecisionColumns | None = None
        self.statistics_revision = -1
        self.shapes: FeatureShapes | None = None  # data quality
        self.distances: np.ndarray | None = None  # aligned with shapes.names
        self.metrics: dict[str, float | None] = {}  # other monitor types
        self.shap: dict[str, tuple[tuple[str, float], ...]] = {}  # attribution
        self.violations_revision = -1
        self.violations: list[ViolationSummary] = []
        self.violations_dropped = 0


# A window: (start, end) in POSIX seconds; end is start for a message that gives no end.
Span = tuple[float, float]


class MonitorBoard:
    """The recent windows of one (monitor, monitor type), oldest first in ``spans``."""

    def __init__(self, monitor: str, kind: str, max_windows: int, max_online: int) -> None:
        self.monitor = monitor
        self.monitor_type = kind
        self.max_windows = max_windows
        self.windows: dict[Span, WindowEntry] = {}
        self.spans: list[Span] = []  # sorted: by start, then by end
        self.online: deque[ViolationSummary] = deque(maxlen=max_online)
        self.too_old = 0

    def entry(self, start: float, end: float | None, doc: Mapping[str, Any]) -> WindowEntry | None:
        """The window ``[start, end)`` (created); None when too old for a full board.

        Without an end (an older worker's message), the latest-ending window of that start,
        if there is one.
        """
        found = self.find(start, end)
        if found is not None:
            return found
        span = (start, start if end is None else end)
        if len(self.spans) >= self.max_windows and span < self.spans[0]:
            self.too_old += 1
            return None
        found = WindowEntry(start, str(doc["window_start"]), str(doc.get("window_end") or ""))
        self.windows[span] = found
        bisect.insort(self.spans, span)
        while len(self.spans) > self.max_windows:
            del self.windows[self.spans.pop(0)]
        return found

    def find(self, start: float, end: float | None = None) -> WindowEntry | None:
        """The window ``[start, end)``; without ``end``, the latest-ending one of ``start``."""
        if end is not None:
            return self.windows.get((start, end))
        after = bisect.bisect_right(self.spans, (start, math.inf))
        if after and self.spans[after - 1][0] == start:
            return self.windows[self.spans[after - 1]]
        return None

    def ordered(self) -> list[WindowEntry]:
        """Kept windows, oldest first."""
        return [self.windows[s] for s in self.spans]


class StatusBoard:
    """Every monitor's recent windows; thread-safe (``lock``), ``version`` counts changes.

    Parameters
    ----------
    baselines
        Each data-quality monitor's baseline statistics, by monitor name.
    max_windows
        Windows kept per (monitor, monitor type).
    max_online_alarms
        Online alarms (violations without a window) kept per monitor.
    monitors
        (monitor, monitor type) of the configured monitors: on the board, without windows,
        before their first message, so that a monitor that publishes nothing is seen.
    """

    def __init__(
        self,
        baselines: Mapping[str, DatasetStatistics] | None = None,
        *,
        max_windows: int = MAX_WINDOWS,
        max_online_alarms: int = MAX_ONLINE_ALARMS,
        monitors: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.baseline_statistics = dict(baselines or {})
        self.baselines = {k: FeatureShapes.from_statistics(v) for k, v in (baselines or {}).items()}
        self.max_windows = max_windows
        self.max_online_alarms = max_online_alarms
        self.monitors: dict[tuple[str, str], MonitorBoard] = {}
        self.lock = threading.Lock()
        self.version = 0
        self._keys: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}
        for monitor, kind in monitors:
            self._monitor(monitor, kind)

    def apply(self, kind: str, doc: Mapping[str, Any]) -> None:
        """Take one decoded message of topic ``kind``; MessageError when it is unusable."""
        if kind not in TOPIC_KINDS:
            msg = f"unknown topic kind {kind!r}; expected one of {TOPIC_KINDS}"
            raise ValueError(msg)
        if not isinstance(doc, Mapping):
            msg = "message is not a JSON object"
            raise MessageError(msg)
        if kind == "violations" and doc.get("window_start") is None:
            with self.lock:
                board = self._monitor(str(doc.get("monitor", "")), monitor_type(doc))
                board.online.append(ViolationSummary.from_message(doc))
                self.version += 1
            return
        monitor, mtype, start, end = window_key(doc)
        base = self.baseline_statistics.get(monitor) if mtype == DATA_QUALITY else None
        update = _statistics_update(doc, mtype, base) if kind == "statistics" else None
        with self.lock:
            entry = self._monitor(monitor, mtype).entry(start, end, doc)
            if entry is None:
                return
            if kind == "executions":
                self._apply_execution(entry, doc)
            elif kind == "violations":
                _apply_violation(entry, doc)
            elif update is not None:
                _apply_statistics(entry, _revision(doc), update)
            self.version += 1

    def _monitor(self, monitor: str, kind: str) -> MonitorBoard:
        board = self.monitors.get((monitor, kind))
        if board is None:
            board = self.monitors[(monitor, kind)] = MonitorBoard(
                monitor, kind, self.max_windows, self.max_online_alarms
            )
        return board

    def _apply_execution(self, entry: WindowEntry, doc: Mapping[str, Any]) -> None:
        revision = _revision(doc)
        if revision < entry.execution_revision:
            return
        entry.execution = ExecutionSummary.from_message(doc)
        entry.execution_revision = revision
        raw = doc.get("decisions")
        decisions = (
            [Decision.from_message(d) for d in raw if isinstance(d, Mapping)]
            if isinstance(raw, list)
            else []
        )
        keys = tuple((d.check_type, d.name) for d in decisions)
        entry.decisions = DecisionColumns.from_decisions(decisions, self._intern(keys))
        if revision > entry.violations_revision:  # this revision's violations replace older
            entry.violations, entry.violations_dropped = [], 0
            entry.violations_revision = revision

    def _intern(self, keys: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        if len(self._keys) > _INTERNED_KEYS:
            self._keys.clear()
        return self._keys.setdefault(keys, keys)


def _revision(doc: Mapping[str, Any]) -> int:
    value = doc.get("revision", 0)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def _apply_violation(entry: WindowEntry, doc: Mapping[str, Any]) -> None:
    revision = _revision(doc)
    if revision < entry.violations_revision:
        return
    if revision > entry.violations_revision:
        entry.violations, entry.violations_dropped = [], 0
        entry.violations_revision = revision
    if len(entry.violations) < MAX_VIOLATIONS_PER_WINDOW:
        entry.violations.append(ViolationSummary.from_message(doc))
    else:
        entry.violations_dropped += 1


def _statistics_update(
    doc: Mapping[str, Any], kind: str, baseline: DatasetStatistics | None
) -> dict[str, Any]:
    """What a statistics message leaves on the board, computed outside the lock."""
    if kind == DATA_QUALITY:
        try:
            statistics = statistics_from_json(doc)
        except ValueError as error:
            raise MessageError(str(error)) from error
        shapes = FeatureShapes.from_statistics(statistics)
        return {"shapes": shapes, "distances": window_distances(baseline, statistics, shapes)}
    return {"metrics": metric_values(doc, kind), "shap": global_shap(doc)}


def _apply_statistics(entry: WindowEntry, revision: int, update: dict[str, Any]) -> None:
    if revision < entry.statistics_revision:
        return
    entry.statistics_revision = revision
    entry.shapes = update.get("shapes")
    entry.distances = update.get("distances")
    entry.metrics = update.get("metrics", {})
    entry.shap = update.get("shap", {})
