"""Capture records given a new event time, so that recorded captures replay as live traffic.

Windows are cut by ``eventMetadata.inferenceTime``: replayed as recorded, old capture files
fill windows that closed long ago (every record a late event, the event-time lag hours).
:func:`restamp` sets the time a record is sent instead; everything else is left as it was.

Examples
--------
>>> line = b'{"eventMetadata":{"eventId":"e1","inferenceTime":"2024-03-05T14:00:00Z"},"n":1}'
>>> restamp(line, 1717243200.5)
b'{"eventMetadata":{"eventId":"e1","inferenceTime":"2024-06-01T12:00:00.500Z"},"n":1}'
>>> restamp(b"not json", 1717243200.0)
b'not json'
"""

from __future__ import annotations

import orjson

from stream.capture.records import iso_utc


def restamp(line: bytes, seconds: float) -> bytes:
    """``line`` with ``eventMetadata.inferenceTime`` set to ``seconds`` (POSIX, UTC).

    A line that is not a JSON object with an ``eventMetadata`` object is returned unchanged:
    the worker dead-letters it with its reason, as it would the original.
    """
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return line
    metadata = record.get("eventMetadata") if isinstance(record, dict) else None
    if not isinstance(metadata, dict):
        return line
    metadata["inferenceTime"] = iso_utc(seconds)
    return orjson.dumps(record)
