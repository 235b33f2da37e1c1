"""CapturePath: decoding, dead letters, sampling, windows, watermarks, idle close, revisions,
poison records and snapshots."""

from __future__ import annotations

import base64
import dataclasses
import json
import random
from collections import Counter
from datetime import UTC, datetime

import orjson
import pytest

from stream.config import MonitorConfig
from stream.demo.synthetic import SyntheticSchema, capture_record, json_capture_record
from stream.worker.capture_path import CapturePath
from stream.worker.event_clock import PartitionActivity
from stream.worker.outcomes import DeadLetter
from stream.worker.windows import WindowPartial

T0 = datetime(2024, 3, 5, 14, 0, 0, tzinfo=UTC).timestamp()  # a window boundary for 10 s
SCHEMA = SyntheticSchema.demo()
BASELINE = SCHEMA.baseline(n=3000)
INPUT = ("endpointInput",)


def runtime(clock, preprocessor=None, **settings) -> CapturePath:
    values = dict(
        name="m",
        window_seconds=10.0,
        allowed_lateness_seconds=2.0,
        idle_close_seconds=30.0,
        capture_index_names=INPUT,
    )
    values.update(settings)
    return CapturePath(MonitorConfig(**values), BASELINE, activity=PartitionActivity(),
                       now=clock, preprocessor=preprocessor)  # fmt: skip


def rows_by_window(rt: CapturePath) -> dict[float, int]:
    """Rows in each open window start, over partitions (profiled and buffered)."""
    out: dict[float, int] = {}
    for (_, start, _, _), window in rt.table:
        out[start] = out.get(start, 0) + window.profile.item_count + window.pending
    return out


def dead(outputs) -> list[DeadLetter]:
    return [o for o in outputs if isinstance(o, DeadLetter)]


def close_due(rt: CapturePath, clock) -> list[WindowPartial]:
    return rt.close_due(clock().timestamp())


def batch(records: list[dict]) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in records)


def records_at(times: list[float], seed: int = 1, *, json: bool = False) -> list[dict]:
    """Capture records at ``times``; ``json``: the input as a JSON array, not CSV."""
    rows = SCHEMA.rows(random.Random(seed), len(times))
    make = json_capture_record if json else capture_record
    return [
        make(f"i{seed}-{k}", t, row) for k, (t, row) in enumerate(zip(times, rows, strict=True))
    ]


def test_rows_go_to_windows_by_inference_time(fake_clock):
    rt = runtime(fake_clock)
    outputs = rt.update(0, 5, batch(records_at([T0 + 1, T0 + 9.999, T0 + 10, T0 + 15])))
    assert rows_by_window(rt) == {T0: 2, T0 + 10: 2}
    assert outputs == [] and rt.counts.late == 0
    assert rt.clock.watermark(0) == T0 + 13


def test_one_bad_record_in_a_batch_is_dead_lettered_alone(fake_clock):
    rt = runtime(fake_clock)
    good = records_at([T0 + 1, T0 + 2, T0 + 3])
    no_time = records_at([T0 + 4], seed=2)[0]
    del no_time["eventMetadata"]["inferenceTime"]
    bad_b64 = records_at([T0 + 5], seed=3)[0]
    bad_b64["captureData"]["endpointInput"].update(encoding="BASE64", data="@@not base64@@")
    lines = [orjson.dumps(good[0]), b"{not json", orjson.dumps(no_time), orjson.dumps(good[1])]
    lines += [orjson.dumps(bad_b64), b'{"captureData": {}}', orjson.dumps(good[2])]
    letters = dead(rt.update(3, 77, b"\n".join(lines)))
    reasons = [(d.record_index, d.reason) for d in letters]
    assert reasons == [
        (1, "invalid_json"),
        (2, "missing_time"),
        (4, "bad_encoding"),
        (5, "missing_field"),
    ]
    assert rows_by_window(rt) == {T0: 3}
    assert all(d.partition == 3 and d.offset == 77 for d in letters)
    assert letters[0].raw == b"{not json"
    counts = rt.counts
    refused = sum(counts.dead_letters.values())
    assert counts.consumed == 7
    assert counts.consumed == counts.processed + refused + counts.late + counts.sampled_out
    assert base64.b64encode(letters[0].raw)


