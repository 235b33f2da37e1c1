"""``driftline labels push`` and ``driftline attributions push``: files into their topics."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from stream.batch.label_files import label_files
from stream.capture.files import iter_lines, open_lines
from stream.cli.connect import config_option, connect
from stream.cli.output import InputPath, Interrupted, byte_progress, fail, not_delivered
from stream.config import ConfigError, DriftlineConfig, LabelSettings
from stream.config.values import parse_value_pairs
from stream.kafka.keyed_producer import BrokerNotAnswering
from stream.kafka.topics import TopicNames
from stream.labels.push import RecordPusher, attribution_pusher, label_pusher
from stream.labels.records import records_of_line
from stream.monitors.files import BaselineError

records_per_message_option = click.option(
    "--records-per-message",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Records of one partition batched into one JSON-Lines message.",
)


@click.group()
def labels() -> None:
    """Ground-truth labels into the labels topic."""


@labels.command("push")
@click.argument("path", type=InputPath(exists=True, path_type=Path))
@config_option
@click.option("--monitor", "monitor_name", help="Take [monitor.labels] of this monitor.")
@click.option(
    "--ground-truth-attribute",
    help="Where the label sits in JSON-encoded ground truth, e.g. label or instances[*].label "
    "[default: the monitor's labels.ground_truth_attribute, else its bias baseline's label].",
)
@click.option(
    "--a2i-answer-path", help="Read *.json A2I outputs; dotted path of the answer in answerContent."
)
@click.option("--a2i-inference-id-path", help="Dotted path of the inference id in inputContent.")
@click.option("--a2i-value-map", help="Answer to label, e.g. yes=1,no=0.")
@click.option(
    "--a2i-consolidation",
    type=click.Choice(("majority", "mean", "median")),
    help="How several workers' answers become one label.",
)
@records_per_message_option
def push_labels(
    path: Path,
    config_path: Path | None,
    monitor_name: str | None,
    ground_truth_attribute: str | None,
    a2i_answer_path: str | None,
    a2i_inference_id_path: str | None,
    a2i_value_map: str | None,
    a2i_consolidation: str | None,
    records_per_message: int,
) -> None:
    """Send SageMaker ground-truth JSONL files, or A2I output folders, to the labels topic.

    PATH is a file or a folder searched recursively (yyyy/mm/dd/hh layout) in lexical
    order: *.jsonl files (or *.jsonl.gz, gzip-compressed) hold ground-truth records, and
    with an A2I answer path *.json files are A2I outputs, whose workers' answers are
    consolidated into one label each. Records are keyed by the inference id and partitioned
    like capture. Unusable records go to the dead-letter topic with their reason and are
    counted; a record with "encoding": "JSON" is refused (no_label_path) unless
    --ground-truth-attribute or --monitor says where its label is. With --monitor its
    [monitor.labels] settings are the defaults of the --a2i-* options.
    """
    config, names = connect(config_path)
    given = {
        "ground_truth_attribute": ground_truth_attribute,
        "a2i_answer_path": a2i_answer_path,
        "a2i_inference_id_path": a2i_inference_id_path,
        "a2i_value_map": None if a2i_value_map is None else _value_map(a2i_value_map),
        "a2i_consolidation": a2i_consolidation,
    }
    try:
        base = LabelSettings() if monitor_name is None else _monitor_labels(config, monitor_name)
        settings = dataclasses.replace(base, **{k: v for k, v in given.items() if v is not None})
    except KeyError as error:  # str() of a KeyError is its message quoted
        fail(str(error.args[0]))
    except (ConfigError, BaselineError) as error:
        fail(str(error))
    files = _label_files(path, with_a2i=settings.a2i_answer_path is not None)
    pusher = _open(lambda: label_pusher(config.kafka, names, settings, monitor=monitor_name,
                                        records_per_message=records_per_message))  # fmt: skip
    _push(pusher, files, "label", names.labels, names)


def _monitor_labels(config: DriftlineConfig, name: str) -> LabelSettings:
    """The monitor's [monitor.labels], with where it finds a JSON-encoded label filled in."""
    monitor = config.monitor(name)
    if monitor.labels.ground_truth_attribute is not None or monitor.bias is None:
        return monitor.labels
    from stream.monitors.labelled_setup import monitor_label_path  # loads the bias baseline

    path = monitor_label_path(monitor)
    return dataclasses.replace(monitor.labels, ground_truth_attribute=path)


