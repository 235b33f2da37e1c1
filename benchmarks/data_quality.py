"""``baseline suggest`` and ``analyze`` on the peer table, side by side with their floors.

The peer table of issue 13 is generated seeded (:mod:`benchmarks.peer_table`): 1,000,000 x 20
training CSV and 200,000 live capture records. Every figure is measured in its own child
process, in this run: the two driftline commands end to end (process start and imports
included) and the raw primitives they cannot beat — the interpreter starting and importing
numpy, pyarrow and datasketches, pyarrow's CSV reader alone (all cores), orjson decoding the
capture lines alone (each decoded record dropped at once), pyarrow's JSON reader reading them
alone (all cores), and KLL array updates of the 16 numeric columns alone.

A wide table (300 numeric columns, a twentieth of the rows) goes through ``baseline suggest``
too, its time per value against the peer table's: a wide file's batches hold as many values
as a narrow one's, not as many rows, so its memory stays flat.

The live records go through ``analyze`` five more times, against the one-file figure: as 200 files
of 1,000 records in hourly folders (SageMaker's layout), and with JSON payloads
(``application/json`` arrays, each decoded by orjson record by record), as JSON objects keyed
by the feature names (one per record, as many clients send them) and in BASE64
(SageMaker's capture when no content types are configured), and once more
through a ``preprocess_handler`` that splits each CSV payload into named features (every
record through the script, as SageMaker runs it), against start + orjson decode + the handler
alone (called on prebuilt records that hold just the attribute it reads). The training table
goes through ``baseline suggest`` a second time as JSON Lines, against pyarrow's JSON reader
reading it alone, plus start and KLL as for the CSV (the command reads JSON Lines with pyarrow
in blocks, and only a block pyarrow would read otherwise than orjson goes line by line), and
through ``analyze --data`` against the CSV's baseline, which reads it the same way. It goes
through ``baseline suggest`` a third time as Parquet (snappy, row groups of 100,000 rows), against
pyarrow's own Parquet read of the whole file and against start + that read + KLL.

Each figure is the median of :data:`REPEATS` runs (by wall seconds; its CPU seconds are that
run's, its peak the largest of them all). Rows per second are wall-clock; CPU is the child's
user plus system seconds; peak memory is its maximum resident set size. A command's ratio is
its wall time over its floor's (1.0 would be the floor itself): ``baseline suggest`` over
start + CSV read + KLL, ``analyze`` over start + orjson decode. Beside those two, issue
13's goals (``suggest`` >= 1 M rows/s, ``analyze`` >= 300 k, peaks <= 300 MiB) and whether
the run met them. On a machine other work shares, wall seconds stretch with the load while
CPU seconds do not: compare both.
driftline's bytecode is compiled before the first figure, as installing a wheel does: where
``PYTHONDONTWRITEBYTECODE`` is set (this machine sets it), every start would otherwise compile
the command's modules from source again (about 50 ms).
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.peer_table import (
    feature_names,
    write_capture_file,
    write_capture_files,
    write_training_csv,
    write_training_jsonl,
    write_training_parquet,
    write_wide_csv,
)

ROWS = int(os.environ.get("DRIFTLINE_BENCH_ROWS", "1000000"))
LIVE_ROWS = int(os.environ.get("DRIFTLINE_BENCH_LIVE_ROWS", "200000"))
# Every figure is the median of this many runs: one run on a shared machine can be a third off.
REPEATS = int(os.environ.get("DRIFTLINE_BENCH_REPEATS", "3"))
SMALL_FILE_RECORDS = 1_000  # records per file of the many-files capture folder
WIDE_ROWS, WIDE_COLUMNS = max(ROWS // 20, 1), 300  # as many values as a third of the peer table
# A preprocess_handler as SageMaker users write them: the CSV payload split into named features.
_SPLITTING_PREPROCESSOR = """NAMES = {names!r}


def preprocess_handler(inference_record):
    return dict(zip(NAMES, inference_record.endpoint_input.data.split(",")))
