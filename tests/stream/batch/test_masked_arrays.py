"""``analyze`` never imports ``numpy.ma`` (17 ms), which ``pa.array`` of a numpy mask and
``np.union1d`` would import to rule out masked arrays; nor does a CSV or capture run import
``pyarrow.parquet`` (pyarrow's file systems and ssl, ~9 MiB), which only Parquet data needs.

The run is a fresh interpreter, so that ``sys.modules`` tells what was imported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from stream.demo.synthetic import capture_record

_PROBE = """
import sys
from stream.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print("numpy.ma" in sys.modules, "pyarrow" in sys.modules, "pyarrow.parquet" in sys.modules,
          file=sys.stderr)
"""


def test_csv_and_capture_runs_never_import_numpy_ma_or_parquet(tmp_path: Path) -> None:
    rows = [f"{i % 7},{i % 3}.5,plan{i % 4}" for i in range(3000)]
    train = tmp_path / "train.csv"
    train.write_text("age,score,plan\n" + "\n".join(rows) + "\n")
    capture = tmp_path / "capture" / "part.jsonl"
    capture.parent.mkdir()
    shifted = [f"{i % 9},{i % 5}.25,plan{i % 6}" for i in range(3000)]
    records = [
        capture_record(f"id-{i}", 1_700_000_000 + i, row.split(","))
        for i, row in enumerate(shifted)
    ]
    capture.write_bytes(b"\n".join(map(orjson.dumps, records)) + b"\n")
    for args in (
        ["baseline", "suggest", "--data", str(train), "--out", str(tmp_path / "b")],
        ["analyze", "--capture", str(capture.parent), "--baseline", str(tmp_path / "b"),
         "--out", str(tmp_path / "report")],
    ):  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=False
        )
        assert done.stderr.splitlines()[-1] == "False True False", done.stderr
    assert (tmp_path / "report" / "constraint_violations.json").exists()
