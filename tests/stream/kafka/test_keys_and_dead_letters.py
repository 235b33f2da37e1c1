"""Record keys per topic (what decides the partition) and the shared dead-letter shape."""

from __future__ import annotations

import base64

import orjson
import pytest

from stream.capture.records import join_key
from stream.kafka.dead_letters import DEAD_LETTER_RAW_BYTES, DeadLetter, dead_letter_message
from stream.kafka.keyed_producer import (
    ATTRIBUTION_KEY_PATHS,
    CAPTURE_KEY_PATHS,
    LABEL_KEY_PATHS,
    record_key,
)


@pytest.mark.parametrize(
    ("record", "paths", "key"),
    [
        ({"eventMetadata": {"eventId": "e", "inferenceId": "i"}}, CAPTURE_KEY_PATHS, b"i"),
        ({"eventMetadata": {"eventId": "e", "inferenceId": ""}}, CAPTURE_KEY_PATHS, b"e"),
        ({"eventMetadata": {"eventId": "e", "inferenceId": 5}}, CAPTURE_KEY_PATHS, b"5"),
        ({"eventMetadata": {"eventId": "e", "inferenceId": True}}, CAPTURE_KEY_PATHS, b"e"),
        # a ground-truth record's eventId *is* the join key, even beside another id
        (
            {"eventMetadata": {"eventId": "order-1", "inferenceId": "x"}},
            LABEL_KEY_PATHS,
            b"order-1",
        ),
        ({"inferenceId": "i", "eventId": "e", "shap": {}}, ATTRIBUTION_KEY_PATHS, b"i"),
        ({"eventId": "e", "shap": {}}, ATTRIBUTION_KEY_PATHS, b"e"),
        ({"shap": {}}, ATTRIBUTION_KEY_PATHS, None),
        ({"inferenceId": "日本語"}, ATTRIBUTION_KEY_PATHS, "日本語".encode()),
    ],
)
def test_record_keys(record: dict, paths: tuple[str, ...], key: bytes | None) -> None:
    assert record_key(record, paths) == (key, orjson.dumps(record))
    assert record_key(orjson.dumps(record) + b"\r\n", paths)[0] == key


def test_capture_keys_are_the_join_keys() -> None:
    for metadata in ({"eventId": "e"}, {"eventId": 3, "inferenceId": ""}, {"inferenceId": 2.5}):
        key = join_key(metadata)
        assert record_key({"eventMetadata": metadata})[0] == (key.encode() if key else None)


def test_dead_letter_keeps_the_head_of_an_oversized_record() -> None:
    raw = b"x" * (DEAD_LETTER_RAW_BYTES + 10)
    letter = DeadLetter("credit", 2, 41, 7, "oversized", "too big", raw)
    doc = dead_letter_message(letter, "p.capture")
    assert doc == {
        "monitor": "credit",
        "reason": "oversized",
        "message": "too big",
        "topic": "p.capture",
        "partition": 2,
        "offset": 41,
        "record_index": 7,
        "source": None,
        "raw_base64": base64.b64encode(raw[:DEAD_LETTER_RAW_BYTES]).decode(),
        "raw_bytes": DEAD_LETTER_RAW_BYTES + 10,
        "raw_truncated": True,
        "schema_version": 1,
    }
    orjson.dumps(doc)  # JSON-safe as it is
