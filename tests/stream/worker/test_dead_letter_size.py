"""A dead letter fits in a Kafka message whatever the refused record quotes.

A refusal's message may quote the record: a capture part's ``encoding``, a label's
``groundTruthData.data``, a SHAP value. A record just under the worker's 1 MiB record limit
whose ``encoding`` is a megabyte of text made a 1.09 MB dead letter (its raw bytes are cut to
64 KiB, its message was not), over Kafka's default ``message.max.bytes`` of 1,048,588 bytes:
the broker refuses it and the refused record is on no topic. Reference: Kafka's documented
default (broker ``message.max.bytes``), and the records sent.
"""

from __future__ import annotations

import orjson

from stream.demo.labelled import ground_truth_record
from tests.stream.worker.test_labelled import T0, Pipe, baseline_folder, lines, traffic
from tests.stream.worker.test_labelled_refusals import _topic_state

__all__ = ["baseline_folder"]  # the module's fixture, used here

KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588  # broker message.max.bytes (Kafka's docs)
MEGABYTE_OF_TEXT = "X" * 1_000_000


def _dead_letters(ws, outbound) -> list[bytes]:
    return [m.value for m in outbound if m.topic == ws.names.deadletter]


def test_dead_letters_quoting_a_megabyte_of_input_fit_in_a_kafka_message(
    fake_clock, baseline_folder
):
    ws = _topic_state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    (key, capture, _), (_, other, _) = traffic(5, 2, T0 + 1)
    capture["captureData"]["endpointInput"]["encoding"] = MEGABYTE_OF_TEXT
    other["captureData"]["endpointOutput"]["encoding"] = MEGABYTE_OF_TEXT
    label = ground_truth_record(key, 1)
    label["groundTruthData"]["data"] = "1,," + MEGABYTE_OF_TEXT  # an empty field, quoted
    shap = {"inferenceId": key, "shap": {"age": MEGABYTE_OF_TEXT[:900_000]}}
    sent = [("capture", capture), ("capture", other), ("labels", label),
            ("attributions", shap)]  # fmt: skip
    letters: list[bytes] = []
    for source, doc in sent:
        assert len(orjson.dumps(doc)) < 1_048_576  # under every input limit: refused, not cut
        letters += _dead_letters(ws, pipe.send(source, lines([doc])))
    docs = [orjson.loads(value) for value in letters]
    reasons = [(d["topic"], d["reason"]) for d in docs]
    assert reasons == [("p.capture", "bad_encoding"), ("p.capture", "bad_encoding"),
                       ("p.labels", "empty_value"), ("p.attributions", "not_a_number")]  # fmt: skip
    assert all(len(value) < KAFKA_DEFAULT_MAX_MESSAGE_BYTES for value in letters)
    assert all(d["message"].endswith("characters)") for d in docs)  # cut, saying so
