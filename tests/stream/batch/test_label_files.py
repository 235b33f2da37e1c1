"""Label files: SageMaker ground-truth JSON Lines and A2I outputs, every label in file order."""

from __future__ import annotations

from pathlib import Path

import pytest

from stream.batch.label_files import A2ISettings, LabelReader, parse_value_map
from tests.stream.cli.labeled_files import a2i_output, label_line, write_lines


def test_folder_in_path_order_every_label_handed_over(tmp_path: Path) -> None:
    write_lines(tmp_path / "2024/03/05/15/a.jsonl", [label_line("k1", 0), label_line("k2", 1)])
    write_lines(tmp_path / "2024/03/05/16/b.jsonl", [label_line("k1", 1), "{", "[1]"])
    (tmp_path / "2024/03/05/16/ignored.json").write_text(a2i_output("k3", ["yes"]))
    reader = LabelReader(tmp_path)
    # k1 twice, in file order: which one stands is the label join's rule (the last)
    assert [(g.event_id, g.values) for g in reader] == [
        ("k1", (0.0,)), ("k2", (1.0,)), ("k1", (1.0,)),
    ]  # fmt: skip
    counts = reader.counts
    assert (counts.files, counts.records) == (2, 5)
    assert dict(counts.errors) == {"invalid_json": 1, "not_an_object": 1}


def test_a2i_majority_and_ties(tmp_path: Path) -> None:
    for key, answers in {"a": ["yes", "yes"], "b": ["yes", "no"], "c": ["no", "no", "yes"]}.items():
        (tmp_path / key).mkdir()
        (tmp_path / key / "output.json").write_text(a2i_output(key, answers))
    (tmp_path / "broken.json").write_text('{"humanLoopName": "x"}')
    settings = A2ISettings(answer_path="churned.label", value_map=parse_value_map("yes=1,no=0"))
    reader = LabelReader(tmp_path, settings)
    assert {g.event_id: g.values for g in reader} == {"a": (1.0,), "c": (0.0,)}
    assert dict(reader.counts.loops_without_label) == {"tie": 1}
    assert dict(reader.counts.errors) == {"missing_field": 1}


def test_errors_come_before_any_label_is_read(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        LabelReader(tmp_path / "missing")
    with pytest.raises(ValueError, match="no ground-truth files"):
        LabelReader(tmp_path)
    with pytest.raises(ValueError, match="answer=label"):
        parse_value_map("yes")
