"""Run ``driftline worker`` as a real subprocess against the test broker, and read its output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from prometheus_client.parser import text_string_to_metric_families

from stream.demo.synthetic import SyntheticSchema
from stream.kafka.broker import die_with_parent, free_port
from stream.monitors.data_quality import save_data_quality_baseline
from tests.integration.readback import read_topic

DRIFTLINE = str(Path(sys.executable).with_name("driftline"))
SCHEMA = SyntheticSchema.demo()


def write_config(
    folder: Path,
    bootstrap: str,
    prefix: str,
    *,
    worker: dict[str, Any] | None = None,
    **monitor: Any,
) -> Path:
    """A worker config with one monitor ``m`` on the demo schema's baseline (and ``worker``
    as its ``[worker]`` table)."""
    baseline = folder / "baseline"
    if not baseline.exists():
        save_data_quality_baseline(baseline, SCHEMA.baseline())
    settings = dict(window_seconds=10, allowed_lateness_seconds=1, idle_close_seconds=3,
                    min_window_count=30, capture_index_names=["endpointInput"])  # fmt: skip
    settings.update(monitor)
    lines = ["[kafka]", f'bootstrap_servers = "{bootstrap}"', f'topic_prefix = "{prefix}"']
    lines += ["partitions = 4"]
    if worker:
        lines += ["[worker]", *_assignments(worker)]
    lines += ["[[monitor]]", 'name = "m"', 'baseline = "baseline"', *_assignments(settings)]
    path = folder / f"worker-{prefix}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _assignments(table: dict[str, Any]) -> list[str]:
    """TOML ``key = value`` lines (orjson's JSON for strings, numbers and lists is TOML)."""
    return [f"{k} = {orjson.dumps(v).decode()}" for k, v in table.items()]


class WorkerProcess:
    """A ``driftline worker`` subprocess with its own metrics port."""

    def __init__(
        self,
        config: Path,
        log: Path,
        log_level: str = "warning",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.metrics_port = free_port()
        env = dict(os.environ, DRIFTLINE_METRICS_PORT=str(self.metrics_port), **(extra_env or {}))
        env.pop("DRIFTLINE_BOOTSTRAP_SERVERS", None)
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [DRIFTLINE, "worker", "--config", str(config), "--log-level", log_level],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=die_with_parent,
        )

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Current samples: {(name, sorted labels): value}; {} while not serving."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        try:
            text = urllib.request.urlopen(url, timeout=2).read().decode()
        except OSError:
            return {}
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }

    def sample(self, name: str, **labels: str) -> float | None:
        """One sample's value, None when absent."""
        return self.metrics().get((name, tuple(sorted(labels.items()))))

    def assigned(self) -> int:
        """Capture partitions this worker owns (0 while not serving)."""
        return int(self.sample("driftline_assigned_partitions") or 0)

    def stop(self, timeout_seconds: float = 15.0) -> float:
        """SIGTERM; return the seconds it took to exit."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_seconds)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return time.monotonic() - started


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def broker_children(pid: int) -> list[int]:
    """The embedded Tansu brokers among ``pid``'s children (other children come and go)."""
    found = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):  # gone meanwhile
            continue
        if b"tansu" in command:
            found.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # gone between the two looks
        return False
    return stat.split(")")[-1].split()[0] != "Z"


def wait_for(condition: Callable[[], Any], timeout_seconds: float, what: str) -> Any:
    """Poll ``condition`` until it returns something truthy."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    msg = f"timed out after {timeout_seconds} s waiting for {what}"
    raise AssertionError(msg)


def read_json(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every message of ``topic`` decoded from JSON."""
    return [orjson.loads(m.value) for m in read_topic(bootstrap, topic)]


def latest_by_window(
    bootstrap: str, topic: str, n_windows: int, timeout_seconds: float
) -> list[dict[str, Any]]:
    """Wait until ``topic`` has messages for ``n_windows`` windows, the latest of each
    ``complete``; return those.

    Under load the aggregator's idle timeout can finalise a window before a slow
    partition's partial arrives; the window is then sent again with a higher ``revision``.
    Counting messages would take that revision for another window, and taking the windows
    as soon as there are ``n_windows`` would take the incomplete one: its latest is
    ``complete`` once every partition's progress passed its end.
    """

    def latest() -> list[dict[str, Any]] | None:
        best: dict[str, dict[str, Any]] = {}
        for doc in read_json(bootstrap, topic):
            seen = best.get(doc["window_start"])
            if seen is None or doc["revision"] > seen["revision"]:
                best[doc["window_start"]] = doc
        done = len(best) >= n_windows and all(d["complete"] for d in best.values())
        return sorted(best.values(), key=lambda d: d["window_start"]) if done else None

    return wait_for(latest, timeout_seconds, f"{n_windows} complete windows on {topic}")
