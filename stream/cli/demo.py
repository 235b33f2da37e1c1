"""``driftline demo``: embedded broker, synthetic traffic with drift, the worker, a live table."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson
from rich.console import Console
from rich.live import Live
from rich.table import Table

from stream.cli.output import fail, is_plain_output, plain_table, silence_faust_spinner
from stream.kafka.broker import BrokerError
from stream.status.server import StatusServerError

if TYPE_CHECKING:
    from stream.demo.run import DemoRun
    from stream.worker.results import Result

# After --seconds, a worker still behind its traffic (a loaded machine) gets this much longer
# to evaluate the records sent, so the summary covers them all.
CATCH_UP_SECONDS = 30.0


def _above_zero(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A number > 0; inf only for --seconds (FloatRange lets NaN through: it never ended).

    --speed is at most the traffic's ``MAX_SPEED``: beyond it a window closes faster than
    the worker's loop turns, and event time soon leaves what a timestamp can write.
    """
    if param.name == "seconds":
        if not value > 0:
            msg = f"{value} is not a number > 0 (inf: until Ctrl-C)"
            raise click.BadParameter(msg, ctx, param)
        return value
    from stream.demo.traffic import MAX_SPEED

    if not 0 < value <= MAX_SPEED:
        msg = f"{value} is not a finite number > 0 and <= {MAX_SPEED:g}"
        raise click.BadParameter(msg, ctx, param)
    return value


@click.command("demo")
@click.option(
    "--seconds",
    default=90.0,
    show_default=True,
    callback=_above_zero,
    help="How long the demo runs once its worker owns its partitions (joining takes a few);"
    f" a worker still behind its traffic then gets up to {CATCH_UP_SECONDS:g} s more to catch up.",
)
@click.option(
    "--json-summary",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary as JSON to this file.",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=9108,
    show_default=True,
    help="0: any free port.",
)
@click.option(
    "--rate",
    type=click.IntRange(min=1),
    default=1500,
    show_default=True,
    help="Capture records per second.",
)
@click.option(
    "--speed",
    default=10.0,
    show_default=True,
    callback=_above_zero,
    help="Event seconds per wall second.",
)
def demo(
    seconds: float, json_summary: Path | None, metrics_port: int, rate: int, speed: float
) -> None:
    """Run the spine end to end and show that injected drift is flagged, and only it.

    Features income and plan drift half-way through the traffic; event time runs --speed
    times faster than the clock, so a 10-second window closes about every second.
    Ctrl-C stops everything cleanly and still prints the summary.
    """
    if json_summary is not None and not json_summary.parent.is_dir():
        fail(f"--json-summary {json_summary}: {json_summary.parent} is not a folder")
    from stream.demo.run import MIN_WINDOW_COUNT, DemoRun, demo_config
    from stream.demo.synthetic import SyntheticSchema
    from stream.demo.traffic import event_lead_seconds
    from stream.worker.process import TimedStop, run_worker

    logging.basicConfig(level=logging.ERROR)
    silence_faust_spinner()
    window_seconds = 10.0
    run = DemoRun(window_seconds=window_seconds)
    screen = _Screen(run)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    traffic_seconds = max(1.0, seconds - 4.0)  # the last windows close by idle timeout
    per_window = rate * window_seconds / speed
    if per_window < MIN_WINDOW_COUNT:
        click.echo(f"driftline: warning: {thin_windows_warning(rate, speed, per_window)}",
                   err=True)  # fmt: skip

    def on_ready(bootstrap: str, port: int) -> None:
        click.echo(
            f"embedded broker {bootstrap}; status page http://127.0.0.1:{port}/ "
            f"(metrics at /metrics)"
        )
        traffic = dict(seconds=traffic_seconds, records_per_second=rate, speed=speed, stop=stop)
        threads.append(_start_traffic(run, bootstrap, traffic))
        screen.start()

    def on_stop() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        screen.stop()

    def report() -> None:
        summary = run.summary(SyntheticSchema.demo().features)
        screen.show_summary(summary)
        if json_summary is not None:
            json_summary.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))

    def on_hang() -> None:  # from the worker's watchdog: the process ends right after
        on_stop()
        report()
        logging.disable(logging.CRITICAL)  # not the Kafka clients' cries as the broker stops
        click.echo(f"driftline: warning: {hung_warning(shutdown_seconds)}", err=True)

    with tempfile.TemporaryDirectory(prefix="driftline-demo-") as folder:
        try:
            lead = event_lead_seconds(traffic_seconds, speed, now=time.time())
            config = demo_config(Path(folder), metrics_port, window_seconds, lead)
            shutdown_seconds = config.worker.shutdown_timeout_seconds
            stop_after = TimedStop(
                seconds, settled=screen.caught_up, settle_seconds=CATCH_UP_SECONDS
            )
            code = run_worker(config, on_result=screen.on_result, on_ready=on_ready,
                              on_stop=on_stop, stop_after=stop_after,
                              loglevel="error", on_hang=on_hang)  # fmt: skip
        except BrokerError as error:
            fail(str(error))
        except StatusServerError as error:
            fail(f"{error}; choose another --metrics-port (0: any free port)")
        except KeyboardInterrupt:  # before the worker took over Ctrl-C
            code = 0
    report()
    raise SystemExit(code)


