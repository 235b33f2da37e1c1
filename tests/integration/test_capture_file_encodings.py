"""``replay`` and ``labels push`` send a BOM-led or gzip-compressed file's records as they are."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from stream.cli import main
from stream.labels import split_records
from tests.integration.cli_env import kafka_env
from tests.integration.readback import read_topic
from tests.integration.test_io_commands import capture_line
from tests.integration.test_labels_push import ground_truth_line

pytestmark = pytest.mark.kafka

BOM = b"\xef\xbb\xbf"  # a UTF-8 byte-order mark
ENCODINGS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "bom": ("part.jsonl", lambda data: BOM + data),
    "gzip": ("part.jsonl.gz", gzip.compress),
    "gzip, named .jsonl": ("part.jsonl", gzip.compress),
}


@pytest.fixture
def env(kafka_bootstrap: str, topic_prefix: str) -> dict[str, str]:
    return kafka_env(kafka_bootstrap, topic_prefix, 2)


def _write(folder: Path, how: str, lines: list[str]) -> None:
    name, encode = ENCODINGS[how]
    folder.mkdir(parents=True)
    (folder / name).write_bytes(encode("".join(line + "\n" for line in lines).encode()))


def _received(bootstrap: str, topic: str) -> list[bytes]:
    return [line for m in read_topic(bootstrap, topic) for line in split_records(m.value)]


@pytest.mark.parametrize("how", ENCODINGS)
def test_replay_sends_the_records_of_the_plain_file(
    tmp_path: Path, env: dict[str, str], kafka_bootstrap: str, topic_prefix: str, how: str
) -> None:
    lines = [capture_line(i) for i in range(30)]
    _write(tmp_path / "ep/AllTraffic/2024/03/05/14", how, lines)
    result = CliRunner().invoke(main, ["replay", str(tmp_path), "--rate", "5000"], env=env)
    assert result.exit_code == 0, result.output
    assert "replayed 30 records (0 malformed) from 1 file(s)" in result.output
    received = _received(kafka_bootstrap, f"{topic_prefix}.capture")
    assert sorted(received) == sorted(line.encode() for line in lines)


@pytest.mark.parametrize("how", ENCODINGS)
def test_labels_push_sends_the_records_of_the_plain_file(
    tmp_path: Path, env: dict[str, str], kafka_bootstrap: str, topic_prefix: str, how: str
) -> None:
    lines = [ground_truth_line(f"i-{i}", str(i % 2)) for i in range(30)]
    _write(tmp_path / "labels/2024/03/05/15", how, lines)
    result = CliRunner().invoke(main, ["labels", "push", str(tmp_path / "labels")], env=env)
    assert result.exit_code == 0, result.output
    assert "pushed 30 of 30 label records from 1 file(s)" in result.output
    assert "refused" not in result.output
    received = _received(kafka_bootstrap, f"{topic_prefix}.labels")
    assert sorted(received) == sorted(line.encode() for line in lines)
    assert read_topic(kafka_bootstrap, f"{topic_prefix}.deadletter") == []
