"""``driftline replay``: SageMaker capture files into the capture topic."""

from __future__ import annotations

import itertools
import math
import signal
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from stream.capture.files import find_capture_files, iter_capture_lines, layout_routing
from stream.capture.records import CaptureError, decode_capture
from stream.capture.restamp import restamp
from stream.cli.connect import UserError, config_option, connect
from stream.cli.output import InputPath, Interrupted, not_delivered
from stream.kafka.security import kafka_python_kwargs

# a wait for a slow --rate sleeps at most this long at a time: time.sleep refuses what a
# C time_t cannot hold (a first record due in 30,000 years at --rate 1e-12)
MAX_SLEEP_SECONDS = 3600.0
# once --loop is told to stop, the broker has this long without answering to take what is
# left; a second Ctrl-C or SIGTERM abandons it at once
STOP_SILENT_SECONDS = 5.0


def _finite_rate(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """A finite number > 0, or None (click's FloatRange lets NaN and inf through)."""
    if value is not None and not 0 < value < math.inf:
        msg = f"{value} is not a finite number > 0"
        raise click.BadParameter(msg, ctx, param)
    return value


@click.command()
@click.argument(
    "path", type=InputPath(exists=True, expected="a capture file or folder", path_type=Path)
)
@config_option
@click.option(
    "--rate", type=float, callback=_finite_rate, help="Records per second (a finite number > 0)."
)
@click.option(
    "--records-per-message",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Capture records batched into one JSON-Lines message.",
)
@click.option("--endpoint", help="Routing header for every message (default: from the layout).")
@click.option("--variant", help="Routing header for every message (default: from the layout).")
@click.option(
    "--live",
    is_flag=True,
    help="Set each record's eventMetadata.inferenceTime to the time it is sent.",
)
@click.option(
    "--loop",
    is_flag=True,
    help="Send the files again and again until interrupted (needs --live).",
)
def replay(
    path: Path,
    config_path: Path | None,
    rate: float | None,
    records_per_message: int,
    endpoint: str | None,
    variant: str | None,
    live: bool,
    loop: bool,
) -> None:
    """Send SageMaker capture files (a .jsonl file or a folder of them) to the capture topic.

    A folder is searched recursively (endpoint/variant/yyyy/mm/dd/hh layout) and its files are
    sent in lexical, i.e. chronological, order. Messages carry endpoint and variant
    headers, for monitors that match on them, taken from each file's place in that layout
    unless --endpoint/--variant are given. Lines that are not capture records are sent too
    (the worker dead-letters them) and counted here as malformed; when not one line is a
    capture record, replay ends with an error (exit 2) after sending them. A gzip-compressed
    file (*.jsonl.gz in a folder) is sent decompressed; a UTF-8 byte-order mark at a file's
    start is left out.

    With --live the recorded captures become live traffic: windows are cut by inferenceTime,
    which is then the time of sending (pace it with --rate). --loop repeats the files until
    Ctrl-C or SIGTERM, e.g. to keep a dashboard fed. A broker that stops answering for the
    producer's request timeout (30 s) ends the replay with an error.
    """
    from stream.kafka.capture_producer import CaptureProducer
    from stream.kafka.keyed_producer import BrokerNotAnswering

    if loop and not live:
        msg = "--loop needs --live: the records' own times would fall in windows already closed"
        raise UserError(msg)
    config, names = connect(config_path)
    files = find_capture_files(path)
    if not files:
        msg = f"no .jsonl (or .jsonl.gz) capture files under {path}"
        raise UserError(msg)
    console = Console(stderr=True)
    producer = CaptureProducer(
        bootstrap_servers=config.kafka.bootstrap_servers,
        topic=names.capture,
        records_per_message=records_per_message,
        linger_seconds=0.5,
        client_kwargs=kafka_python_kwargs(config.kafka),
    )
    started = time.monotonic()
    progress = Progress(
        TextColumn("replay"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        console=console, disable=not console.is_terminal,
    )  # fmt: skip
    given = {k: v for k, v in (("endpoint", endpoint), ("variant", variant)) if v}
    sent = _Sent(started, rate, live)
    previous = signal.signal(signal.SIGTERM, _interrupt) if loop else None
    try:
        with producer:  # a Ctrl-C abandons it: nothing more is waited for
            with progress:
                stopped = _send_files(producer, files, given, sent, progress, loop)
            producer.close(silent_limit_seconds=STOP_SILENT_SECONDS if stopped else None)
    except BrokerNotAnswering as error:
        raise UserError(str(error)) from error
    except KeyboardInterrupt:  # also while the broker does not answer: at once
        raise Interrupted(not_delivered(producer.counts.messages_failed)) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    counts = producer.counts
    elapsed = time.monotonic() - started
    replayed = sent.records - counts.records_oversized
    click.echo(
        f"replayed {replayed} records ({sent.malformed} malformed) from {len(files)} "
        f"file(s) as {counts.messages_sent} messages to {names.capture} in {elapsed:.1f} s"
    )
    if counts.records_oversized:
        click.echo(
            f"warning: {counts.records_oversized} records not sent: each is larger than one "
            f"Kafka message may be ({producer.max_message_bytes} bytes)",
            err=True,
        )
    if counts.messages_failed:
        msg = f"{counts.messages_failed} messages were not delivered"
        raise UserError(msg)
    if sent.records and sent.malformed == sent.records:
        msg = (
            f"no capture record in {path}: all {sent.records} lines are malformed "
            f"(the worker dead-letters the ones sent)"
        )
        raise UserError(msg)


def _send_files(
    producer: Any, files: list[Path], given: dict[str, str], sent: _Sent, progress: Progress,
    loop: bool,
) -> bool:  # fmt: skip
    """Send every file once, or with ``loop`` again and again until SIGTERM or Ctrl-C.

    Whether a signal ended the loop (the caller, who turned SIGTERM into a
    ``KeyboardInterrupt``, flushes the producer then, and a second one interrupts that).
    """
    task = progress.add_task("replay", total=sum(f.stat().st_size for f in files))
    try:
        for _ in itertools.count() if loop else range(1):
            progress.reset(task)
            for file in files:
                routing = {**layout_routing(file), **given}
                for line, size in iter_capture_lines([file]):
                    progress.advance(task, size)
                    if line:
                        producer.send(sent.record(line), routing)
                        producer.check_answering()
            if sent.malformed == sent.records:
                break  # not one capture record: another --loop pass would add nothing
    except KeyboardInterrupt:  # the end of --loop; the caller flushes the producer
        if not loop:
            raise
        return True
    return False


class _Sent:
    """Counts the records sent, paces them to ``rate`` and stamps them when ``live``."""

    def __init__(self, started: float, rate: float | None, live: bool) -> None:
        self.started = started
        self.rate = rate
        self.live = live
        self.records = self.malformed = 0

    def record(self, line: bytes) -> bytes:
        """Wait for the record's turn; the line to send."""
        if self.rate is not None:
            due = self.started + (self.records + 1) / self.rate
            while (ahead_seconds := due - time.monotonic()) > 0:
                time.sleep(min(ahead_seconds, MAX_SLEEP_SECONDS))
        self.records += 1
        self.malformed += not _is_capture_record(line)
        return restamp(line, time.time()) if self.live else line


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _is_capture_record(line: bytes) -> bool:
    """Whether the worker would read ``line`` as a capture record (else it dead-letters it)."""
    try:
        decode_capture(line)
    except CaptureError:
        return False
    return True