@pytest.mark.parametrize("many", [False, True], ids=["one message a record", "one message"])
def test_base64_data_that_is_not_ascii_is_a_bad_encoding_not_an_internal_error(fake_clock, many):
    """Text outside ASCII cannot be base64; it once raised a ValueError past the decoder, which
    turned every record of its batch into an internal error."""
    rt = runtime(fake_clock)
    good = records_at([T0 + 1, T0 + 2, T0 + 3])
    for record in good:
        part = record["captureData"]["endpointInput"]
        part.update(data=base64.b64encode(part["data"].encode()).decode(), encoding="BASE64")
    good[1]["captureData"]["endpointInput"]["data"] += "\u00e9"
    lines = [orjson.dumps(record) for record in good]
    if many:
        letters = dead(rt.update(0, 5, b"\n".join(lines)))
    else:  # as the worker's state takes them: all at once, else one by one
        items = list(enumerate(lines))
        outputs = rt.update_many(0, items, now=T0 + 4)
        if outputs is None:
            outputs = [out for offset, value in items for out in rt.update(0, offset, value)]
        letters = dead(outputs)
    assert [d.reason for d in letters] == ["bad_encoding"]
    assert rows_by_window(rt) == {T0: 2}


def test_watermark_closes_windows_and_counts_late_events(fake_clock):
    rt = runtime(fake_clock)
    rt.update(0, 0, batch(records_at([T0 + 1, T0 + 5])))
    rt.update(0, 1, batch(records_at([T0 + 11], seed=2)))
    assert close_due(rt, fake_clock) == []  # watermark T0 + 9 has not passed T0 + 10
    rt.update(0, 2, batch(records_at([T0 + 12.5], seed=3)))
    partials = close_due(rt, fake_clock)
    assert [(p.window_start, p.partition, p.record_count, p.closed_by) for p in partials] == [
        (T0, 0, 2, "watermark")
    ]
    assert (partials[0].first_offset, partials[0].last_offset) == (0, 0)
    rt.update(0, 3, batch(records_at([T0 + 9], seed=4)))
    # the window is published: the late record goes to a revision window, nothing is lost
    assert rt.counts.late == 0 and rt.counts.revised == 1
    assert [key for key, _ in rt.table] == [(0, T0, T0 + 10, True), (0, T0 + 10, T0 + 20, False)]


def test_watermarks_are_per_partition(fake_clock):
    rt = runtime(fake_clock)
    rt.update(0, 0, batch(records_at([T0 + 1])))
    rt.update(1, 0, batch(records_at([T0 + 2, T0 + 40], seed=2)))
    partials = close_due(rt, fake_clock)
    assert [(p.partition, p.window_start) for p in partials] == [(1, T0)]
    assert partials[0].closed_until == T0 + 30  # watermark T0 + 38 passed three windows


def test_idle_partition_closes_after_confirmed_silence(fake_clock):
    rt = runtime(fake_clock, idle_close_seconds=30.0)
    rt.update(2, 9, batch(records_at([T0 + 1])))
    rt.activity.on_message(2, now=fake_clock().timestamp())
    fake_clock.advance(45.0)
    assert close_due(rt, fake_clock) == []  # silent, but the broker never confirmed caught up
    rt.activity.on_caught_up(2, now=fake_clock().timestamp())
    fake_clock.advance(0.2)
    partials = close_due(rt, fake_clock)
    assert [(p.partition, p.closed_by) for p in partials] == [(2, "idle")]
    rt.update(2, 10, batch(records_at([T0 + 3], seed=2)))
    assert rt.counts.revised == 1 and rt.counts.late == 0


def test_partial_profile_matches_the_rows_and_round_trips(fake_clock):
    rt = runtime(fake_clock)
    times = [T0 + i * 0.01 for i in range(250)]
    records = records_at(times, seed=9)
    rt.update(0, 0, batch(records[:100]))
    rt.update(0, 1, batch(records[100:]))
    rt.update(0, 2, batch(records_at([T0 + 30], seed=10)))
    partial = close_due(rt, fake_clock)[0]
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
    # the wire format: the fields as one JSON object, as dataclasses.asdict spells them (what
    # earlier releases sent), so that workers of both can share a partials topic
    labelled = WindowPartial.labelled(monitor="m", window_start=T0, window_end=T0 + 10,
                                      partition=0, labelled_state={"mq": [1, 2.5, None]},
                                      seq=3, closed_until=T0 + 10)  # fmt: skip
    for each in (partial, labelled):
        assert each.to_bytes() == orjson.dumps(dataclasses.asdict(each))


