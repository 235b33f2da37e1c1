"""``driftline replay`` (capture files → capture topic) and ``driftline tail`` (topic → terminal).

Both need a running broker: they never start the embedded one, since its in-memory topics
would vanish when the command ends. Both create driftline's topics if missing, with the
configured partition count (a topic created implicitly gets the broker's default count).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from stream.capture_files import find_capture_files, iter_capture_lines, layout_routing
from stream.config import ConfigError, DriftlineConfig, load_config
from stream.topics import TopicError, TopicNames, ensure_topics_sync

TAIL_TOPICS = ("violations", "statistics", "executions", "deadletter")
_PRETTY_FIELDS = ("constraint_check_type", "feature_name", "metric_name", "value", "threshold")


class UserError(click.ClickException):
    """A mistake the user can fix: one line on stderr, exit code 2."""

    exit_code = 2


_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="driftline TOML config (DRIFTLINE_* environment variables override it).",
)


def _connect(config_path: Path | None) -> tuple[DriftlineConfig, TopicNames]:
    """Load the config, refuse the embedded broker, and make sure the topics exist."""
    try:
        config = load_config(config_path, os.environ)
    except ConfigError as error:
        raise UserError(str(error)) from error
    kafka = config.kafka
    if kafka.uses_embedded_broker:
        msg = (
            "this command needs a running broker, but kafka.bootstrap_servers is empty; "
            "set it (or DRIFTLINE_KAFKA_BOOTSTRAP_SERVERS), or use `driftline demo` / "
            "`driftline worker`, which start the embedded broker"
        )
        raise UserError(msg)
    names = TopicNames.from_prefix(kafka.topic_prefix)
    # aiokafka logs each failed connection attempt; the one-line error below says it all.
    logging.getLogger("aiokafka").addHandler(logging.NullHandler())
    try:
        ensure_topics_sync(
            kafka.bootstrap_servers,
            names,
            kafka.partitions,
            kafka.replication_factor,
            kafka.client_kwargs(),
            compacted=names.compacted,
        )
    except TopicError as error:
        raise UserError(str(error)) from error
    except Exception as error:  # aiokafka's connection errors have no common public base
        msg = (
            f"cannot reach the broker at {kafka.bootstrap_servers}: {error or type(error).__name__}"
        )
        raise UserError(msg) from error
    return config, names


@click.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@_config_option
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
    sent in lexical, i.e. chronological, order. Messages carry ``endpoint`` and ``variant``
    headers, for monitors that ``match`` on them, taken from each file's place in that layout
    unless --endpoint/--variant are given. Lines that are not JSON objects are sent too (the
    worker dead-letters them) and counted here.
    """
    from stream.capture_producer import CaptureProducer

    config, names = _connect(config_path)
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


@click.command()
@_config_option
@click.option("--topic", type=click.Choice(TAIL_TOPICS), default="violations", show_default=True)
@click.option("--from-beginning", is_flag=True, help="Start at the oldest message, not the end.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--max-messages", type=click.IntRange(min=1), help="Exit after this many messages.")
def tail(
    config_path: Path | None,
    topic: str,
    from_beginning: bool,
    as_json: bool,
    max_messages: int | None,
) -> None:
    """Follow a driftline output topic like ``tail -f``; Ctrl-C stops it."""
    from kafka import KafkaConsumer, TopicPartition  # type: ignore[import-untyped]

    config, names = _connect(config_path)
    name = getattr(names, topic)
    consumer = KafkaConsumer(
        bootstrap_servers=config.kafka.bootstrap_servers,
        group_id=None,  # assigned partitions, no group: works on every broker
        enable_auto_commit=False,
        **config.kafka.client_kwargs(),
    )
    shown = 0
    try:
        partitions = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name))]
        consumer.assign(partitions)
        if from_beginning:
            consumer.seek_to_beginning()
        else:
            consumer.seek_to_end()
        for tp in partitions:
            consumer.position(tp)  # resolve the offsets now, so "ready" means ready
        start = "the beginning" if from_beginning else "the end"
        click.echo(f"following {name} from {start}; Ctrl-C to stop", err=True)
        console = Console()
        while max_messages is None or shown < max_messages:
            for batch in consumer.poll(timeout_ms=500).values():
                for message in batch:
                    for obj in _objects(message):
                        if as_json:
                            sys.stdout.write(orjson.dumps(obj).decode() + "\n")
                            sys.stdout.flush()
                        else:
                            _print_pretty(console, message, obj)
                    shown += 1
    except KeyboardInterrupt:
        pass
    finally:
        _close_quietly(consumer)


def _close_quietly(consumer: Any) -> None:
    # After Ctrl-C kafka-python may still deliver the interrupt while closing; it changes
    # nothing (nothing is committed), so the command still ends with code 0.
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main_thread else None
    try:
        with contextlib.suppress(KeyboardInterrupt):
            consumer.close(autocommit=False)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous)


def _objects(message: Any) -> list[dict[str, Any]]:
    """The JSON objects in a message (one, or one per JSON line), else a wrapper of the text."""
    value: bytes = message.value or b""
    for candidates in ([value], value.split(b"\n")):
        try:
            parsed = [orjson.loads(part) for part in candidates if part.strip()]
        except orjson.JSONDecodeError:
            continue
        if parsed and all(isinstance(p, dict) for p in parsed):
            return parsed
    text = value.decode("utf-8", errors="replace")
    return [{"partition": message.partition, "offset": message.offset, "raw": text}]


def _print_pretty(console: Console, message: Any, obj: dict[str, Any]) -> None:
    monitor = obj.get("monitor") or obj.get("monitor_id") or "-"
    window = obj.get("window_end") or obj.get("window_start") or ""
    fields = [f"{k}={obj[k]}" for k in _PRETTY_FIELDS if obj.get(k) is not None]
    description = str(obj.get("description") or "")
    if not fields and not description:
        fields = [orjson.dumps(obj).decode()]
    line = Text.assemble(
        (f"{message.partition}:{message.offset} ", "dim"),
        (f"{monitor} ", "bold"),
        (f"{window} ", "cyan"),
        " ".join(fields),
        (f" {description}" if description else "", "yellow"),
    )
    console.print(line, highlight=False, soft_wrap=True)


def register(group: click.Group) -> None:
    """Add ``replay`` and ``tail`` to the ``driftline`` group."""
    group.add_command(replay)
    group.add_command(tail)
