"""``driftline replay``: SageMaker capture files into the capture topic."""

from __future__ import annotations

import time
from pathlib import Path

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from stream.capture.files import find_capture_files, iter_capture_lines, layout_routing
from stream.cli.connect import UserError, config_option, connect


@click.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@config_option
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), help="Records per second.")
@click.option(
    "--records-per-message",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Capture records batched into one JSON-Lines message.",
)
@click.option("--endpoint", help="Routing header for every message (default: from the layout).")
@click.option("--variant", help="Routing header for every message (default: from the layout).")
def replay(
    path: Path,
    config_path: Path | None,
    rate: float | None,
    records_per_message: int,
    endpoint: str | None,
    variant: str | None,
) -> None:
    """Send SageMaker capture files (a .jsonl file or a folder of them) to the capture topic.

    A folder is searched recursively (endpoint/variant/yyyy/mm/dd/hh layout) and its files are
    sent in lexical, i.e. chronological, order. Messages carry endpoint and variant
    headers, for monitors that match on them, taken from each file's place in that layout
    unless --endpoint/--variant are given. Lines that are not JSON objects are sent too (the
    worker dead-letters them) and counted here.
    """
    from stream.kafka.capture_producer import CaptureProducer

    config, names = connect(config_path)
    files = find_capture_files(path)
    if not files:
        msg = f"no .jsonl capture files under {path}"
        raise UserError(msg)
    console = Console(stderr=True)
    producer = CaptureProducer(
        bootstrap_servers=config.kafka.bootstrap_servers,
        topic=names.capture,
        records_per_message=records_per_message,
        linger_seconds=0.5,
        client_kwargs=config.kafka.client_kwargs(),
    )
    records = malformed = 0
    started = time.monotonic()
    progress = Progress(
        TextColumn("replay"), BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=console
    )
    with producer, progress:
        task = progress.add_task("replay", total=sum(f.stat().st_size for f in files))
        given = {k: v for k, v in (("endpoint", endpoint), ("variant", variant)) if v}
        for file in files:
            routing = {**layout_routing(file), **given}
            for line, size in iter_capture_lines([file]):
                progress.advance(task, size)
                if not line:
                    continue
                records += 1
                malformed += not _is_json_object(line)
                producer.send(line, routing)
                if rate is not None:
                    ahead_seconds = records / rate - (time.monotonic() - started)
                    if ahead_seconds > 0:
                        time.sleep(ahead_seconds)
    counts = producer.counts
    elapsed = time.monotonic() - started
    click.echo(
        f"replayed {records} records ({malformed} malformed) from {len(files)} file(s) "
        f"as {counts.messages_sent} messages to {names.capture} in {elapsed:.1f} s"
    )
    if counts.messages_failed:
        msg = f"{counts.messages_failed} messages were not delivered"
        raise UserError(msg)


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False
