"""Messages waiting to leave: :class:`Outbound`, and an outbox as bytes inside a snapshot.

:func:`message_bytes` is what a message weighs against the producer's ``max_request_size``.

Examples
--------
>>> box = (Outbound("t.partials", 2, b"m", b'{"x": 1}'),)
>>> decode_outbox(encode_outbox(box)) == box
True
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

import orjson

# what a message needs besides its key and value: aiokafka counts the record's and its
# batch's framing (under 100 bytes without headers) against max_request_size
MESSAGE_FRAMING_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message to send: topic, partition, key, value bytes."""

    topic: str
    partition: int
    key: bytes | None
    value: bytes


def message_bytes(message: Outbound) -> int:
    """The message's size against the producer's limit: key, value and framing (at most)."""
    return len(message.key or b"") + len(message.value) + MESSAGE_FRAMING_BYTES


def encode_outbox(outbox: Iterable[Outbound]) -> bytes:
    """An outbox as JSON bytes (keys and values base64), for a snapshot blob."""
    return orjson.dumps([
        [m.topic, m.partition, None if m.key is None else base64.b64encode(m.key).decode(),
         base64.b64encode(m.value).decode()]
        for m in outbox
    ])  # fmt: skip


def decode_outbox(raw: bytes) -> tuple[Outbound, ...]:
    """The messages of :func:`encode_outbox` output."""
    return tuple(
        Outbound(
            topic,
            int(partition),
            None if key is None else base64.b64decode(key),
            base64.b64decode(value),
        )  # fmt: skip
        for topic, partition, key, value in orjson.loads(raw)
    )
