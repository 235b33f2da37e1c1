"""The open windows of one monitor, per partition: placement of decoded rows, and closing.

A window is keyed by ``(partition, start, end, revision)``: ``revision`` is False for a
window still open in event time, True for one collecting late records of a window already
closed (its partial revises the published result). The end is part of the key because after
a restart with another ``window_seconds`` the windows restored from the snapshot keep their
old length while new records go to windows of the new one, and two of them may share a start:
a record always goes to the window of the configured length (:meth:`WindowTable.place`), and
a restored window of another length takes no new record — it closes on its own end, as it
would have, so no record is counted in two windows. :meth:`WindowTable.place` appends a group of a
decoded message's records to their window; :meth:`WindowTable.close` turns a window into the
:class:`~stream.worker.windows.WindowPartial` sent to the aggregator.

Examples
--------
>>> from stream.capture.message import DecodedMessage
>>> table = WindowTable(monitor="m", features=("age", "plan"), kinds=("numeric", "string"),
...                     window_seconds=60.0)
>>> decoded = DecodedMessage(consumed=2, width=2, keys=["a", "b"], seconds=[61.0, 62.0],
...                          lines=["41,basic", "35,gold"])
>>> table.place(3, (17, 17), decoded, start=60.0, revision=False, members=[0, 1], now=0.0)
2
>>> partial = table.close((3, 60.0, 120.0, False), closed_by="watermark", closed_until=120.0)
>>> partial.window_start, partial.row_count, (partial.first_offset, partial.last_offset)
(60.0, 2, (17, 17))
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import NamedTuple

import orjson

from detectors.quality.dataset_profile import DatasetProfile
from stream.capture.message import DecodedMessage
from stream.worker.event_clock import tumbling_end
from stream.worker.open_window import OpenWindow
from stream.worker.partition_state import Blobs
from stream.worker.windows import WindowPartial

FLUSH_ROWS = 5_000  # buffered rows that trigger a profile update
WindowKey = tuple[int, float, float, bool]  # (partition, start, end, revision)


class Restored(NamedTuple):
    """What :meth:`WindowTable.restore` found: other lengths, windows of other columns."""

    other_lengths: list[float]
    other_columns: list[tuple[float, float, int]]  # (start, end, records), left out


class WindowTable:
    """Open windows of one monitor over the partitions this worker owns."""

    def __init__(
        self,
        *,
        monitor: str,
        features: tuple[str, ...],
        kinds: tuple[str, ...],
        window_seconds: float,
    ) -> None:
        self.monitor = monitor
        self.features = features
        self.kinds = kinds
        self.window_seconds = window_seconds
        self.windows: dict[WindowKey, OpenWindow] = {}

    def __len__(self) -> int:
        return len(self.windows)

    def keys(self) -> list[WindowKey]:
        """Every open window, ordered by partition, then start (event-time order)."""
        return sorted(self.windows)

    def place(
        self,
        partition: int,
        offsets: tuple[int, int],
        decoded: DecodedMessage,
        *,
        start: float,
        revision: bool,
        members: Sequence[int],
        now: float,
    ) -> int:
        """Append the rows of ``decoded``'s records ``members`` to one window; return the rows.

        ``offsets`` are the first and last source offsets of the messages those records came in.
        """
        first, last = offsets
        end = tumbling_end(start, self.window_seconds)
        window = self._window((partition, start, end, revision), first, now)
        width = decoded.width
        if decoded.lines is not None:  # the plain codec: row i is record i
            lines = decoded.lines
            window.lines.append(
                lines if len(members) == len(lines) else [lines[i] for i in members]
            )
            window.line_rows += len(members)
            rows = len(members)
        else:
            picked = set(members)
            if len(members) == len(decoded.keys):  # every record here: every positional row
                chunk, rows = decoded.flat, len(decoded.flat_owner)
            else:
                chunk, rows = [], 0
                for i, owner in enumerate(decoded.flat_owner):
                    if owner in picked:
                        chunk += decoded.flat[i * width : (i + 1) * width]
                        rows += 1
            if rows:
                window.columns.append(chunk)
                window.column_rows += rows
            for row, owner in zip(decoded.named, decoded.named_owner, strict=True):
                if owner in picked:
                    window.rows.append(row)
                    rows += 1
        window.records += len(members)
        window.last_offset = max(window.last_offset, last)
        if window.pending >= FLUSH_ROWS:
            window.flush()
        return rows

    def _window(self, key: WindowKey, offset: int, now: float) -> OpenWindow:
        window = self.windows.get(key)
        if window is None:
            profile = DatasetProfile(features=self.features, kinds=self.kinds)
            window = self.windows[key] = OpenWindow(profile, key[2], offset, now)
        return window

    def get(self, key: WindowKey) -> OpenWindow:
        """The open window at ``key``."""
        return self.windows[key]

    def close(self, key: WindowKey, *, closed_by: str, closed_until: float) -> WindowPartial:
        """Close a window: its partial, with the partition's progress ``closed_until``."""
        window = self.windows.pop(key)
        window.flush()
        partition, start, _, _ = key
        return WindowPartial(
            monitor=self.monitor,
            window_start=start,
            window_end=window.end,
            partition=partition,
            profile_state=window.profile.to_state(),
            record_count=window.records,
            row_count=window.profile.item_count,
            first_offset=window.first_offset,
            last_offset=window.last_offset,
            closed_until=closed_until,
            closed_by=closed_by,
        )

    def rows_in_latest(self) -> int:
        """Rows (profiled and buffered) in the most recent open window, over all partitions."""
        if not self.windows:
            return 0
        latest = max(start for _, start, _, _ in self.windows)
        return sum(
            w.profile.item_count + w.pending
            for (_, start, _, _), w in self.windows.items()
            if start == latest
        )

    def flush(self) -> None:
        """Apply every buffered row to its window's profile."""
        for window in self.windows.values():
            window.flush()

    def snapshot(self, partition: int) -> Blobs:
        """One blob per open window of ``partition``, named ``window/<start>/<kind>``.

        A window of another length than the configured one is named
        ``window/<start>/<kind>/<end>`` (it may share its start with one of this length).
        """
        return {
            _blob_name(start, end, revision, self.window_seconds): orjson.dumps(window.to_state())
            for (p, start, end, revision), window in self.windows.items()
            if p == partition
        }

    def restore(self, partition: int, blobs: Mapping[str, bytes]) -> Restored:
        """Replace the partition's open windows with those of a :meth:`snapshot`.

        Each window keeps the end it was opened with (saved in its state), whatever the
        configured length is now; the lengths that differ from the configured one are
        returned (sorted, each once): empty unless ``window_seconds`` changed.

        A window profiled with other columns than the configured ones (the baseline was
        replaced: a feature added, removed or of another type) is left out and returned as
        ``(start, end, records)``: its sketches cannot take the new baseline's rows, nor be
        judged against it, and its records are not in Kafka's reach any more (the snapshot
        committed past them). The window's span then holds the records read after the
        restart alone.
        """
        self.drop([partition])
        others: set[float] = set()
        left_out: list[tuple[float, float, int]] = []
        for name, raw in blobs.items():
            start, revision = _parse_blob_name(name)
            window = OpenWindow.from_state(orjson.loads(raw))
            profile = window.profile
            if (profile.features, profile.kinds) != (self.features, self.kinds):
                left_out.append((start, window.end, window.records))
                continue
            self.windows[(partition, start, window.end, revision)] = window
            if not math.isclose(window.end - start, self.window_seconds):
                others.add(window.end - start)
        return Restored(sorted(others), sorted(left_out))

    def drop(self, partitions: Collection[int]) -> int:
        """Forget the open windows of ``partitions``; return how many there were."""
        doomed = [key for key in self.windows if key[0] in partitions]
        for key in doomed:
            del self.windows[key]
        return len(doomed)

    def __iter__(self) -> Iterator[tuple[WindowKey, OpenWindow]]:
        return iter(sorted(self.windows.items()))


def _blob_name(start: float, end: float, revision: bool, window_seconds: float) -> str:
    name = f"window/{start!r}/{'revision' if revision else 'open'}"
    return name if math.isclose(end - start, window_seconds) else f"{name}/{end!r}"


def _parse_blob_name(name: str) -> tuple[float, bool]:
    """The start and kind of a :func:`_blob_name` (the end is read from the window's state)."""
    _, start, kind, *_ = name.split("/")
    return float(start), kind == "revision"


def is_window_blob(name: str) -> bool:
    """Whether a snapshot blob name is one of :meth:`WindowTable.snapshot`'s."""
    return name.startswith("window/")


__all__ = ["FLUSH_ROWS", "Restored", "WindowKey", "WindowTable", "is_window_blob"]
