"""Bytes ↔ domain objects for SageMaker data-capture records.

A Kafka message (or a line of a capture file) holds one capture record as a JSON object; a
message may also hold a batch of them as JSON Lines. :func:`split_records` cuts a message
into records, :func:`decode_capture` turns one into a :class:`CaptureRecord`, and
:class:`RowBuilder` turns a record into feature rows in the baseline's column order
(SageMaker's ``sagemakerCaptureJson`` rule: output columns first, then input columns, named
positionally from the baseline; values beyond the baseline become ``_c<i>`` columns).

Every failure raises :class:`CaptureError` with a short reason code, which the caller
counts and dead-letters; nothing here crashes a worker.

Examples
--------
>>> raw = (b'{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",'
...        b'"data":"41,basic","encoding":"CSV"},"endpointOutput":{"observedContentType":'
...        b'"text/csv","mode":"OUTPUT","data":"0.87","encoding":"CSV"}},"eventMetadata":'
...        b'{"eventId":"e1","inferenceId":"i1","inferenceTime":"2024-03-05T14:07:31Z"},'
...        b'"eventVersion":"0"}')
>>> record = decode_capture(raw)
>>> record.join_key, record.inference_time.isoformat()
('i1', '2024-03-05T14:07:31+00:00')
>>> RowBuilder(features=("score", "age", "plan")).rows(record)
[{'score': '0.87', 'age': '41', 'plan': 'basic'}]
>>> RowBuilder(features=("age",), capture_index_names=("endpointInput",)).rows(record)
[{'age': '41', '_c1': 'basic'}]
>>> decode_capture(b'{"eventMetadata": {}}')
Traceback (most recent call last):
...
stream.codecs.CaptureError: missing_field: eventMetadata.eventId is required
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

MAX_RECORD_BYTES = 1_048_576
ENCODINGS = ("CSV", "JSON", "BASE64")
CAPTURE_PARTS = ("endpointInput", "endpointOutput")
# Keys under which JSON payloads commonly carry their rows.
_JSON_ROW_KEYS = ("instances", "inputs", "features", "data", "predictions", "outputs", "scores")
# Under these keys a flat list holds one value per instance, not one row of values.
_PER_INSTANCE_KEYS = ("predictions", "outputs", "scores")


class CaptureError(ValueError):
    """A capture record that cannot be used; ``reason`` is a short code for counting."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class EventData:
    """One side of a capture (``endpointInput`` or ``endpointOutput``)."""

    observed_content_type: str | None
    mode: str | None
    data: str
    encoding: str

    def text(self) -> str:
        """The payload as text (BASE64 payloads are decoded as UTF-8)."""
        if self.encoding != "BASE64":
            return self.data
        try:
            return base64.b64decode(self.data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            msg = "bad_encoding"
            raise CaptureError(msg, f"BASE64 payload does not decode: {exc}") from exc


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
        """The label join key: ``inferenceId`` if present, else ``eventId``."""
        return self.inference_id or self.event_id

    @property
    def invocation_source(self) -> str | None:
        """``eventMetadata.invocationSource`` (``ShadowExperiment`` for shadow traffic)."""
        source = self.raw.get("eventMetadata", {}).get("invocationSource")
        return str(source) if source is not None else None

    def part(self, name: str) -> EventData | None:
        """``endpointInput`` or ``endpointOutput`` by its capture name."""
        return self.endpoint_input if name == "endpointInput" else self.endpoint_output


def split_records(message: bytes) -> list[bytes]:
    """Cut a message into capture records: one JSON object, or JSON Lines of them."""
    return [line for line in message.split(b"\n") if line.strip()]


def parse_time(text: Any) -> datetime | None:
    """Parse ``inferenceTime`` leniently (``Z`` or offsets, fractional seconds) as UTC."""
    if not isinstance(text, str) or not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


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
    """Validate a decoded capture mapping."""
    if not isinstance(obj, dict):
        msg = "not_an_object"
        raise CaptureError(msg, f"expected a JSON object, got {type(obj).__name__}")
    meta = obj.get("eventMetadata")
    if not isinstance(meta, dict) or not meta.get("eventId"):
        msg = "missing_field"
        raise CaptureError(msg, "eventMetadata.eventId is required")
    capture = obj.get("captureData")
    if not isinstance(capture, dict):
        msg = "missing_field"
        raise CaptureError(msg, "captureData is required")
    parts = {name: _event_data(capture.get(name), name) for name in CAPTURE_PARTS}
    if parts["endpointInput"] is None and parts["endpointOutput"] is None:
        msg = "missing_field"
        raise CaptureError(msg, "captureData has neither endpointInput nor endpointOutput")
    inference_id = meta.get("inferenceId")
    return CaptureRecord(
        event_id=str(meta["eventId"]),
        inference_id=str(inference_id) if inference_id else None,
        inference_time=parse_time(meta.get("inferenceTime")),
        endpoint_input=parts["endpointInput"],
        endpoint_output=parts["endpointOutput"],
        event_version=str(obj.get("eventVersion", "0")),
        raw=obj,
    )


def _event_data(obj: Any, name: str) -> EventData | None:
    if obj is None:
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("data"), str):
        msg = "missing_field"
        raise CaptureError(msg, f"{name}.data must be a string")
    encoding = str(obj.get("encoding", "")).upper()
    if encoding not in ENCODINGS:
        msg = "bad_encoding"
        raise CaptureError(
            msg, f"{name}.encoding {obj.get('encoding')!r} is not one of {ENCODINGS}"
        )
    return EventData(obj.get("observedContentType"), obj.get("mode"), obj["data"], encoding)


