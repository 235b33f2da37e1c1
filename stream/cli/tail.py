"""``driftline tail``: follow an output topic like ``tail -f``."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.text import Text

from stream.cli.connect import config_option, connect

TAIL_TOPICS = ("violations", "statistics", "executions", "deadletter")
_PRETTY_FIELDS = ("constraint_check_type", "feature_name", "metric_name", "value", "threshold")


@click.command()
@config_option
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

    config, names = connect(config_path)
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
