r"""A Kafka message of capture records, decoded for windowing: keys, event times and rows.

One message holds one capture record or a JSON-Lines batch of them. :class:`MessageDecoder`
turns it into a :class:`DecodedMessage` with two codecs that give the same result:

- the plain-CSV codec (:mod:`stream.capture.plain_csv`) decodes a whole message of plain
  one-row CSV records at once and returns each record's row as its CSV text; the plain-JSON
  codec (:mod:`stream.capture.plain_json`) does the same for JSON arrays of scalars and for
  objects naming exactly the baseline's features (in any key order, an output part beside)
  and returns the rows' values, positional;
- the per-record codec takes anything else — other encodings, JSON payloads, several rows per
  record, the ``preprocess_handler`` — and rejects a bad record alone, with its reason.

Nothing a producer can send stops the decoder; every record is accounted for:
``consumed = len(keys) + len(rejected) + dropped``. Poison is rejected with a reason:
a tombstone (``tombstone``), an empty message (``empty_message``) or the stand-in for a
record batch that did not decode (``corrupt_batch``, :mod:`stream.capture.undecodable`) as a
whole; per record
``oversized``, ``too_deep`` (a value nested deeper than ``MAX_NESTING``), ``missing_time``
(no ``inferenceTime``), ``bad_time`` (one that does not parse, or an instant no window can
hold) and
``future_time`` (more than ``max_future_seconds`` ahead of the wall clock): such times
never reach a watermark.

Examples
--------
>>> import orjson
>>> from stream.capture.rows import RowBuilder
>>> def record(i, t, data):
...     return orjson.dumps({"captureData": {"endpointInput": {"data": data, "encoding": "CSV"}},
...         "eventMetadata": {"eventId": f"e{i}", "inferenceTime": t}})
>>> decoder = MessageDecoder(RowBuilder(features=("age", "plan"),
...                          capture_index_names=("endpointInput",)))
>>> now = 1709647700.0
>>> ok = decoder.decode(record(1, "2024-03-05T14:07:31Z", "41,basic"), now=now)
>>> ok.keys, ok.seconds, ok.lines, ok.fields()
(['e1'], [1709647651.0], ['41,basic'], ['41', 'basic'])
>>> batch = b"\n".join([record(2, "2024-03-05T14:07:32Z", "35,gold"),
...                     record(3, "2099-01-01T00:00:00Z", "50,basic"), b"{oops"])
>>> mixed = decoder.decode(batch, now=now)
>>> mixed.keys, [(r.index, r.reason) for r in mixed.rejected]
(['e2'], [(1, 'future_time'), (2, 'invalid_json')])
>>> [r.reason for r in decoder.decode(None, now=now).rejected]
['tombstone']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stream.capture.csv_rows import row_fields
from stream.capture.payloads import payload_rows
from stream.capture.plain_csv import PlainCsvDecoder
from stream.capture.plain_json import PlainJsonDecoder
from stream.capture.plain_records import part_events, read_envelopes
from stream.capture.preprocess import Preprocessor
from stream.capture.records import (
    BATCH_TRANSFORM_OUTPUT,
    CAPTURE_PARTS,
    MAX_RECORD_BYTES,
    CaptureError,
    CaptureRecord,
    EventData,
    decode_capture,
    split_records,
)
from stream.capture.rows import MAX_NESTING, RowBuilder, too_deep
from stream.capture.undecodable import CORRUPT_BATCH, UndecodableBatch

MAX_FUTURE_SECONDS = 900.0  # the worker's default (worker.max_future_seconds: the revision horizon)
# The longest tumbling window a monitor may have (365 days): with the bounds below, the
# window of every instant accepted starts in year 1 or later and ends before year 9999, so
# its start and end are ISO-8601 texts.
MAX_WINDOW_SECONDS = 365 * 86_400.0
# The shortest: window starts and ends are written to the millisecond (``iso_utc``), so two
# windows shorter than that could be published under the same start.
MIN_WINDOW_SECONDS = 0.001
# The latest and earliest instants whose windows (and ISO-8601 texts) are representable: a
# window holding an instant starts at most MAX_WINDOW_SECONDS before it (windows are aligned
# to the epoch), so the earliest is a year after 0001-01-01.
LATEST_SECONDS = datetime(9000, 1, 1, tzinfo=UTC).timestamp()
EARLIEST_SECONDS = datetime(2, 1, 1, tzinfo=UTC).timestamp()


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A record (or a whole message, ``index`` -1) that cannot be used, and why."""

    index: int  # position of the record in its message; -1: the message as a whole
    reason: str
    message: str
    raw: bytes


