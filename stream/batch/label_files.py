"""Ground-truth label files on disk: SageMaker label JSON Lines and Amazon A2I ``output.json``.

``driftline analyze --ground-truth PATH`` reads a file, or every file below a folder in
lexical path order (chronological in SageMaker's ``yyyy/mm/dd/hh`` layout): ``*.jsonl``
files hold SageMaker ground-truth records (a line may be a JSON array of them, as AWS's
batch-transform bias example writes its label files), and — when an A2I answer path is given —
``*.json`` files are A2I human-loop outputs whose workers' answers are consolidated
(majority vote by default) into one label per inference id.

A :class:`LabelReader` hands the labels over one by one, in file order, to the label join
(:class:`~stream.monitors.label_join.LabelJoin`), which keeps the last label of a key as it
does for the worker's labels topic. Records that cannot be used are counted by reason in
:class:`LabelCounts`, never raised.

Examples
--------
>>> counts = LabelCounts()
>>> [label_from_line(line, counts) for line in (
...     b'{"groundTruthData":{"data":"1","encoding":"CSV"},'
...     b'"eventMetadata":{"eventId":"a"},"eventVersion":"0"}',
...     b'not json')]
[GroundTruth(event_id='a', values=(1.0,), ...), None]
>>> counts.records, dict(counts.errors)
(2, {'invalid_json': 1})
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ground_truth.a2i import parse_human_loop_output
from ground_truth.consolidation import AnswerConsolidator, ground_truth_from_loop
from ground_truth.records import GroundTruth, LabelRecordError, parse_ground_truth
from stream.capture.files import SUFFIXES, open_lines
from stream.config.values import parse_value_pairs
from stream.labels.records import records_of_line


@dataclass
class LabelCounts:
    """What reading the label files saw."""

    files: int = 0
    records: int = 0
    loops: int = 0
    loops_without_label: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def bad_records(self) -> int:
        """Records (lines or A2I files) that could not be used."""
        return sum(self.errors.values())


@dataclass(frozen=True)
class A2ISettings:
    """Where the answer and the inference id sit in an A2I output, and how to consolidate."""

    answer_path: str
    inference_id_path: str = "inferenceId"
    value_map: Mapping[str, str] | None = None
    method: str = "majority"


def parse_value_map(text: str | None) -> dict[str, str] | None:
    """``"yes=1,no=0"`` → ``{"yes": "1", "no": "0"}``; raises ValueError on a bad entry.

    Examples
    --------
    >>> parse_value_map("yes=1, no=0")
    {'yes': '1', 'no': '0'}
    """
    return None if not text else dict(parse_value_pairs(text, "--a2i-value-map"))


def label_from_line(
    raw: bytes, counts: LabelCounts, label_path: str | None = None
) -> GroundTruth | None:
    """One SageMaker ground-truth record (a JSON line), or None (counted) when unusable.

    ``label_path`` is where a JSON-encoded record's label sits in its ``data``.
    """
    counts.records += 1
    try:
        return parse_ground_truth(orjson.loads(raw), label_path=label_path)
    except orjson.JSONDecodeError:
        counts.errors["invalid_json"] += 1
    except LabelRecordError as exc:
        counts.errors[exc.reason] += 1
    return None


def label_from_human_loop(
    raw: bytes, settings: A2ISettings, consolidator: AnswerConsolidator, counts: LabelCounts
) -> GroundTruth | None:
    """One A2I ``output.json``, its workers' answers consolidated; None (counted) if none."""
    counts.records += 1
    try:
        loop = parse_human_loop_output(
            orjson.loads(raw),
            answer_path=settings.answer_path,
            inference_id_path=settings.inference_id_path,
            value_map=settings.value_map,
        )
    except orjson.JSONDecodeError:
        counts.errors["invalid_json"] += 1
        return None
    except LabelRecordError as exc:
        counts.errors[exc.reason] += 1
        return None
    counts.loops += 1
    result = consolidator.consolidate(loop.answers)
    label = ground_truth_from_loop(loop, result)
    if label is None:
        counts.loops_without_label[result.reason or "no_label"] += 1
    return label


def label_files(path: Path, *, with_a2i: bool) -> list[Path]:
    """The label file itself, or every ``*.jsonl`` (and ``*.json`` for A2I) below a folder.

    ``*.jsonl.gz`` files count as ``*.jsonl``: they are read decompressed.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():
        msg = f"no such file or folder: {path}"
        raise FileNotFoundError(msg)
    suffixes = (*SUFFIXES, ".json") if with_a2i else SUFFIXES
    files = [p for p in path.rglob("*") if p.name.endswith(suffixes) and p.is_file()]
    return sorted(files, key=lambda p: p.relative_to(path).as_posix())


class LabelReader:
    """Every usable label below ``path``, in file order (A2I outputs too with ``a2i``).

    ``*.json`` files are A2I outputs when ``a2i`` is set; ``label_path`` is where the label
    of a JSON-encoded ground-truth record sits (without one, such records are counted as
    ``no_label_path``). Raises FileNotFoundError when ``path`` does not exist, ValueError
    when it holds no label files (both when made, before any label is read).
    """

    def __init__(
        self, path: Path, a2i: A2ISettings | None = None, label_path: str | None = None
    ) -> None:
        self.files = label_files(path, with_a2i=a2i is not None)
        if not self.files:
            msg = f"no ground-truth files (*.jsonl{', *.json' if a2i else ''}) under {path}"
            raise ValueError(msg)
        self.a2i = a2i
        self.label_path = label_path
        self.counts = LabelCounts()

    def __iter__(self) -> Iterator[GroundTruth]:
        a2i = self.a2i
        consolidator = AnswerConsolidator(method=a2i.method) if a2i is not None else None
        for file in self.files:
            self.counts.files += 1
            if a2i is not None and consolidator is not None and file.suffix == ".json":
                with open_lines(file) as handle:
                    raw = handle.read()
                label = label_from_human_loop(raw, a2i, consolidator, self.counts)
                if label is not None:
                    yield label
                continue
            with open_lines(file) as handle:
                for line in handle:
                    if not line.strip():
                        continue
                    for record in records_of_line(line):  # a line may be an array of records
                        label = label_from_line(record, self.counts, self.label_path)
                        if label is not None:
                            yield label
