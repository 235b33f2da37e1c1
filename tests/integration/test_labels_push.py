"""``driftline labels push`` / ``attributions push`` against a real broker.

The reference for partitioning is the capture producer itself (capture records with the same
ids, sent to the capture topic) and kafka-python's own murmur2: a label or SHAP record must
land in the partition number its prediction landed in.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from kafka.partitioner.default import murmur2 as kafka_python_murmur2

from ground_truth.records import parse_ground_truth
from stream.cli import main
from stream.config import LabelSettings
from stream.kafka.capture_producer import CaptureProducer
from stream.labels import decode_attribution, decode_label, split_records
from tests.integration.cli_env import kafka_env
from tests.integration.readback import read_topic

pytestmark = pytest.mark.kafka

PARTITIONS = 3
A2I = LabelSettings(a2i_answer_path="churned.label", a2i_value_map=(("yes", "1"), ("no", "0")))


def ground_truth_line(key: str, label: str) -> str:
    record = {
        "groundTruthData": {"data": label, "encoding": "CSV"},
        "eventMetadata": {"eventId": key},
        "eventVersion": "0",
    }
    return json.dumps(record, separators=(",", ":"))


def human_loop(key: str | None, answers: list[str], name: str) -> str:
    content = {"endpointName": "credit"} | ({} if key is None else {"inferenceId": key})
    output = {
        "flowDefinitionArn": "arn:aws:sagemaker:eu-west-1:000000000000:flow-definition/review",
        "humanLoopName": name,
        "humanAnswers": [
            {
                "answerContent": {"churned": {"label": answer}},
                "submissionTime": f"2024-03-05T15:0{i}:00.000Z",
                "workerId": f"w{i}",
            }
            for i, answer in enumerate(answers)
        ],
        "inputContent": content,
    }
    return json.dumps(output, indent=2)  # pretty-printed, as A2I writes output.json


def capture_record(key: str) -> dict:
    return {
        "captureData": {
            "endpointOutput": {
                "observedContentType": "text/csv",
                "mode": "OUTPUT",
                "data": "0.7",
                "encoding": "CSV",
            }
        },
        "eventMetadata": {"eventId": f"e-{key}", "inferenceId": key},
        "eventVersion": "0",
    }


@pytest.fixture
def env(kafka_bootstrap: str, topic_prefix: str) -> dict[str, str]:
    return kafka_env(kafka_bootstrap, topic_prefix, PARTITIONS)


def capture_partitions(bootstrap: str, topic: str, keys: list[str]) -> dict[str, int]:
    """The partition the capture producer puts each id in, read back from the topic."""
    with CaptureProducer(bootstrap_servers=bootstrap, topic=topic, linger_seconds=0) as out:
        out.send_many(capture_record(k) for k in keys)
    found = {}
    for message in read_topic(bootstrap, topic):
        for line in split_records(message.value):
            found[orjson.loads(line)["eventMetadata"]["inferenceId"]] = message.partition
    return found


def test_a_push_whose_every_record_is_refused_fails(tmp_path: Path, env: dict[str, str]) -> None:
    """81 of 81 dead-lettered said 'pushed 0 of 81' and exited 0: a script saw success."""
    lines = ["not json", '{"eventMetadata": {"eventId": "k"}}', "[1]"]
    (tmp_path / "labels.jsonl").write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(main, ["labels", "push", str(tmp_path / "labels.jsonl")], env=env)
    assert result.exit_code == 2, result.output
    assert "pushed 0 of 3 label records" in result.stdout
    assert result.stderr.count("\n") == 1
    assert "driftline: error: none of the 3 label records could be used" in result.stderr
    attributions = tmp_path / "shap.jsonl"
    attributions.write_text('{"inferenceId": "k"}\n')
    result = CliRunner().invoke(main, ["attributions", "push", str(attributions)], env=env)
    assert result.exit_code == 2, result.output
    assert "none of the 1 attribution records could be used" in result.stderr


def test_labels_land_in_their_predictions_partition(
    tmp_path: Path, env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    rng = random.Random(7)
    keys = [f"order-{rng.randrange(10**9)}" for _ in range(120)] + ["日本語-1", "Zürich-ß"]
    expected = {k: str(rng.choice((0, 1))) for k in keys}
    hour = tmp_path / "labels" / "2024" / "03" / "05" / "10"
    hour.mkdir(parents=True)
    lines = [ground_truth_line(k, expected[k]) for k in keys]
    lines[5:5] = ['{"groundTruthData": broken', '{"groundTruthData":{"data":"1","encoding":"JSON"},'
                  '"eventMetadata":{"eventId":"x"},"eventVersion":"0"}', ""]  # fmt: skip
    (hour / "part-1.jsonl").write_text("\n".join(lines) + "\n")

    result = CliRunner().invoke(
        main, ["labels", "push", str(tmp_path / "labels"), "--records-per-message", "10"], env=env
    )
    assert result.exit_code == 0, result.output
    assert f"pushed {len(keys)} of {len(keys) + 2} label records from 1 file(s)" in result.output
    assert "2 refused to" in result.output
    assert "invalid_json=1, no_label_path=1" in result.output  # JSON data, no label path

    reference = capture_partitions(kafka_bootstrap, f"{topic_prefix}.capture", keys)
    got: dict[str, str] = {}
    for message in read_topic(kafka_bootstrap, f"{topic_prefix}.labels"):
        records = split_records(message.value)
        assert 1 <= len(records) <= 10
        labels = [decode_label(r, LabelSettings()) for r in records]
        assert message.key == labels[0].event_id.encode()
        for label in labels:
            assert message.partition == reference[label.event_id]
            assert (
                message.partition
                == (kafka_python_murmur2(label.event_id.encode()) & 0x7FFFFFFF) % PARTITIONS
            )
            got[label.event_id] = label.data
    assert got == expected

    letters = [
        orjson.loads(m.value) for m in read_topic(kafka_bootstrap, f"{topic_prefix}.deadletter")
    ]
    assert sorted(d["reason"] for d in letters) == ["invalid_json", "no_label_path"]
    by_reason = {d["reason"]: d for d in letters}
    assert by_reason["invalid_json"]["source"] == f"{hour / 'part-1.jsonl'}:6"
    assert (
        base64.b64decode(by_reason["invalid_json"]["raw_base64"]) == b'{"groundTruthData": broken'
    )
    assert by_reason["no_label_path"]["topic"] == f"{topic_prefix}.labels"
    assert by_reason["no_label_path"]["record_index"] == 6  # 0-based among non-blank lines


def json_ground_truth_line(key: str, data: object) -> str:
    """A ground-truth record as AWS's bias-monitor examples write it: ``data`` JSON text."""
    record = {
        "groundTruthData": {"data": json.dumps(data), "encoding": "JSON"},
        "eventMetadata": {"eventId": key},
        "eventVersion": "0",
    }
    return json.dumps(record)


