"""MonitorRuntime: decoding, dead letters, sampling, windows, watermarks and idle close."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime

import orjson
import pytest

from stream.config import MonitorConfig
from stream.demo.synthetic import SyntheticSchema, capture_record
from stream.worker.capture_runtime import MonitorRuntime
from stream.worker.windows import WindowPartial

T0 = datetime(2024, 3, 5, 14, 0, 0, tzinfo=UTC).timestamp()  # a window boundary for 10 s
SCHEMA = SyntheticSchema.demo()
BASELINE = SCHEMA.baseline(n=3000)


def runtime(clock, **settings) -> MonitorRuntime:
    values = dict(
        name="m",
        window_seconds=10.0,
        allowed_lateness_seconds=2.0,
        idle_close_seconds=30.0,
        capture_index_names=("endpointInput",),
    )
    values.update(settings)
    return MonitorRuntime(MonitorConfig(**values), BASELINE, now=clock)


def batch(records: list[dict]) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in records)


def records_at(times: list[float], seed: int = 1) -> list[dict]:
    rows = SCHEMA.rows(random.Random(seed), len(times))
    return [
        capture_record(f"i{seed}-{k}", t, row)
        for k, (t, row) in enumerate(zip(times, rows, strict=True))
    ]


def test_rows_go_to_windows_by_inference_time(fake_clock):
    rt = runtime(fake_clock)
    outcome = rt.process_batch(0, 5, batch(records_at([T0 + 1, T0 + 9.999, T0 + 10, T0 + 15])))
    assert outcome.rows_by_window == {T0: 2, T0 + 10: 2}
    assert outcome.dead_letters == () and outcome.late == 0
    assert rt.watermark(0) == T0 + 13


def test_one_bad_record_in_a_batch_is_dead_lettered_alone(fake_clock):
    rt = runtime(fake_clock)
    good = records_at([T0 + 1, T0 + 2, T0 + 3])
    no_time = records_at([T0 + 4], seed=2)[0]
    del no_time["eventMetadata"]["inferenceTime"]
    bad_b64 = records_at([T0 + 5], seed=3)[0]
    bad_b64["captureData"]["endpointInput"].update(encoding="BASE64", data="@@not base64@@")
    lines = [orjson.dumps(good[0]), b"{not json", orjson.dumps(no_time), orjson.dumps(good[1])]
    lines += [orjson.dumps(bad_b64), b'{"captureData": {}}', orjson.dumps(good[2])]
    outcome = rt.process_batch(3, 77, b"\n".join(lines))
    reasons = [(d.record_index, d.reason) for d in outcome.dead_letters]
    assert reasons == [
        (1, "invalid_json"),
        (2, "missing_time"),
        (4, "bad_encoding"),
        (5, "missing_field"),
    ]
    assert outcome.rows_by_window == {T0: 3}
    assert all(d.partition == 3 and d.offset == 77 for d in outcome.dead_letters)
    assert outcome.dead_letters[0].raw == b"{not json"
    counts = rt.counts
    dead = sum(counts.dead_letters.values())
    assert counts.consumed == 7
    assert counts.consumed == counts.processed + dead + counts.late + counts.sampled_out
    assert base64.b64encode(outcome.dead_letters[0].raw)


def test_watermark_closes_windows_and_counts_late_events(fake_clock):
    rt = runtime(fake_clock)
    rt.process_batch(0, 0, batch(records_at([T0 + 1, T0 + 5])))
    rt.process_batch(0, 1, batch(records_at([T0 + 11], seed=2)))
    assert rt.close_due() == []  # watermark T0 + 9 has not passed T0 + 10
    rt.process_batch(0, 2, batch(records_at([T0 + 12.5], seed=3)))
    partials = rt.close_due()
    assert [(p.window_start, p.partition, p.record_count, p.closed_by) for p in partials] == [
        (T0, 0, 2, "watermark")
    ]
    assert (partials[0].first_offset, partials[0].last_offset) == (0, 0)
    outcome = rt.process_batch(0, 3, batch(records_at([T0 + 9], seed=4)))
    assert outcome.late == 1 and rt.counts.late == 1
    assert outcome.rows_by_window == {}


def test_watermarks_are_per_partition(fake_clock):
    rt = runtime(fake_clock)
    rt.process_batch(0, 0, batch(records_at([T0 + 1])))
    rt.process_batch(1, 0, batch(records_at([T0 + 2, T0 + 40], seed=2)))
    partials = rt.close_due()
    assert [(p.partition, p.window_start) for p in partials] == [(1, T0)]
    assert partials[0].closed_until == T0 + 30  # watermark T0 + 38 passed three windows


def test_idle_partition_closes_after_wall_clock_silence(fake_clock):
    rt = runtime(fake_clock, idle_close_seconds=30.0)
    rt.process_batch(2, 9, batch(records_at([T0 + 1])))
    fake_clock.advance(29.9)
    assert rt.close_due() == []
    fake_clock.advance(0.2)
    partials = rt.close_due()
    assert [(p.partition, p.closed_by) for p in partials] == [(2, "idle")]
    assert rt.process_batch(2, 10, batch(records_at([T0 + 3], seed=2))).late == 1


def test_partial_profile_matches_the_rows_and_round_trips(fake_clock):
    rt = runtime(fake_clock)
    times = [T0 + i * 0.01 for i in range(250)]
    records = records_at(times, seed=9)
    rt.process_batch(0, 0, batch(records[:100]))
    rt.process_batch(0, 1, batch(records[100:]))
    rt.process_batch(0, 2, batch(records_at([T0 + 30], seed=10)))
    partial = rt.close_due()[0]
    assert partial.row_count == 250 and partial.last_offset == 1
    restored = WindowPartial.from_bytes(partial.to_bytes())
    from detectors.quality.dataset_profile import DatasetProfile

    stats = DatasetProfile.from_state(restored.profile_state).statistics()
    ages = [float(orjson.loads(orjson.dumps(r))["captureData"]["endpointInput"]["data"]
                  .split(",")[0]) for r in records]  # fmt: skip
    age = stats.feature("age")
    assert age.numeric is not None
    assert age.numeric.sum == pytest.approx(sum(ages))
    assert age.numeric.min == min(ages) and age.numeric.max == max(ages)


def test_sampling_is_deterministic_by_inference_id(fake_clock):
    first, second = (
        runtime(fake_clock, sampling_percentage=30.0),
        runtime(fake_clock, sampling_percentage=30.0),
    )
    message = batch(records_at([T0 + i * 0.001 for i in range(1000)]))
    a, b = first.process_batch(0, 0, message), second.process_batch(0, 0, message)
    assert a.rows_by_window == b.rows_by_window
    kept = a.rows_by_window[T0]
    assert 230 < kept < 370  # binomial(1000, 0.3): mean 300, sd 14.5
    assert first.counts.sampled_out == 1000 - kept


def test_preprocessor_rows_and_errors(fake_clock, tmp_path):
    from stream.capture.preprocess import load_preprocessor

    script = tmp_path / "pre.py"
    script.write_text(
        "def preprocess_handler(record):\n"
        "    values = record.endpoint_input.data.split(',')\n"
        "    if values[4] == 'gold':\n"
        "        return []\n"
        "    if values[4] == 'premium':\n"
        "        raise RuntimeError('no premium')\n"
        "    return {'age': values[0], 'plan': values[4]}\n"
    )
    config = MonitorConfig(name="m", window_seconds=10.0, capture_index_names=("endpointInput",))
    rt = MonitorRuntime(config, BASELINE, now=fake_clock, preprocessor=load_preprocessor(script))
    records = records_at([T0 + i * 0.01 for i in range(300)], seed=5)
    plans = [r["captureData"]["endpointInput"]["data"].split(",")[4] for r in records]
    outcome = rt.process_batch(0, 0, batch(records))
    assert rt.counts.dropped == plans.count("gold")
    assert [d.reason for d in outcome.dead_letters] == ["preprocessor_error"] * plans.count(
        "premium"
    )
    assert outcome.rows_by_window == {T0: plans.count("basic")}


def test_plain_decoder_agrees_with_the_full_decoder():
    from stream.capture.plain_csv import PlainCsvDecoder
    from stream.capture.records import decode_capture
    from stream.capture.rows import RowBuilder

    features = ("score", *SCHEMA.features[:-1])  # the output column, then five inputs
    rows = SCHEMA.rows(random.Random(3), 3)
    records = []
    for k, row in enumerate(rows):
        record = capture_record(f"i-{k}", T0 + k, row[:-1])
        record["captureData"]["endpointOutput"] = {
            "observedContentType": "text/csv", "mode": "OUTPUT", "data": f"0.9{k}",
            "encoding": "CSV",
        }  # fmt: skip
        records.append(orjson.dumps(record))
    builder = RowBuilder(features=features)  # both capture parts: output first
    decoder = PlainCsvDecoder(parts=builder.parts, width=len(features))
    keys, seconds, fields = decoder.decode(records)
    full = [row for raw in records for row in builder.rows(decode_capture(raw))]
    assert (keys, seconds) == (["i-0", "i-1", "i-2"], [T0, T0 + 1, T0 + 2])
    width = len(features)
    plain_rows = [fields[i * width : (i + 1) * width] for i in range(len(records))]
    assert [dict(zip(features, r, strict=True)) for r in plain_rows] == full
    quoted = orjson.loads(records[1])
    quoted["captureData"]["endpointInput"]["data"] = '"41",basic'
    assert decoder.decode([records[0], orjson.dumps(quoted)]) is None  # the full decoder's job


@pytest.mark.parametrize("sampling", [100.0, 60.0])
def test_whole_message_path_equals_the_per_record_path(fake_clock, sampling):
    """Plain CSV messages decoded at once give exactly what record-by-record decoding gives."""
    from detectors.quality.dataset_profile import DatasetProfile
    from detectors.quality.statistics_json import statistics_to_json

    rng = random.Random(5)
    # messages straddle window boundaries; the last ones arrive after their windows closed
    times = sorted(T0 + rng.uniform(0, 60) for _ in range(900))
    times += [T0 + rng.uniform(0, 5) for _ in range(50)]
    records = records_at(times, seed=9)
    messages = [batch(records[i : i + 50]) for i in range(0, len(records), 50)]
    fast = runtime(fake_clock, sampling_percentage=sampling)
    slow = runtime(fake_clock, sampling_percentage=sampling)
    slow.plain.decode = lambda records: None  # record by record, through the full decoder
    assert all(fast.plain.decode(m.split(b"\n")) is not None for m in messages)
    partials = {}
    for rt in (fast, slow):
        outcomes = []
        for offset, message in enumerate(messages):
            outcomes.append(rt.process_batch(offset % 2, offset, message))
            if offset == 15:
                rt.close_due()  # the watermark closes the early windows: later events are late
        closed = rt.close_due() + [rt._close(p, s, "test") for p, s in sorted(rt.windows)]
        partials[rt is fast] = (outcomes, closed)
    (fast_out, fast_closed), (slow_out, slow_closed) = partials[True], partials[False]
    assert fast.counts == slow.counts
    assert fast.counts.late > 0
    assert [(o.rows_by_window, o.late) for o in fast_out] == [
        (o.rows_by_window, o.late) for o in slow_out
    ]
    assert [(p.partition, p.window_start, p.record_count, p.last_offset) for p in fast_closed] == [
        (p.partition, p.window_start, p.record_count, p.last_offset) for p in slow_closed
    ]
    for a, b in zip(fast_closed, slow_closed, strict=True):
        stats_a = statistics_to_json(DatasetProfile.from_state(a.profile_state).statistics())
        stats_b = statistics_to_json(DatasetProfile.from_state(b.profile_state).statistics())
        assert stats_a == stats_b  # < 400 rows a window and partition: KLL keeps every value


def test_a_bad_record_sends_its_message_down_the_per_record_path(fake_clock):
    records = [orjson.dumps(r) for r in records_at([T0 + 1, T0 + 2, T0 + 3])]
    records[1] = b'{"captureData": {}, "eventMetadata": {"eventId": "x"}}'
    outcome = runtime(fake_clock).process_batch(0, 0, b"\n".join(records))
    assert [d.reason for d in outcome.dead_letters] == ["missing_field"]
    assert outcome.rows_by_window == {T0: 2}
