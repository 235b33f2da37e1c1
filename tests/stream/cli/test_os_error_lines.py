"""A file the system will not read gives the same one line on every path of a command.

``analyze --data`` printed Python's ``[Errno 21] Is a directory: 'b/constraints.json'``
where ``analyze --capture``, on the same baseline, printed ``Is a directory:
b/constraints.json``: the data path turned the OSError into text itself, the capture path
left it to the one error path every command shares (:class:`stream.cli.output.DriftlineGroup`).
"""

from __future__ import annotations

from pathlib import Path

from tests.stream.cli.labeled_files import run


def test_an_unreadable_baseline_file_reads_the_same_for_data_and_capture(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,x\n2,y\n")
    assert run("baseline", "suggest", "--data", data, "--out", tmp_path / "b").exit_code == 0
    (tmp_path / "b" / "constraints.json").unlink()
    (tmp_path / "b" / "constraints.json").mkdir()  # root reads any file, but not a folder
    capture = tmp_path / "c.jsonl"
    capture.write_text("{}\n")
    expected = f"driftline: error: Is a directory: {tmp_path / 'b' / 'constraints.json'}\n"
    for source in (["--data", data], ["--capture", capture]):
        result = run("analyze", *source, "--baseline", tmp_path / "b", "--out", tmp_path / "r")
        assert result.exit_code == 2, result.output
        assert result.stderr == expected