def test_json_labels_are_checked_at_their_path_and_sent_as_they_are(
    tmp_path: Path, env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    from stream.demo.labelled import SyntheticModel, write_labelled_baselines

    write_labelled_baselines(tmp_path / "baseline", SyntheticModel(), n=400)  # bias label "label"
    config = tmp_path / "driftline.toml"
    config.write_text(
        '[[monitor]]\nname = "credit"\nbaseline = "baseline"\n'
        '[monitor.bias]\ninference_attribute = "label"\n'
    )
    projected = tmp_path / "json" / "labels.jsonl"
    projected.parent.mkdir()
    projected.write_text(
        "\n".join(
            [json_ground_truth_line(f"p-{i}", {"instances": [{"label": i % 2}]}) for i in range(6)]
            + [json_ground_truth_line("p-6", {"instances": [{"label": 0}, {"label": 1}]})]
        )
    )
    lines = tmp_path / "jsonl" / "labels.jsonl"
    lines.parent.mkdir()
    lines.write_text(
        "\n".join(
            [json_ground_truth_line(f"l-{i}", {"label": 1 - i % 2}) for i in range(4)]
            + [json_ground_truth_line("l-4", {"target": 1})]
        )
    )
    runner = CliRunner()
    first = runner.invoke(
        main,
        ["labels", "push", str(projected), "--ground-truth-attribute", "instances[*].label"],
        env=env,
    )
    assert first.exit_code == 0, first.output
    assert "pushed 7 of 7 label records" in first.output  # p-6 labels a request of two
    second = runner.invoke(
        main,
        ["labels", "push", str(lines), "--config", str(config), "--monitor", "credit"],
        env=env,
    )
    assert second.exit_code == 0, second.output
    assert "pushed 4 of 5 label records" in second.output and "(missing_label=1)" in second.output

    records = [
        r
        for m in read_topic(kafka_bootstrap, f"{topic_prefix}.labels")
        for r in split_records(m.value)
    ]
    assert all(orjson.loads(r)["groundTruthData"]["encoding"] == "JSON" for r in records)
    by_key = {}
    for raw in records:
        path = "label" if b'"l-' in raw else "instances[*].label"
        label = decode_label(raw, LabelSettings(ground_truth_attribute=path))
        by_key[label.event_id] = label.values
    assert by_key == {**{f"p-{i}": (float(i % 2),) for i in range(6)}, "p-6": (0.0, 1.0),
                      **{f"l-{i}": (float(1 - i % 2),) for i in range(4)}}  # fmt: skip
    letters = [
        orjson.loads(m.value) for m in read_topic(kafka_bootstrap, f"{topic_prefix}.deadletter")
    ]
    assert sorted(d["reason"] for d in letters) == ["missing_label"]


def test_a2i_outputs_are_consolidated_by_the_monitors_settings(
    tmp_path: Path, env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    (tmp_path / "baseline").mkdir()
    config = tmp_path / "driftline.toml"
    config.write_text(
        '[[monitor]]\nname = "credit"\nbaseline = "baseline"\n'
        '[monitor.labels]\na2i_answer_path = "churned.label"\n'
        'a2i_value_map = { yes = "1", no = "0" }\n'
    )
    loops = {
        "loop-a": ("order-1", ["yes", "no", "yes"]),  # majority: 1
        "loop-b": ("order-2", ["no"]),  # 0
        "loop-c": ("order-3", ["yes", "no"]),  # a tie: refused
        "loop-d": (None, ["yes"]),  # no inference id: refused
        "loop-e": ("order-5", ["maybe", "no"]),  # one unmapped answer, label 0
    }
    for name, (key, answers) in loops.items():
        folder = tmp_path / "a2i" / "review" / "2024" / "03" / "05" / "15" / "00" / "00" / name
        folder.mkdir(parents=True)
        (folder / "output.json").write_text(human_loop(key, answers, name))
    (tmp_path / "a2i" / "extra.jsonl").write_text(ground_truth_line("order-9", "1") + "\n")

    result = CliRunner().invoke(
        main,
        ["labels", "push", str(tmp_path / "a2i"), "--config", str(config), "--monitor", "credit"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "pushed 4 of 6 label records from 6 file(s)" in result.output
    assert "(3 A2I outputs consolidated into labels)" in result.output
    assert "missing_inference_id=1, tie=1" in result.output

    messages = read_topic(kafka_bootstrap, f"{topic_prefix}.labels")
    records = [orjson.loads(r) for m in messages for r in split_records(m.value)]
    labels = {parse_ground_truth(r).event_id: parse_ground_truth(r).data for r in records}
    assert labels == {"order-1": "1", "order-2": "0", "order-5": "0", "order-9": "1"}
    # what went to the topic is a ground-truth record: any monitor reads it without A2I settings
    assert all("groundTruthData" in r for r in records)
    letters = [
        orjson.loads(m.value) for m in read_topic(kafka_bootstrap, f"{topic_prefix}.deadletter")
    ]
    assert {d["monitor"] for d in letters} == {"credit"}
    assert sorted(Path(d["source"]).parent.name for d in letters) == ["loop-c", "loop-d"]


def test_options_override_the_monitor_and_a_json_only_folder_needs_them(
    tmp_path: Path, env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    folder = tmp_path / "a2i" / "loop-1"
    folder.mkdir(parents=True)
    (folder / "output.json").write_text(human_loop("order-1", ["30", "41"], "loop-1"))
    runner = CliRunner()
    refused = runner.invoke(main, ["labels", "push", str(tmp_path / "a2i")], env=env)
    assert refused.exit_code == 2
    assert "driftline: error:" in refused.output and "--a2i-answer-path" in refused.output

    result = runner.invoke(
        main,
        ["labels", "push", str(tmp_path / "a2i"), "--a2i-answer-path", "churned.label",
         "--a2i-consolidation", "mean"],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (message,) = read_topic(kafka_bootstrap, f"{topic_prefix}.labels")
    assert decode_label(message.value, LabelSettings()).values == (35.5,)

    for args, error in [
        (["--monitor", "nope"], "no monitor named 'nope'"),
        (["--a2i-value-map", "yes"], "--a2i-value-map entries look like answer=label"),
        (["--a2i-answer-path", "a..b"], "labels.a2i_answer_path must be a dotted path"),
    ]:
        bad = runner.invoke(main, ["labels", "push", str(tmp_path / "a2i"), *args], env=env)
        assert bad.exit_code == 2, bad.output
        assert bad.output.startswith("driftline: error: ") and error in bad.output
        assert "Traceback" not in bad.output


def test_attributions_land_in_their_predictions_partition(
    tmp_path: Path, env: dict[str, str], kafka_bootstrap: str, topic_prefix: str
) -> None:
    keys = [f"i-{n}" for n in range(60)]
    lines = [
        json.dumps({"inferenceId": k, "shap": {"age": n / 10, "plan": -n / 20}})
        for n, k in enumerate(keys)
    ]
    lines += [
        json.dumps({"eventId": "e-only", "shap": {"yes": {"age": 0.5}, "no": {"age": -0.5}}}),
        json.dumps({"inferenceId": "bad-1", "shap": {"age": "high"}}),
        json.dumps({"shap": {"age": 0.1}}),
        "[1, 2]",
    ]
    path = tmp_path / "shap.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(
        main, ["attributions", "push", str(path), "--records-per-message", "7"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "pushed 61 of 64 attribution records" in result.output
    assert "missing_id=1, not_a_number=1, not_an_object=1" in result.output

    reference = capture_partitions(kafka_bootstrap, f"{topic_prefix}.capture", [*keys, "e-only"])
    got = {}
    for message in read_topic(kafka_bootstrap, f"{topic_prefix}.attributions"):
        decoded = [decode_attribution(r) for r in split_records(message.value)]
        assert message.key == decoded[0][0].encode()
        for key, shap in decoded:
            assert message.partition == reference[key]
            got[key] = shap
    assert got["i-3"] == {"label0": {"age": 0.3, "plan": -0.15}}
    assert got["e-only"] == {"yes": {"age": 0.5}, "no": {"age": -0.5}}
    assert len(got) == 61
