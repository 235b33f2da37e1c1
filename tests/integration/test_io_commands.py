"""``driftline replay`` and ``driftline tail`` against a real broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from kafka import KafkaProducer

from stream.cli import main
from stream.kafka.broker import die_with_parent
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.cli_env import kafka_env
from tests.integration.readback import read_topic
from tests.stream.kafka.test_undecodable_batches import send_batches

pytestmark = pytest.mark.kafka
DRIFTLINE = str(Path(sys.executable).with_name("driftline"))


def capture_line(i: int) -> str:
    record = {
        "captureData": {
            "endpointInput": {
                "observedContentType": "text/csv",
                "mode": "INPUT",
                "data": f"{i},1,3.2",
                "encoding": "CSV",
            }
        },
        "eventMetadata": {"eventId": f"e-{i}", "inferenceId": f"i-{i}"},
        "eventVersion": "0",
    }
    return json.dumps(record, separators=(",", ":"))


@pytest.fixture
def env(kafka_bootstrap: str, topic_prefix: str) -> dict[str, str]:
    return kafka_env(kafka_bootstrap, topic_prefix, 3)


def test_replay_sends_every_line_of_a_capture_folder(
    tmp_path: Path, env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    hours = [("2024", "03", "05", "23"), ("2024", "03", "06", "00")]
    expected: list[str] = []
    for n, parts in enumerate(hours):
        folder = tmp_path.joinpath("credit-endpoint", "AllTraffic", *parts)
        folder.mkdir(parents=True)
        lines = [capture_line(100 * n + i) for i in range(40)]
        if n == 1:
            lines += ['{"captureData": broken', ""]  # malformed is sent, blank is skipped
        (folder / "12-00-000-abc.jsonl").write_text("\n".join(lines) + "\n")
        expected += [line for line in lines if line]
    (tmp_path / "notes.txt").write_text("not a capture file\n")

    result = CliRunner().invoke(
        main, ["replay", str(tmp_path), "--records-per-message", "10", "--rate", "5000"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "replayed 81 records (1 malformed) from 2 file(s)" in result.output

    messages = read_topic(kafka_bootstrap, f"{topic_prefix}.capture")
    received = [line.decode() for m in messages for line in m.value.split(b"\n")]
    assert sorted(received) == sorted(expected)
    assert {m.partition for m in messages} == {0, 1, 2}  # topic created with 3 partitions
    routing = {tuple(m.headers) for m in messages}  # from the endpoint/variant/yyyy/… layout
    assert routing == {(("endpoint", b"credit-endpoint"), ("variant", b"AllTraffic"))}

    again = subprocess.run(  # as from a script or a log: no progress bar, one summary line
        [DRIFTLINE, "replay", str(tmp_path), "--rate", "5000"], env=os.environ | env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert again.stderr == "" and again.stdout.startswith("replayed 81 records")


def test_replay_routing_options_override_the_layout(
    tmp_path: Path, env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    folder = tmp_path.joinpath("credit-endpoint", "AllTraffic", "2024", "03", "05", "23")
    folder.mkdir(parents=True)
    (folder / "part.jsonl").write_text("\n".join(capture_line(i) for i in range(5)) + "\n")
    result = CliRunner().invoke(main, ["replay", str(tmp_path), "--variant", "Canary"], env=env)
    assert result.exit_code == 0, result.output
    messages = read_topic(kafka_bootstrap, f"{topic_prefix}.capture")
    assert {tuple(m.headers) for m in messages} == {
        (("endpoint", b"credit-endpoint"), ("variant", b"Canary"))
    }


@pytest.mark.parametrize(
    "content",
    [
        b"lorem ipsum\nnot a capture record\n[1, 2]\n",  # text and JSON that is no object
        b'{"eventMetadata": {"eventId": "e-1"}}\n{"a": 1}\n',  # objects with no captureData
        bytes(range(256)) * 4,  # binary garbage, invalid UTF-8, newlines inside
    ],
    ids=["text", "json-objects", "binary"],
)
def test_replay_of_a_file_without_one_capture_record_is_an_error(
    tmp_path: Path, env: dict[str, str], kafka_bootstrap: str, topic_prefix: str, content: bytes
) -> None:
    capture = tmp_path / "garbage.jsonl"
    capture.write_bytes(content)
    lines = [line for line in content.split(b"\n") if line.strip()]
    result = CliRunner().invoke(main, ["replay", str(capture), "--rate", "5000"], env=env)
    assert result.exit_code == 2, result.output
    assert f"replayed {len(lines)} records ({len(lines)} malformed)" in result.output
    assert result.output.splitlines()[-1] == (
        f"driftline: error: no capture record in {capture}: all {len(lines)} lines are "
        "malformed (the worker dead-letters the ones sent)"
    )
    assert "Traceback" not in result.output
    messages = read_topic(kafka_bootstrap, f"{topic_prefix}.capture")  # sent, to be dead-lettered
    assert sorted(line for m in messages for line in m.value.split(b"\n")) == sorted(
        line.strip() for line in lines
    )


def test_replay_with_one_capture_record_among_malformed_lines_succeeds(
    tmp_path: Path, env: dict[str, str]
) -> None:
    capture = tmp_path / "mixed.jsonl"
    capture.write_text("lorem ipsum\n" + capture_line(1) + "\n{}\n")
    result = CliRunner().invoke(main, ["replay", str(capture)], env=env)
    assert result.exit_code == 0, result.output
    assert "replayed 3 records (2 malformed)" in result.output


def test_replay_loop_of_malformed_lines_stops_after_one_pass(
    tmp_path: Path, env: dict[str, str]
) -> None:
    capture = tmp_path / "garbage.jsonl"
    capture.write_text("lorem ipsum\n")
    result = CliRunner().invoke(main, ["replay", str(capture), "--live", "--loop"], env=env)
    assert result.exit_code == 2, result.output
    assert "replayed 1 records (1 malformed)" in result.output


def test_commands_refuse_to_run_without_a_broker(tmp_path: Path) -> None:
    config = tmp_path / "driftline.toml"
    config.write_text('[kafka]\nbootstrap_servers = ""\n')
    for args in (["replay", str(config)], ["tail"]):
        result = CliRunner().invoke(main, [*args, "--config", str(config)], env={})
        assert result.exit_code == 2
        assert "needs a running broker" in result.output
        assert "driftline demo" in result.output


def test_bad_config_is_one_line_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "driftline.toml"
    config.write_text("[kafka]\npartitions = 0\n")
    result = CliRunner().invoke(main, ["tail", "--config", str(config)])
    assert result.exit_code == 2
    assert result.output.strip() == "driftline: error: kafka.partitions must be >= 1, got 0"


def start_tail(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", "from stream.cli import main; main()", "tail", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent,
    )
    assert process.stderr is not None
    ready = process.stderr.readline()  # printed once the end offsets are resolved
    assert "following" in ready, ready + process.stderr.read()
    return process


def violation(n: int) -> bytes:
    obj = {"monitor": "credit", "constraint_check_type": "baseline_drift_check", "n": n}
    return json.dumps(obj).encode()


@pytest.mark.timeout(60)
def test_tail_json_follows_new_violations_and_exits_0_on_ctrl_c(
    env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    topic = f"{topic_prefix}.violations"
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    try:
        process = start_tail(env, "--json")
        try:
            for n in range(3):
                producer.send(topic, violation(n), partition=n % 3)
            producer.flush()
            assert process.stdout is not None
            lines = [process.stdout.readline() for _ in range(3)]
            objects = sorted((json.loads(line) for line in lines), key=lambda o: o["n"])
            assert [o["n"] for o in objects] == [0, 1, 2]
            assert objects[0]["constraint_check_type"] == "baseline_drift_check"
            time.sleep(0.2)
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    finally:
        producer.close()


@pytest.mark.timeout(60)
def test_tail_from_beginning_shows_older_messages(
    env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    runner = CliRunner()
    names = TopicNames.from_prefix(topic_prefix)
    ensure_topics_sync(kafka_bootstrap, names, 3, 1)  # as tail would; a producer would make 4
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    producer.send(f"{topic_prefix}.executions", b'{"status": "CompletedWithViolations"}')
    producer.send(f"{topic_prefix}.executions", b"not json")
    producer.flush()
    producer.close()
    args = ["tail", "--topic", "executions", "--from-beginning", "--json", "--max-messages", "2"]
    result = runner.invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert {"status": "CompletedWithViolations"} in objects
    assert any(o.get("raw") == "not json" for o in objects)

    pretty = runner.invoke(main, args[:-3] + ["--max-messages", "2"], env=env)
    assert pretty.exit_code == 0, pretty.output
    assert "CompletedWithViolations" in pretty.stdout and "not json" in pretty.stdout


@pytest.mark.timeout(60)
def test_tail_shows_an_undecodable_batch_as_one_error_and_goes_on(
    env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    """It stopped there: "driftline: error: Unknown compression method" (exit 2)."""
    names = TopicNames.from_prefix(topic_prefix)
    ensure_topics_sync(kafka_bootstrap, names, 3, 1)  # as tail would
    topic = f"{topic_prefix}.deadletter"
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    producer.send(topic, b'{"reason": "invalid_json"}', partition=0).get(10)
    send_batches(kafka_bootstrap, topic, [(True, 2)])
    producer.send(topic, b'{"reason": "bad_time"}', partition=0).get(10)
    producer.close()
    args = ["tail", "--topic", "deadletter", "--from-beginning", "--json", "--max-messages", "3"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [o.get("reason") for o in objects] == ["invalid_json", None, "bad_time"]
    assert objects[1]["offset"] == 2
    assert objects[1]["error"].startswith("the record batch of offsets 1..2 does not decode")

    pretty = CliRunner().invoke(main, args[:-3] + ["--max-messages", "3"], env=env)
    assert pretty.exit_code == 0, pretty.output
    assert "offsets 1..2 does not decode: BadGzipFile" in pretty.stdout


@pytest.mark.timeout(60)
def test_tail_max_messages_counts_the_objects_it_shows(
    env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    ensure_topics_sync(kafka_bootstrap, TopicNames.from_prefix(topic_prefix), 3, 1)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    lines = b"\n".join(violation(n) for n in range(3))  # one JSON-Lines message, 3 objects
    producer.send(f"{topic_prefix}.violations", lines)
    producer.flush()
    producer.close()
    for limit in (1, 2):
        args = ["tail", "--from-beginning", "--json", "--max-messages", str(limit)]
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 0, result.output
        assert [json.loads(line)["n"] for line in result.stdout.splitlines()] == list(range(limit))


async def _publish_like_the_aggregator(bootstrap: str, topic: str, sizes: list[int]) -> None:
    """~60 KB statistics documents, keyed by monitor, in bursts with faust's linger."""
    import asyncio

    from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        for n, size in enumerate(sizes):
            doc = {"monitor": "m", "window_start": n, "features": "x" * size}
            await producer.send(topic, json.dumps(doc).encode(), key=b"m")
            if n % 3 == 2:
                await producer.flush()
                await asyncio.sleep(0.05)
        await producer.flush()
    finally:
        await producer.stop()


