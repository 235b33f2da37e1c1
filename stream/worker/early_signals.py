"""SIGTERM and SIGINT remembered from the moment a worker command is chosen.

Importing the worker (faust, aiokafka, river, pyarrow …) takes about a second, and
:func:`~stream.worker.process.run_worker` installs its startup handlers only after that: a
signal in between ended the process by the default action (exit status −15, a traceback for
SIGINT). The command line calls :func:`remember_stop_signals` before it imports the worker;
``run_worker`` takes it (:func:`take_stop_signal`) and stops at once, with exit status 0.
This module imports nothing of the worker's, so that it costs nothing before the imports it
guards.

Examples
--------
>>> take_stop_signal() is None
True
"""

from __future__ import annotations

import signal

_received: list[signal.Signals] = []


def remember_stop_signals() -> None:
    """From now on SIGTERM and SIGINT are remembered, not acted on (in the main thread)."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _remember)


def take_stop_signal() -> signal.Signals | None:
    """The first SIGTERM or SIGINT remembered, if any; forgotten once taken."""
    first = _received[0] if _received else None
    _received.clear()
    return first


def _remember(signum: int, frame: object) -> None:
    _received.append(signal.Signals(signum))
