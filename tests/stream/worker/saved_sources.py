"""A worker's metric sources as if each partition's checkpoint had just been saved.

Per-record counters advance when a checkpoint covers the records
(:mod:`stream.worker.uncommitted_counts`); tests of *what* is counted drive a
:class:`~stream.worker.state.WorkerState` without a checkpointer, and read its counters
as a saved checkpoint would leave them.
"""

from __future__ import annotations

from dataclasses import replace

from stream.worker.metric_sources import WorkerSources, worker_sources
from stream.worker.state import WorkerState


def saved_sources(state: WorkerState) -> WorkerSources:
    """``worker_sources(state)`` with nothing withheld (every checkpoint saved)."""
    return replace(worker_sources(state), withheld=dict)