def test_sampling_is_deterministic_by_inference_id(fake_clock):
    first, second = (
        runtime(fake_clock, sampling_percentage=30.0),
        runtime(fake_clock, sampling_percentage=30.0),
    )
    message = batch(records_at([T0 + i * 0.001 for i in range(1000)]))
    first.update(0, 0, message), second.update(0, 0, message)
    assert rows_by_window(first) == rows_by_window(second)
    kept = rows_by_window(first)[T0]
    assert 230 < kept < 370  # binomial(1000, 0.3): mean 300, sd 14.5
    assert first.counts.sampled_out == 1000 - kept


def _through_script(clock, tmp_path, body: str):
    """300 records through a preprocessor ``body``: the path, each record's plan, dead letters."""
    from stream.capture.preprocess import load_preprocessor

    script = tmp_path / "pre.py"
    script.write_text(body)
    rt = runtime(clock, preprocessor=load_preprocessor(script))
    records = records_at([T0 + i * 0.01 for i in range(300)], seed=5)
    plans = [r["captureData"]["endpointInput"]["data"].split(",")[4] for r in records]
    return rt, plans, dead(rt.update(0, 0, batch(records)))


def test_preprocessor_rows_and_errors(fake_clock, tmp_path):
    rt, plans, letters = _through_script(fake_clock, tmp_path, (
        "def preprocess_handler(record):\n"
        "    values = record.endpoint_input.data.split(',')\n"
        "    if values[4] == 'gold':\n"
        "        return []\n"
        "    if values[4] == 'premium':\n"
        "        raise RuntimeError('no premium')\n"
        "    return {'age': values[0], 'plan': values[4]}\n"
    ))  # fmt: skip
    assert rt.counts.dropped == plans.count("gold")
    assert [d.reason for d in letters] == ["preprocessor_error"] * plans.count("premium")
    # each dead letter carries the exception, its text and the script line
    assert {d.message for d in letters} == {
        "RuntimeError: no premium (pre.py, line 6, in preprocess_handler)"
    }
    assert rows_by_window(rt) == {T0: plans.count("basic")}


def test_a_handler_calling_sys_exit_loses_only_its_records(fake_clock, tmp_path):
    # a script written to run on its own may end with sys.exit()
    body = "import sys\ndef preprocess_handler(record):\n    values = record.endpoint_input.data"
    body += ".split(',')\n    if values[4] == 'premium':\n        sys.exit(3)\n    return {}\n"
    rt, plans, letters = _through_script(fake_clock, tmp_path, body)
    assert 0 < plans.count("premium") < len(plans)
    assert [d.reason for d in letters] == ["preprocessor_error"] * plans.count("premium")
    assert {d.message for d in letters} == {"SystemExit: 3 (pre.py, line 5, in preprocess_handler)"}
    assert rt.counts.rows == len(plans) - plans.count("premium")  # the others give a row each


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
    keys, seconds, lines, _ = decoder.decode(records)
    full = [row for raw in records for row in builder.rows(decode_capture(raw))]
    assert (keys, seconds) == (["i-0", "i-1", "i-2"], [T0, T0 + 1, T0 + 2])
    plain_rows = [line.split(",") for line in lines]  # the plain codec's rows split
    assert [dict(zip(features, r, strict=True)) for r in plain_rows] == full
    quoted = orjson.loads(records[1])
    quoted["captureData"]["endpointInput"]["data"] = '"41",basic'
    assert decoder.decode([records[0], orjson.dumps(quoted)]) is None  # the full decoder's job


