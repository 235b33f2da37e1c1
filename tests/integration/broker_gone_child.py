"""``driftline`` in a process of its own whose broker is stopped while it pushes records.

``python -m tests.integration.broker_gone_child MARKER N ARGS…`` runs ``driftline ARGS…``
(e.g. ``labels push FILE``); after the ``N``-th record pushed it creates the file
``MARKER`` and waits until the test, having stopped the broker, deletes it. The process ends
as the command does, exit hooks included, so a traceback printed at exit shows up.

Ctrl-C reaches the command as it reaches one run in a terminal's foreground: a test suite
started in the background (``make test &``, ``nohup``, a runner's non-interactive shell)
ignores SIGINT, an ignored signal stays ignored across ``exec``, and Python then never raises
``KeyboardInterrupt`` (the Ctrl-C tests waited out the producer's 30 s and failed).
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any

from stream.cli import main
from stream.labels.push import RecordPusher


def _pause_after(marker: Path, n: int) -> None:
    push = RecordPusher.push
    pushed = 0

    def paused_push(self: RecordPusher, raw: bytes, **kwargs: Any) -> bool:
        nonlocal pushed
        pushed += 1
        if pushed == n:
            self.target.flush()  # what came before reached the broker
            marker.touch()
            while marker.exists():
                time.sleep(0.05)
        return push(self, raw, **kwargs)

    RecordPusher.push = paused_push  # type: ignore[method-assign]


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal's foreground
    _pause_after(Path(sys.argv[1]), int(sys.argv[2]))
    sys.argv = ["driftline", *sys.argv[3:]]
    main()
