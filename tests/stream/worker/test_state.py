"""WorkerState and the metrics collector, without a broker: capture in, messages out,
checkpoints and restores."""

from __future__ import annotations

import random

import orjson
from prometheus_client import CollectorRegistry

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig, MonitorMatch
from stream.demo.synthetic import SyntheticSchema, capture_record
from stream.worker.metrics import WorkerCollector
from stream.worker.state import CAPTURE, PARTIALS, WorkerState
from tests.stream.worker.saved_sources import saved_sources

SCHEMA = SyntheticSchema.demo()
BASELINE = SCHEMA.baseline(n=3000)
T0 = 1_709_647_200.0


def state(clock, partitions=2, **monitor) -> WorkerState:
    values = dict(name="m", window_seconds=10.0, allowed_lateness_seconds=0.0,
                  idle_close_seconds=5.0, capture_index_names=("endpointInput",))  # fmt: skip
    values.update(monitor)
    config = DriftlineConfig(
        kafka=KafkaConfig(topic_prefix="p", partitions=partitions),
        monitors=(MonitorConfig(**values),),
    )
    return WorkerState(config, {"m": BASELINE}, now=clock)


def message(seed: int, times: list[float], drifted=()) -> bytes:
    rows = SCHEMA.rows(random.Random(seed), len(times), drifted)
    pairs = enumerate(zip(times, rows, strict=True))
    records = [capture_record(f"{seed}-{k}", t, r) for k, (t, r) in pairs]
    return b"\n".join(orjson.dumps(r) for r in records)


def registry_for(ws: WorkerState) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(WorkerCollector(saved_sources(ws)))
    return registry


def drain(ws: WorkerState, kind: str) -> list:
    """Every outbox message of ``kind``, as a checkpoint would send them."""
    out = []
    for partition in sorted(ws.books[kind]):
        out.extend(ws.checkpoint(kind, partition).outbox)
    return out


def feed_partials(ws: WorkerState, partials) -> list:
    """Deliver partials to the aggregator's partition, as the partials topic would."""
    for offset, message in enumerate(partials):
        ws.on_partial(message.partition, 100 + offset, message.value)
    return drain(ws, PARTIALS)


def test_capture_to_partials_to_outputs_and_metrics(fake_clock):
    ws = state(fake_clock)
    ws.assign({0, 1}, {0, 1})  # this worker aggregates every monitor
    times = [T0 + i * 0.01 for i in range(500)]
    out = ws.on_capture(0, 0, message(1, times, drifted={"age"}))
    out += ws.on_capture(1, 0, message(2, times, drifted={"age"}) + b"\n{oops")
    assert [m.topic for m in out] == ["p.deadletter"]
    dead = orjson.loads(out[0].value)
    assert (dead["reason"], dead["partition"], dead["offset"], dead["record_index"]) == (
        "invalid_json", 1, 0, 500)  # fmt: skip
    assert ws.on_capture(0, 1, message(3, [T0 + 10.5])) == []
    assert ws.on_capture(1, 1, message(4, [T0 + 10.5])) == []
    partials = drain(ws, CAPTURE)
    assert [m.topic for m in partials] == ["p.partials", "p.partials"]
    assert {m.partition for m in partials} == {ws.partials_partition("m")}
    assert feed_partials(ws, partials[:1]) == []
    results = feed_partials(ws, partials[1:])
    topics = [m.topic for m in results]
    assert topics[-2:] == ["p.statistics", "p.executions"]
    violations = [orjson.loads(m.value) for m in results if m.topic == "p.violations"]
    assert {(v["feature_name"], v["constraint_check_type"]) for v in violations} == {
        ("age", "baseline_drift_check")
    }
    execution = orjson.loads(results[-1].value)
    assert execution["row_count"] == 1000 and execution["status"] == "CompletedWithViolations"

    registry = registry_for(ws)
    sample = registry.get_sample_value
    assert sample("driftline_events_consumed_total", {"monitor": "m"}) == 1003
    assert sample("driftline_events_processed_total", {"monitor": "m"}) == 1002
    assert sample("driftline_dead_letters_total", {"monitor": "m", "reason": "invalid_json"}) == 1
    labels = {"monitor": "m", "check_type": "baseline_drift_check", "feature": "age"}
    assert sample("driftline_violations_total", labels) == 1
    assert sample("driftline_windows_closed_total", {"monitor": "m"}) == 1
    assert sample("driftline_drift_distance", {"monitor": "m", "feature": "age"}) > 0.2
    assert sample("driftline_drift_threshold", {"monitor": "m", "feature": "age"}) == 0.1
    assert sample("driftline_completeness_ratio", {"monitor": "m", "feature": "plan"}) == 1.0
    assert sample("driftline_last_closed_window_end_timestamp_seconds", {"monitor": "m"}) == (
        T0 + 10)  # fmt: skip
    assert sample("driftline_current_window_rows", {"monitor": "m"}) == 2
    lag = fake_clock().timestamp() - (T0 + 10.5)
    assert sample("driftline_event_time_lag_seconds", {"monitor": "m"}) == lag


