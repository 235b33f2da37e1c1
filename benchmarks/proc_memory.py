"""A process's memory as Linux reports it in ``/proc/<pid>/status``, in KiB.

Imports nothing but the standard library, so that a floor's own process (raw consume,
faust's agent, the worker's work alone) can read its peak without the driver's imports in
it, and print it with its rate (:func:`print_run`).

>>> import os
>>> memory_kib(os.getpid(), "VmHWM") >= memory_kib(os.getpid(), "VmRSS") > 0
True
>>> memory_kib(os.getpid(), "NoSuchField"), memory_kib(2**22 + 1, "VmRSS")  # no such process
(0, 0)
>>> mib(300_000)
'293 MiB'
"""

from __future__ import annotations

import os
from pathlib import Path


def memory_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` figure in KiB (VmRSS: now, VmHWM: peak).

    0 when the field is absent or the process gone.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def print_run(records_per_second: float, micros_per_record: float) -> None:
    """A floor process's figures on one line, its own peak memory added.

    ``records_per_second=<rate> micros_per_record=<CPU µs> peak_kib=<VmHWM>``, which
    :func:`benchmarks.worker_runs.process_run` reads back.
    """
    peak = memory_kib(os.getpid(), "VmHWM")
    print(f"records_per_second={records_per_second:.1f} "
          f"micros_per_record={micros_per_record:.3f} peak_kib={peak}", flush=True)  # fmt: skip


def mib(kib: float) -> str:
    """KiB as whole MiB, as the benchmarks print a process's memory."""
    return f"{kib / 1024:.0f} MiB"
