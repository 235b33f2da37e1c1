"""``driftline demo`` whose worker does not stop in time still prints what it measured.

The worker's watchdog ends a stop that outlasts ``worker.shutdown_timeout_seconds`` with
``os._exit`` (status 0: the last snapshot stands), which skips the demo's own summary: the
demo ended with status 0 and without a word on what it had found. Now the summary (and the
``--json-summary`` file) comes first, then one warning line on stderr; the status stays 0, as
``driftline worker``'s does after a forced stop. Here the worker's last step, closing its own
Kafka clients, hangs (as on a broker that stopped answering) past a deadline of 1 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

pytestmark = pytest.mark.kafka

CHILD = """
import asyncio, dataclasses, sys
import stream.demo.run as demo_run
from stream.worker.runner import WorkerRunner
real_config = demo_run.demo_config

def hasty_config(*args, **kwargs):
    config = real_config(*args, **kwargs)
    worker = dataclasses.replace(config.worker, shutdown_timeout_seconds=1.0)
    return dataclasses.replace(config, worker=worker)

async def hung_close(self):  # as a Kafka client's close on a broker that stopped answering
    await asyncio.sleep(60)

demo_run.demo_config = hasty_config
WorkerRunner.close = hung_close
from stream.cli import main
sys.argv = ["driftline", "demo", "--seconds", "8", "--metrics-port", "0",
            "--json-summary", sys.argv[1]]
main()
"""


def test_a_hung_stop_still_prints_the_summary_then_a_warning(tmp_path: Path) -> None:
    summary_path = tmp_path / "summary.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    env.pop("PYTHONUNBUFFERED", None)  # a piped stdout, block-buffered: os._exit drops it
    done = subprocess.run([sys.executable, "-c", CHILD, str(summary_path)], capture_output=True,
                          text=True, timeout=180, env=env, check=False)  # fmt: skip
    out, err = done.stdout, done.stderr
    assert "did not stop within 1.0 s" in err, out[-2000:] + err[-2000:]  # the watchdog fired
    assert done.returncode == 0, err[-2000:]
    assert "feature        drift injected  flagged  first flagged window" in out, out[-2000:]
    assert "monitor                    shift injected" in out
    summary = orjson.loads(summary_path.read_bytes())
    assert summary["windows_evaluated"] >= 1
    warning = [line for line in err.splitlines() if line.startswith("driftline: warning:")]
    assert warning == [
        "driftline: warning: the worker did not stop within 1 s "
        "(worker.shutdown_timeout_seconds); the demo was ended by force, after the summary"
    ]
    assert "Traceback" not in err
    assert err.rstrip().splitlines()[-1] == warning[0]  # the last word, after the summary