def payload_rows(event: EventData) -> list[list[Any] | dict[str, Any]]:
    """The payload as rows: CSV lines of values, or JSON rows (lists or objects).

    JSON payloads may be a scalar, a list of scalars (one row), a list of rows, an object of
    scalars (one named row; nested blocks beside them, such as a ``shap`` object, are not
    columns), or an object holding rows under a common key such as ``instances``,
    ``inputs``, ``features`` or ``predictions``. A flat list under ``predictions``,
    ``outputs`` or ``scores`` holds one value per instance.
    """
    text = event.text()
    if event.encoding == "CSV" or (event.encoding == "BASE64" and _looks_csv(event)):
        return _csv_rows(text)
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        msg = "bad_payload"
        raise CaptureError(msg, f"JSON payload does not parse: {exc}") from exc
    return _json_rows(value)


def _looks_csv(event: EventData) -> bool:
    return "csv" in (event.observed_content_type or "").lower()


def _csv_rows(text: str) -> list[list[Any] | dict[str, Any]]:
    r"""CSV rows of a payload; blank lines skipped, quoted fields may hold commas and newlines.

    >>> _csv_rows('1,2\n\n3,"a,\nb"\n')
    [['1', '2'], ['3', 'a,\nb']]
    """
    if '"' not in text:
        return [line.split(",") for line in text.splitlines() if line.strip()]
    return [row for row in csv.reader(io.StringIO(text)) if any(f.strip() for f in row)]


def _json_rows(value: Any) -> list[list[Any] | dict[str, Any]]:
    if isinstance(value, dict):
        for key in _JSON_ROW_KEYS:
            if key in value and isinstance(value[key], list | dict):
                if key in _PER_INSTANCE_KEYS and _is_scalar_list(value[key]):
                    return [[v] for v in value[key]]
                return _json_rows(value[key])
        scalars = {k: v for k, v in value.items() if not isinstance(v, list | dict)}
        if scalars:
            # Nested blocks beside the scalars (e.g. a "shap" object) are not columns.
            return [scalars]
        msg = f"JSON object with keys {sorted(value)[:5]} holds no rows"
        msg_0 = "bad_payload"
        raise CaptureError(msg_0, msg)
    if isinstance(value, list):
        if not value:
            return []
        if all(isinstance(v, list | dict) for v in value):
            return [v if isinstance(v, dict) else list(v) for v in value]
        if any(isinstance(v, list | dict) for v in value):
            msg_0 = "bad_payload"
            raise CaptureError(msg_0, "JSON list mixes rows and scalars")
        return [value]
    return [[value]]


def _is_scalar_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, list | dict) for v in value)


class RowBuilder:
    """Turn capture records into feature rows named from the baseline's feature order.

    ``capture_index_names`` picks the capture parts that become columns (SageMaker's knob,
    default both); the output's columns come first (``output_columns_position="START"``) or
    last (``"END"``).
    """

    def __init__(
        self,
        *,
        features: Sequence[str],
        capture_index_names: Sequence[str] = CAPTURE_PARTS,
        output_columns_position: str = "START",
    ) -> None:
        unknown = set(capture_index_names) - set(CAPTURE_PARTS)
        if unknown or not capture_index_names:
            msg = f"capture_index_names must be a non-empty subset of {CAPTURE_PARTS}"
            raise ValueError(msg)
        if output_columns_position not in ("START", "END"):
            msg = f"output_columns_position must be START or END, got {output_columns_position!r}"
            raise ValueError(msg)
        self.features = tuple(features)
        self.parts = tuple(
            p
            for p in (
                ("endpointOutput", "endpointInput")
                if output_columns_position == "START"
                else ("endpointInput", "endpointOutput")
            )
            if p in capture_index_names
        )

    def rows(self, record: CaptureRecord) -> list[dict[str, Any]]:
        """The record's rows; several when the payload carries a batch of instances."""
        per_part = []
        for name in self.parts:
            event = record.part(name)
            if event is not None:
                per_part.append(payload_rows(event))
        if not per_part:
            return []
        n = max(len(rows) for rows in per_part)
        if any(len(rows) not in (1, n) for rows in per_part):
            msg = "shape_mismatch"
            raise CaptureError(msg, "input and output hold different numbers of rows")
        return [
            self.named([rows[i if len(rows) > 1 else 0] for rows in per_part]) for i in range(n)
        ]

    def named(self, pieces: Sequence[list[Any] | dict[str, Any]]) -> dict[str, Any]:
        """Join row pieces (positional lists and named objects) into one named row."""
        row: dict[str, Any] = {}
        position = 0
        for piece in pieces:
            if isinstance(piece, dict):
                row.update(piece)
                position += len(piece)
                continue
            for value in piece:
                row[self.column_name(position)] = value
                position += 1
        return row

    def column_name(self, position: int) -> str:
        """The baseline's name for a position, else Spark's default ``_c<position>``."""
        return self.features[position] if position < len(self.features) else f"_c{position}"

    def rows_from_mapping(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Name a preprocessor's output row.

        Keys that are all baseline feature names are kept; other keys are sorted and named
        positionally (SageMaker orders preprocessor columns by key).
        """
        if set(row) <= set(self.features):
            return dict(row)
        return {self.column_name(i): row[key] for i, key in enumerate(sorted(row))}