@dataclass(slots=True)
class DecodedMessage:
    """The usable records of a message, their rows, and what was rejected.

    ``keys``/``seconds``/``outputs`` are per usable record (a record that gave at least one
    row). The plain codec gives each record's one row as its CSV text in ``lines`` (row ``i``
    is record ``i``; ``flat_owner`` is None). The per-record codec concatenates positional
    rows (exactly the baseline's ``width`` fields) in ``flat``; ``flat_owner[i]`` is the
    usable record of positional row ``i``; a row whose keys are exactly the features, in
    any order, is positional too, so a message's rows keep their records' order. Other
    named rows (mappings) are in ``named`` with their owners in ``named_owner``.
    ``outputs`` holds each record's ``endpointOutput`` when the decoder keeps them (``None``
    otherwise), ``inputs`` its ``endpointInput`` likewise.
    """

    consumed: int
    width: int
    keys: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    flat: list[Any] = field(default_factory=list)
    flat_owner: list[int] | None = None
    named: list[Mapping[str, Any]] = field(default_factory=list)
    named_owner: list[int] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)
    dropped: int = 0  # decoded records that gave no row (a preprocessor's [], no instances)
    outputs: list[EventData | None] | None = None
    lines: list[str] | None = None
    inputs: list[EventData | None] | None = None

    def fields(self) -> list[Any]:
        """The positional rows' fields, row after row (the plain codec's lines split)."""
        if self.lines is not None and not self.flat:
            self.flat = row_fields(self.lines)
        return self.flat


class MessageDecoder:
    """Decode capture messages for one monitor's feature columns.

    Parameters
    ----------
    builder
        Names the columns (the baseline's features and capture parts).
    preprocessor
        A loaded ``preprocess_handler``; with one, every record takes the per-record codec.
    max_future_seconds
        Event times further ahead of the wall clock are rejected as ``future_time``.
    keep_outputs
        Keep each record's ``endpointOutput`` in :attr:`DecodedMessage.outputs` (the labelled
        monitors read predictions and SHAP values from it).

    :attr:`keep_inputs` likewise keeps each ``endpointInput`` in
    :attr:`DecodedMessage.inputs` (a bias config with ``headers`` reads its facets there).
    """

    def __init__(
        self,
        builder: RowBuilder,
        *,
        preprocessor: Preprocessor | None = None,
        max_future_seconds: float = MAX_FUTURE_SECONDS,
        keep_outputs: bool = False,
    ) -> None:
        self.builder = builder
        self.preprocessor = preprocessor
        self.max_future_seconds = max_future_seconds
        self.width = len(builder.features)
        self.plain = PlainCsvDecoder(
            parts=builder.parts, width=self.width, keep_outputs=keep_outputs
        )
        self.plain_json = PlainJsonDecoder(
            parts=builder.parts, width=self.width, features=builder.features,
            keep_outputs=keep_outputs,
        )  # fmt: skip
        self.keep_inputs = False  # see the class docstring

    @property
    def keep_outputs(self) -> bool:
        """Whether each record's ``endpointOutput`` is kept (see the class docstring)."""
        return self.plain.keep_outputs

    @keep_outputs.setter
    def keep_outputs(self, keep: bool) -> None:
        self.plain.keep_outputs = self.plain_json.keep_outputs = keep

    def decode(self, message: bytes | None, *, now: float) -> DecodedMessage:
        """Decode one Kafka message value; ``now`` is the wall clock in POSIX seconds."""
        if message is None:
            return _whole_message_rejected("tombstone", "a null message value (tombstone)", b"")
        if isinstance(message, UndecodableBatch):
            return _whole_message_rejected(CORRUPT_BATCH, message.problem, b"")
        records = split_records(message)
        if not records:
            return _whole_message_rejected("empty_message", "the message holds no record", message)
        latest = now + self.max_future_seconds
        plain = self._plain(records, latest)
        if plain is not None:
            return plain
        outputs: list[EventData | None] | None = [] if self.keep_outputs else None
        inputs: list[EventData | None] | None = [] if self.keep_inputs else None
        out = DecodedMessage(
            len(records), self.width, flat_owner=[], outputs=outputs, inputs=inputs
        )
        for index, raw in enumerate(records):
            try:
                self._add(out, raw, latest)
            except CaptureError as error:
                out.rejected.append(RejectedRecord(index, error.reason, error.message, raw))
            except RecursionError:
                why = "the record nests deeper than the decoder follows"
                out.rejected.append(RejectedRecord(index, "too_deep", why, raw))
        return out

    def decode_many(
        self, messages: Sequence[bytes | None], *, now: float
    ) -> tuple[DecodedMessage, list[int]] | None:
        """Several messages decoded as one, with the index of each record's message.

        None unless every record of every message takes the plain-CSV codec: then they are
        decoded one by one, each with its own dead letters.
        """
        if len(messages) < 2:
            return None
        records: list[bytes] = []
        owners: list[int] = []
        for index, message in enumerate(messages):
            lines = split_records(message) if message else []
            if not lines:
                return None  # a tombstone, empty or blank message is rejected as a whole
            records += lines
            owners += [index] * len(lines)
        plain = self._plain(records, now + self.max_future_seconds)
        return None if plain is None else (plain, owners)

    def _plain(self, records: list[bytes], latest: float) -> DecodedMessage | None:
        """The records by a plain codec (CSV, else JSON), or None when one is for neither."""
        if self.preprocessor is not None:
            return None
        envelopes = read_envelopes(records)  # each record decoded once, for both codecs
        csv = self.plain.decode_parsed(envelopes)
        json = None if csv is not None else self.plain_json.decode_parsed(envelopes)
        plain = csv or json
        if plain is None:
            return None
        if not EARLIEST_SECONDS <= min(plain.seconds) <= max(plain.seconds) <= latest:
            return None
        out = DecodedMessage(
            len(records), self.width, plain.keys, plain.seconds, outputs=plain.outputs
        )
        if self.keep_inputs:
            out.inputs = part_events(envelopes[2], CAPTURE_PARTS[0])  # type: ignore[index]
        if csv is not None:
            out.lines = csv.rows
        elif json is not None:
            out.flat, out.flat_owner = json.rows, list(range(len(json.keys)))
        return out

    def _add(self, out: DecodedMessage, raw: bytes, latest: float) -> None:
        record = decode_capture(raw)
        seconds = event_seconds(record, latest)
        named, positional = self._rows(record)
        if any(map(too_deep, named)) or any(map(too_deep, positional)):
            msg = "too_deep"
            raise CaptureError(msg, f"a feature value nests deeper than {MAX_NESTING} levels")
        if not named and not positional:
            out.dropped += 1
            return
        owner = len(out.keys)
        out.keys.append(record.join_key)
        out.seconds.append(seconds)
        assert out.flat_owner is not None
        if out.outputs is not None:
            out.outputs.append(record.endpoint_output)
        if out.inputs is not None:
            out.inputs.append(record.endpoint_input)
        for row in positional:
            out.flat.extend(row)
            out.flat_owner.append(owner)
        out.named.extend(named)
        out.named_owner.extend([owner] * len(named))

    def _rows(self, record: CaptureRecord) -> tuple[list[Mapping[str, Any]], list[list[Any]]]:
        """Named rows, and CSV rows of exactly the baseline's width (kept positional)."""
        if self.preprocessor is not None:
            rows = self.preprocessor.rows(record)
            return list(map(self.builder.rows_from_mapping, rows)), []
        events = record.parts_of(self.builder.parts)
        if any(e.encoding != "CSV" for e in events):  # JSON may carry named objects
            named, positional = [], []
            for row in self.builder.rows(record):  # the features, in any order: positional
                values = self._positional(row)
                if values is None:
                    named.append(row)
                else:
                    positional.append(values)
            return named, positional
        pieces = [payload_rows(e) for e in events]
        if len(pieces) == 1:
            rows = pieces[0]
        elif all(len(p) == 1 for p in pieces):
            rows = [[v for p in pieces for v in p[0]]]  # type: ignore[union-attr]
        else:
            return list(self.builder.rows(record)), []
        positional = [r for r in rows if isinstance(r, list) and len(r) == self.width]
        named = [
            self.builder.named([r])
            for r in rows
            if not (isinstance(r, list) and len(r) == self.width)
        ]
        return named, positional

    def _positional(self, row: dict[str, Any]) -> list[Any] | None:
        """The row's values, the features in order, when its keys are the features; else None.

        Whatever the order of an object's keys, its row is the same values per feature, and
        the rows of a message keep their order (each record's in turn) in every consumer.
        """
        if len(row) != self.width:
            return None
        features = self.builder.features
        if list(row) == list(features):
            return list(row.values())
        try:
            return [row[name] for name in features]
        except KeyError:
            return None