"""

# Each prints the seconds of its own work (imports and file loading excluded), except
# "start", whose work is the start itself (measured from outside).
_PRIMITIVES = {
    "start": "import numpy, pyarrow.compute, pyarrow.csv, datasketches, orjson",
    "csv_read": (
        "import pyarrow.csv as c, sys, time; t = time.perf_counter(); "
        "c.read_csv(sys.argv[1]); print(time.perf_counter() - t)"
    ),
    "orjson_decode": (
        "import orjson, sys, time; lines = open(sys.argv[1], 'rb').readlines(); "
        "loads = orjson.loads; t = time.perf_counter()\n"
        "for x in lines: loads(x)\n"
        "print(time.perf_counter() - t)"
    ),
    # The user's handler alone, on prebuilt records with only the attributes it reads: what
    # no driftline can beat on the preprocessor path (with start + orjson decode).
    "preprocess_handler": (
        "import importlib.util as u, orjson, sys, time, types\n"
        "spec = u.spec_from_file_location('pre', sys.argv[2]); pre = u.module_from_spec(spec)\n"
        "spec.loader.exec_module(pre); handler = pre.preprocess_handler\n"
        "records = [types.SimpleNamespace(endpoint_input=types.SimpleNamespace(data="
        "orjson.loads(x)['captureData']['endpointInput']['data'])) "
        "for x in open(sys.argv[1], 'rb')]\n"
        "t = time.perf_counter()\n"
        "for r in records: handler(r)\n"
        "print(time.perf_counter() - t)"
    ),
    "json_read": (
        "import pyarrow.json as j, sys, time; t = time.perf_counter(); "
        "j.read_json(sys.argv[1]); print(time.perf_counter() - t)"
    ),
    "parquet_read": (
        "import pyarrow.parquet as p, sys, time; t = time.perf_counter(); "
        "p.read_table(sys.argv[1]); print(time.perf_counter() - t)"
    ),
    "kll_update": (
        "import numpy as np, pyarrow.csv as c, sys, time; from datasketches import "
        "kll_doubles_sketch as K; t = c.read_csv(sys.argv[1]); cols = [np.array(t.column(i)"
        ".to_numpy(), dtype=np.float64) for i in range(16)]; s = time.perf_counter(); "
        "[K(400).update(x) for x in cols]; print(time.perf_counter() - s)"
    ),
}


@dataclass(frozen=True)
class Run:
    """One child process: wall and CPU seconds, peak RSS in MiB, what it printed."""

    seconds: float
    cpu_seconds: float
    peak_mib: float
    out: str


# A child's peak RSS counts the memory of the process that exec'd it, so children are
# started by this small runner, not by the benchmark process (which holds the peer table's
# generator): it prints the child's wall seconds, CPU seconds and peak RSS, then its output.
_RUNNER = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
out = proc.stdout.read()
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - start
print(os.waitstatus_to_exitcode(status), seconds, usage.ru_utime + usage.ru_stime,
      usage.ru_maxrss / 1024)
sys.stdout.flush()
sys.stdout.buffer.write(out)
"""


def _child(args: list[str]) -> Run:
    done = subprocess.run([sys.executable, "-c", _RUNNER, *args], capture_output=True, check=True)
    head, _, out = done.stdout.decode().partition("\n")
    code, seconds, cpu_seconds, peak_mib = head.split()
    if int(code) not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} failed ({code}):\n{out}")
    return Run(float(seconds), float(cpu_seconds), float(peak_mib), out)


def _median(runs: list[Run]) -> Run:
    """The run of median wall seconds, with the largest peak of them all."""
    middle = sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]
    return Run(middle.seconds, middle.cpu_seconds, max(run.peak_mib for run in runs), middle.out)


def _primitive(name: str, *paths: Path) -> Run:
    """The primitive's median run; ``seconds`` is its own work (``start``: the whole child)."""
    runs = []
    for _ in range(REPEATS):
        run = _child([sys.executable, "-c", _PRIMITIVES[name], *map(str, paths)])
        if name != "start":
            work = float(run.out.strip().splitlines()[-1])
            run = Run(work, run.cpu_seconds, run.peak_mib, run.out)
        runs.append(run)
    return _median(runs)


def _driftline(*args: str | Path) -> Run:
    return _median(
        [_child([sys.executable, "-m", "stream.cli", *map(str, args)]) for _ in range(REPEATS)]
    )


def _line(label: str, rows: int, run: Run, ratio: str = "") -> None:
    print(
        f"{label:<44} {rows / run.seconds:>11,.0f} {run.seconds:>7.2f} {run.cpu_seconds:>7.2f}"
        f" {run.peak_mib:>8,.0f}  {ratio}"
    )


