"""Soak: every record counted exactly once through kill -9, SIGTERM, failover and a frozen broker.

Not part of ``make test`` (it runs for tens of minutes); ``python -m benchmarks
restart_safety``. Per scenario it runs ``DRIFTLINE_SOAK_<KIND>`` trials (defaults: kill -9 at
20 random points, SIGTERM at 5, two workers with one killed at 5, the broker frozen with
SIGSTOP for 30 s at 3, kill -9 of a static group member restarted under its id at 5), each
with its own seeded traffic of 12 windows × 1,000 records on 4 partitions, and prints
records sent / counted / lost / double-counted against the traffic itself (the
uninterrupted reference), windows with a wrong sum, incomplete windows, and the highest
revision. For the restarts (kill -9, SIGTERM, the static member) it also prints the time
from the restart to the worker asking to join its group (driftline's own startup), to the
group assignment (the broker's group timing on top) and to the first output (restore and
the first window).
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

from stream.kafka.broker import EmbeddedBroker
from tests.integration.scenarios import RESTARTS, Reckoning, run_trial

TRIALS = {"kill": 20, "sigterm": 5, "failover": 5, "stall": 3, "static": 5}
STALL_SECONDS = float(os.environ.get("DRIFTLINE_SOAK_STALL_SECONDS", "30"))


def _trials(kind: str) -> int:
    return int(os.environ.get(f"DRIFTLINE_SOAK_{kind.upper()}", str(TRIALS[kind])))


def _scenario(kind: str, broker: EmbeddedBroker, trials: int, seed0: int) -> list[Reckoning]:
    results = []
    for i in range(trials):
        with tempfile.TemporaryDirectory(prefix=f"soak-{kind}-") as folder:
            if kind == "stall":  # its own broker: the one frozen
                with EmbeddedBroker() as own:
                    result = run_trial(kind, own.bootstrap_servers, Path(folder), seed0 + i,
                                       broker_pid=own.pid, stall_seconds=STALL_SECONDS)  # fmt: skip
            else:
                result = run_trial(kind, broker.bootstrap_servers, Path(folder), seed0 + i)
        print(f"   {kind} #{i + 1}: sent {result.sent} counted {result.counted} lost "
              f"{result.lost} double-counted {result.doubled} wrong sums {result.wrong_sums} "
              f"incomplete {result.incomplete} max revision {result.max_revision}; "
              f"{'; '.join(result.notes)}", flush=True)  # fmt: skip
        results.append(result)
    return results


def _seconds(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return "n/a"
    return f"median {statistics.median(known):.1f} s (min {min(known):.1f}, max {max(known):.1f})"


def run() -> None:
    """Run every scenario and print the reckoning."""
    summary = []
    with EmbeddedBroker() as broker:
        for n, kind in enumerate(TRIALS):
            results = _scenario(kind, broker, _trials(kind), 1000 * (n + 1))
            exact = sum(r.exact and not r.incomplete for r in results)
            line = (
                f"{kind:>8}: {len(results)} trials, {exact} exact; sent "
                f"{sum(r.sent for r in results)}, counted {sum(r.counted for r in results)}, "
                f"lost {sum(r.lost for r in results)}, double-counted "
                f"{sum(r.doubled for r in results)}"
            )
            if kind in RESTARTS:
                line += (
                    f"; restart → asks to join {_seconds([r.seconds_to_join for r in results])}"
                    f", → assignment {_seconds([r.seconds_to_assignment for r in results])}"
                    f", → first output {_seconds([r.seconds_to_first_output for r in results])}"
                )
            summary.append(line)
    print("restart safety (each trial against its own seeded traffic):")
    for line in summary:
        print(f"  {line}")
