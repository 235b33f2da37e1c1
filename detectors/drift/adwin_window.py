"""ADWIN's bucketed window as plain data, and river 0.26's byte layout for it.

river 0.26 keeps ADWIN's state inside a Rust object (``river._river_rust.drift.
AdaptiveWindowing``) whose only door is ``__getstate__``/``__setstate__``: bincode bytes
(little-endian, fixed-width integers, ``usize`` and vector lengths as 8 bytes) of

- the window: ``delta f64, clock i32, max_buckets u64, min_window_length f64,
  grace_period f64, total f64, variance f64, width f64, total_width f64, n_buckets i32,
  max_n_buckets i32, tick i32, n_detections i32``, then the bucket rows as a vector of
  ``(max_size u64, current_idx u64, totals vec<f64>, variances vec<f64>)``, each vector
  ``max_buckets + 1`` long and zero past ``current_idx``;
- then the constructor arguments again: ``delta f64, clock i32, max_buckets u64,
  min_window_length i32, grace_period i32``.

:class:`AdwinWindow` names those fields, so driftline's saved state is readable JSON and
never the opaque bytes; the bytes are rebuilt only to hand them back to river.

Examples
--------
>>> from river import drift
>>> adwin = drift.ADWIN()
>>> for x in [1.0, 2.0, 3.0, 4.0, 5.0]:
...     adwin.update(x)
>>> window = AdwinWindow.from_river(adwin._helper)
>>> window.width, window.total, window.rows
(5.0, 15.0, ((1.0, 2.0, 3.0, 4.0, 5.0),))
>>> window.to_river(adwin.delta, adwin.clock, adwin.max_buckets, adwin.min_window_length,
...     adwin.grace_period).__getstate__() == adwin._helper.__getstate__()
True
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from river._river_rust.drift import AdaptiveWindowing

__all__ = ["AdwinWindow"]

_HEAD = struct.Struct("<diQdd")  # delta, clock, max_buckets, min_window_length, grace_period
_SUMS = struct.Struct("<ddddiiii")  # total .. n_detections
_U64 = struct.Struct("<Q")
_TAIL = struct.Struct("<diQii")  # the Python-facing copy of the constructor arguments


@dataclass(frozen=True, slots=True)
class AdwinWindow:
    """The sufficient statistics of ADWIN's window, bucket row by bucket row.

    ``rows[i]`` holds the totals of the buckets of size ``2**i`` (oldest first) and
    ``variance_rows[i]`` their variances; at most ``max_buckets + 1`` per row, and
    ``log2(width)`` rows, so the state grows logarithmically with the window.
    """

    total: float
    variance: float
    width: float
    total_width: float
    n_buckets: int
    max_n_buckets: int
    tick: int
    n_detections: int
    rows: tuple[tuple[float, ...], ...]
    variance_rows: tuple[tuple[float, ...], ...]

    @classmethod
    def from_river(cls, helper: Any) -> AdwinWindow:
        """Read the window out of a river ``AdaptiveWindowing`` object."""
        raw: bytes = helper.__getstate__()
        offset = _HEAD.size
        total, variance, width, total_width, n_b, max_n_b, tick, n_det = _SUMS.unpack_from(
            raw, offset
        )
        offset += _SUMS.size
        (n_rows,) = _U64.unpack_from(raw, offset)
        offset += _U64.size
        rows, variance_rows = [], []
        for _ in range(n_rows):
            _max_size, used = struct.unpack_from("<QQ", raw, offset)
            offset += 16
            totals, offset = _read_floats(raw, offset)
            variances, offset = _read_floats(raw, offset)
            rows.append(totals[:used])
            variance_rows.append(variances[:used])
        return cls(
            total=total,
            variance=variance,
            width=width,
            total_width=total_width,
            n_buckets=n_b,
            max_n_buckets=max_n_b,
            tick=tick,
            n_detections=n_det,
            rows=tuple(rows),
            variance_rows=tuple(variance_rows),
        )

    def to_river(
        self, delta: float, clock: int, max_buckets: int, min_window_length: int, grace_period: int
    ) -> Any:
        """Build a river ``AdaptiveWindowing`` holding exactly this window."""
        parts = [
            _HEAD.pack(delta, clock, max_buckets, float(min_window_length), float(grace_period)),
            _SUMS.pack(
                self.total,
                self.variance,
                self.width,
                self.total_width,
                self.n_buckets,
                self.max_n_buckets,
                self.tick,
                self.n_detections,
            ),
            _U64.pack(len(self.rows)),
        ]
        capacity = max_buckets + 1
        for totals, variances in zip(self.rows, self.variance_rows, strict=True):
            if len(totals) != len(variances) or len(totals) > capacity:
                msg = f"bucket row holds {len(totals)} entries, at most {capacity} allowed"
                raise ValueError(msg)
            padding = (0.0,) * (capacity - len(totals))
            parts.append(struct.pack("<QQ", max_buckets, len(totals)))
            parts.append(_pack_floats(totals + padding))
            parts.append(_pack_floats(variances + padding))
        parts.append(_TAIL.pack(delta, clock, max_buckets, min_window_length, grace_period))
        helper = AdaptiveWindowing(
            delta=delta,
            clock=clock,
            max_buckets=max_buckets,
            min_window_length=min_window_length,
            grace_period=grace_period,
        )
        helper.__setstate__(b"".join(parts))
        return helper

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-safe data (lists of floats and ints)."""
        return {
            "total": self.total,
            "variance": self.variance,
            "width": self.width,
            "total_width": self.total_width,
            "n_buckets": self.n_buckets,
            "max_n_buckets": self.max_n_buckets,
            "tick": self.tick,
            "n_detections": self.n_detections,
            "rows": [list(r) for r in self.rows],
            "variance_rows": [list(r) for r in self.variance_rows],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AdwinWindow:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            total=float(data["total"]),
            variance=float(data["variance"]),
            width=float(data["width"]),
            total_width=float(data["total_width"]),
            n_buckets=int(data["n_buckets"]),
            max_n_buckets=int(data["max_n_buckets"]),
            tick=int(data["tick"]),
            n_detections=int(data["n_detections"]),
            rows=tuple(tuple(float(v) for v in r) for r in data["rows"]),
            variance_rows=tuple(tuple(float(v) for v in r) for r in data["variance_rows"]),
        )


def _read_floats(raw: bytes, offset: int) -> tuple[tuple[float, ...], int]:
    (length,) = _U64.unpack_from(raw, offset)
    offset += _U64.size
    values = struct.unpack_from(f"<{length}d", raw, offset)
    return values, offset + 8 * length


def _pack_floats(values: tuple[float, ...]) -> bytes:
    return _U64.pack(len(values)) + struct.pack(f"<{len(values)}d", *values)
