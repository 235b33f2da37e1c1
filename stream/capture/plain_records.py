"""What the worker's plain codecs share: a message's records, when every one is plain.

A plain codec decodes a whole message at once and hands back each record's join key, event
time (POSIX seconds) and one row, or None as soon as one record is not plain; the caller
then takes the per-record path, which gives that record its dead-letter reason. Every codec
asks the same of a record's envelope — a JSON object alone on its line, a non-empty
``eventId``, text keys and times that parse, every capture part the monitor does not read
absent or well-formed — and leaves its payloads to the subclass
(:mod:`stream.capture.plain_csv`, :mod:`stream.capture.plain_json`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter, methodcaller
from typing import Any, Generic, NamedTuple, TypeVar

import orjson

from stream.capture.event_data import CaptureError, EventData, base64_text, names_csv
from stream.capture.records import (
    CAPTURE_PARTS,
    ENCODINGS,
    MAX_RECORD_BYTES,
    event_data,
    other_parts,
    parse_time,
)

TIME_CACHE_SIZE = 100_000  # inferenceTime texts remembered
OUTPUT = CAPTURE_PARTS[1]  # endpointOutput
_METADATA, _CAPTURE_DATA = itemgetter("eventMetadata"), itemgetter("captureData")

Rows = TypeVar("Rows")


def payload_text(part: Any, encoding: str) -> str | None:
    """A capture part's payload as ``encoding`` (CSV or JSON) text, as the per-record path does.

    The data itself under ``encoding``; under ``BASE64`` (what SageMaker writes when no
    content types are configured) its decoded text when the content type names CSV exactly
    when ``encoding`` is CSV. None for another encoding, data that is not text, or base64
    that does not decode to UTF-8; a part that is not a mapping raises TypeError.

    >>> b64 = {"data": "NDEsYmFzaWM=", "encoding": "BASE64", "observedContentType": "text/csv"}
    >>> payload_text(b64, "CSV"), payload_text(b64, "JSON")
    ('41,basic', None)
    >>> payload_text({"data": "WzQxLCAiZ29sZCJd", "encoding": "BASE64"}, "JSON")
    '[41, "gold"]'
    """
    text = part["data"]
    if type(text) is not str:
        return None
    if part["encoding"] == encoding:
        return text
    if part["encoding"] != "BASE64":
        return None
    if names_csv(part.get("observedContentType")) != (encoding == "CSV"):
        return None
    try:
        return base64_text(text)
    except CaptureError:
        return None


class PlainMessage(NamedTuple, Generic[Rows]):
    """Join keys, event times, the codec's rows, and ``endpointOutput`` parts if kept."""

    keys: list[str]
    seconds: list[float]
    rows: Rows
    outputs: list[EventData | None] | None