def _awkward(record: dict, case: str) -> dict:
    capture = record["captureData"]
    if case == "blank_input":
        capture["endpointInput"]["data"] = " "
    elif case == "empty_input":
        capture["endpointInput"]["data"] = ""
    elif case == "output_not_text":
        capture["endpointOutput"] = {"data": 0.9, "encoding": "CSV"}
    elif case == "output_unknown_encoding":
        capture["endpointOutput"] = {"data": "0.9", "encoding": "XML"}
    elif case == "output_not_an_object":
        capture["endpointOutput"] = "0.9"
    elif case == "batch_output_no_encoding":
        capture["batchTransformOutput"] = {"data": "0.9"}
    elif case == "output_lower_case_csv":
        capture["endpointOutput"] = {"data": "0.9", "encoding": "csv"}
    return record


@pytest.mark.parametrize(
    ("case", "features"),
    [("blank_input", 1), ("empty_input", 1), ("blank_input", 2), ("output_not_text", 6),
     ("output_unknown_encoding", 6), ("output_not_an_object", 6),
     ("batch_output_no_encoding", 6), ("output_lower_case_csv", 6)],
)  # fmt: skip
def test_awkward_records_get_what_the_per_record_path_gives(fake_clock, case, features):
    """Blank payloads and malformed capture parts the monitor does not read: same rows, same
    dead letters, whether a message takes the plain fast path or goes record by record."""
    from detectors.quality.constraints import suggest_constraints
    from detectors.quality.dataset_profile import DatasetProfile
    from detectors.quality.statistics_json import statistics_to_json
    from stream.monitors.data_quality import DataQualityBaseline

    names = SCHEMA.features[:features]
    profile = DatasetProfile(features=names)
    profile.update_many([dict(zip(names, row, strict=False))
                         for row in SCHEMA.rows(random.Random(8), 500)])  # fmt: skip
    statistics = profile.statistics()
    baseline = DataQualityBaseline(statistics, suggest_constraints(statistics))
    records = records_at([T0 + 1, T0 + 2, T0 + 3], seed=4)
    for record in records:
        fields = record["captureData"]["endpointInput"]["data"].split(",")
        record["captureData"]["endpointInput"]["data"] = ",".join(fields[:features])
    records[1] = _awkward(records[1], case)
    message = batch(records)
    outcomes = []
    for per_record in (False, True):
        rt = CapturePath(MonitorConfig(name="m", window_seconds=10.0,
                         capture_index_names=("endpointInput",)), baseline,
                         activity=PartitionActivity(), now=fake_clock)  # fmt: skip
        if per_record:
            rt.decoder.plain.decode_parsed = lambda envelopes: None
        letters = [(d.record_index, d.reason) for d in dead(rt.update(0, 0, message))]
        window = rt.table.get((0, T0, T0 + 10.0, False))
        window.flush()
        stats = statistics_to_json(window.profile.statistics())
        outcomes.append((letters, rt.counts, stats))
    assert outcomes[0] == outcomes[1]


BOTH_PARTS = ("endpointOutput", "endpointInput")  # the default: input-only records read alike


@pytest.mark.parametrize(
    ("sampling", "parts"), [(100.0, INPUT), (60.0, INPUT), (100.0, BOTH_PARTS)]
)
def test_whole_message_path_equals_the_per_record_path(fake_clock, sampling, parts):
    """Plain CSV messages decoded at once give exactly what record-by-record decoding gives."""
    from detectors.quality.dataset_profile import DatasetProfile
    from detectors.quality.statistics_json import statistics_to_json

    rng = random.Random(5)
    # messages straddle window boundaries; the last ones arrive after their windows closed
    times = sorted(T0 + rng.uniform(0, 60) for _ in range(900))
    times += [T0 + rng.uniform(0, 5) for _ in range(50)]
    records = records_at(times, seed=9)
    messages = [batch(records[i : i + 50]) for i in range(0, len(records), 50)]
    fast = runtime(fake_clock, sampling_percentage=sampling, capture_index_names=parts)
    slow = runtime(fake_clock, sampling_percentage=sampling, capture_index_names=parts)
    slow.decoder.plain.decode_parsed = lambda envelopes: None  # record by record: the full decoder
    assert all(fast.decoder.plain.decode(m.split(b"\n")) is not None for m in messages)
    partials = {}
    for rt in (fast, slow):
        seen = []
        for offset, message in enumerate(messages):
            rt.update(offset % 2, offset, message)
            seen.append((rows_by_window(rt), rt.counts.revised))
            if offset == 15:
                close_due(rt, fake_clock)  # the watermark closes early windows: later ones revise
        closed = close_due(rt, fake_clock)
        closed += [
            rt.table.close(key, closed_by="test", closed_until=0.0) for key in rt.table.keys()
        ]
        partials[rt is fast] = (seen, closed)
    (fast_out, fast_closed), (slow_out, slow_closed) = partials[True], partials[False]
    assert fast.counts == slow.counts
    assert fast.counts.revised > 0
    assert fast_out == slow_out
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
    rt = runtime(fake_clock)
    letters = dead(rt.update(0, 0, b"\n".join(records)))
    assert [d.reason for d in letters] == ["missing_field"]
    assert rows_by_window(rt) == {T0: 2}


