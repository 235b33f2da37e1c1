"""One SageMaker capture record: bytes to a validated :class:`CaptureRecord`, and its times.

A Kafka message (or a line of a capture file) holds one capture record as a JSON object; a
message may also hold a batch of them as JSON Lines. :func:`split_records` cuts a message
into records and :func:`decode_capture` validates one. Every failure raises
:class:`CaptureError` with a short reason code, which the caller counts and dead-letters;
nothing here crashes a worker. :func:`parse_time` reads ``inferenceTime``; :func:`iso_utc`
writes POSIX seconds back in the same form.

Examples
--------
>>> raw = (b'{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",'
...        b'"data":"41,basic","encoding":"CSV"}},"eventMetadata":'
...        b'{"eventId":"e1","inferenceId":"i1","inferenceTime":"2024-03-05T14:07:31Z"},'
...        b'"eventVersion":"0"}')
>>> record = decode_capture(raw)
>>> record.join_key, record.inference_time.isoformat()
('i1', '2024-03-05T14:07:31+00:00')
>>> iso_utc(record.inference_time.timestamp())
'2024-03-05T14:07:31Z'
>>> decode_capture(b'{"eventMetadata": {}}')
Traceback (most recent call last):
...
stream.capture.event_data.CaptureError: missing_field: eventMetadata.eventId is required
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from stream.capture.batch_transform import batch_transform_parts, refuse_manifest
from stream.capture.event_data import CaptureError, EventData

MAX_RECORD_BYTES = 1_048_576
ENCODINGS = ("CSV", "JSON", "BASE64")
CAPTURE_PARTS = ("endpointInput", "endpointOutput")
BATCH_TRANSFORM_OUTPUT = "batchTransformOutput"  # batch-transform captures; preprocessors see it
_INPUT, _OUTPUT = CAPTURE_PARTS
_ALL_PARTS = (*CAPTURE_PARTS, BATCH_TRANSFORM_OUTPUT)


# JSON's values that are not objects, told by their type (the ABC check costs several times more)
_NOT_MAPPINGS = frozenset({str, int, float, bool, list, type(None)})


def is_mapping(obj: Any) -> bool:
    """Whether ``obj`` is a mapping; decoded JSON values are told by type, without the ABC.

    >>> is_mapping({"a": 1}), is_mapping(0.5), is_mapping(None), is_mapping([("a", 1)])
    (True, False, False, False)
    """
    kind = type(obj)
    return kind is dict or (kind not in _NOT_MAPPINGS and isinstance(obj, Mapping))


def other_parts(parts: Sequence[str]) -> tuple[str, ...]:
    """The capture parts a reader of ``parts`` does not read (it only checks them well-formed).

    >>> other_parts(("endpointInput",))
    ('endpointOutput', 'batchTransformOutput')
    """
    return tuple(p for p in _ALL_PARTS if p not in parts)


@dataclass(frozen=True, slots=True)
class CaptureRecord:
    """A decoded SageMaker capture record; ``raw`` keeps the original mapping."""

    event_id: str
    inference_id: str | None
    inference_time: datetime | None
    endpoint_input: EventData | None
    endpoint_output: EventData | None
    event_version: str
    raw: Mapping[str, Any]

    @property
    def join_key(self) -> str:
        """The label join key: ``inferenceId`` if present, else ``eventId``.

        The rule of :func:`join_key`, by which producers key and partition a record and
        labelers name it: an id ``0`` is ``"0"``; a boolean or a container is no id.
        """
        return self.inference_id or self.event_id

    @property
    def invocation_source(self) -> str | None:
        """``eventMetadata.invocationSource`` (``ShadowExperiment`` for shadow traffic)."""
        source = self.raw.get("eventMetadata", {}).get("invocationSource")
        return str(source) if source is not None else None

    def part(self, name: str) -> EventData | None:
        """``endpointInput`` or ``endpointOutput`` by its capture name."""
        return self.endpoint_input if name == "endpointInput" else self.endpoint_output

    def parts_of(self, names: Sequence[str]) -> list[EventData]:
        """The parts named in ``names`` that the record has, each object once.

        A batch-transform CSV line is the request and the response at once (one object):
        its columns are read once.
        """
        events: list[EventData] = []
        for name in names:
            event = self.part(name)
            if event is not None and all(event is not e for e in events):
                events.append(event)
        return events


def capture_parts_problem(names: Sequence[str]) -> str | None:
    """Why ``names`` are not usable ``captureIndexNames`` (distinct parts), else None.

    >>> capture_parts_problem(["endpointOutput", "endpointInput"]) is None
    True
    >>> capture_parts_problem(["endpointInput", "endpointInput"])
    "must be distinct values from endpointInput, endpointOutput, got ['endpointInput', ...]"
    """
    if names and set(names) <= set(CAPTURE_PARTS) and len(set(names)) == len(names):
        return None
    return f"must be distinct values from {', '.join(CAPTURE_PARTS)}, got {list(names)}"


def join_key(metadata: Any) -> str | None:
    """The label join key of ``eventMetadata``: ``inferenceId`` if present, else ``eventId``.

    The one rule for partitioning, joining and sampling; a non-text id is used as its text.

    >>> join_key({"eventId": "e1", "inferenceId": "i1"}), join_key({"eventId": 7})
    ('i1', '7')
    >>> join_key({"inferenceId": ""}) is None
    True
    """
    if not isinstance(metadata, Mapping):
        return None
    for field in ("inferenceId", "eventId"):
        key = id_text(metadata.get(field))
        if key is not None:
            return key
    return None


_NOT_IDS = (bool, list, dict)  # a tuple: ``bool | list | dict`` would build a union every call


def id_text(value: Any) -> str | None:
    """An id as join-key text: a scalar as its text; None, ``""``, booleans and containers: None.

    >>> id_text("order-1"), id_text(7), id_text(""), id_text(True)
    ('order-1', '7', None, None)
    """
    if value in (None, "") or isinstance(value, _NOT_IDS):
        return None
    return str(value)


def _event_id_problem(meta: Any) -> str:
    """Why a record's ``eventMetadata`` gives no event id (see :func:`id_text`).

    >>> _event_id_problem({"eventId": ""})
    'eventMetadata.eventId is required'
    >>> _event_id_problem({"eventId": False})
    'eventMetadata.eventId must be text or a number, got bool'
    """
    value = meta.get("eventId") if isinstance(meta, dict) else None
    if value in (None, ""):
        return "eventMetadata.eventId is required"
    return f"eventMetadata.eventId must be text or a number, got {type(value).__name__}"


def split_records(message: bytes) -> list[bytes]:
    """Cut a message into capture records: one JSON object, or JSON Lines of them."""
    return [line for line in message.split(b"\n") if line and not line.isspace()]


def parse_time(text: Any) -> datetime | None:
    """Parse ``inferenceTime`` leniently (``Z`` or offsets, fractional seconds) as UTC.

    As RFC 3339 allows (section 5.6), ``t`` and ``z`` may be lower case; a leap second
    (``23:59:60``, section 5.7) is read as the second before it, as Java's ``Instant.parse``
    reads it (Python's datetime has no second 60).
    """
    if not isinstance(text, str) or not text:
        return None
    if len(text) > _CACHED_TIME_CHARS:  # no ISO instant is that long: not worth keeping
        return _parsed_time.__wrapped__(text)
    return _parsed_time(text)


_LEAP_SECOND = re.compile(r"(T\d\d:\d\d:)60(?![\d:])")  # 23:59:60, 23:59:60.5+00:00
_CACHED_TIME_CHARS = 40  # "2024-03-05T14:07:31.123456789+05:30" is 35


@functools.lru_cache(maxsize=4096)  # SageMaker writes seconds: records share their time text
def _parsed_time(text: str) -> datetime | None:
    text = _LEAP_SECOND.sub(r"\g<1>59", text.upper().replace("Z", "+00:00"), count=1)
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset that leaves year 1..9999
        return None


def decode_capture(raw: bytes | str) -> CaptureRecord:
    """Decode one capture record from JSON bytes."""
    if len(raw) > MAX_RECORD_BYTES:
        msg = "oversized"
        raise CaptureError(msg, f"record of {len(raw)} bytes exceeds {MAX_RECORD_BYTES}")
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        msg = "invalid_json"
        raise CaptureError(msg, str(exc)) from exc
    return capture_from_dict(obj)


def capture_from_dict(obj: Any) -> CaptureRecord:
    """Validate a decoded capture mapping.

    A batch-transform record (``captureData.batchTransformOutput`` and no endpoint part, as
    SageMaker's merge job writes it) gets its request and response as ``endpoint_input`` and
    ``endpoint_output`` (:mod:`stream.capture.batch_transform`); ``raw`` keeps it as it is.
    """
    if not isinstance(obj, dict):
        refuse_manifest(obj)
        msg = "not_an_object"
        raise CaptureError(msg, f"expected a JSON object, got {type(obj).__name__}")
    meta = obj.get("eventMetadata")
    event_id = id_text(meta.get("eventId")) if isinstance(meta, dict) else None
    if event_id is None:  # absent or empty; a boolean, list or object is no id either
        msg = "missing_field"
        raise CaptureError(msg, _event_id_problem(meta))
    capture = obj.get("captureData")
    if not isinstance(capture, dict):
        msg = "missing_field"
        raise CaptureError(msg, "captureData is required")
    endpoint_input = event_data(capture.get(_INPUT), _INPUT)
    endpoint_output = event_data(capture.get(_OUTPUT), _OUTPUT)
    batch_output = event_data(capture.get(BATCH_TRANSFORM_OUTPUT), BATCH_TRANSFORM_OUTPUT)
    if endpoint_input is None and endpoint_output is None:
        if batch_output is None:
            msg = "missing_field"
            raise CaptureError(msg, f"captureData has none of {', '.join(_ALL_PARTS)}")
        endpoint_input, endpoint_output = batch_transform_parts(batch_output)
    return CaptureRecord(
        event_id=event_id,
        inference_id=id_text(meta.get("inferenceId")),  # join_key's rule, as keyed and labelled
        inference_time=parse_time(meta.get("inferenceTime")),
        endpoint_input=endpoint_input,
        endpoint_output=endpoint_output,
        event_version=str(obj.get("eventVersion", "0")),
        raw=obj,
    )


def event_data(obj: Any, name: str) -> EventData | None:
    """A capture part (``name``) as :class:`EventData`; None when absent, else CaptureError."""
    if obj is None:
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("data"), str):
        msg = "missing_field"
        raise CaptureError(msg, f"{name}.data must be a string")
    encoding = obj.get("encoding", "")
    if type(encoding) is not str or encoding not in ENCODINGS:  # the usual one needs no upper()
        encoding = str(encoding).upper()
    if encoding not in ENCODINGS:
        msg = "bad_encoding"
        raise CaptureError(
            msg, f"{name}.encoding {obj.get('encoding')!r} is not one of {ENCODINGS}"
        )
    return EventData(obj.get("observedContentType"), obj.get("mode"), obj["data"], encoding)


def iso_utc(seconds: float) -> str:
    """POSIX seconds as ISO-8601 UTC with a ``Z`` (milliseconds only when not whole)."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    text = moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")
