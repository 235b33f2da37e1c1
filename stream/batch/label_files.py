"""Ground-truth label files on disk: SageMaker label JSON Lines and Amazon A2I ``output.json``.

``driftline analyze --ground-truth PATH`` reads a file, or every file below a folder in
lexical path order (chronological in SageMaker's ``yyyy/mm/dd/hh`` layout): ``*.jsonl``
files hold SageMaker ground-truth records, and — when an A2I answer path is given —
``*.json`` files are A2I human-loop outputs whose workers' answers are consolidated
(majority vote by default) into one label per inference id.

Files are finite, so the labels are kept in memory in a :class:`LabelSet` keyed by the join
key (``eventMetadata.eventId``, or the A2I inference id); a later label for the same key
replaces the earlier one ("last label wins", the recommendation in the spec's §2.3) and is
counted as a duplicate. Records that cannot be used are counted by reason, never raised.

Examples
--------
>>> labels = LabelSet()
>>> for line in (b'{"groundTruthData":{"data":"1","encoding":"CSV"},'
...              b'"eventMetadata":{"eventId":"a"},"eventVersion":"0"}',
...              b'{"groundTruthData":{"data":"0","encoding":"CSV"},'
...              b'"eventMetadata":{"eventId":"a"},"eventVersion":"0"}',
...              b'not json'):
...     labels.add_line(line)
>>> labels.get("a").values, labels.counts.duplicates, dict(labels.counts.errors)
((0.0,), 1, {'invalid_json': 1})
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ground_truth.a2i import parse_human_loop_output
from ground_truth.consolidation import AnswerConsolidator, ground_truth_from_loop
from ground_truth.records import GroundTruth, LabelRecordError, parse_ground_truth
from stream.config.values import parse_value_pairs


@dataclass
class LabelCounts:
    """What reading the label files saw."""

    files: int = 0
    records: int = 0
    duplicates: int = 0
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


class LabelSet:
    """Labels by join key, last one wins; counts of records, duplicates and errors."""

    def __init__(self) -> None:
        self.labels: dict[str, GroundTruth] = {}
        self.counts = LabelCounts()

    def __len__(self) -> int:
        return len(self.labels)

    def get(self, key: str) -> GroundTruth | None:
        """The label for a join key, if any."""
        return self.labels.get(key)

    def put(self, label: GroundTruth) -> None:
        """Keep a label, replacing (and counting) an earlier one for the same key."""
        if label.event_id in self.labels:
            self.counts.duplicates += 1
        self.labels[label.event_id] = label

    def add_line(self, raw: bytes) -> None:
        """Add one SageMaker ground-truth record (a JSON line)."""
        self.counts.records += 1
        try:
            self.put(parse_ground_truth(orjson.loads(raw)))
        except orjson.JSONDecodeError:
            self.counts.errors["invalid_json"] += 1
        except LabelRecordError as exc:
            self.counts.errors[exc.reason] += 1

    def add_human_loop(
        self, raw: bytes, settings: A2ISettings, consolidator: AnswerConsolidator
    ) -> None:
        """Add one A2I ``output.json``: its workers' answers consolidated into one label."""
        self.counts.records += 1
        try:
            loop = parse_human_loop_output(
                orjson.loads(raw),
                answer_path=settings.answer_path,
                inference_id_path=settings.inference_id_path,
                value_map=settings.value_map,
            )
        except orjson.JSONDecodeError:
            self.counts.errors["invalid_json"] += 1
            return
        except LabelRecordError as exc:
            self.counts.errors[exc.reason] += 1
            return
        self.counts.loops += 1
        result = consolidator.consolidate(loop.answers)
        label = ground_truth_from_loop(loop, result)
        if label is None:
            self.counts.loops_without_label[result.reason or "no_label"] += 1
            return
        self.put(label)


def label_files(path: Path, *, with_a2i: bool) -> list[Path]:
    """The label file itself, or every ``*.jsonl`` (and ``*.json`` for A2I) below a folder."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        msg = f"no such file or folder: {path}"
        raise FileNotFoundError(msg)
    suffixes = (".jsonl", ".json") if with_a2i else (".jsonl",)
    files = [p for p in path.rglob("*") if p.is_file() and p.suffix in suffixes]
    return sorted(files, key=lambda p: p.relative_to(path).as_posix())


def read_labels(path: Path, a2i: A2ISettings | None = None) -> LabelSet:
    """Read every label below ``path``; ``*.json`` files are A2I outputs when ``a2i`` is set.

    Raises FileNotFoundError when ``path`` does not exist, ValueError when it holds no
    label files.
    """
    files = label_files(path, with_a2i=a2i is not None)
    if not files:
        msg = f"no ground-truth files (*.jsonl{', *.json' if a2i else ''}) under {path}"
        raise ValueError(msg)
    labels = LabelSet()
    consolidator = AnswerConsolidator(method=a2i.method) if a2i is not None else None
    for file in files:
        labels.counts.files += 1
        if a2i is not None and consolidator is not None and file.suffix == ".json":
            labels.add_human_loop(file.read_bytes(), a2i, consolidator)
            continue
        with file.open("rb") as handle:
            for line in handle:
                if line.strip():
                    labels.add_line(line)
    return labels
