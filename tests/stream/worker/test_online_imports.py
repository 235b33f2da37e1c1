"""river.drift, and the scikit-learn and scipy it drags in, load for Page-Hinkley only.

Each case runs in a fresh interpreter, so that ``sys.modules`` tells what was imported.
"""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import sys
from datetime import UTC, datetime
import stream.worker.process
from stream.worker.online import OnlineDetectors, PlacedRows
loaded = lambda: sorted({"river.drift", "sklearn", "scipy.stats"} & set(sys.modules))
print(loaded())
online = OnlineDetectors(names=NAMES, features=("x",), kinds=("numeric",),
                         now=lambda: datetime.now(UTC))
fired = [online.update(0, i, PlacedRows([], [[str(i % 2 + (3 if i > 500 else 0))]]))
         for i in range(1000)]  # every detector built and fed, a shift half way
print(loaded())
print(sum(map(len, fired)) > 0)
"""


def _loaded(names: tuple[str, ...]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.replace("NAMES", repr(names))],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.splitlines()


def test_a_worker_without_online_detectors_never_imports_river_drift() -> None:
    assert _loaded(()) == ["[]", "[]", "False"]


def test_page_hinkley_imports_it_when_the_worker_builds_its_detectors() -> None:
    before, after, fired = _loaded(("page_hinkley",))
    assert before == "[]"
    assert "'river.drift'" in after
    assert fired == "True"


def test_adwin_and_kswin_run_without_it() -> None:
    assert _loaded(("adwin", "kswin")) == ["[]", "[]", "True"]  # and they still see the shift
