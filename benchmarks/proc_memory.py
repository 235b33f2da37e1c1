"""A process's memory as Linux reports it in ``/proc/<pid>/status``, in KiB.

Imports nothing but the standard library, so that a floor's own process (raw consume,
faust's agent) can read its peak without the driver's imports in it.

>>> import os
>>> memory_kib(os.getpid(), "VmHWM") >= memory_kib(os.getpid(), "VmRSS") > 0
True
>>> memory_kib(os.getpid(), "NoSuchField")
0
"""

from __future__ import annotations

from pathlib import Path


def memory_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` figure in KiB (VmRSS: now, VmHWM: peak); 0 when absent."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0