@click.group()
def attributions() -> None:
    """Local SHAP values into the attributions topic."""


@attributions.command("push")
@click.argument("path", type=InputPath(exists=True, path_type=Path))
@config_option
@records_per_message_option
def push_attributions(path: Path, config_path: Path | None, records_per_message: int) -> None:
    """Send JSON Lines of {"inferenceId", "shap": {feature: value}} to the attributions topic.

    PATH is a file or a folder searched recursively for *.jsonl files. ``shap`` may also map
    each output label to {feature: value}. Records are keyed by the inference id (else
    eventId) and partitioned like capture; unusable lines go to the dead-letter topic.
    """
    config, names = connect(config_path)
    files = label_files(path, with_a2i=False)
    if not files:
        fail(f"no *.jsonl files under {path}")
    pusher = _open(lambda: attribution_pusher(config.kafka, names,
                                              records_per_message=records_per_message))  # fmt: skip
    _push(pusher, files, "attribution", names.attributions, names)


def _value_map(text: str) -> tuple[tuple[str, str], ...]:
    try:
        return parse_value_pairs(text, "--a2i-value-map")
    except ConfigError as error:
        fail(str(error))


def _label_files(path: Path, *, with_a2i: bool) -> list[Path]:
    """The label files under ``path``; none is an error naming A2I's option if it would help."""
    files = label_files(path, with_a2i=with_a2i)
    if files:
        return files
    if not with_a2i and label_files(path, with_a2i=True):
        fail(
            f"{path} holds only *.json files; for A2I outputs give --a2i-answer-path "
            f"(or --monitor with labels.a2i_answer_path)"
        )
    fail(f"no {'*.jsonl or *.json' if with_a2i else '*.jsonl'} files under {path}")


def _open(make: Callable[[], RecordPusher]) -> RecordPusher:
    try:
        return make()
    except (ConfigError, ValueError) as error:
        fail(str(error))


def _records(files: list[Path]) -> Iterator[tuple[bytes, str, int, int]]:
    """(record, source, index in its file, bytes read) for every record of ``files``.

    A ``*.json`` file is one record (an A2I output); other files hold one record a line.
    Files are read as :func:`~stream.capture.files.open_lines` reads them (decompressed,
    past a leading BOM); the bytes read are the file's on disk.
    """
    for file in files:
        if file.suffix == ".json":
            with open_lines(file) as handle:
                raw = handle.read()
            yield raw.strip(), str(file), 0, file.stat().st_size
            continue
        index = 0
        for number, (line, size) in enumerate(iter_lines(file), start=1):
            if line.strip():
                yield line.strip(), f"{file}:{number}", index, size
                index += 1
            else:
                yield b"", "", -1, size


def _push(
    pusher: RecordPusher, files: list[Path], what: str, topic: str, names: TopicNames
) -> None:
    started = time.monotonic()
    total = sum(f.stat().st_size for f in files)
    try:
        with pusher, byte_progress(f"pushing {what}s", total) as bar:
            task = bar.task_ids[0]
            for raw, source, index, size in _records(files):
                bar.advance(task, size)
                records = records_of_line(raw) if what == "label" else [raw]  # arrays of labels
                for record in records if raw else ():
                    pusher.push(record, source=source, index=index)
    except BrokerNotAnswering as error:
        fail(str(error))
    except KeyboardInterrupt:  # at once, also while the broker does not answer
        raise Interrupted(not_delivered(pusher.messages_failed)) from None
    counts = pusher.counts
    line = (
        f"pushed {counts.sent} of {counts.records} {what} records from {len(files)} file(s) "
        f"as {pusher.target.counts.messages_sent} messages to {topic}"
    )
    if counts.human_loops:
        line += f" ({counts.human_loops} A2I outputs consolidated into labels)"
    if counts.refused_total:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(counts.refused.items()))
        line += f"; {counts.refused_total} refused to {names.deadletter} ({reasons})"
    click.echo(f"{line} in {time.monotonic() - started:.1f} s")
    if pusher.messages_failed:
        fail(f"{pusher.messages_failed} messages were not delivered")
    if counts.records and not counts.sent:
        fail(f"none of the {counts.records} {what} records could be used (all refused; see above)")