def event_seconds(record: CaptureRecord, latest: float) -> float:
    """The record's ``inferenceTime`` in POSIX seconds, or a CaptureError saying why not."""
    moment = record.inference_time
    if moment is None:
        text = record.raw.get("eventMetadata", {}).get("inferenceTime")
        if text is None or text == "":
            msg = "missing_time"
            raise CaptureError(msg, f"eventMetadata.inferenceTime is missing{_batch_hint(record)}")
        msg = "bad_time"
        raise CaptureError(msg, f"inferenceTime {str(text)[:64]!r} is not an ISO-8601 instant")
    seconds = moment.timestamp()
    if not (math.isfinite(seconds) and EARLIEST_SECONDS <= seconds <= LATEST_SECONDS):
        msg = "bad_time"
        raise CaptureError(msg, f"inferenceTime {moment.isoformat()} is outside any window")
    if seconds > latest:
        msg = "future_time"
        raise CaptureError(msg, f"inferenceTime {moment.isoformat()} is ahead of the wall clock")
    return seconds


def _batch_hint(record: CaptureRecord) -> str:
    """What to do about a batch-transform record without a time (SageMaker's merge writes none).

    Its event time is not in the record (SageMaker windows such data by the transform job's
    start hour in its S3 path): ``driftline replay --live`` stamps each record's send time.
    """
    capture = record.raw.get("captureData")
    if isinstance(capture, dict) and BATCH_TRANSFORM_OUTPUT in capture:
        return (
            " (a batch-transform record carries none: send its file with "
            "driftline replay --live to stamp the send time)"
        )
    return ""


def _whole_message_rejected(reason: str, why: str, raw: bytes) -> DecodedMessage:
    rejected = RejectedRecord(-1, reason, why, raw[:MAX_RECORD_BYTES])
    return DecodedMessage(consumed=1, width=0, rejected=[rejected])