def test_poison_records_are_dead_lettered_and_never_move_the_watermark(fake_clock):
    rt = runtime(fake_clock)
    rt.update(0, 0, batch(records_at([T0 + 1])))
    watermark = rt.clock.watermark(0)
    deep = records_at([T0 + 2], seed=2)[0]
    deep["captureData"]["endpointInput"] = {
        "data": "[" * 1000 + "]" * 1000, "encoding": "JSON"}  # fmt: skip
    nested = b'{"a":' * 5000 + b"1" + b"}" * 5000
    times = ["9999-12-31T23:59:55Z", "2099-01-01Z", "0001-01-01T00:30:00+01:00", "2024-13-01"]
    timed = []
    for k, text in enumerate(times):
        record = records_at([T0 + 3], seed=10 + k)[0]
        record["eventMetadata"]["inferenceTime"] = text
        timed.append(orjson.dumps(record))
    odd_type = records_at([T0 + 4], seed=20)[0]  # base64 "1,2" with a content type of no text
    odd_type["captureData"]["endpointInput"] = {
        "observedContentType": 7, "data": "MSwy", "encoding": "BASE64"}  # fmt: skip
    cases = [None, b"", b"\n\n", orjson.dumps(deep), nested, *timed, orjson.dumps(odd_type)]
    reasons = []
    for offset, value in enumerate(cases, start=1):
        reasons += [(d.record_index, d.reason) for d in dead(rt.update(0, offset, value))]
    assert reasons == [
        (-1, "tombstone"), (-1, "empty_message"), (-1, "empty_message"), (0, "too_deep"),
        (0, "invalid_json"), (0, "bad_time"), (0, "future_time"), (0, "bad_time"),
        (0, "bad_time"), (0, "bad_payload"),
    ]  # fmt: skip
    assert rt.clock.watermark(0) == watermark
    assert rt.counts.processed == 1


def test_a_restored_partition_continues_as_if_never_interrupted(fake_clock):
    """Snapshot after message k, restore into a new path, replay the rest: equal partials."""
    from detectors.quality.dataset_profile import DatasetProfile

    rng = random.Random(21)
    times = sorted(T0 + rng.uniform(0, 40) for _ in range(800))
    records = records_at(times, seed=21)
    messages = [batch(records[i : i + 40]) for i in range(0, len(records), 40)]

    def run(path: CapturePath, first: int) -> list[WindowPartial]:
        closed = []
        for offset in range(first, len(messages)):
            path.update(0, offset, messages[offset])
            closed += close_due(path, fake_clock)
        return closed + [path.table.close(key, closed_by="end", closed_until=0.0)
                         for key in path.table.keys()]  # fmt: skip

    whole = run(runtime(fake_clock, online_detectors=("adwin",)), 0)
    interrupted = runtime(fake_clock, online_detectors=("adwin",))
    before = []
    for offset in range(9):
        interrupted.update(0, offset, messages[offset])
        before += close_due(interrupted, fake_clock)
    blobs = interrupted.snapshot(0)
    restored = runtime(fake_clock, online_detectors=("adwin",))
    restored.restore(0, orjson.loads(orjson.dumps({k: v.decode() for k, v in blobs.items()}))
                     and {k: v for k, v in blobs.items()})  # fmt: skip
    after = before + run(restored, 9)
    assert [(p.window_start, p.record_count, p.first_offset, p.last_offset) for p in after] == [
        (p.window_start, p.record_count, p.first_offset, p.last_offset) for p in whole
    ]
    for a, b in zip(after, whole, strict=True):
        stats_a = DatasetProfile.from_state(a.profile_state).statistics()
        stats_b = DatasetProfile.from_state(b.profile_state).statistics()
        for fa, fb in zip(stats_a.features, stats_b.features, strict=True):
            if fa.numeric is not None:
                assert fa.numeric.sum == pytest.approx(fb.numeric.sum)
                assert fa.numeric.mean == pytest.approx(fb.numeric.mean)
            assert fa.num_present == fb.num_present


