"""The worker's own work on capture messages, with no broker: a floor of its rate.

``python -m benchmarks.worker_alone CONFIG RECORDS`` builds the streaming benchmark's
``RECORDS`` capture records (:func:`~benchmarks.worker_runs.records`), spreads them over the
config's partitions by their ``inferenceId`` as the capture producer does (Kafka's default
partitioner, :func:`~stream.capture.partitioning.partition_for_key`),
packs each partition's into 100-record JSON-Lines messages, and hands them to a
:class:`~stream.worker.state.WorkerState` built from ``CONFIG`` — the decoding, windows,
profiles and bookkeeping a ``driftline worker`` runs, without faust, aiokafka or a broker.
Messages go in as the worker's :class:`~stream.worker.capture_batch.CaptureBatch` takes
them: up to ``MAX_BYTES`` at a time, a partition's messages in one step, the partitions in
turn. The collector is set and the heap frozen as the worker does before it streams. Prints
one line ``records_per_second=<rate> micros_per_record=<CPU µs> peak_kib=<VmHWM>``; the
clock and the CPU count cover the messages alone (building them and the state is not in the
rate).

Printed beside the worker's rate, it says how much of the worker's time its own work takes
and how much goes to reading the messages and to what runs beside it.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path

from benchmarks.proc_memory import print_run
from benchmarks.worker_runs import records
from stream.capture.gc_thresholds import collect_cycles_less_often
from stream.capture.partitioning import partition_for_key
from stream.config.loader import load_config
from stream.kafka.keyed_producer import record_key
from stream.worker.capture_batch import MAX_BYTES
from stream.worker.monitor_parts import load_baselines
from stream.worker.state import WorkerState

PER_MESSAGE = 100
CHUNK = 50_000  # records built at a time


def partition_messages(n: int, partitions: int) -> list[list[bytes]]:
    """Each partition's 100-record messages of records 0 .. ``n - 1``, keyed as produced.

    >>> [len(p) for p in partition_messages(1_000, 2)]
    [6, 5]
    """
    by_partition: list[list[bytes]] = [[] for _ in range(partitions)]
    messages: list[list[bytes]] = [[] for _ in range(partitions)]
    for start in range(0, n, CHUNK):  # a chunk at a time: the records alone are ~3 x their bytes
        for record in records(min(CHUNK, n - start), 1, start):
            key, _ = record_key(record)  # the inferenceId, as the capture producer keys it
            assert key is not None
            by_partition[partition_for_key(key, partitions)].append(record)
        for rows, out in zip(by_partition, messages, strict=True):
            full = len(rows) - len(rows) % PER_MESSAGE
            out += [b"\n".join(rows[i : i + PER_MESSAGE]) for i in range(0, full, PER_MESSAGE)]
            del rows[:full]
    for rows, out in zip(by_partition, messages, strict=True):
        if rows:
            out.append(b"\n".join(rows))
    return messages


def batches(messages: list[list[bytes]]) -> list[tuple[int, list[tuple[int, bytes, None]]]]:
    """(partition, its consecutive (offset, value, headers)) steps of at most ``MAX_BYTES``."""
    steps = []
    starts = [0] * len(messages)
    while any(start < len(m) for start, m in zip(starts, messages, strict=True)):
        for partition, values in enumerate(messages):
            step, size = [], 0
            while starts[partition] < len(values) and size < MAX_BYTES:
                offset = starts[partition]
                step.append((offset, values[offset], None))
                size += len(values[offset])
                starts[partition] += 1
            if step:
                steps.append((partition, step))
    return steps


def main(config_path: Path, n: int) -> None:
    """Build the state and the messages, time the messages, print the figures."""
    config = load_config(config_path, os.environ)
    state = WorkerState(config, load_baselines(config))
    partitions = config.kafka.partitions
    state.assign(range(partitions), [])
    steps = batches(partition_messages(n, partitions))
    collect_cycles_less_often()
    gc.freeze()
    started, cpu = time.perf_counter(), time.process_time()
    for partition, step in steps:
        state.on_capture_many(partition, step)
    rate = n / (time.perf_counter() - started)
    micros = (time.process_time() - cpu) / n * 1e6
    gc.unfreeze()  # as the worker does before it exits: its sketches are freed, not leaked
    print_run(rate, micros)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
