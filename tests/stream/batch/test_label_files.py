"""Label files: SageMaker ground-truth JSON Lines and A2I outputs, last label wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from stream.batch.label_files import A2ISettings, parse_value_map, read_labels
from tests.stream.cli.labeled_files import a2i_output, label_line, write_lines


def test_folder_in_path_order_last_label_wins(tmp_path: Path) -> None:
    write_lines(tmp_path / "2024/03/05/15/a.jsonl", [label_line("k1", 0), label_line("k2", 1)])
    write_lines(tmp_path / "2024/03/05/16/b.jsonl", [label_line("k1", 1), "{", "[1]"])
    (tmp_path / "2024/03/05/16/ignored.json").write_text(a2i_output("k3", ["yes"]))
    labels = read_labels(tmp_path)
    assert {k: v.values for k, v in labels.labels.items()} == {"k1": (1.0,), "k2": (1.0,)}
    counts = labels.counts
    assert (counts.files, counts.records, counts.duplicates) == (2, 5, 1)
    assert dict(counts.errors) == {"invalid_json": 1, "not_an_object": 1}


def test_a2i_majority_and_ties(tmp_path: Path) -> None:
    for key, answers in {"a": ["yes", "yes"], "b": ["yes", "no"], "c": ["no", "no", "yes"]}.items():
        (tmp_path / key).mkdir()
        (tmp_path / key / "output.json").write_text(a2i_output(key, answers))
    (tmp_path / "broken.json").write_text('{"humanLoopName": "x"}')
    settings = A2ISettings(answer_path="churned.label", value_map=parse_value_map("yes=1,no=0"))
    labels = read_labels(tmp_path, settings)
    assert {k: v.values for k, v in labels.labels.items()} == {"a": (1.0,), "c": (0.0,)}
    assert dict(labels.counts.loops_without_label) == {"tie": 1}
    assert dict(labels.counts.errors) == {"missing_field": 1}


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        read_labels(tmp_path / "missing")
    with pytest.raises(ValueError, match="no ground-truth files"):
        read_labels(tmp_path)
    with pytest.raises(ValueError, match="answer=label"):
        parse_value_map("yes")