def test_broken_lines_that_would_join_into_one_record_are_each_dead_lettered(fake_clock):
    """Each line is a record alone: two broken lines never read as one good record (they did
    when a message's lines were decoded as one JSON array), and none goes missing."""
    first, last = (orjson.dumps(r) for r in records_at([T0 + 1, T0 + 2]))
    assert first.endswith(b"}")
    head = first[:-1] + b',"x":[1'  # the record, cut open inside a new list
    tail = b"2]}"
    rt = runtime(fake_clock)
    letters = dead(rt.update(0, 0, b"\n".join([head, tail, last])))
    assert [(d.record_index, d.reason) for d in letters] == [
        (0, "invalid_json"),
        (1, "invalid_json"),
    ]
    assert rows_by_window(rt) == {T0: 1}
    assert rt.counts.processed == 1


@pytest.mark.parametrize(
    ("sampling", "parts"), [(100.0, INPUT), (60.0, INPUT), (100.0, BOTH_PARTS)]
)
def test_plain_json_messages_equal_the_per_record_path(fake_clock, sampling, parts):
    """Plain JSON messages decoded at once give exactly what record-by-record decoding gives."""
    from detectors.quality.dataset_profile import DatasetProfile
    from detectors.quality.statistics_json import statistics_to_json

    rng = random.Random(6)
    times = sorted(T0 + rng.uniform(0, 30) for _ in range(600))
    records = records_at(times, seed=11, json=True)
    messages = [batch(records[i : i + 40]) for i in range(0, len(records), 40)]
    fast = runtime(fake_clock, sampling_percentage=sampling, capture_index_names=parts)
    slow = runtime(fake_clock, sampling_percentage=sampling, capture_index_names=parts)
    slow.decoder.plain_json.decode_parsed = lambda envelopes: None  # record by record
    assert all(fast.decoder.plain_json.decode(m.split(b"\n")) is not None for m in messages)
    assert all(fast.decoder.plain.decode(m.split(b"\n")) is None for m in messages)
    partials = {}
    for rt in (fast, slow):
        seen = []
        for offset, message in enumerate(messages):
            rt.update(offset % 2, offset, message)
            seen.append(rows_by_window(rt))
        closed = close_due(rt, fake_clock)
        closed += [
            rt.table.close(key, closed_by="test", closed_until=0.0) for key in rt.table.keys()
        ]
        partials[rt is fast] = (seen, closed)
    (fast_out, fast_closed), (slow_out, slow_closed) = partials[True], partials[False]
    assert fast.counts == slow.counts and fast_out == slow_out
    assert [(p.partition, p.window_start, p.record_count) for p in fast_closed] == [
        (p.partition, p.window_start, p.record_count) for p in slow_closed
    ]
    for a, b in zip(fast_closed, slow_closed, strict=True):
        stats_a = statistics_to_json(DatasetProfile.from_state(a.profile_state).statistics())
        stats_b = statistics_to_json(DatasetProfile.from_state(b.profile_state).statistics())
        assert stats_a == stats_b  # < 400 rows a window and partition: KLL keeps every value


