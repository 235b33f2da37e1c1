"""``driftline replay`` against the raw producer it is built on, side by side on one broker.

On one broker (the embedded one, or ``DRIFTLINE_BOOTSTRAP_SERVERS``), in one run, medians of
three, alternating:

- replay: ``driftline replay`` of the peer table's 200,000 live capture records (one file,
  SageMaker's layout), end to end: process start, reading, checking each line is a capture
  record, keying and partitioning by inferenceId, 100-record messages, every one acknowledged;
- floor: kafka-python's ``KafkaProducer`` alone, in a process of its own, sending the same
  file's lines as 100-line messages round-robin over the partitions (no decoding, no keys)
  and flushing — the client and broker every replay pays for.

Both use kafka-python; the figure also says whether its CRC-32C is the native one (the
``crc32c`` extension): without it every record batch was checksummed in Python, and replay
took three times as long.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_broker import bootstrap_servers
from benchmarks.peer_table import write_capture_file
from stream.kafka.topics import TopicNames, ensure_topics_sync

RECORDS = 200_000
REPEATS = 3
PARTITIONS = 4

# the floor: the same lines as 100-line messages through a bare KafkaProducer
_RAW_SEND = """
import sys, time
from kafka import KafkaProducer
bootstrap, topic, path, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
start = time.perf_counter()
lines = open(path, "rb").read().splitlines()
producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
for k in range(0, len(lines), 100):
    producer.send(topic, b"\\n".join(lines[k : k + 100]), partition=(k // 100) % partitions)
producer.flush()
producer.close()
print(time.perf_counter() - start)
"""


def _timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def native_checksum() -> bool:
    """Whether kafka-python checksums record batches with the native ``crc32c`` extension."""
    from kafka.record import _crc32c as pure_python
    from kafka.record import util

    (checksum,) = util.calc_crc32c.__defaults__ or (pure_python.crc,)
    return checksum is not pure_python.crc


def run() -> None:
    """Print replay's rate and its ratio to the raw producer's."""
    with bootstrap_servers() as bootstrap:
        with tempfile.TemporaryDirectory(prefix="driftline-bench-") as tmp:
            folder = Path(tmp) / "capture" / "endpoint" / "AllTraffic" / "2024" / "03" / "05"
            path = folder / "14" / "part-0.jsonl"
            write_capture_file(path, RECORDS)
            replays, raws = [], []
            for number in range(REPEATS):
                prefix = f"bench-replay{os.getpid()}-{number}"
                names = TopicNames.from_prefix(prefix)
                raw_topic = f"{prefix}.raw"
                ensure_topics_sync(bootstrap, [names.capture, raw_topic], PARTITIONS, 1)
                env = {**os.environ, "DRIFTLINE_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                       "DRIFTLINE_KAFKA_TOPIC_PREFIX": prefix,
                       "DRIFTLINE_KAFKA_PARTITIONS": str(PARTITIONS)}  # fmt: skip
                raws.append(_timed([sys.executable, "-c", _RAW_SEND, bootstrap, raw_topic,
                                    str(path), str(PARTITIONS)], env))  # fmt: skip
                replays.append(_timed([sys.executable, "-m", "stream.cli", "replay", str(path)],
                                      env))  # fmt: skip
            replay, raw = statistics.median(replays), statistics.median(raws)
            crc = "native" if native_checksum() else "pure Python"
            print(f"replay, {RECORDS:,} capture records, end to end: {RECORDS / replay:,.0f}"
                  f" records/s ({replay:.2f} s) = {raw / replay:.2f} x kafka-python's raw send of"
                  f" the same lines ({RECORDS / raw:,.0f}/s); CRC-32C {crc}")  # fmt: skip


if __name__ == "__main__":
    run()
