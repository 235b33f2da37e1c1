"""``driftline baseline suggest`` and ``driftline analyze`` on a synthetic 1,000,000 x 20 file.

Each command runs in its own process; rows per second are wall-clock, peak memory is the
process's maximum resident set size.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.synthetic import write_capture_file, write_training_csv

ROWS = int(os.environ.get("DRIFTLINE_BENCH_ROWS", "1000000"))


def _measure(args: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one driftline command in a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "stream.cli", *args], stdout=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"driftline {' '.join(args)} failed:\n{out}")
    return seconds, usage.ru_maxrss / 1024


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="driftline-bench-") as tmp:
        root = Path(tmp)
        train = root / "train.csv"
        capture = root / "capture" / "endpoint" / "AllTraffic" / "2024" / "03" / "05" / "14"
        start = time.perf_counter()
        write_training_csv(train, ROWS)
        write_capture_file(capture / "part-0.jsonl", ROWS)
        print(f"synthetic data: {ROWS:,} rows x 20 features ({time.perf_counter() - start:.1f} s)")
        print(
            f"  training CSV {train.stat().st_size / 2**20:,.0f} MiB, capture JSONL "
            f"{(capture / 'part-0.jsonl').stat().st_size / 2**20:,.0f} MiB"
        )
        seconds, peak = _measure(
            ["baseline", "suggest", "--data", str(train), "--out", str(root / "baseline")]
        )
        print(
            f"baseline suggest: {ROWS / seconds:>10,.0f} rows/s  {seconds:6.1f} s  "
            f"peak {peak:,.0f} MiB"
        )
        seconds, peak = _measure(
            [
                "analyze",
                "--capture",
                str(root / "capture"),
                "--baseline",
                str(root / "baseline"),
                "--out",
                str(root / "report"),
                "--capture-index-names",
                "endpointInput",
            ]
        )
        print(
            f"analyze:          {ROWS / seconds:>10,.0f} rows/s  {seconds:6.1f} s  "
            f"peak {peak:,.0f} MiB"
        )
