"""``driftline demo``: embedded broker, synthetic traffic with drift, the worker, a live table."""

from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson
from rich.console import Console
from rich.live import Live
from rich.table import Table

from stream.cli.output import fail
from stream.kafka.broker import BrokerError
from stream.status.server import StatusServerError

if TYPE_CHECKING:
    from stream.worker.aggregator import WindowResult


@click.command("demo")
@click.option("--seconds", default=90.0, show_default=True, help="How long the demo runs.")
@click.option(
    "--json-summary",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary as JSON to this file.",
)
@click.option("--metrics-port", default=9108, show_default=True, help="0: any free port.")
@click.option("--rate", default=3000, show_default=True, help="Capture records per second.")
@click.option("--speed", default=10.0, show_default=True, help="Event seconds per wall second.")
def demo(
    seconds: float, json_summary: Path | None, metrics_port: int, rate: int, speed: float
) -> None:
    """Run the spine end to end and show that injected drift is flagged, and only it.

    Features income and plan drift half-way through the traffic; event time runs --speed
    times faster than the clock, so a 10-second window closes about every second.
    Ctrl-C stops everything cleanly and still prints the summary.
    """
    from stream.demo.run import DemoRun, demo_config, live_table, recorder, send_traffic
    from stream.demo.synthetic import SyntheticSchema
    from stream.kafka.topics import TopicNames
    from stream.worker.process import run_worker

    logging.basicConfig(level=logging.ERROR)
    console = Console()
    window_seconds = 10.0
    run = DemoRun(window_seconds=window_seconds)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    traffic_seconds = max(1.0, seconds - 4.0)  # the last windows close by idle timeout
    live = Live(get_renderable=lambda: live_table(run), console=console, refresh_per_second=2)
    record = recorder(run)

    def on_result(result: WindowResult) -> None:
        record(result)
        if not console.is_terminal:
            flagged = sorted({v.feature_name or "" for v in result.evaluation.violations})
            console.print(f"window {result.window_start:.0f}: {result.status} {flagged}")

    def on_ready(bootstrap: str, port: int) -> None:
        console.print(
            f"embedded broker {bootstrap}; status page http://127.0.0.1:{port}/ "
            f"(metrics at /metrics)"
        )
        topic = TopicNames.from_prefix("demo").capture
        thread = threading.Thread(
            target=send_traffic,
            args=(run, bootstrap, topic),
            kwargs=dict(seconds=traffic_seconds, records_per_second=rate, speed=speed, stop=stop),
            name="driftline-demo-traffic",
            daemon=True,
        )
        thread.start()
        threads.append(thread)
        if console.is_terminal:
            live.start()

    def on_stop() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        if console.is_terminal:
            live.stop()

    with tempfile.TemporaryDirectory(prefix="driftline-demo-") as folder:
        try:
            config = demo_config(Path(folder), metrics_port, window_seconds)
            code = run_worker(config, on_result=on_result, on_ready=on_ready, on_stop=on_stop,
                              stop_after_seconds=seconds, loglevel="error")  # fmt: skip
        except BrokerError as error:
            fail(str(error))
        except StatusServerError as error:
            fail(f"{error}; choose another --metrics-port (0: any free port)")
        except KeyboardInterrupt:  # before the worker took over Ctrl-C
            code = 0
    summary = run.summary(SyntheticSchema.demo().features, ("income", "plan"))
    console.print(summary_table(summary))
    if json_summary is not None:
        json_summary.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    raise SystemExit(code)


def summary_table(summary: dict[str, Any]) -> Table:
    """Per feature: drift injected, flagged, first flagged window, delays."""
    table = Table(
        title=f"{summary['windows_evaluated']} windows, {summary['records_sent']} records; "
        f"drift injected at {summary['drift_onset']}"
    )
    for column in ("feature", "drift injected", "flagged", "first flagged window",
                   "delay (event s)", "delay (wall s)"):  # fmt: skip
        table.add_column(column)
    for f in summary["features"]:
        ok = f["flagged"] == f["drift_injected"]
        delays = [f["detection_delay_event_seconds"], f["detection_delay_wall_seconds"]]
        table.add_row(
            f["feature"],
            "yes" if f["drift_injected"] else "no",
            f"[{'green' if ok else 'red'}]{'yes' if f['flagged'] else 'no'}",
            f["first_flagged_window_start"] or "",
            *("" if d is None else f"{d:.1f}" for d in delays),
        )
    return table