def test_json_rows_split_between_windows_reach_each_window_whole(fake_clock):
    """Positional rows go to a window as row-major chunks, a whole message's or the picked
    records'; each window's profile holds exactly its records' values (read from the records
    themselves), in every column."""
    from detectors.quality.dataset_profile import DatasetProfile

    times = [T0 + 2 + 0.5 * k for k in range(30)]  # windows T0 and T0 + 10 (from T0 + 10)
    records = records_at(times, seed=21, json=True)
    rt = runtime(fake_clock)
    rt.update(0, 0, batch(records[:10]))  # all in window T0: the whole message's rows
    rt.update(0, 1, batch(records[10:30]))  # spans both windows: the picked records' rows
    by_window = {T0: [], T0 + 10: []}
    for t, record in zip(times, records, strict=True):
        values = json.loads(record["captureData"]["endpointInput"]["data"])
        by_window[T0 if t < T0 + 10 else T0 + 10].append(values)
    for start, rows in by_window.items():
        window = rt.table.get((0, start, start + 10.0, False))
        window.flush()
        stats = DatasetProfile.from_state(window.profile.to_state()).statistics()
        assert window.profile.item_count == len(rows)
        for i, name in enumerate(SCHEMA.features):
            column = [row[i] for row in rows]
            feature = stats.feature(name)
            if all(isinstance(v, int | float) for v in column):
                assert feature.numeric.sum == pytest.approx(sum(column)), name
                assert (feature.numeric.min, feature.numeric.max) == (min(column), max(column))
            else:
                assert dict(feature.string.buckets) == dict(Counter(map(str, column))), name


@pytest.mark.parametrize(
    "payload",
    [
        '{"instances": [1, 2]}',
        "[]",
        "[[1, 2, 3, 4, 5]]",
        "[1, [2]]",
        '[1, {"a": 2}]',
        "[1, 2",
        "[1, 2, 3]",
        "7",
        # objects of other keys than the features, or not of scalars: read record by record
        # (the features in another order are read whole: test_capture_json_objects.py)
        '{"age": 2, "income": 1, "tenure_months": 3, "score": 4, "plan": "a"}',
        '{"age": 2, "income": 1, "tenure_months": 3, "score": 4, "plan": "a", "region": "b", '
        '"x": 5}',
        '{"age": 2, "income": 1, "tenure_months": 3, "score": 4, "plan": "a", "region": [1]}',
        '{"instances": [[1, 2, 3, 4, "a", "b"], [1, 2, 3, 4, "a", "b"]]}',  # two instances
        '{"instances": [[1, 2, 3, 4, "a", ["b"]]]}',
        "[[1, 2, 3, 4, 5, 6], 7]",
        '{"features": [1, 2, 3, 4, "a", "b"]}\n{"features": [1, 2, 3, 4, "a", "b"]}',
        '{"version": "1.0", "predictions": {"content_type": "text/csv", "data": "1,2,3,4,a,b"},'
        ' "explanations": {}}',
    ],  # fmt: skip
)
def test_json_records_that_are_not_plain_get_the_per_record_path(fake_clock, payload):
    """A record the plain JSON codec does not take sends its message record by record, with
    what that path gives it (a row, several, none, or a dead letter) and the others' rows."""
    records = records_at([T0 + 1, T0 + 2, T0 + 3], seed=12, json=True)
    records[1]["captureData"]["endpointInput"]["data"] = payload
    message = batch(records)
    fast, slow = runtime(fake_clock), runtime(fake_clock)
    slow.decoder.plain_json.decode_parsed = lambda envelopes: None
    assert fast.decoder.plain_json.decode(message.split(b"\n")) is None
    outcomes = []
    for rt in (fast, slow):
        letters = [(d.record_index, d.reason) for d in dead(rt.update(0, 0, message))]
        outcomes.append((letters, rows_by_window(rt), rt.counts))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("variant", ["lf", "crlf", "base64", "base64_lf"])
def test_payloads_ending_in_a_line_break_or_in_base64_take_the_whole_message_path(
    fake_clock, variant
):
    """As SageMaker also captures CSV: the whole-message path reads them, as record by record."""
    records = records_at([T0 + k / 10 for k in range(60)], seed=12)
    for record in records:
        part = record["captureData"]["endpointInput"]
        text = part["data"] + ("\r\n" if variant == "crlf" else "\n" if "lf" in variant else "")
        if variant.startswith("base64"):
            part.update(data=base64.b64encode(text.encode()).decode(), encoding="BASE64")
        else:
            part["data"] = text
    _one_message_either_way(fake_clock, batch(records), "plain")


def test_json_captured_as_base64_takes_the_whole_message_path(fake_clock):
    """BASE64 of JSON text (no JSON content types configured) reads as JSON does, at once."""
    records = records_at([T0 + k / 10 for k in range(60)], seed=13, json=True)
    for record in records:
        part = record["captureData"]["endpointInput"]
        part.update(data=base64.b64encode(part["data"].encode()).decode(), encoding="BASE64")
    _one_message_either_way(fake_clock, batch(records), "plain_json")