@pytest.mark.timeout(90)
def test_tail_from_beginning_shows_every_large_statistics_message(
    env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    import asyncio

    names = TopicNames.from_prefix(topic_prefix)
    ensure_topics_sync(kafka_bootstrap, names, 3, 1)
    sizes = [58_000 + 700 * n for n in range(8)]
    asyncio.run(_publish_like_the_aggregator(kafka_bootstrap, names.statistics, sizes))
    reference = [
        json.loads(m.value)["window_start"] for m in read_topic(kafka_bootstrap, names.statistics)
    ]
    assert sorted(reference) == list(range(8))
    args = ["tail", "--topic", "statistics", "--from-beginning", "--json", "--max-messages", "8"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    shown = [json.loads(line) for line in result.stdout.splitlines()]
    assert [doc["window_start"] for doc in shown] == list(range(8))
    assert [len(doc["features"]) for doc in shown] == sizes


@pytest.mark.timeout(60)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_tail_stops_with_0_on_a_signal_while_following_an_idle_topic(
    env: dict[str, str], signum: int
) -> None:
    """Its own handler ends the poll loop: no cancellation inside the consumer's calls."""
    process = start_tail(env)
    time.sleep(0.3)
    process.send_signal(signum)
    assert process.wait(timeout=10) == 0
    assert process.stderr is not None and "Traceback" not in process.stderr.read()
