"""``driftline tail``: follow an output topic like tail -f.

The consumer is aiokafka's, with assigned partitions and no group (so it works on every
broker, the embedded one included) — the client the worker itself uses. Every message is
shown: a JSON-Lines message shows each of its objects, and ``--max-messages`` counts what
is shown.

Ctrl-C (or SIGTERM) stops it with status 0 by its own handler, not by cancelling the
consumer mid-call: while following, the loop ends after the poll in progress (at most
:data:`_POLL_MS`); before that, the start is cancelled. Closing the consumer then waits at
most :data:`_STOP_SECONDS` for a broker that no longer answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.text import Text

from stream.capture.undecodable import UndecodableBatch
from stream.cli.connect import config_option, connect
from stream.cli.output import is_plain_output
from stream.config import DriftlineConfig
from stream.kafka.security import kafka_python_kwargs
from stream.kafka.topics import aiokafka_kwargs

TAIL_TOPICS = ("violations", "statistics", "executions", "deadletter", "labels", "attributions")
_PRETTY_FIELDS = ("constraint_check_type", "feature_name", "metric_name", "value", "threshold")
_POLL_MS = 500
_STOP_SECONDS = 5.0
_RESTART_CHECK_SECONDS = 5.0  # how often the end offsets are compared with the positions
_RESTART_CHECK_TIMEOUT_SECONDS = 2.0  # a broker that does not answer: check again later


@click.command()
@config_option
@click.option("--topic", type=click.Choice(TAIL_TOPICS), default="violations", show_default=True)
@click.option("--from-beginning", is_flag=True, help="Start at the oldest message, not the end.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--max-messages", type=click.IntRange(min=1), help="Exit after showing this many objects."
)
def tail(
    config_path: Path | None,
    topic: str,
    from_beginning: bool,
    as_json: bool,
    max_messages: int | None,
) -> None:
    """Follow a driftline output topic like tail -f; Ctrl-C stops it."""
    config, names = connect(config_path)
    name = getattr(names, topic)
    show = _json_printer() if as_json else _pretty_printer()
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        asyncio.run(_follow(config, name, from_beginning, max_messages, show))


async def _follow(
    config: DriftlineConfig,
    name: str,
    from_beginning: bool,
    max_messages: int | None,
    show: Callable[[Any, dict[str, Any]], None],
) -> None:
    from aiokafka import AIOKafkaConsumer  # type: ignore[import-untyped]
    from aiokafka.structs import TopicPartition  # type: ignore[import-untyped]

    from stream.kafka.undecodable_batches import read_past_undecodable_batches

    read_past_undecodable_batches([name])  # an undecodable batch: one line that says so
    stop = _stop_on_signals()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=config.kafka.bootstrap_servers,
        group_id=None,  # assigned partitions, no group: works on every broker
        enable_auto_commit=False,
        **aiokafka_kwargs(kafka_python_kwargs(config.kafka)),
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(name, p) for p in sorted(await _partitions(consumer, name))]
        consumer.assign(partitions)
        if from_beginning:
            await consumer.seek_to_beginning(*partitions)
        else:
            await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)  # resolve the offsets now, so "ready" means ready
        start = "the beginning" if from_beginning else "the end"
        click.echo(f"following {name} from {start}; Ctrl-C to stop", err=True)
        shown = 0
        stop.following = True
        restarts, checked = _RestartWatch(), float("-inf")
        while not stop.is_set() and (max_messages is None or shown < max_messages):
            if time.monotonic() - checked >= _RESTART_CHECK_SECONDS:
                await restarts.check(consumer, partitions)
                checked = time.monotonic()
            batches = await consumer.getmany(*partitions, timeout_ms=_POLL_MS)
            for tp in sorted(batches, key=lambda t: t.partition):
                for message in batches[tp]:
                    for obj in _objects(message):
                        show(message, obj)
                        shown += 1
                        if max_messages is not None and shown >= max_messages:
                            return
    finally:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(consumer.stop(), _STOP_SECONDS)


class _RestartWatch:
    """Reads a partition that started again at offset 0 from its start, and says so.

    A broker replaced by an empty one (the embedded broker keeps its topics in memory) or a
    topic deleted and created again starts at offset 0 again, below where tail had read to:
    tail waited there without a word until the new partition grew past the old position, and
    then skipped everything before it.

    The sign is an end offset that went *down* since the last check (or is 0 with something
    read), not one below the position: the embedded Tansu broker reports the base offset of
    the last record batch plus one as the end, below the position after any batch of several
    records (see :mod:`stream.worker.pending_changelog`), but that too never goes down.
    """

    def __init__(self) -> None:
        self.ends: dict[Any, int] = {}  # the end offset last reported, by partition

    async def check(self, consumer: Any, partitions: list[Any]) -> None:
        """Compare the reported ends with the last ones; a broker that does not answer: later."""

        async def ends_and_positions() -> tuple[dict[Any, int], dict[Any, int]]:
            ends = await consumer.end_offsets(partitions)
            return ends, {tp: await consumer.position(tp) for tp in partitions}

        try:
            ends, positions = await asyncio.wait_for(
                ends_and_positions(), _RESTART_CHECK_TIMEOUT_SECONDS
            )
        except Exception:  # no answer, or the topic is gone for now: check again later
            return
        for tp, end in ends.items():
            before = self.ends.get(tp)
            self.ends[tp] = end
            went_down = end == 0 or (before is not None and end < before)
            if went_down and end < positions.get(tp, 0):
                click.echo(
                    f"{tp.topic} partition {tp.partition} starts again (its end offset went "
                    f"down to {end}, tail had read to {positions[tp]}: a new broker, or the "
                    f"topic was created again); following it from its start",
                    err=True,
                )
                await consumer.seek_to_beginning(tp)


class _Stop(asyncio.Event):
    """Set by Ctrl-C or SIGTERM; ``following`` once the loop polls (it checks the event)."""

    following = False


def _stop_on_signals() -> _Stop:
    """An event Ctrl-C and SIGTERM set; before the loop follows, they cancel the start too."""
    stop = _Stop()
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()

    def on_signal() -> None:
        stop.set()
        if not stop.following and main is not None:
            main.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)
    return stop


async def _partitions(consumer: Any, name: str) -> set[int]:
    await consumer.topics()  # loads the cluster's metadata, this topic's partitions included
    return set(consumer.partitions_for_topic(name) or ())


def _objects(message: Any) -> list[dict[str, Any]]:
    """The JSON objects in a message (one, or one per JSON line), else a wrapper of the text.

    The stand-in for a record batch that does not decode is a wrapper of its problem.
    """
    if isinstance(message.value, UndecodableBatch):  # empty bytes: test before `or`
        return [{"partition": message.partition, "offset": message.offset,
                 "error": message.value.problem}]  # fmt: skip
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


def _json_printer() -> Callable[[Any, dict[str, Any]], None]:
    def show(message: Any, obj: dict[str, Any]) -> None:
        sys.stdout.write(orjson.dumps(obj).decode() + "\n")
        sys.stdout.flush()

    return show


def _pretty_printer() -> Callable[[Any, dict[str, Any]], None]:
    plain = is_plain_output()
    console = Console(no_color=plain, highlight=False, soft_wrap=True)

    def show(message: Any, obj: dict[str, Any]) -> None:
        monitor = obj.get("monitor") or obj.get("monitor_id") or "-"
        # a window's end; an online alarm has no window, but the time it was detected
        window = obj.get("window_end") or obj.get("window_start") or obj.get("detected_at") or ""
        fields = [f"{k}={obj[k]}" for k in _PRETTY_FIELDS if obj.get(k) is not None]
        description = str(obj.get("description") or obj.get("error") or "")
        if _is_dead_letter(obj):
            fields = [f"reason={obj['reason']}", f"from={_origin(obj)}"]
            description = str(obj.get("message") or "")
        if not fields and not description:
            fields = [orjson.dumps(obj).decode()]
        line = Text.assemble(
            (f"{message.partition}:{message.offset} ", "dim"),
            (f"{monitor} ", "bold"),
            (f"{window} " if window else "", "cyan"),
            " ".join(fields),
            (f" {description}" if description else "", "yellow"),
        )
        if plain:
            sys.stdout.write(line.plain + "\n")
            sys.stdout.flush()
        else:
            console.print(line)

    return show


def _is_dead_letter(obj: dict[str, Any]) -> bool:
    """Whether ``obj`` is a dead letter (:func:`stream.kafka.dead_letters.dead_letter_message`)."""
    return "reason" in obj and "raw_base64" in obj


def _origin(obj: dict[str, Any]) -> str:
    """Where a dead letter's record came from: its file and line, else its Kafka message.

    >>> _origin({"source": "labels.jsonl:3", "topic": "p.labels"})
    'labels.jsonl:3'
    >>> _origin({"topic": "p.capture", "partition": 2, "offset": 41, "record_index": 7})
    'p.capture/2@41#7'
    >>> _origin({"topic": "p.capture", "partition": 0, "offset": 9, "record_index": -1})
    'p.capture/0@9'
    """
    if obj.get("source"):
        return str(obj["source"])
    where = f"{obj.get('topic')}/{obj.get('partition')}@{obj.get('offset')}"
    index = obj.get("record_index")
    return f"{where}#{index}" if isinstance(index, int) and index >= 0 else where
