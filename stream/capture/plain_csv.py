"""The worker's fast path: a whole message of plain CSV capture records, decoded at once.

Most capture traffic is one CSV row per record with nothing unusual in it. Such a message
is decoded in one orjson call and read column-wise; the rows come back as one flat list of
fields (row after row), which the window profiles slice into columns. Any record that is
not plain — bad JSON, a missing field, another encoding, quotes or line breaks, a row of
another width, an unreadable time — makes :meth:`PlainCsvDecoder.decode` return None, and
the caller takes the per-record path, which gives that record its dead-letter reason.

Examples
--------
>>> import orjson
>>> record = {"captureData": {"endpointInput": {"data": "41,basic", "encoding": "CSV"}},
...           "eventMetadata": {"eventId": "e1", "inferenceTime": "2024-03-05T14:07:31Z"}}
>>> decoder = PlainCsvDecoder(parts=("endpointInput",), width=2)
>>> decoder.decode([orjson.dumps(record)])
PlainCsvBatch(keys=['e1'], seconds=[1709647651.0], fields=['41', 'basic'])
>>> decoder.decode([b'{"not": "a capture"}']) is None
True
"""

from __future__ import annotations

import re
from typing import NamedTuple

import orjson

from stream.capture.records import MAX_RECORD_BYTES, parse_time

_NOT_PLAIN = re.compile(r'["\r\n]')  # quoted or multi-line CSV: left to the full decoder
TIME_CACHE_SIZE = 100_000  # inferenceTime texts remembered


class PlainCsvBatch(NamedTuple):
    """Join keys, event times (POSIX seconds) and fields, row after row, of a message."""

    keys: list[str]
    seconds: list[float]
    fields: list[str]


class PlainCsvDecoder:
    """Decode messages of plain CSV capture records whose rows have ``width`` fields.

    ``parts`` are the capture parts that become columns, in column order (output first, as
    SageMaker does). Event-time texts are cached: SageMaker writes them at second
    precision, so most records of a message share theirs.
    """

    def __init__(self, *, parts: tuple[str, ...], width: int) -> None:
        self.parts = parts
        self.width = width
        self._seconds_of: dict[str, float] = {}

    def decode(self, records: list[bytes]) -> PlainCsvBatch | None:
        """The message's keys, times and fields, or None when a record is not plain."""
        if not records or max(map(len, records)) > MAX_RECORD_BYTES:
            return None
        try:
            objs = orjson.loads(b"[" + b",".join(records) + b"]")
        except orjson.JSONDecodeError:
            return None
        try:
            metas = [o["eventMetadata"] for o in objs]
            event_ids = [m["eventId"] for m in metas]
            keys = [m.get("inferenceId") or e for m, e in zip(metas, event_ids, strict=True)]
            times = [m["inferenceTime"] for m in metas]
            texts: list[str] | None = None
            for name in self.parts:
                parts = [o["captureData"][name] for o in objs]
                if {p["encoding"] for p in parts} != {"CSV"}:
                    return None
                data = [p["data"] for p in parts]
                texts = (
                    data
                    if texts is None
                    else [f"{a},{b}" for a, b in zip(texts, data, strict=True)]
                )
        except (KeyError, TypeError):
            return None
        if texts is None or {*map(type, keys), *map(type, texts), *map(type, times)} != {str}:
            return None
        if not all(event_ids) or _NOT_PLAIN.search("\x00".join(texts)):
            return None
        commas = [text.count(",") for text in texts]
        if min(commas) != self.width - 1 or max(commas) != self.width - 1:
            return None
        seconds = self._event_seconds(times)
        if seconds is None:
            return None
        return PlainCsvBatch(keys, seconds, ",".join(texts).split(","))

    def _event_seconds(self, times: list[str]) -> list[float] | None:
        cache = self._seconds_of
        if len(cache) > TIME_CACHE_SIZE:
            cache.clear()
        out = []
        for text in times:
            seconds = cache.get(text)
            if seconds is None:
                moment = parse_time(text)
                if moment is None:
                    return None
                seconds = cache[text] = moment.timestamp()
            out.append(seconds)
        return out