# Issue 13's goals, printed beside the figures they are for (never asserted): rows/s of
# ``baseline suggest`` on the CSV and of ``analyze`` on the capture records, and peak memory.
SUGGEST_GOAL, ANALYZE_GOAL, GOAL_PEAK_MIB = 1_000_000, 300_000, 300


def _goal(run: Run, rows: int, goal: int) -> str:
    """Whether ``run`` of ``rows`` rows meets ``goal`` rows/s and the peak memory goal."""
    rate = rows / run.seconds
    met = rate >= goal and run.peak_mib <= GOAL_PEAK_MIB
    return (f"goal >= {goal:,} rows/s, peak <= {GOAL_PEAK_MIB} MiB: "
            f"{'met' if met else f'not met ({rate / goal:.2f} of the rate)'}")  # fmt: skip


def _compile_bytecode() -> None:
    root = Path(__file__).resolve().parent.parent
    for package in ("stream", "detectors", "ground_truth"):
        compileall.compile_dir(root / package, quiet=1)


def run() -> None:
    _compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="driftline-bench-") as tmp:
        root = Path(tmp)
        train = root / "train.csv"
        capture = root / "capture" / "endpoint" / "AllTraffic" / "2024" / "03" / "05" / "14"
        start = time.perf_counter()
        write_training_csv(train, ROWS)
        write_capture_file(capture / "part-0.jsonl", LIVE_ROWS)
        train_jsonl = root / "train.jsonl"
        write_training_jsonl(train_jsonl, ROWS)
        train_parquet = root / "train.parquet"
        write_training_parquet(train_parquet, ROWS)
        print(
            f"peer table: {ROWS:,} x 20 CSV ({train.stat().st_size / 1e6:,.0f} MB), JSON Lines"
            f" ({train_jsonl.stat().st_size / 1e6:,.0f} MB) and Parquet"
            f" ({train_parquet.stat().st_size / 1e6:,.0f} MB), "
            f"{LIVE_ROWS:,} capture records ({(capture / 'part-0.jsonl').stat().st_size / 1e6:,.0f}"
            f" MB), generated in {time.perf_counter() - start:.1f} s"
        )
        print(
            f"{'figure':<44} {'rows/s':>11} {'seconds':>7} {'cpu s':>7} {'peak MiB':>8}"
            f"  ratio to floor (medians of {REPEATS} runs)"
        )
        begin = _primitive("start")
        print(
            f"{'floor: start + numpy/pyarrow/datasketches':<44} {'':>11} {begin.seconds:>7.2f}"
            f" {begin.cpu_seconds:>7.2f} {begin.peak_mib:>8,.0f}"
        )
        read = _primitive("csv_read", train)
        _line("floor: pyarrow CSV read alone", ROWS, read)
        kll = _primitive("kll_update", train)
        _line("floor: KLL array update, 16 columns", ROWS, kll)
        decode = _primitive("orjson_decode", capture / "part-0.jsonl")
        _line("floor: orjson decode of capture lines", LIVE_ROWS, decode)
        json_read = _primitive("json_read", capture / "part-0.jsonl")
        _line("floor: pyarrow JSON read of capture lines", LIVE_ROWS, json_read)
        suggest = _driftline("baseline", "suggest", "--data", train, "--out", root / "b")
        floor = begin.seconds + read.seconds + kll.seconds
        ratio = f"{suggest.seconds / floor:.1f}x start+read+KLL ({floor:.2f} s); "
        ratio += _goal(suggest, ROWS, SUGGEST_GOAL)
        _line("baseline suggest, end to end", ROWS, suggest, ratio)
        wide = root / "wide.csv"
        write_wide_csv(wide, WIDE_ROWS, WIDE_COLUMNS)
        suggest_wide = _driftline("baseline", "suggest", "--data", wide, "--out", root / "w")
        per_value = (suggest_wide.seconds / (WIDE_ROWS * WIDE_COLUMNS)) / (
            suggest.seconds / (ROWS * 20)
        )
        ratio = f"{per_value:.1f}x the 20-column table's time per value"
        _line(f"baseline suggest, {WIDE_COLUMNS}-column CSV", WIDE_ROWS, suggest_wide, ratio)
        analyze = _driftline(
            "analyze", "--capture", root / "capture", "--baseline", root / "b",
            "--out", root / "report", "--capture-index-names", "endpointInput",
        )  # fmt: skip
        floor = begin.seconds + decode.seconds
        ratio = f"{analyze.seconds / floor:.1f}x start+decode ({floor:.2f} s); "
        _line(
            "analyze capture, end to end",
            LIVE_ROWS,
            analyze,
            ratio + _goal(analyze, LIVE_ROWS, ANALYZE_GOAL),
        )
        many = root / "many" / "endpoint" / "AllTraffic" / "2024" / "03" / "05"
        files = write_capture_files(many, LIVE_ROWS, SMALL_FILE_RECORDS)
        analyze_many = _driftline(
            "analyze", "--capture", root / "many", "--baseline", root / "b",
            "--out", root / "report-many", "--capture-index-names", "endpointInput",
        )  # fmt: skip
        ratio = f"{analyze_many.seconds / analyze.seconds:.1f}x the same records in one file"
        _line(f"analyze capture, {files} files, end to end", LIVE_ROWS, analyze_many, ratio)
        for encoding in ("JSON", "JSON_OBJECT", "BASE64"):  # the same records, encoded so
            folder = root / f"{encoding.lower()}-capture"
            hour = folder / "endpoint" / "AllTraffic" / "2024" / "03" / "05"
            write_capture_file(hour / "part-0.jsonl", LIVE_ROWS, encoding=encoding)
            encoded = _driftline(
                "analyze", "--capture", folder, "--baseline", root / "b",
                "--out", root / f"report-{encoding.lower()}",
                "--capture-index-names", "endpointInput",
            )  # fmt: skip
            ratio = f"{encoded.seconds / analyze.seconds:.1f}x the same records as CSV"
            _line(f"analyze capture, {encoding} payloads, end to end", LIVE_ROWS, encoded, ratio)
        script = root / "preprocessor.py"
        script.write_text(_SPLITTING_PREPROCESSOR.format(names=feature_names()))
        analyze_pre = _driftline(
            "analyze", "--capture", root / "capture", "--baseline", root / "b",
            "--out", root / "report-pre", "--preprocessor", script,
        )  # fmt: skip
        handler = _primitive("preprocess_handler", capture / "part-0.jsonl", script)
        _line("floor: preprocess_handler alone, prebuilt", LIVE_ROWS, handler)
        floor = begin.seconds + decode.seconds + handler.seconds
        ratio = (
            f"{analyze_pre.seconds / floor:.1f}x start+decode+handler ({floor:.2f} s), "
            f"{analyze_pre.seconds / analyze.seconds:.1f}x without one"
        )
        _line("analyze capture, with a preprocessor", LIVE_ROWS, analyze_pre, ratio)
        lines_read = _primitive("json_read", train_jsonl)
        _line("floor: pyarrow JSON read of JSON Lines rows", ROWS, lines_read)
        suggest_jsonl = _driftline(
            "baseline", "suggest", "--data", train_jsonl, "--out", root / "j"
        )
        floor = begin.seconds + lines_read.seconds + kll.seconds
        ratio = f"{suggest_jsonl.seconds / floor:.1f}x start+read+KLL ({floor:.2f} s)"
        _line("baseline suggest, JSON Lines, end to end", ROWS, suggest_jsonl, ratio)
        analyze_jsonl = _driftline(
            "analyze", "--data", train_jsonl, "--baseline", root / "b",
            "--out", root / "report-jsonl",
        )  # fmt: skip
        ratio = f"{analyze_jsonl.seconds / floor:.1f}x start+read+KLL ({floor:.2f} s)"
        _line("analyze --data, JSON Lines, end to end", ROWS, analyze_jsonl, ratio)
        parquet_read = _primitive("parquet_read", train_parquet)
        _line("floor: pyarrow Parquet read alone", ROWS, parquet_read)
        suggest_parquet = _driftline(
            "baseline", "suggest", "--data", train_parquet, "--out", root / "pq"
        )
        floor = begin.seconds + parquet_read.seconds + kll.seconds
        ratio = (
            f"{suggest_parquet.seconds / floor:.1f}x start+read+KLL ({floor:.2f} s), "
            f"{suggest_parquet.seconds / parquet_read.seconds:.1f}x the read alone"
        )
        _line("baseline suggest, Parquet, end to end", ROWS, suggest_parquet, ratio)
