"""One monitor's capture path, pure: bytes in, open windows and dead letters out, no faust.

:class:`MonitorRuntime` takes Kafka messages of one partition at a time
(:meth:`~MonitorRuntime.process_batch`): it splits a message into capture records, decodes
each (one bad record is dead-lettered alone, with its reason), applies the preprocessor and
sampling, builds the baseline's feature rows and assigns them to tumbling windows by
``inferenceTime``. A record without a parsable ``inferenceTime`` is dead-lettered with reason
``missing_time``: the Kafka timestamp would change on every replay, so windows would too.

Event time and closing, per partition: the watermark is the largest event time seen minus
``allowed_lateness_seconds``. A window closes when the watermark passes its end, or when the
partition has been silent for ``idle_close_seconds`` of wall-clock time (``now`` is
injected). An event whose window has already closed is *late*: counted, not profiled.
Closed windows leave as :class:`~stream.worker.windows.WindowPartial` objects for the aggregator.

Rows are buffered and profiled in batches (the profile's per-call cost is per column, so
batching matters); :meth:`~MonitorRuntime.flush` applies the buffer, and every closing
flushes first. Per window and partition the runtime keeps the profile together with the
highest source offset it reflects, so that a snapshot can later be restored without counting
a replayed event twice.

The record counts reconcile: ``consumed = processed + dead_lettered + late + sampled_out +
dropped`` (``dropped``: the preprocessor returned no rows).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from detectors.quality.dataset_profile import DatasetProfile
from stream.capture.partitioning import is_sampled
from stream.capture.payloads import payload_rows
from stream.capture.plain_csv import PlainCsvBatch, PlainCsvDecoder
from stream.capture.preprocess import Preprocessor
from stream.capture.records import CaptureError, CaptureRecord, decode_capture, split_records
from stream.capture.rows import RowBuilder
from stream.config import MonitorConfig
from stream.monitors.data_quality import DataQualityBaseline
from stream.worker.online import OnlineDetectors, OnlineViolation
from stream.worker.open_window import OpenWindow, rows_of
from stream.worker.outcomes import BatchOutcome, DeadLetter, RecordCounts
from stream.worker.windows import WindowPartial, window_bounds

FLUSH_ROWS = 5_000  # buffered rows that trigger a profile update
_NEVER = float("-inf")


class MonitorRuntime:
    """The live, in-memory capture state of one monitor over the partitions this worker owns.

    Parameters
    ----------
    config
        The monitor's settings (windows, lateness, idle close, sampling, online detectors).
    baseline
        Its data-quality baseline: feature names and kinds come from here.
    now
        Wall clock (timezone-aware UTC), used for idle closing and event-time lag.
    preprocessor
        A loaded ``preprocess_handler`` script, or None.
    """

    def __init__(
        self,
        config: MonitorConfig,
        baseline: DataQualityBaseline,
        *,
        now: Callable[[], datetime],
        preprocessor: Preprocessor | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self.baseline = baseline
        self.features = baseline.features
        self.kinds = baseline.kinds
        self.now = now
        self.preprocessor = preprocessor
        self.builder = RowBuilder(
            features=self.features, capture_index_names=config.capture_index_names
        )
        self.counts = RecordCounts()
        self.online = OnlineDetectors(
            names=config.online_detectors, features=self.features, kinds=self.kinds
        )
        self.windows: dict[tuple[int, float], OpenWindow] = {}  # (partition, start)
        self.max_event_seconds: dict[int, float] = {}
        self.closed_until: dict[int, float] = {}
        self.last_seen: dict[int, float] = {}  # partition → wall-clock seconds of last message
        self.plain = PlainCsvDecoder(parts=self.builder.parts, width=len(self.features))

    def watermark(self, partition: int) -> float | None:
        """Largest event time seen in ``partition`` minus the allowed lateness."""
        latest = self.max_event_seconds.get(partition)
        return None if latest is None else latest - self.config.allowed_lateness_seconds

    def event_time_lag_seconds(self) -> float | None:
        """Wall clock minus the largest event time seen in any partition."""
        if not self.max_event_seconds:
            return None
        return self.now().timestamp() - max(self.max_event_seconds.values())

    def open_window_rows(self) -> int:
        """Rows (profiled and buffered) in the most recent open window, over all partitions."""
        if not self.windows:
            return 0
        latest = max(start for _, start in self.windows)
        return sum(
            w.profile.item_count + w.pending for (_, s), w in self.windows.items() if s == latest
        )

    def process_batch(self, partition: int, offset: int, message: bytes) -> BatchOutcome:
        """Take one Kafka message (a capture record or JSON Lines of them) of ``partition``."""
        self.last_seen[partition] = self.now().timestamp()
        rows_by_window: Counter[float] = Counter()
        dead: list[DeadLetter] = []
        alarms: list[OnlineViolation] = []
        late = 0
        records = split_records(message)
        plain = self.plain.decode(records) if self.preprocessor is None else None
        if plain is not None:
            self.counts.consumed += len(records)
            late = self._place_batch(partition, offset, plain, rows_by_window, alarms)
            return BatchOutcome(dict(rows_by_window), (), late, tuple(alarms))
        for index, raw in enumerate(records):
            self.counts.consumed += 1
            try:
                start = self._route(decode_capture(raw), partition, offset, rows_by_window, alarms)
            except CaptureError as error:
                self.counts.dead_letters[error.reason] += 1
                dead.append(
                    DeadLetter(
                        self.name, partition, offset, index, error.reason, error.message, raw
                    )
                )
                continue
            if start == "late":
                late += 1
        return BatchOutcome(dict(rows_by_window), tuple(dead), late, tuple(alarms))

    def _place_batch(
        self,
        partition: int,
        offset: int,
        batch: PlainCsvBatch,
        rows_by_window: Counter[float],
        alarms: list[OnlineViolation],
    ) -> int:
        """Place a plain message's rows in their windows; return how many were late."""
        counts = self.counts
        width = len(self.features)
        keys, seconds, fields = batch
        pct = self.config.sampling_percentage
        if pct < 100.0:
            kept = [i for i, key in enumerate(keys) if is_sampled(key.encode(), pct)]
            counts.sampled_out += len(keys) - len(kept)
            if not kept:
                return 0
            seconds = [seconds[i] for i in kept]
            fields = rows_of(fields, kept, width)
        window_seconds = self.config.window_seconds
        starts = [math.floor(s / window_seconds) * window_seconds for s in seconds]
        distinct = sorted(set(starts))
        closed = self.closed_until.get(partition, _NEVER)
        late_starts = {start for start in distinct if start + window_seconds <= closed}
        for start in distinct:
            if start in late_starts:
                continue
            picked = None if len(distinct) == 1 else [i for i, s in enumerate(starts) if s == start]
            chunk = fields if picked is None else rows_of(fields, picked, width)
            n = len(starts) if picked is None else len(picked)
            window = self._window(partition, start, start + window_seconds, offset)
            window.flat.append(chunk)
            window.flat_rows += n
            window.records += n
            if offset > window.last_offset:
                window.last_offset = offset
            rows_by_window[start] += n
            if window.pending >= FLUSH_ROWS:
                window.flush()
        late = sum(1 for s in starts if s in late_starts)
        if self.online.enabled:
            placed = [i for i, s in enumerate(starts) if s not in late_starts]
            rows = [fields[i * width : (i + 1) * width] for i in placed]
            alarms.extend(self.online.update(partition, [], rows, self.now()))
        latest = max(seconds)
        if latest > self.max_event_seconds.get(partition, _NEVER):
            self.max_event_seconds[partition] = latest
        counts.late += late
        counts.processed += len(starts) - late
        counts.rows += len(starts) - late
        return late

    def _route(
        self,
        record: CaptureRecord,
        partition: int,
        offset: int,
        rows_by_window: Counter[float],
        alarms: list[OnlineViolation],
    ) -> str:
        if record.inference_time is None:
            msg = "missing_time"
            raise CaptureError(msg, "eventMetadata.inferenceTime is missing or not ISO-8601")
        seconds = record.inference_time.timestamp()
        return self._place(
            partition, offset, record.join_key, seconds, lambda: self._record_rows(record),
            rows_by_window, alarms,
        )  # fmt: skip

    def _record_rows(self, record: CaptureRecord) -> tuple[list[dict[str, Any]], list[list[Any]]]:
        if self.preprocessor is not None:
            rows = [self.builder.rows_from_mapping(r) for r in self.preprocessor.rows(record)]
            return rows, []
        return self._payload_rows(record)

    def _place(
        self,
        partition: int,
        offset: int,
        key: str,
        seconds: float,
        make_rows: Callable[[], tuple[list[dict[str, Any]], list[list[Any]]]],
        rows_by_window: Counter[float],
        alarms: list[OnlineViolation],
    ) -> str:
        pct = self.config.sampling_percentage
        if pct < 100.0 and not is_sampled(key.encode(), pct):
            self.counts.sampled_out += 1
            return "sampled_out"
        start, end = window_bounds(seconds, self.config.window_seconds)
        if end <= self.closed_until.get(partition, float("-inf")):
            self.counts.late += 1
            return "late"
        named, positional = make_rows()
        if not named and not positional:
            self.counts.dropped += 1
            return "dropped"
        window = self._window(partition, start, end, offset)
        window.rows.extend(named)
        window.columns.extend(positional)
        window.records += 1
        window.last_offset = max(window.last_offset, offset)
        if seconds > self.max_event_seconds.get(partition, float("-inf")):
            self.max_event_seconds[partition] = seconds
        n_rows = len(named) + len(positional)
        self.counts.processed += 1
        self.counts.rows += n_rows
        rows_by_window[start] += n_rows
        if self.online.enabled:
            alarms.extend(self.online.update(partition, named, positional, self.now()))
        if window.pending >= FLUSH_ROWS:
            window.flush()
        return "processed"

    def _window(self, partition: int, start: float, end: float, offset: int) -> OpenWindow:
        """The partition's open window starting at ``start``, opened at ``offset`` if new."""
        window = self.windows.get((partition, start))
        if window is None:
            profile = DatasetProfile(features=self.features, kinds=self.kinds)
            window = self.windows[(partition, start)] = OpenWindow(profile, end, offset)
        return window

    def _payload_rows(self, record: CaptureRecord) -> tuple[list[dict[str, Any]], list[list[Any]]]:
        """Named rows, plus CSV rows that have exactly the baseline's width (the fast path)."""
        events = [e for e in (record.part(n) for n in self.builder.parts) if e is not None]
        if any(e.encoding != "CSV" for e in events):
            return self.builder.rows(record), []  # JSON payloads may carry named objects
        pieces = [payload_rows(e) for e in events]
        if len(pieces) == 1:
            rows = pieces[0]
        elif all(len(p) == 1 for p in pieces):
            rows = [[v for p in pieces for v in p[0]]]  # type: ignore[union-attr]
        else:
            return self.builder.rows(record), []
        width = len(self.features)
        positional = [r for r in rows if len(r) == width]
        if len(positional) == len(rows):
            return [], positional  # type: ignore[return-value]
        named = [self.builder.named([r]) for r in rows if len(r) != width]
        return named, positional  # type: ignore[return-value]

    def flush(self) -> None:
        """Apply every buffered row to its window's profile."""
        for window in self.windows.values():
            window.flush()

    def close_due(self) -> list[WindowPartial]:
        """Close the windows whose end the watermark passed, or whose partition went idle."""
        now_seconds = self.now().timestamp()
        closing: list[tuple[int, float, str]] = []
        for partition, start in sorted(self.windows):
            window = self.windows[(partition, start)]
            watermark = self.watermark(partition)
            if watermark is not None and window.end <= watermark:
                closing.append((partition, start, "watermark"))
            elif now_seconds - self.last_seen[partition] >= self.config.idle_close_seconds:
                closing.append((partition, start, "idle"))
        for partition in self.max_event_seconds:
            watermark = self.watermark(partition)
            assert watermark is not None
            passed, _ = window_bounds(watermark, self.config.window_seconds)
            self._advance(partition, passed)
        return [self._close(partition, start, how) for partition, start, how in closing]

    def _advance(self, partition: int, until: float) -> None:
        if until > self.closed_until.get(partition, float("-inf")):
            self.closed_until[partition] = until

    def _close(self, partition: int, start: float, closed_by: str) -> WindowPartial:
        window = self.windows.pop((partition, start))
        window.flush()
        self._advance(partition, window.end)
        return WindowPartial(
            monitor=self.name,
            window_start=start,
            window_end=window.end,
            partition=partition,
            profile_state=window.profile.to_state(),
            record_count=window.records,
            row_count=window.profile.item_count,
            first_offset=window.first_offset,
            last_offset=window.last_offset,
            closed_until=self.closed_until[partition],
            closed_by=closed_by,
        )

    def drop_partitions(self, partitions: set[int]) -> int:
        """Forget the open windows of revoked partitions; return how many were dropped."""
        keys = [key for key in self.windows if key[0] in partitions]
        for key in keys:
            del self.windows[key]
        for state in (self.max_event_seconds, self.closed_until, self.last_seen):
            for partition in partitions:
                state.pop(partition, None)
        return len(keys)
