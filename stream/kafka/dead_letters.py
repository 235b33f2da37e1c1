"""Dead letters: input that cannot be used, kept on ``<prefix>.deadletter`` with the reason.

One message shape for every writer — the worker refusing a capture record or a label, and
``driftline labels push`` / ``attributions push`` refusing a line of a file — so that one
reader (``driftline tail --topic deadletter``) understands them all::

    {"monitor": "credit-model" | null, "reason": "invalid_json", "message": "...",
     "topic": "<prefix>.capture", "partition": 3 | null, "offset": 1207 | null,
     "record_index": 17, "source": "labels/2024/03/05/10/a.jsonl:18" | null,
     "raw_base64": "...", "raw_bytes": 412, "raw_truncated": false, "schema_version": 1}

``topic`` is the topic the record came from (the worker) or was meant for (a push);
``partition``/``offset`` locate the Kafka message, ``record_index`` the record inside it (a
message may hold JSON Lines), ``source`` the file and line of a pushed record.

Examples
--------
>>> letter = DeadLetter(monitor=None, partition=None, offset=None, record_index=2,
...                     reason="invalid_json", message="unexpected character", raw=b"{oops",
...                     source="labels.jsonl:3")
>>> doc = dead_letter_message(letter, "driftline.labels")
>>> doc["reason"], doc["raw_base64"], doc["raw_bytes"], doc["source"]
('invalid_json', 'e29vcHM=', 5, 'labels.jsonl:3')
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stream.capture.message import RejectedRecord

DEAD_LETTER_RAW_BYTES = 65_536  # raw bytes kept in a dead letter (an oversized record is cut)
DEAD_LETTER_MESSAGE_CHARS = 4_096  # characters of the reason's text kept (it may quote input)
DEAD_LETTER_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A record that cannot be used, with where it came from and why."""

    monitor: str | None  # the monitor that refused it; None when refused before routing
    partition: int | None
    offset: int | None
    record_index: int  # position of the record in its (JSON-Lines) message or file; -1: all
    reason: str
    message: str
    raw: bytes
    source: str | None = None  # "path:line" of a record pushed from a file
    topic_role: str = "capture"  # the worker's input it came from: capture, labels, attributions

    @classmethod
    def of(
        cls,
        monitor: str,
        partition: int,
        offset: int,
        rejected: RejectedRecord,
        topic_role: str = "capture",
    ) -> DeadLetter:
        """The dead letter of a rejected record of the message at ``partition``/``offset``."""
        return cls(
            monitor, partition, offset, rejected.index, rejected.reason, rejected.message,
            rejected.raw, None, topic_role,
        )  # fmt: skip


def dead_letter_message(letter: DeadLetter, topic: str) -> dict[str, Any]:
    """A refused record: raw bytes as base64, where it came from, the reason.

    Only the first ``DEAD_LETTER_RAW_BYTES`` of the record are kept (``raw_truncated``),
    so that the dead letter of an oversized record still fits in a Kafka message; and only
    the first ``DEAD_LETTER_MESSAGE_CHARS`` of the message, which may quote the record (an
    ``encoding`` of a megabyte, a label's data), with how long it was.

    >>> letter = DeadLetter(None, 0, 7, 0, "bad_encoding", "encoding " + "X" * 9000, b"{}")
    >>> text = dead_letter_message(letter, "p.capture")["message"]
    >>> len(text), text.endswith("XXX… (9009 characters)")
    (4115, True)
    """
    kept = letter.raw[:DEAD_LETTER_RAW_BYTES]
    return {
        "monitor": letter.monitor,
        "reason": letter.reason,
        "message": _bounded(letter.message),
        "topic": topic,
        "partition": letter.partition,
        "offset": letter.offset,
        "record_index": letter.record_index,
        "source": letter.source,
        "raw_base64": base64.b64encode(kept).decode("ascii"),
        "raw_bytes": len(letter.raw),
        "raw_truncated": len(kept) < len(letter.raw),
        "schema_version": DEAD_LETTER_SCHEMA_VERSION,
    }


def _bounded(message: str) -> str:
    """The message, or its first ``DEAD_LETTER_MESSAGE_CHARS`` and how long it was."""
    if len(message) <= DEAD_LETTER_MESSAGE_CHARS:
        return message
    return f"{message[:DEAD_LETTER_MESSAGE_CHARS]}… ({len(message)} characters)"


__all__ = [
    "DEAD_LETTER_MESSAGE_CHARS",
    "DEAD_LETTER_RAW_BYTES",
    "DeadLetter",
    "dead_letter_message",
]