def test_timer_closes_idle_windows_on_both_sides(fake_clock):
    ws = state(fake_clock, partitions=2)
    ws.on_capture(0, 0, message(1, [T0 + 1, T0 + 2]))
    ws.tick()
    assert drain(ws, CAPTURE) == []
    fake_clock.advance(5.0)
    ws.tick()
    assert drain(ws, CAPTURE) == []  # silent, but not confirmed caught up: maybe stalled
    ws.activity[CAPTURE].on_caught_up(0, now=fake_clock().timestamp())
    ws.tick()
    partials = drain(ws, CAPTURE)
    assert [m.topic for m in partials] == ["p.partials"]
    assert feed_partials(ws, partials) == []  # partition 1 never reported
    fake_clock.advance(5.0)
    ws.activity[PARTIALS].on_caught_up(ws.partials_partition("m"), now=fake_clock().timestamp())
    ws.tick()
    assert [m.topic for m in drain(ws, PARTIALS)] == ["p.statistics", "p.executions"]


def test_routing_by_headers(fake_clock):
    ws = state(fake_clock, match=MonitorMatch(endpoint="credit"))
    body = message(1, [T0 + 1])
    ws.on_capture(0, 0, body, [("endpoint", b"other")])
    assert ws.paths["m"].counts.consumed == 0
    ws.on_capture(0, 1, body, [("endpoint", b"credit")])
    assert ws.paths["m"].counts.consumed == 1


def two_matched_monitors(clock) -> WorkerState:
    """Monitors ``credit`` (endpoint credit) and ``credit-a`` (endpoint credit, variant A)."""
    base = dict(window_seconds=10.0, allowed_lateness_seconds=0.0, idle_close_seconds=5.0,
                capture_index_names=("endpointInput",))  # fmt: skip
    monitors = (
        MonitorConfig(name="credit", match=MonitorMatch(endpoint="credit"), **base),
        MonitorConfig(name="credit-a", match=MonitorMatch(endpoint="credit", variant="A"), **base),
    )
    config = DriftlineConfig(kafka=KafkaConfig(topic_prefix="p", partitions=2), monitors=monitors)
    return WorkerState(config, {"credit": BASELINE, "credit-a": BASELINE}, now=clock)


def test_records_matching_no_monitor_are_counted_not_lost(fake_clock, caplog):
    ws = two_matched_monitors(fake_clock)
    sample = registry_for(ws).get_sample_value
    assert sample("driftline_unmatched_events_total") == 0  # exported before the first one
    other, credit_b = [("endpoint", b"other")], [("endpoint", b"credit"), ("variant", b"B")]
    out = ws.on_capture_many(0, [
        (0, message(1, [T0 + 1, T0 + 2, T0 + 3]), other),  # 3 records, no monitor
        (1, message(2, [T0 + 1, T0 + 2]), credit_b),  # 2 records: credit only
        (2, message(3, [T0 + 1]), None),  # 1 record, no headers: no monitor
        (3, None, other),  # a tombstone: 1 record, as the capture path counts it
    ])  # fmt: skip
    ws.on_capture(1, 0, message(4, [T0 + 1, T0 + 2, T0 + 3, T0 + 4]), other)  # 4, no monitor
    ws.on_capture(1, 1, message(5, [T0 + 1]), [("endpoint", b"credit"), ("variant", b"A")])
    assert out == []  # not dead letters: not bad input, maybe another deployment's traffic
    assert sample("driftline_unmatched_events_total") == 3 + 1 + 1 + 4
    # a message some monitors take and others not is theirs: nothing unmatched about it
    assert sample("driftline_events_consumed_total", {"monitor": "credit"}) == 2 + 1
    assert sample("driftline_events_consumed_total", {"monitor": "credit-a"}) == 1
    assert ws.book(CAPTURE, 0).last_offset(CAPTURE) == 3  # the offsets still move on
    # one log line per header combination, naming the headers: endpoint other, and none
    lines = [r.getMessage() for r in caplog.records if "matches no monitor" in r.getMessage()]
    assert len(lines) == 2
    assert "endpoint='other'" in lines[0] and "0:0 matches no monitor (records: 3;" in lines[0]
    assert "endpoint=(absent)" in lines[1] and "0:2 matches no monitor (records: 1;" in lines[1]


def test_online_alarm_is_sent_once_per_onset(fake_clock):
    ws = state(fake_clock, partitions=1, online_detectors=("adwin",), window_seconds=3600.0)
    times = [T0 + i * 0.01 for i in range(1500)]
    out = ws.on_capture(0, 0, message(1, times))
    assert out == []
    out = ws.on_capture(0, 1, message(2, [t + 15 for t in times], drifted={"income"}))
    alarms = [orjson.loads(m.value) for m in out if m.topic == "p.violations"]
    assert [(a["feature_name"], a["constraint_check_type"]) for a in alarms] == [
        ("income", "online_drift_check")
    ]
    assert alarms[0]["partition"] == 0 and alarms[0]["detector"] == "adwin"
