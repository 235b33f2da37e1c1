"""``baseline suggest`` and ``analyze`` on the peer table, side by side with their floors.

The peer table of issue 13 is generated seeded (:mod:`benchmarks.peer_table`): 1,000,000 x 20
training CSV and 200,000 live capture records. Every figure is measured in its own child
process, in this run: the two driftline commands end to end (process start included) and
the raw primitives they cannot beat — pyarrow's CSV reader alone, orjson decoding the capture
lines alone, and KLL array updates of the 16 numeric columns alone. Rows per second are
wall-clock; peak memory is the child's maximum resident set size; each command's ratio is
its time over its floor's (1.0 would be the floor itself).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.peer_table import write_capture_file, write_training_csv

ROWS = int(os.environ.get("DRIFTLINE_BENCH_ROWS", "1000000"))
LIVE_ROWS = int(os.environ.get("DRIFTLINE_BENCH_LIVE_ROWS", "200000"))

_PRIMITIVES = {
    "csv_read": (
        "import pyarrow.csv as c, sys, time; t = time.perf_counter(); "
        "c.read_csv(sys.argv[1]); print(time.perf_counter() - t)"
    ),
    "orjson_decode": (
        "import orjson, sys, time; lines = open(sys.argv[1], 'rb').readlines(); "
        "t = time.perf_counter(); [orjson.loads(x) for x in lines]; print(time.perf_counter() - t)"
    ),
    "kll_update": (
        "import numpy as np, pyarrow.csv as c, sys, time; from datasketches import "
        "kll_doubles_sketch as K; t = c.read_csv(sys.argv[1]); cols = [np.array(t.column(i)"
        ".to_numpy(), dtype=np.float64) for i in range(16)]; s = time.perf_counter(); "
        "[K(400).update(x) for x in cols]; print(time.perf_counter() - s)"
    ),
}


def _child(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and stdout of a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} failed:\n{out}")
    return seconds, usage.ru_maxrss / 1024, out


def _primitive(name: str, path: Path) -> tuple[float, float]:
    """Seconds of the primitive's own work (imports and file loading excluded), peak MiB."""
    _, peak, out = _child([sys.executable, "-c", _PRIMITIVES[name], str(path)])
    return float(out.strip().splitlines()[-1]), peak


def _driftline(*args: str | Path) -> tuple[float, float]:
    seconds, peak, _ = _child([sys.executable, "-m", "stream.cli", *map(str, args)])
    return seconds, peak


def _line(label: str, rows: int, seconds: float, peak: float, ratio: str = "") -> None:
    print(f"{label:<40} {rows / seconds:>12,.0f} {seconds:>8.2f} {peak:>9,.0f}  {ratio}")


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="driftline-bench-") as tmp:
        root = Path(tmp)
        train = root / "train.csv"
        capture = root / "capture" / "endpoint" / "AllTraffic" / "2024" / "03" / "05" / "14"
        start = time.perf_counter()
        write_training_csv(train, ROWS)
        write_capture_file(capture / "part-0.jsonl", LIVE_ROWS)
        print(
            f"peer table: {ROWS:,} x 20 CSV ({train.stat().st_size / 1e6:,.0f} MB), "
            f"{LIVE_ROWS:,} capture records ({(capture / 'part-0.jsonl').stat().st_size / 1e6:,.0f}"
            f" MB), generated in {time.perf_counter() - start:.1f} s"
        )
        print(f"{'figure':<40} {'rows/s':>12} {'seconds':>8} {'peak MiB':>9}  ratio to floor")
        read_s, read_peak = _primitive("csv_read", train)
        _line("floor: pyarrow CSV read alone", ROWS, read_s, read_peak)
        kll_s, kll_peak = _primitive("kll_update", train)
        _line("floor: KLL array update, 16 columns", ROWS, kll_s, kll_peak)
        decode_s, decode_peak = _primitive("orjson_decode", capture / "part-0.jsonl")
        _line("floor: orjson decode of capture lines", LIVE_ROWS, decode_s, decode_peak)
        seconds, peak = _driftline("baseline", "suggest", "--data", train, "--out", root / "b")
        ratio = f"{seconds / read_s:.1f}x CSV read, {seconds / (read_s + kll_s):.1f}x read+KLL"
        _line("baseline suggest, end to end", ROWS, seconds, peak, ratio)
        seconds, peak = _driftline(
            "analyze", "--capture", root / "capture", "--baseline", root / "b",
            "--out", root / "report", "--capture-index-names", "endpointInput",
        )  # fmt: skip
        _line("analyze capture, end to end", LIVE_ROWS, seconds, peak, f"{seconds / decode_s:.1f}x")
