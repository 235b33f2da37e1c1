"""Capture events taken several at a time: the per-message cost paid once per batch.

faust hands the capture agent one event at a time, at a fixed cost per message; a capture
message of one record then costs the worker its decoding, routing and bookkeeping on top.
The runner instead adds each event to a :class:`CaptureBatch` and processes the batch a few
milliseconds after its first event (``BATCH_WAIT_SECONDS`` in :mod:`stream.worker.runner`),
or at once when it is full:
:meth:`WorkerState.on_capture_many <stream.worker.state.WorkerState.on_capture_many>` takes a
partition's messages in one step, which gives what processing them one by one gives.

An event waiting in the batch is neither processed nor held for acknowledgement: a checkpoint
taken meanwhile does not cover it, and a stop leaves it to be read again. An event whose
offset a snapshot (or this process) already counted is acknowledged, as before; one that
arrives twice while waiting is held with the first.
"""

from __future__ import annotations

from typing import Any

from stream.worker.checkpoints import Checkpointer
from stream.worker.outbox import Outbound
from stream.worker.state import CAPTURE, WorkerState

MAX_MESSAGES = 200  # events waiting at most
MAX_BYTES = 1024 * 1024  # message bytes waiting at most


class CaptureBatch:
    """Capture events received and not processed yet, in arrival order."""

    def __init__(self, state: WorkerState, checkpointer: Checkpointer) -> None:
        self.state = state
        self.checkpointer = checkpointer
        self._events: list[Any] = []
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._events)

    def add(self, event: Any) -> bool:
        """Keep an event for the next :meth:`process`; whether the batch has room for more."""
        self._events.append(event)
        self._bytes += len(event.message.value or b"")
        return len(self._events) < MAX_MESSAGES and self._bytes < MAX_BYTES

    def process(self) -> tuple[list[Outbound], list[int]]:
        """Process the waiting events of restored partitions.

        Returns what leaves at once, and the partitions whose events were processed (whose
        checkpoint may be due).
        """
        events, self._events, self._bytes = self._events, [], 0
        by_partition: dict[int, list[Any]] = {}
        for event in events:
            by_partition.setdefault(event.message.partition, []).append(event)
        immediate: list[Outbound] = []
        for partition, waiting in by_partition.items():
            if (CAPTURE, partition) in self.checkpointer.restored:  # else: moved away, unacked
                immediate += self._process(partition, waiting)
        return immediate, list(by_partition)

    def _process(self, partition: int, events: list[Any]) -> list[Outbound]:
        counted = last = self.state.book(CAPTURE, partition).last_offset(CAPTURE)
        fresh = []
        for event in events:
            offset = event.message.offset
            if offset <= counted:
                event.ack()  # a snapshot, or this process, already counted it
            elif offset <= last:
                self.checkpointer.hold(CAPTURE, partition, event)  # delivered twice meanwhile
            else:
                fresh.append(event)
                last = offset
        if not fresh:
            return []
        messages = [(m.offset, m.value, m.headers) for m in (e.message for e in fresh)]
        immediate = self.state.on_capture_many(partition, messages)
        for event in fresh:
            self.checkpointer.hold(CAPTURE, partition, event)
        return immediate
