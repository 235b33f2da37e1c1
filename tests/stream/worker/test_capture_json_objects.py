"""The worker on JSON-object requests: a message of them is taken whole when every record's
parts name exactly the baseline's features (keys in any order, an output part beside), and
gives what record-by-record decoding gives.

References: the rows, dead letters and outputs written out by hand for each message; the
record-by-record path (the plain JSON codec switched off) on the same messages; hand sums
of the records' values; scikit-learn on the joined labels.
"""

from __future__ import annotations

import json
import random
from collections import Counter

import orjson
import pytest

from stream.capture.message import DecodedMessage, MessageDecoder
from stream.capture.records import EventData
from stream.capture.rows import RowBuilder
from stream.worker.online import placed_rows

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z, a window boundary for 10 s
NOW = T0 + 60.0
INPUT, OUTPUT = "endpointInput", "endpointOutput"
BOTH = (OUTPUT, INPUT)


def record(k: int, request: str | None, response: str | None = None) -> bytes:
    """A capture record ``i<k>`` at ``T0 + k``: JSON request and response texts (None: absent)."""
    parts = {}
    if request is not None:
        parts[INPUT] = {"observedContentType": "application/json", "mode": "INPUT",
                        "data": request, "encoding": "JSON"}  # fmt: skip
    if response is not None:
        parts[OUTPUT] = {"observedContentType": "application/json", "mode": "OUTPUT",
                         "data": response, "encoding": "JSON"}  # fmt: skip
    return orjson.dumps({
        "captureData": parts,
        "eventMetadata": {"eventId": f"e{k}", "inferenceId": f"i{k}",
                          "inferenceTime": f"2024-03-05T14:00:{k:02d}Z"},
        "eventVersion": "0",
    })  # fmt: skip


def decoders(features, parts, position="START") -> tuple[MessageDecoder, MessageDecoder]:
    """The worker's decoder, and one that decodes every message record by record."""
    out = []
    for _ in range(2):
        builder = RowBuilder(features=features, capture_index_names=parts,
                             output_columns_position=position)  # fmt: skip
        out.append(MessageDecoder(builder, keep_outputs=True))
    out[1].plain_json.decode_parsed = lambda envelopes: None  # record by record
    return out[0], out[1]


def view(decoded: DecodedMessage) -> tuple:
    """All a decoded message holds for windows, labelled monitors and dead letters."""
    rejected = [(r.index, r.reason) for r in decoded.rejected]
    return (decoded.keys, decoded.seconds, decoded.fields(), decoded.flat_owner, decoded.named,
            decoded.named_owner, decoded.outputs, rejected, decoded.dropped)  # fmt: skip


def json_output(text: str) -> EventData:
    return EventData("application/json", "OUTPUT", text, "JSON")


