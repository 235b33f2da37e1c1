"""The command line keeps numpy's OpenBLAS to one thread unless the user says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

_PROBE = """
import os, stream.cli, numpy
print(os.environ["OPENBLAS_NUM_THREADS"], len(os.listdir("/proc/self/task")))
"""


def _probe(env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_numpy_imported_after_the_cli_starts_no_blas_threads() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _probe(env) == ["1", "1"]  # the main thread alone


def test_a_users_own_setting_is_kept() -> None:
    assert _probe({**os.environ, "OPENBLAS_NUM_THREADS": "3"})[0] == "3"
