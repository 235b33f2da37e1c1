"""The worker's fast path: a whole message of plain CSV capture records, decoded at once.

Most capture traffic is one CSV row per record with nothing unusual in it. Such a message
is decoded by one ``map`` of orjson over its records (each alone, as the per-record path
reads it: joined into one JSON array, two broken lines could read as one good record) and
read column-wise; each record's row comes back as its CSV
text, which the window profiles split into columns with pyarrow when they flush
(:mod:`stream.capture.csv_rows`). Any record that is
not plain — bad JSON, a missing field, another encoding, quotes or line breaks, a blank
payload where it would give no row, a row of another width, an unreadable time, a capture
part the monitor does not read but the record holds malformed — makes
:meth:`PlainCsvDecoder.decode` return None, and the caller takes the per-record path, which
gives that record its dead-letter reason. The fast path is an optimisation, never a second
meaning: a message it takes gives exactly what the per-record path gives.

Examples
--------
>>> import orjson
>>> record = {"captureData": {"endpointInput": {"data": "41,basic", "encoding": "CSV"}},
...           "eventMetadata": {"eventId": "e1", "inferenceTime": "2024-03-05T14:07:31Z"}}
>>> decoder = PlainCsvDecoder(parts=("endpointInput",), width=2)
>>> decoder.decode([orjson.dumps(record)])
PlainCsvBatch(keys=['e1'], seconds=[1709647651.0], lines=['41,basic'], outputs=None)
>>> decoder.decode([b'{"not": "a capture"}']) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any, NamedTuple

import orjson

from stream.capture.records import (
    BATCH_TRANSFORM_OUTPUT,
    CAPTURE_PARTS,
    ENCODINGS,
    MAX_RECORD_BYTES,
    EventData,
    event_data,
    parse_time,
)

TIME_CACHE_SIZE = 100_000  # inferenceTime texts remembered
_NOT_PLAIN = ('"', "\r", "\n")  # quoted or multi-line CSV: left to the full decoder
_ALL_PARTS = (*CAPTURE_PARTS, BATCH_TRANSFORM_OUTPUT)
OUTPUT = CAPTURE_PARTS[1]  # endpointOutput
_METADATA, _CAPTURE_DATA = itemgetter("eventMetadata"), itemgetter("captureData")


class PlainCsvBatch(NamedTuple):
    """Join keys, event times (POSIX seconds) and rows (one CSV text each) of a message.

    ``outputs`` holds each record's ``endpointOutput`` when the decoder keeps them.
    """

    keys: list[str]
    seconds: list[float]
    lines: list[str]
    outputs: list[EventData | None] | None = None


class PlainCsvDecoder:
    """Decode messages of plain CSV capture records whose rows have ``width`` fields.

    ``parts`` are the capture parts that become columns, in column order (output first, as
    SageMaker does). Event-time texts are cached: SageMaker writes them at second
    precision, so most records of a message share theirs.
    """

    def __init__(self, *, parts: tuple[str, ...], width: int, keep_outputs: bool = False) -> None:
        self.parts = parts
        self.others = tuple(p for p in _ALL_PARTS if p not in parts)
        self.width = width
        self.keep_outputs = keep_outputs
        self._seconds_of: dict[str, float] = {}

    def decode(self, records: list[bytes]) -> PlainCsvBatch | None:
        """The message's keys, times and fields, or None when a record is not plain."""
        if not records or max(map(len, records)) > MAX_RECORD_BYTES:
            return None
        try:
            objs = list(map(orjson.loads, records))  # one value per record, as it stands alone
        except orjson.JSONDecodeError:
            return None
        try:
            metas = list(map(_METADATA, objs))
            event_ids = [m["eventId"] for m in metas]
            keys = [m.get("inferenceId") or e for m, e in zip(metas, event_ids, strict=True)]
            times = [m["inferenceTime"] for m in metas]
            captures = list(map(_CAPTURE_DATA, objs))
            texts = self._texts(captures)
        except (KeyError, TypeError, AttributeError):
            return None
        if texts is None or not all(event_ids) or not _all_text(keys, times):
            return None
        if not self._others_well_formed(captures):
            return None
        seconds = self._event_seconds(times)
        if seconds is None:
            return None
        outputs = _outputs(captures) if self.keep_outputs else None
        return PlainCsvBatch(keys, seconds, texts, outputs)

    def _texts(self, captures: list[Any]) -> list[str] | None:
        """Each record's CSV row (the parts joined), or None when one is not a plain row."""
        texts: list[str] | None = None
        for name in self.parts:
            parts = [c[name] for c in captures]
            if {p["encoding"] for p in parts} != {"CSV"}:
                return None
            data = [p["data"] for p in parts]
            if not _all_text(data):
                return None
            joined = "\x00".join(data)
            if any(mark in joined for mark in _NOT_PLAIN):
                return None
            if (len(self.parts) > 1 or self.width == 1) and not all(map(str.strip, data)):
                return None  # a blank payload gives no row at all
            texts = (
                data if texts is None else [f"{a},{b}" for a, b in zip(texts, data, strict=True)]
            )
        if texts is None:
            return None
        commas = [text.count(",") for text in texts]
        if min(commas) != self.width - 1 or max(commas) != self.width - 1:
            return None
        return texts

    def _others_well_formed(self, captures: list[Any]) -> bool:
        """Whether the capture parts not read are absent or well-formed, as decoding demands."""
        if set(map(len, captures)) == {len(self.parts)}:
            return True  # each record holds the parts read (found already) and nothing else
        for name in self.others:
            parts = [p for p in (c.get(name) for c in captures) if p is not None]
            if not parts:
                continue
            try:
                if {type(p["data"]) for p in parts} != {str}:
                    return False
                encodings = {p.get("encoding", "") for p in parts}
            except (KeyError, TypeError, AttributeError):
                return False
            if not all(isinstance(e, str) and e.upper() in ENCODINGS for e in encodings):
                return False
        return True

    def _event_seconds(self, times: Sequence[str]) -> list[float] | None:
        cache = self._seconds_of
        if len(cache) > TIME_CACHE_SIZE:
            cache.clear()
        known = list(map(cache.get, times))
        if None not in known:
            return known  # type: ignore[return-value]
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


def _all_text(*columns: Sequence[Any]) -> bool:
    """Whether every value of every column is a str (one join in C per column)."""
    try:
        for column in columns:
            "".join(column)
    except TypeError:
        return False
    return True


def _outputs(captures: list[Any]) -> list[EventData | None]:
    """Each record's ``endpointOutput`` (absent or well-formed: checked before)."""
    return [
        None if part is None else event_data(part, OUTPUT)
        for part in (c.get(OUTPUT) for c in captures)
    ]
