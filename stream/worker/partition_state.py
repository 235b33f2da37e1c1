"""The one protocol for everything a worker keeps per Kafka partition.

Capture windows (:class:`~stream.worker.capture_path.CapturePath`), the aggregator
(:class:`~stream.worker.aggregator.Aggregator`) and the online detectors
(:class:`~stream.worker.online.OnlineDetectors`) all keep state that belongs to the partition
whose records built it. They share five verbs, in the spirit of bytewax's ``StatefulLogic``
(``on_item`` / ``on_notify`` / ``snapshot``):

- ``update(partition, offset, item)``: take one item of a partition; return what it emits;
- ``close_due(now)``: the wall clock moved; return what became due (closed windows, final
  results);
- ``snapshot(partition)`` / ``restore(partition, blobs)``: the partition's state as named
  byte blobs (JSON-safe inside) and back; a snapshot taken after ``update`` of offset ``o``
  reflects exactly the items up to ``o``;
- ``drop(partitions)``: forget partitions this worker no longer owns.

:class:`~stream.worker.state.WorkerState` drives every implementation through these verbs
only, and :mod:`stream.worker.checkpoints` stores the snapshots with the source offset they
reflect.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol, TypeVar

In_contra = TypeVar("In_contra", contravariant=True)
Out_co = TypeVar("Out_co", covariant=True)

Blobs = dict[str, bytes]  # name → serialized state; names are stable across snapshots


class PartitionedState(Protocol[In_contra, Out_co]):
    """State kept per partition: updated by items, closed by time, snapshotted and restored."""

    def update(self, partition: int, offset: int, item: In_contra) -> list[Out_co]:
        """Take one item of ``partition`` at ``offset``; return what it emits."""
        ...

    def close_due(self, now: float) -> list[Out_co]:
        """Return what the wall clock ``now`` (POSIX seconds) made due."""
        ...

    def snapshot(self, partition: int) -> Blobs:
        """The state of ``partition`` as named blobs."""
        ...

    def restore(self, partition: int, blobs: Mapping[str, bytes]) -> None:
        """Replace the state of ``partition`` with a :meth:`snapshot`'s blobs."""
        ...

    def drop(self, partitions: Collection[int]) -> None:
        """Forget the state of ``partitions``."""
        ...
