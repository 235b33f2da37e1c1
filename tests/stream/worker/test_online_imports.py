"""river.drift, and the scikit-learn and scipy it drags in, load for online detectors only.

Each case runs in a fresh interpreter, so that ``sys.modules`` tells what was imported.
"""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import sys
from datetime import UTC, datetime
import stream.worker.process
from stream.worker.online import OnlineDetectors
loaded = lambda: sorted({"river.drift", "sklearn", "scipy.stats"} & set(sys.modules))
print(loaded())
OnlineDetectors(names=NAMES, features=("x",), kinds=("numeric",),
                now=lambda: datetime.now(UTC))
print(loaded())
"""


def _loaded(names: tuple[str, ...]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.replace("NAMES", repr(names))],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.splitlines()


def test_a_worker_without_online_detectors_never_imports_river_drift() -> None:
    assert _loaded(()) == ["[]", "[]"]


def test_online_detectors_import_it_when_the_worker_builds_them() -> None:
    before, after = _loaded(("page_hinkley",))
    assert before == "[]"
    assert "'river.drift'" in after
