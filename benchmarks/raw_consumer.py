"""Raw consume in a process of its own: the floor's rate, CPU and peak memory.

``python -m benchmarks.raw_consumer BOOTSTRAP TOPIC RECORDS`` reads ``RECORDS`` records of
``TOPIC``'s four partitions from the beginning with an assigned aiokafka consumer (no group,
no commits: reading alone), and prints one line ``records_per_second=<rate>
micros_per_record=<CPU µs> peak_kib=<VmHWM>``. The clock and the CPU count start once the
partitions are assigned and end with the last record, so start-up is not in the rate; the
peak is the whole process's, imports included, as a worker's is.

The process imports aiokafka alone, so that its peak is what reading costs, not what the
benchmark driver holds.
"""

from __future__ import annotations

import asyncio
import sys
import time

from benchmarks.proc_memory import print_run

PARTITIONS = 4


async def consume(bootstrap: str, topic: str, n: int) -> tuple[float, float]:
    """Records/s and CPU µs per record of reading ``n`` records of ``topic``."""
    from aiokafka import AIOKafkaConsumer, TopicPartition  # type: ignore[import-untyped]

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
        await consumer.seek_to_beginning()
        seen, started, cpu = 0, time.perf_counter(), time.process_time()
        while seen < n:
            batches = await consumer.getmany(timeout_ms=500, max_records=10_000)
            seen += sum(len(b) for b in batches.values())
        rate = n / (time.perf_counter() - started)
        micros = (time.process_time() - cpu) / n * 1e6
    finally:
        await consumer.stop()
    return rate, micros


def main(bootstrap: str, topic: str, n: int) -> None:
    """Read, then print the figures on one line."""
    print_run(*asyncio.run(consume(bootstrap, topic, n)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