# Each case: features, capture parts, output position, [(request, response)], the rows
# written out by hand (the features in order), one record at a time.
WHOLE = {
    "keys_in_another_order": (
        ("age", "plan"), (INPUT,), "START",
        [('{"plan": "gold", "age": 41}', None), ('{"age": 35, "plan": "basic"}', None),
         ('{"plan": null, "age": 2.5}', None)],
        [[41, "gold"], [35, "basic"], [2.5, None]],
    ),
    "a_scalar_output_beside": (
        ("p", "age", "plan"), BOTH, "START",
        [('{"plan": "gold", "age": 41}', "0.9"), ('{"age": 35, "plan": "basic"}', "0.2")],
        [[0.9, 41, "gold"], [0.2, 35, "basic"]],
    ),
    "an_array_output_beside": (
        ("p0", "p1", "age", "plan"), BOTH, "START",
        [('{"plan": "gold", "age": 41}', "[0.9, 0.1]"), ('{"age": 35, "plan": "basic"}',
                                                           "[0.2, 0.8]")],
        [[0.9, 0.1, 41, "gold"], [0.2, 0.8, 35, "basic"]],
    ),
    "an_object_output_beside": (
        ("score", "label", "age", "plan"), BOTH, "START",
        [('{"plan": "gold", "age": 41}', '{"score": 0.9, "label": 1}'),
         ('{"age": 35, "plan": "basic"}', '{"label": 0, "score": 0.2}')],
        [[0.9, 1, 41, "gold"], [0.2, 0, 35, "basic"]],
    ),
    "a_keyed_output_beside": (  # SageMaker's built-in algorithms: {"predictions": [...]}
        ("p", "age", "plan"), BOTH, "START",
        [('{"plan": "gold", "age": 41}', '{"predictions": [0.9]}'),
         ('{"age": 35, "plan": "basic"}', '{"predictions": [[0.2]]}')],
        [[0.9, 41, "gold"], [0.2, 35, "basic"]],
    ),
    "nested_blocks_beside_the_scalars": (  # left out, as the per-record path leaves them
        ("score", "label", "age", "plan"), BOTH, "START",
        [('{"plan": "gold", "age": 41, "meta": {"a": [1]}}',
          '{"score": 0.9, "label": 1, "shap": {"age": 0.1}}')],
        [[0.9, 1, 41, "gold"]],
    ),
    "output_columns_at_the_end": (
        ("age", "plan", "p"), BOTH, "END",
        [('{"plan": "gold", "age": 41}', "0.9"), ('{"age": 35, "plan": "basic"}', "0.2")],
        [[41, "gold", 0.9], [35, "basic", 0.2]],
    ),
    "an_object_overriding_an_output_column": (  # as the per-record path names them
        ("score", "age", "plan"), BOTH, "START",
        [('{"score": 0.7, "plan": "gold", "age": 41}', "0.9")],
        [[0.7, 41, "gold"]],
    ),
    "output_only": (
        ("label", "score"), (OUTPUT,), "START",
        [('{"plan": "gold", "age": 41}', '{"score": 0.9, "label": 1}'),
         ('{"age": 35}', '{"label": 0, "score": 0.2}')],
        [[1, 0.9], [0, 0.2]],
    ),
    "input_only_with_an_output_not_read": (
        ("age", "plan"), (INPUT,), "START",
        [('{"plan": "gold", "age": 41}', '{"score": 0.9, "label": 1, "shap": {"age": 0.1}}'),
         ('{"age": 35, "plan": "basic"}', '{"label": 0, "score": 0.2}')],
        [[41, "gold"], [35, "basic"]],
    ),
    "a_request_with_an_output_part_absent_from_every_record": (
        ("age", "plan"), BOTH, "START",
        [('{"plan": "gold", "age": 41}', None), ('{"age": 35, "plan": "basic"}', None)],
        [[41, "gold"], [35, "basic"]],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(WHOLE))
def test_objects_naming_exactly_the_features_are_taken_whole(case):
    features, parts, position, payloads, rows = WHOLE[case]
    message = b"\n".join(record(k, req, resp) for k, (req, resp) in enumerate(payloads))
    fast, slow = decoders(features, parts, position)
    assert fast.plain_json.decode(message.split(b"\n")) is not None  # the whole-message path
    whole, one_by_one = fast.decode(message, now=NOW), slow.decode(message, now=NOW)
    assert view(whole) == view(one_by_one)
    n = len(payloads)
    assert whole.keys == [f"i{k}" for k in range(n)]
    assert whole.seconds == [T0 + k for k in range(n)]
    assert whole.fields() == [v for row in rows for v in row]
    assert whole.flat_owner == list(range(n)) and whole.named == [] and whole.rejected == []
    outputs = [None if resp is None else json_output(resp) for _, resp in payloads]
    assert whole.outputs == outputs  # what the labelled monitors read predictions from


# One record among good ones that the plain codec leaves to the per-record path, and what
# that path makes of it, written out by hand: a row of the features in order, a named row
# (a feature absent or an extra column), or a dead letter.
FEATURES = ("age", "plan")
NOT_WHOLE = {
    "a_feature_missing": ('{"plan": "gold"}', None, ("named", {"plan": "gold"})),
    "an_extra_key": ('{"plan": "gold", "age": 41, "x": 1}', None,
                     ("named", {"plan": "gold", "age": 41, "x": 1})),
    "a_nested_value": ('{"plan": ["gold"], "age": 41}', None, ("named", {"age": 41})),
    "an_empty_object": ("{}", None, ("dead", "bad_payload")),
    "an_empty_object_beside_an_output": ("{}", "0.9", ("dead", "bad_payload")),
    "an_output_of_more_columns": ('{"plan": "gold", "age": 41}', "[0.9, 0.1, 0.3, 0.4]",
                                  ("named", {"p": 0.9, "age": 41, "plan": "gold", "_c3": 0.4})),
    "a_keyed_output": ('{"plan": "gold", "age": 41}', '{"predictions": [0.9, 0.1]}',
                       ("row", [0.9, 41, "gold"])),  # the object takes "age" back from 0.1
    "an_output_row_of_other_keys": ('{"plan": "gold", "age": 41}',
                                    '{"predictions": [{"score": 0.2}]}',
                                    ("named", {"score": 0.2, "age": 41, "plan": "gold"})),
    "an_output_of_two_rows": ('{"plan": "gold", "age": 41}', '{"predictions": [[0.9], [0.1]]}',
                              ("dead", "shape_mismatch")),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(NOT_WHOLE))
def test_a_record_not_naming_exactly_the_features_sends_the_message_record_by_record(case):
    request, response, (kind, expected) = NOT_WHOLE[case]
    parts = BOTH if response is not None else (INPUT,)
    output = "0.5" if response is not None else None
    good = [
        '{"plan": "basic", "age": 35}',
        '{"age": 50, "plan": "gold"}',
        '{"plan": "x", "age": 7}',
    ]
    message = b"\n".join([record(0, good[0], output), record(1, request, response),
                          record(2, good[1], output), record(3, good[2], output)])  # fmt: skip
    features = ("p", *FEATURES) if response is not None else FEATURES
    fast, slow = decoders(features, parts)
    assert fast.plain_json.decode(message.split(b"\n")) is None
    decoded = fast.decode(message, now=NOW)
    assert view(decoded) == view(slow.decode(message, now=NOW))
    head = [0.5] if response is not None else []
    rows = [[*head, 35, "basic"], [*head, 50, "gold"], [*head, 7, "x"]]
    if kind == "dead":
        assert decoded.keys == ["i0", "i2", "i3"]
        assert [(r.index, r.reason) for r in decoded.rejected] == [(1, expected)]
        assert decoded.flat_owner == [0, 1, 2] and decoded.named == []
    else:
        assert decoded.keys == ["i0", "i1", "i2", "i3"] and decoded.rejected == []
    if kind == "named":
        assert decoded.flat_owner == [0, 2, 3]
        assert (decoded.named, decoded.named_owner) == ([expected], [1])
    if kind == "row":
        rows.insert(1, expected)
        assert decoded.flat_owner == [0, 1, 2, 3] and decoded.named == []
    assert decoded.fields() == [v for row in rows for v in row]


def test_rows_reach_the_online_detectors_in_record_order_on_either_path():
    """Records whose keys come in another order are rows like the others: the per-record path
    put them after the message's other rows (named rows went last), so the online detectors
    saw them out of order; both paths now give each record's row in turn."""
    requests = ['{"plan": "a", "age": 1}', '{"age": 2, "plan": "b"}', '{"plan": "c", "age": 3}']
    whole = b"\n".join(record(k, r) for k, r in enumerate(requests))
    mixed = b"\n".join([whole, record(3, '{"age": 4}')])  # the last: a feature missing
    fast, slow = decoders(FEATURES, (INPUT,))
    expected = [[1, "a"], [2, "b"], [3, "c"]]
    for decoder in (fast, slow):
        placed = placed_rows(decoder.decode(whole, now=NOW), [0, 1, 2])
        assert (placed.positional, placed.named) == (expected, [])
        placed = placed_rows(decoder.decode(mixed, now=NOW), [0, 1, 2, 3])
        assert (placed.positional, placed.named) == (expected, [{"age": 4}])


def test_a_many_instance_request_keeps_its_instances_in_order():
    """Instance i of a request pairs with prediction i (bias reads its facets from row i): an
    instance whose keys came in another order went after the others."""
    from stream.worker.labelled_path import record_rows

    request = json.dumps({"instances": [{"plan": "a", "age": 1}, {"age": 2, "plan": "b"}]})
    decoded = MessageDecoder(RowBuilder(features=FEATURES, capture_index_names=(INPUT,)))
    rows = record_rows(decoded.decode(record(0, request), now=NOW), FEATURES)
    assert rows == {0: [{"age": 1, "plan": "a"}, {"age": 2, "plan": "b"}]}


def test_windows_and_online_detectors_equal_the_per_record_path(fake_clock):
    """Messages of objects in random key orders, some with a record the plain codec leaves:
    the windows' statistics and the online detectors' states equal record-by-record
    decoding's, and the windows hold the records' own values, summed here."""
    from detectors.quality.dataset_profile import DatasetProfile
    from detectors.quality.statistics_json import statistics_to_json
    from tests.stream.worker.test_capture_path import SCHEMA, records_at, runtime

    rng = random.Random(17)
    times = sorted(T0 + rng.uniform(0, 30) for _ in range(600))
    records = records_at(times, seed=17, json=True)
    rows = []
    for k, capture in enumerate(records):
        part = capture["captureData"]["endpointInput"]
        values = json.loads(part["data"])
        pairs = list(zip(SCHEMA.features, values, strict=True))
        rng.shuffle(pairs)
        if k % 97 == 5:
            pairs = pairs[1:]  # a feature missing: its message goes record by record
        rows.append(dict(pairs))
        part["data"] = json.dumps(dict(pairs))
    messages = [b"\n".join(map(orjson.dumps, records[i : i + 40])) for i in range(0, 600, 40)]
    fast = runtime(fake_clock, online_detectors=("adwin", "page_hinkley"))
    slow = runtime(fake_clock, online_detectors=("adwin", "page_hinkley"))
    slow.decoder.plain_json.decode_parsed = lambda envelopes: None  # record by record
    taken_whole = [fast.decoder.plain_json.decode(m.split(b"\n")) is not None for m in messages]
    assert taken_whole.count(False) == 7 and taken_whole.count(True) == 8
    for rt in (fast, slow):
        for offset, message in enumerate(messages):
            rt.update(0, offset, message)
        rt.table.flush()
    assert fast.counts == slow.counts and fast.counts.processed == 600
    assert fast.online.snapshot(0) == slow.online.snapshot(0)
    for key, window in fast.table:
        other = slow.table.get(key)
        assert statistics_to_json(window.profile.statistics()) == statistics_to_json(
            other.profile.statistics()
        )
    in_window = {T0: [], T0 + 10: [], T0 + 20: []}
    for t, row in zip(times, rows, strict=True):
        in_window[T0 + 10 * ((t - T0) // 10)].append(row)
    for start, window_rows in in_window.items():
        window = fast.table.get((0, start, start + 10.0, False))
        stats = DatasetProfile.from_state(window.profile.to_state()).statistics()
        for feature in SCHEMA.features:
            column = [row[feature] for row in window_rows if feature in row]
            figures = stats.feature(feature)
            assert figures.num_present == len(column), feature
            if figures.numeric is not None:
                assert figures.numeric.sum == pytest.approx(sum(column)), feature
            else:
                assert dict(figures.string.buckets) == dict(Counter(column)), feature


def test_labelled_monitors_read_the_same_predictions_and_rows_on_either_path(fake_clock,
                                                                             tmp_path):  # fmt: skip
    """Model quality and bias on captures whose request is an object in shuffled key order,
    the output (score, label, SHAP) beside it: the same joins, predictions and facets
    whole or record by record, and the metrics those of scikit-learn on the joined labels."""
    from stream.demo.labelled import ground_truth_record, write_labelled_baselines
    from tests.stream.worker.test_labelled import (
        MODEL,
        Pipe,
        check_against_sklearn,
        lines,
        state,
        traffic,
    )

    folder = tmp_path / "baseline"
    write_labelled_baselines(folder, MODEL, n=2000)
    rng = random.Random(23)
    records = traffic(23, 400, T0)
    for _, capture, _ in records:
        part = capture["captureData"]["endpointInput"]
        pairs = list(zip(MODEL.schema.features, map(_typed, part["data"].split(",")), strict=True))
        rng.shuffle(pairs)
        part.update(data=json.dumps(dict(pairs)), encoding="JSON",
                    observedContentType="application/json")  # fmt: skip
    messages = [lines(r for _, r, _ in records[i : i + 100]) for i in range(0, 400, 100)]
    labelled = records[:300]
    results = []
    for whole in (True, False):
        pipe = Pipe(state(fake_clock, folder))
        decoder = pipe.ws.paths["m"].decoder
        if whole:
            assert all(decoder.plain_json.decode(m.split(b"\n")) is not None for m in messages)
        else:
            decoder.plain_json.decode_parsed = lambda envelopes: None  # record by record
        for message in messages:
            assert pipe.send("capture", message) == []
        pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in labelled))
        pipe.send("capture", lines(r for _, r, _ in traffic(2, 1, T0 + 15)))  # closes the window
        pipe.tick()
        quality, bias = pipe.latest("model_quality", T0), pipe.latest("bias_drift", T0)
        assert quality.label_coverage == pytest.approx(300 / 400)
        check_against_sklearn(quality, [(a.label, a) for _, _, a in labelled])
        counts = pipe.ws.labelled["m"].join.counts
        statistics = dict(quality.outcome.statistics)
        statistics["dataset"] = {**statistics["dataset"], "evaluation_time": None}  # wall clock
        results.append((statistics, bias.outcome, counts.joined))
    assert results[0] == results[1]
    assert results[0][2] == 300
    # the facet read from each record's own request: Clarify's class imbalance (na - nd) / n
    facets = [json.loads(c["captureData"]["endpointInput"]["data"])["region"]
              for _, c, _ in labelled]  # fmt: skip
    facet_d = facets.count("north")
    entry = results[0][1].statistics["pre_training_bias_metrics"]["facets"]["region"][0]
    assert entry["value_or_threshold"] == "north"
    imbalance = {m["name"]: m["value"] for m in entry["metrics"]}["CI"]
    assert imbalance == pytest.approx((len(facets) - 2 * facet_d) / len(facets), abs=1e-12)


def _typed(text: str) -> int | float | str:
    """A CSV field as a JSON request carries it: a number where it reads as one."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


@pytest.mark.parametrize("parts", [(INPUT,), BOTH], ids=["input only", "both parts"])
def test_a_request_nested_past_the_stack_is_too_deep_alone(fake_clock, parts):
    """A request nested 1,000 levels under ``instances`` (orjson reads up to 1,024) made the
    plain JSON codec's reading recurse past Python's stack: the RecursionError left the
    decoder, and the worker dead-lettered the whole message as an internal error, its good
    records with it. The per-record path now gives the record alone its reason."""
    from tests.stream.worker.test_capture_path import SCHEMA, records_at, rows_by_window, runtime

    records = records_at([T0 + 1, T0 + 2, T0 + 3, T0 + 4], seed=31, json=True)
    records[2]["captureData"][INPUT]["data"] = '{"instances":' * 1000 + "1" + "}" * 1000
    if parts == BOTH:
        for capture in records:
            capture["captureData"][OUTPUT] = {"data": "0.9", "encoding": "JSON"}
    message = b"\n".join(map(orjson.dumps, records))
    features = SCHEMA.features if parts == (INPUT,) else ("p", *SCHEMA.features)
    decoded = decoders(features, parts)[0].decode(message, now=NOW)
    assert [(r.index, r.reason) for r in decoded.rejected] == [(2, "too_deep")]
    assert decoded.keys == ["i31-0", "i31-1", "i31-3"]
    if parts == (INPUT,):  # the worker's capture path: the good records are profiled
        rt = runtime(fake_clock)
        letters = [o for o in rt.update(0, 0, message) if hasattr(o, "reason")]
        assert [(d.record_index, d.reason) for d in letters] == [(2, "too_deep")]
        assert rows_by_window(rt) == {T0: 3}