_ONE_INSTANCE = {  # one instance's values as endpoints commonly take them
    "object": lambda values: dict(zip(SCHEMA.features, values, strict=True)),
    "instances": lambda values: {"instances": [values]},
    "list_of_lists": lambda values: [values],
    "features": lambda values: {"features": values},  # a JSON Lines request of one line
    "object_instances": lambda values: {
        "instances": [dict(zip(SCHEMA.features, values, strict=True))]
    },
}


@pytest.mark.parametrize("encoding", ["JSON", "BASE64"])
@pytest.mark.parametrize("shape", sorted(_ONE_INSTANCE))
def test_one_instance_json_requests_take_the_whole_message_path(fake_clock, shape, encoding):
    """One instance per request, as an object keyed by the baseline's features, an
    ``instances`` list, a list of lists or a ``features`` line, reads at once, as record by
    record; the window holds the records' own values, read from them here."""
    from detectors.quality.dataset_profile import DatasetProfile

    records = records_at([T0 + k / 10 for k in range(60)], seed=14, json=True)
    rows = []
    for record in records:
        part = record["captureData"]["endpointInput"]
        values = json.loads(part["data"])
        rows.append(values)
        text = json.dumps(_ONE_INSTANCE[shape](values))
        if encoding == "BASE64":
            text = base64.b64encode(text.encode()).decode()
        part.update(data=text, encoding=encoding)
    _one_message_either_way(fake_clock, batch(records), "plain_json")
    rt = runtime(fake_clock)
    rt.update(0, 0, batch(records))
    window = rt.table.get((0, T0, T0 + 10.0, False))
    window.flush()
    stats = DatasetProfile.from_state(window.profile.to_state()).statistics()
    for i, name in enumerate(SCHEMA.features):
        column = [row[i] for row in rows]
        feature = stats.feature(name)
        if feature.numeric is not None:
            assert feature.numeric.sum == pytest.approx(sum(column)), name
            assert (feature.numeric.min, feature.numeric.max) == (min(column), max(column))
        else:
            assert dict(feature.string.buckets) == dict(Counter(column)), name


def _one_message_either_way(clock, message: bytes, codec: str) -> None:
    """The message's codec takes it whole, and gives what record-by-record decoding gives."""
    from detectors.quality.statistics_json import statistics_to_json

    fast, slow = runtime(clock), runtime(clock)
    getattr(slow.decoder, codec).decode_parsed = lambda envelopes: None  # record by record
    assert getattr(fast.decoder, codec).decode(message.split(b"\n")) is not None
    outcomes = []
    for rt in (fast, slow):
        letters = dead(rt.update(0, 0, message))
        window = rt.table.get((0, T0, T0 + 10.0, False))
        window.flush()
        outcomes.append((letters, rt.counts, statistics_to_json(window.profile.statistics())))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1].processed == message.count(b"\n") + 1


def test_a_partition_whose_online_adwin_saw_1e308_restores(fake_clock):
    """A feature value of 1e308 made ADWIN's sum of squares infinite, its snapshot held a
    JSON null, and the restore raised: the worker would start the whole partition empty
    (unrestorable_snapshot), its open windows lost. Now the value is skipped by ADWIN alone
    (data quality still profiles it) and the restored path is the one snapshotted."""
    records = records_at([T0 + 1 + i * 0.01 for i in range(200)], seed=5)
    income = SCHEMA.features.index("income")
    for k in (50, 51):
        fields = records[k]["captureData"]["endpointInput"]["data"].split(",")
        fields[income] = "1e308" if k == 50 else "-1e308"
        records[k]["captureData"]["endpointInput"]["data"] = ",".join(fields)
    path = runtime(fake_clock, online_detectors=("adwin",))
    path.update(0, 0, batch(records))
    restored = runtime(fake_clock, online_detectors=("adwin",))
    restored.restore(0, path.snapshot(0))
    assert restored.snapshot(0) == path.snapshot(0)
    assert rows_by_window(restored) == {T0: 200}
