"""``driftline worker`` processes on a real broker: drift, dead letters, scale-out, metrics."""

from __future__ import annotations

import base64
import random

import orjson
import pytest

from stream.demo.synthetic import capture_record
from stream.kafka.capture_producer import CaptureProducer
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.workers import (
    SCHEMA,
    WorkerProcess,
    latest_by_window,
    read_json,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.kafka

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z, a window boundary
WINDOW = 10.0


def send_windows(bootstrap, topic, sizes_and_drift, seed=11):
    """Send windows of rows (event times spread over each window) as 100-record batches."""
    rng = random.Random(seed)
    with CaptureProducer(bootstrap_servers=bootstrap, topic=topic, linger_seconds=0.2) as out:
        for w, (n, drifted) in enumerate(sizes_and_drift):
            rows = SCHEMA.rows(rng, n, drifted)
            out.send_many(
                capture_record(f"w{w}-{k}", T0 + w * WINDOW + k * WINDOW / n, row)
                for k, row in enumerate(rows)
            )


def start(tmp_path, bootstrap, prefix, **monitor):
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(bootstrap, names, 4, 1)
    config = write_config(tmp_path, bootstrap, prefix, **monitor)
    return names, config


def test_drift_flagged_at_onset_clean_windows_flag_nothing_and_metrics(tmp_path, kafka_bootstrap):
    names, config = start(tmp_path, kafka_bootstrap, "drift")
    worker = WorkerProcess(config, tmp_path / "worker.log")
    try:
        wait_for(lambda: worker.assigned() == 4, 30, "the worker to own 4 partitions")
        drifted = {"income", "plan"}
        plan = [(1000, ())] * 10 + [(1000, drifted)] * 3  # 10 clean windows, then drift
        send_windows(kafka_bootstrap, names.capture, plan)
        executions = latest_by_window(kafka_bootstrap, names.executions, 13, 40)
        metrics = worker.metrics()
    finally:
        assert worker.stop() < 10
    assert [e["row_count"] for e in executions] == [1000] * 13
    violations = read_json(kafka_bootstrap, names.violations)
    by_window: dict[str, set] = {}
    for v in violations:
        by_window.setdefault(v["window_start"], set()).add(
            (v["feature_name"], v["constraint_check_type"])
        )
    clean = [e["window_start"] for e in executions[:10]]
    assert not any(by_window.get(w) for w in clean)  # the no-drift control: nothing flagged
    assert [e["status"] for e in executions[:10]] == ["Completed"] * 10
    onset = executions[10]["window_start"]
    assert onset == "2024-03-05T14:01:40Z"
    assert by_window[onset] == {(f, "baseline_drift_check") for f in drifted}
    first = next(v for v in violations if v["window_start"] == onset)
    assert first["monitor"] == "m" and first["schema_version"] == 2
    assert first["window_end"] == "2024-03-05T14:01:50Z" and first["value"] > first["threshold"]

    def value(name, **labels):
        return metrics.get((name, tuple(sorted({"monitor": "m", **labels}.items()))))

    assert value("driftline_events_consumed_total") == 13_000
    assert value("driftline_events_processed_total") == 13_000
    assert value("driftline_windows_closed_total") == 13
    assert value("driftline_late_events_total") == 0
    check = "baseline_drift_check"
    assert value("driftline_violations_total", check_type=check, feature="income") == 3
    assert value("driftline_drift_distance", feature="income") > 0.1
    assert value("driftline_drift_threshold", feature="income") == 0.1
    assert value("driftline_drift_distance", feature="age") < 0.1
    assert value("driftline_completeness_ratio", feature="age") == 1.0
    assert value("driftline_last_closed_window_end_timestamp_seconds") == T0 + 13 * WINDOW
    assert value("driftline_event_time_lag_seconds") > 0


def test_bad_records_are_dead_lettered_and_counts_reconcile(tmp_path, kafka_bootstrap):
    from kafka import KafkaProducer

    names, config = start(tmp_path, kafka_bootstrap, "bad")
    worker = WorkerProcess(config, tmp_path / "worker.log")
    rows = SCHEMA.rows(random.Random(5), 50)
    good = [orjson.dumps(capture_record(f"g{k}", T0 + k * 0.1, r)) for k, r in enumerate(rows)]
    wrong_encoding = capture_record("b1", T0 + 1, rows[0])
    wrong_encoding["captureData"]["endpointInput"]["encoding"] = "UTF-16"
    missing = capture_record("b2", T0 + 2, rows[1])
    del missing["eventMetadata"]["eventId"]
    oversized = capture_record("b3", T0 + 3, rows[2])
    oversized["captureData"]["endpointInput"]["data"] += "," + "9" * 1_100_000
    batch = good[:25] + [b"{not json", orjson.dumps(wrong_encoding), orjson.dumps(missing)]
    batch += good[25:]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, max_request_size=4_000_000)
    try:
        wait_for(lambda: worker.assigned() == 4, 30, "the worker to own 4 partitions")
        producer.send(names.capture, value=b"\n".join(batch), partition=0)
        producer.send(names.capture, value=orjson.dumps(oversized), partition=1)
        producer.flush()
        dead = wait_for(
            lambda: (lambda d: d if len(d) >= 4 else None)(
                read_json(kafka_bootstrap, names.deadletter)
            ),
            30,
            "4 dead letters",
        )
        wait_for(lambda: worker.sample("driftline_events_consumed_total", monitor="m") == 54, 10,
                 "54 consumed records")  # fmt: skip
        metrics = {k: worker.sample(k, monitor="m") for k in (
            "driftline_events_consumed_total", "driftline_events_processed_total")}  # fmt: skip
        reasons = ("invalid_json", "bad_encoding", "missing_field", "oversized")
        dead_counts = {
            r: worker.sample("driftline_dead_letters_total", monitor="m", reason=r) for r in reasons
        }
    finally:
        producer.close()
        worker.stop()
    assert sorted(d["reason"] for d in dead) == sorted(reasons)
    by_reason = {d["reason"]: d for d in dead}
    assert base64.b64decode(by_reason["invalid_json"]["raw_base64"]) == b"{not json"
    assert by_reason["invalid_json"]["record_index"] == 25
    assert (by_reason["oversized"]["partition"], by_reason["oversized"]["offset"]) == (1, 0)
    assert by_reason["missing_field"]["topic"] == names.capture
    assert dead_counts == dict.fromkeys(reasons, 1.0)
    consumed = metrics["driftline_events_consumed_total"]
    processed = metrics["driftline_events_processed_total"]
    assert (consumed, processed) == (54, 50)
    assert consumed == processed + sum(dead_counts.values())


