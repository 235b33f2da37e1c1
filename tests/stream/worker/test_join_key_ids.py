"""A capture's join key follows one rule wherever it is read: ``records.join_key``'s.

Producers (``replay``, the capture producer) key and partition a capture record by its
``inferenceId`` with that rule, and a labeler names the record's label by the same id: an
inferenceId ``0`` is the key ``"0"``; ``true``, a list or an object is no id, and the
``eventId`` is. The worker once joined a capture whose inferenceId was ``0`` under its
eventId (``0`` is falsy) and one whose inferenceId was ``true`` under ``"True"``, so their
labels, sent where the rule puts them, never joined.
"""

from __future__ import annotations

import orjson
import pytest

from stream.capture.message import MessageDecoder
from stream.capture.rows import RowBuilder
from stream.demo.labelled import ground_truth_record
from stream.kafka.keyed_producer import CAPTURE_KEY_PATHS, record_key
from tests.stream.worker.test_labelled import T0, Pipe, baseline_folder, lines, state, traffic

__all__ = ["baseline_folder"]  # the module's fixture, used here

# inferenceId as captured → the label's eventId a labeler writes (by hand, from the rule)
ODD_IDS = [(0, "0"), (0.0, "0.0"), (-1, "-1"), (True, None), (False, None), ([1], None),
           ({"a": 1}, None), ("", None), (None, None)]  # fmt: skip


def _captures(seed: int) -> list[tuple[dict, str]]:
    """Captures with odd inferenceIds and the key each one's label carries."""
    out = []
    for (odd, expected), (_, record, _) in zip(
        ODD_IDS, traffic(seed, len(ODD_IDS), T0), strict=True
    ):
        record["eventMetadata"]["inferenceId"] = odd
        out.append((record, expected or record["eventMetadata"]["eventId"]))
    return out


@pytest.mark.parametrize("together", [False, True], ids=["a message each", "one message"])
def test_captures_with_odd_inference_ids_join_the_labels_keyed_by_the_rule(
    fake_clock, baseline_folder, together
):
    pipe = Pipe(state(fake_clock, baseline_folder))
    captures = _captures(3)
    plain = traffic(4, 5, T0)  # text ids: a message of them alone takes the plain codec
    if together:
        assert (
            pipe.send("capture", lines([r for r, _ in captures] + [r for _, r, _ in plain])) == []
        )
    else:
        for record, _ in captures:
            assert pipe.send("capture", lines([record])) == []
        assert pipe.send("capture", lines(r for _, r, _ in plain)) == []
    labels = [ground_truth_record(key, 1) for _, key in captures]
    labels += [ground_truth_record(key, 1) for key, _, _ in plain]
    assert pipe.send("labels", lines(labels)) == []
    counts = pipe.ws.labelled["m"].join.counts
    assert (counts.predictions, counts.labels) == (len(labels), len(labels))
    assert counts.joined == len(labels)


def test_both_codecs_key_a_record_as_the_producer_keys_it():
    decoder = MessageDecoder(RowBuilder(features=("age",), capture_index_names=("endpointInput",)))
    for odd, expected in [*ODD_IDS, ("order-7", "order-7")]:
        record = {
            "captureData": {"endpointInput": {"data": "41", "encoding": "CSV"}},
            "eventMetadata": {"eventId": "e-1", "inferenceId": odd,
                              "inferenceTime": "2024-03-05T14:07:31Z"},
        }  # fmt: skip
        raw = orjson.dumps(record)
        for message in (raw, raw + b"\n" + raw):  # one record, and a batch of two
            decoded = decoder.decode(message, now=T0 + 3600)
            assert decoded.keys == [expected or "e-1"] * len(decoded.keys), (odd, message)
            assert len(decoded.keys) == message.count(b"\n") + 1
        assert record_key(record, CAPTURE_KEY_PATHS)[0] == (expected or "e-1").encode()