class PlainRecords(ABC, Generic[Rows]):
    """The envelope half of a plain codec; :meth:`payload_rows` reads the payloads.

    ``parts`` are the capture parts that become columns, in column order (output first, as
    SageMaker does). Event-time texts are cached: SageMaker writes them at second
    precision, so most records of a message share theirs.
    """

    def __init__(self, *, parts: tuple[str, ...], width: int, keep_outputs: bool = False) -> None:
        self.parts = parts
        self.others = other_parts(parts)
        self.width = width
        self.keep_outputs = keep_outputs
        self._seconds_of: dict[str, float] = {}

    @abstractmethod
    def payload_rows(self, captures: list[Any]) -> Rows | None:
        """Each record's one row from its chosen parts, or None when one is not plain.

        A missing or malformed part may raise KeyError, TypeError or AttributeError.
        """

    def part_data(self, captures: list[Any], encoding: str) -> list[list[str]] | None:
        """Each chosen part's data, record by record, or None unless all are ``encoding`` text.

        A chosen part absent (or null) from every record is left out, as the per-record path
        leaves it out (an input-only capture reads as its input); one absent from some
        records only makes the message not plain (a TypeError the caller catches).
        """
        out = []
        for parts in self._present_parts(captures):
            if {p["encoding"] for p in parts} != {encoding}:
                return None
            data = [p["data"] for p in parts]
            if not all_text(data):
                return None
            out.append(data)
        return out or None

    def part_texts(
        self, captures: list[Any], read: Callable[[Any], str | None]
    ) -> list[list[str]] | None:
        """Each chosen part's payload text by ``read``, record by record; None at a refusal.

        The slower reading, for payloads :meth:`part_data` does not take (BASE64, a line
        break ending a CSV row). A part absent from every record is left out, as
        :meth:`part_data` leaves it out.
        """
        out = []
        for parts in self._present_parts(captures):
            texts = []
            for part in parts:
                text = read(part)
                if text is None:
                    return None
                texts.append(text)
            out.append(texts)
        return out or None

    def _present_parts(self, captures: list[Any]) -> Iterator[list[Any]]:
        """Each chosen part of every record, but a part absent (or null) from every record.

        The per-record path leaves an absent part out; one absent from some records only is
        a None among the rest, which its reader refuses.
        """
        for name in self.parts:
            parts = [c.get(name) for c in captures]
            if parts[0] is None and parts.count(None) == len(parts):
                continue
            yield parts

    def decode(self, records: list[bytes]) -> PlainMessage[Rows] | None:
        """The message's keys, times and rows, or None when a record is not plain.

        The caller then takes the per-record path, which gives that record its reason.
        """
        return self.decode_parsed(read_envelopes(records))

    def decode_parsed(self, envelopes: Envelopes | None) -> PlainMessage[Rows] | None:
        """:meth:`decode` of records already read by :func:`read_envelopes` (None: not plain).

        Several codecs may try the same records: they are parsed once.
        """
        if envelopes is None:
            return None
        keys, times, captures = envelopes
        try:
            rows = self.payload_rows(captures)
        except (KeyError, TypeError, AttributeError):
            return None
        except RecursionError:
            return None  # a payload nested past Python's stack: the per-record path says too_deep
        if rows is None or not self._others_well_formed(captures):
            return None
        seconds = self._event_seconds(times)
        if seconds is None:
            return None
        outputs = _outputs(captures) if self.keep_outputs else None
        return PlainMessage(keys, seconds, rows, outputs)

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


class Envelopes(NamedTuple):
    """The records' join keys, ``inferenceTime`` texts and ``captureData`` objects."""

    keys: list[str]
    times: list[str]
    captures: list[Any]


def read_envelopes(records: list[bytes]) -> Envelopes | None:
    """Every record's envelope, each record decoded once; None when one is not plain.

    Plain: a JSON object of at most :data:`MAX_RECORD_BYTES`, with a non-empty ``eventId``,
    text join key and time, and ``captureData`` present (its parts are the codecs' to read).
    A join key that is not text (``0``, ``true``, a list) takes the per-record path, which
    keys it by :func:`~stream.capture.records.join_key`'s rule.
    """
    if not records or max(map(len, records)) > MAX_RECORD_BYTES:
        return None
    try:
        objs = list(map(orjson.loads, records))  # one value per record, as it stands alone
    except orjson.JSONDecodeError:
        return None
    try:
        metas = list(map(_METADATA, objs))
        event_ids = [m["eventId"] for m in metas]
        ids = map(methodcaller("get", "inferenceId"), metas)
        keys = [e if i is None or i == "" else i for i, e in zip(ids, event_ids, strict=True)]
        times = [m["inferenceTime"] for m in metas]
        captures = list(map(_CAPTURE_DATA, objs))
    except (KeyError, TypeError, AttributeError):
        return None
    if not all(event_ids) or not all_text(keys, times):
        return None
    return Envelopes(keys, times, captures)


def all_text(*columns: Sequence[Any]) -> bool:
    """Whether every value of every column is a str (one join in C per column)."""
    try:
        for column in columns:
            "".join(column)
    except TypeError:
        return False
    return True


def _outputs(captures: list[Any]) -> list[EventData | None]:
    """Each record's ``endpointOutput`` (absent or well-formed: checked before)."""
    return part_events(captures, OUTPUT)


def part_events(captures: list[Any], name: str) -> list[EventData | None]:
    """Each plain record's ``name`` part (a plain codec checked each is absent or well-formed)."""
    parts = (c.get(name) for c in captures)
    return [None if part is None else event_data(part, name) for part in parts]