def test_one_and_two_workers_give_identical_window_statistics(tmp_path, kafka_bootstrap):
    plan = [(300, ())] * 3 + [(300, {"age"})] * 3  # <= 400 rows a window: KLL stays exact
    results = {}
    for prefix, n_workers in (("one", 1), ("two", 2)):
        names, config = start(tmp_path, kafka_bootstrap, prefix)
        workers = [WorkerProcess(config, tmp_path / f"{prefix}-{i}.log") for i in range(n_workers)]
        try:
            wait_for(lambda ws=workers: all_owned(ws), 45, "4 partitions owned, each worker some")
            send_windows(kafka_bootstrap, names.capture, plan, seed=23)
            # the latest of each window once every partition reported it (an idle close
            # under load can publish a window first without a slow partition's partial)
            docs = latest_by_window(kafka_bootstrap, names.statistics, len(plan), 40)
            results[prefix] = {d["window_start"]: d for d in docs}
        finally:
            for w in workers:
                w.stop()
    one, two = results["one"], results["two"]
    assert sorted(one) == sorted(two) and len(one) == len(plan)
    for window, doc in one.items():
        assert doc["dataset"]["item_count"] == 300
        # the revision says how the window was finalised (idle, then a late partial), not what
        assert_same_statistics(without_revision(doc), without_revision(two[window]))


def without_revision(doc):
    return {k: v for k, v in doc.items() if k != "revision"}


def all_owned(workers) -> bool:
    shares = [w.assigned() for w in workers]
    return sum(shares) == 4 and min(shares) > 0


def assert_same_statistics(a, b):
    """Equal documents; floats equal up to summation order (moments are Chan-merged)."""
    if isinstance(a, dict):
        assert sorted(a) == sorted(b)
        for key in a:
            assert_same_statistics(a[key], b[key])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same_statistics(x, y)
    elif isinstance(a, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-9)
    else:
        assert a == b


def test_a_monitor_with_match_takes_only_its_variant(tmp_path, kafka_bootstrap):
    names, config = start(tmp_path, kafka_bootstrap, "route")
    with config.open("a") as toml:
        toml.write('match = { endpoint = "credit", variant = "Canary" }\n')
    worker = WorkerProcess(config, tmp_path / "worker.log")
    rows = SCHEMA.rows(random.Random(3), 500)
    records = [capture_record(f"r{k}", T0 + k * 0.01, row) for k, row in enumerate(rows)]
    try:
        wait_for(lambda: worker.assigned() == 4, 30, "the worker to own 4 partitions")
        with CaptureProducer(bootstrap_servers=kafka_bootstrap, topic=names.capture) as out:
            out.send_many(records[:300], headers={"endpoint": "credit", "variant": "AllTraffic"})
            out.send_many(records[300:], headers={"endpoint": "credit", "variant": "Canary"})
            out.send_many(records[:10])  # no headers: matches no routed monitor
        (execution,) = latest_by_window(kafka_bootstrap, names.executions, 1, 30)
        # the records no monitor takes are counted, not lost: 300 AllTraffic + 10 without headers
        wait_for(
            lambda: worker.sample("driftline_unmatched_events_total") == 300 + 10,
            30,
            "310 unmatched records counted",
        )
    finally:
        worker.stop()
    assert execution["row_count"] == execution["record_count"] == 200
    log = (tmp_path / "worker.log").read_text()
    assert "variant='AllTraffic'" in log and "endpoint=(absent)" in log