def thin_windows_warning(rate: int, speed: float, per_window: float) -> str:
    """What the demo says first when its windows will hold too few records for a verdict.

    >>> thin_windows_warning(100, 10.0, 100.0)[:62]
    'at --rate 100 and --speed 10 a window holds about 100 records,'
    """
    from stream.demo.run import MIN_WINDOW_COUNT

    return (
        f"at --rate {rate} and --speed {speed:g} a window holds about {per_window:.0f} "
        f"records, fewer than the {MIN_WINDOW_COUNT} a verdict needs: every window will be "
        "too few to judge (raise --rate or lower --speed)"
    )


def hung_warning(shutdown_seconds: float) -> str:
    """What the demo says after its summary when the worker's stop hung (it exits 0 then).

    A forced stop is not a failed run: the summary above covers every window evaluated
    before the stop was asked for, and ``driftline worker`` ends a hung stop with status 0
    too (its last snapshot stands).
    """
    return (
        f"the worker did not stop within {shutdown_seconds:g} s "
        "(worker.shutdown_timeout_seconds); the demo was ended by force, after the summary"
    )


def _start_traffic(run: DemoRun, bootstrap: str, settings: dict[str, Any]) -> threading.Thread:
    """The thread sending the synthetic capture traffic (``send_traffic`` with ``settings``)."""
    from stream.demo.traffic import send_traffic
    from stream.kafka.topics import TopicNames

    thread = threading.Thread(
        target=send_traffic,
        args=(run, bootstrap, TopicNames.from_prefix("demo")),
        kwargs=settings,
        name="driftline-demo-traffic",
        daemon=True,
    )
    thread.start()
    return thread


class _Screen:
    """Where the demo shows its windows: a live table on a terminal, plain lines in a log."""

    def __init__(self, run: DemoRun) -> None:
        from stream.demo.run import live_table, recorder

        self.run = run
        self.plain = is_plain_output()  # a log: plain lines, ISO times, full column names
        self.console = Console()
        self.record = recorder(run)
        self.told_behind = False
        self.live = Live(
            get_renderable=lambda: live_table(run), console=self.console, refresh_per_second=2
        )

    def on_result(self, result: Result) -> None:
        from stream.demo.run import worth_a_line
        from stream.demo.summary import window_line

        self.record(result)
        if self.plain and worth_a_line(result, self.run):
            click.echo(window_line(result))

    def caught_up(self) -> bool:
        """Whether every record sent is in an evaluated window; says once that it waits."""
        behind = self.run.records_behind()
        if behind and not self.told_behind:
            self.told_behind = True
            line = (f"the worker has {behind} records to go: waiting up to "
                    f"{CATCH_UP_SECONDS:g} s for it to catch up")  # fmt: skip
            click.echo(line) if self.plain else self.console.print(line)
        return not behind

    def start(self) -> None:
        if not self.plain:
            self.live.start()

    def stop(self) -> None:
        if not self.plain:
            self.live.stop()

    def show_summary(self, summary: dict[str, Any]) -> None:
        from stream.demo.summary import (
            MONITOR_COLUMNS,
            SUMMARY_COLUMNS,
            monitor_rows,
            summary_rows,
            summary_title,
        )

        if self.plain:
            click.echo(summary_title(summary))
            click.echo(plain_table(SUMMARY_COLUMNS, summary_rows(summary)))
            click.echo(plain_table(MONITOR_COLUMNS, monitor_rows(summary)))
        else:
            self.console.print(summary_table(summary))
            self.console.print(monitors_table(summary))


def summary_table(summary: dict[str, Any]) -> Table:
    """Per feature: drift injected, flagged, first flagged window, delays (for a terminal)."""
    from stream.demo.summary import SUMMARY_COLUMNS, summary_rows, summary_title

    table = Table(title=summary_title(summary))
    for column in SUMMARY_COLUMNS:
        table.add_column(column)
    for f, cells in zip(summary["features"], summary_rows(summary), strict=True):
        ok = f["flagged"] == f["drift_injected"]
        table.add_row(cells[0], cells[1], f"[{'green' if ok else 'red'}]{cells[2]}", *cells[3:])
    return table


def monitors_table(summary: dict[str, Any]) -> Table:
    """Per labelled monitor: shift injected, flagged, false alarms, delay, coverage."""
    from stream.demo.summary import MONITOR_COLUMNS, monitor_rows

    table = Table(title="labelled monitors")
    for column in MONITOR_COLUMNS:
        table.add_column(column)
    for m, cells in zip(summary["monitors"], monitor_rows(summary), strict=True):
        ok = m["flagged"] == m["injected"] and not m["flagged_before_onset"]
        table.add_row(cells[0], cells[1], f"[{'green' if ok else 'red'}]{cells[2]}", *cells[3:])
    return table
