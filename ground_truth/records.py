"""SageMaker ground-truth records: parse, write, and attach to a capture record.

A ground-truth record (spec ``sagemaker-formats.md`` §2.1) is one JSON object per label::

    {"groundTruthData": {"data": "1", "encoding": "CSV"},
     "eventMetadata": {"eventId": "order-20240305-000187"}, "eventVersion": "0"}

``eventMetadata.eventId`` is the join key: the capture record's ``inferenceId`` when it had
one, otherwise its ``eventId``. With ``"encoding": "CSV"`` (the one AWS's merge doc shows),
``data`` is a one-row CSV string holding the label(s). With ``"encoding": "JSON"`` (what AWS's
bias-monitor examples write, ``data`` being the text ``{"label": 1}``), ``data`` is a JSON document
and the label is the one value a configured path finds in it (the Clarify analysis config's
``label``; :mod:`ground_truth.json_label`) — or, for a request of several instances, the
value a ``[*]`` path finds for each (a label ``per_instance``); without a path such a record
is refused (``no_label_path``). Either way the label is held as the row of values it is, so a parsed
label's ``encoding`` is ``"CSV"``. Extra keys are ignored. The functions here take
already-decoded mappings; turning bytes into a mapping is the stream codecs' job.

A record that does not fit raises :class:`LabelRecordError`, a ``ValueError`` carrying a short
machine ``reason`` (:mod:`ground_truth.label_errors`) that the stream layer puts on the
dead-letter record and uses as a counter label. ``data`` is one CSV row of label values,
finite numbers as ``float`` and anything else as ``str`` (:mod:`ground_truth.label_data`).

Examples
--------
>>> label = parse_ground_truth({
...     "groundTruthData": {"data": "1", "encoding": "CSV"},
...     "eventMetadata": {"eventId": "order-20240305-000187", "inferenceTime": "ignored"},
...     "eventVersion": "0",
... })
>>> label
GroundTruth(event_id='order-20240305-000187', values=(1.0,), encoding='CSV',
            event_version='0', label_time=None, per_instance=False)
>>> label.data
'1'
>>> to_ground_truth_record(label)
{'groundTruthData': {'data': '1', 'encoding': 'CSV'},
 'eventMetadata': {'eventId': 'order-20240305-000187'}, 'eventVersion': '0'}
>>> as_json = {"groundTruthData": {"data": '{"label": 0}', "encoding": "JSON"},
...            "eventMetadata": {"eventId": "x"}, "eventVersion": "0"}
>>> parse_ground_truth(as_json, label_path="label").values
(0.0,)
>>> parse_ground_truth(as_json)
Traceback (most recent call last):
...
ground_truth.label_errors.LabelRecordError: no_label_path: ... 'JSON' ... no label path ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ground_truth.json_label import parse_json_label
from ground_truth.label_data import LabelValue, parse_label_row, write_label_row
from ground_truth.label_errors import (
    BAD_ENCODING,
    BAD_EVENT_VERSION,
    EMPTY_FIELD,
    MISSING_FIELD,
    NO_LABEL_PATH,
    NOT_AN_OBJECT,
    WRONG_TYPE,
    LabelRecordError,
    shown_value,
)

__all__ = [
    "GroundTruth",
    "LabelRecordError",
    "parse_ground_truth",
    "to_ground_truth_record",
    "to_merged_record",
]

CSV_ENCODING = "CSV"
JSON_ENCODING = "JSON"
EVENT_VERSION = "0"


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """One label (or one row of labels) for one inference.

    Parameters
    ----------
    event_id
        The join key (``eventMetadata.eventId``): the capture's ``inferenceId`` if it had
        one, else its ``eventId``.
    values
        The CSV fields of ``groundTruthData.data``; finite numbers as ``float``, else ``str``.
    encoding
        Always ``"CSV"``: the encoding of :attr:`data`, the label row (a JSON-encoded
        record's label is held as the row of the value its path found).
    event_version
        Always ``"0"``.
    label_time
        When the label was collected (timezone-aware UTC), if the source says so: SageMaker
        records carry no such field, so callers pass e.g. the Kafka timestamp or the A2I
        submission time.
    per_instance
        Whether :attr:`values` are the labels of a request's instances, one each in instance
        order (a JSON-encoded record whose ``[*]`` label path found several), rather than one
        row of label fields of which the first is the label.

    Examples
    --------
    >>> label = GroundTruth(event_id="a", values=("yes", 37.5))
    >>> label.data
    'yes,37.5'
    >>> GroundTruth.from_dict(label.to_dict()) == label
    True
    """

    event_id: str
    values: tuple[LabelValue, ...]
    encoding: str = CSV_ENCODING
    event_version: str = EVENT_VERSION
    label_time: datetime | None = None
    per_instance: bool = False

    @property
    def data(self) -> str:
        """The label row as SageMaker's ``groundTruthData.data`` CSV string."""
        return write_label_row(self.values)

    def to_dict(self) -> dict[str, Any]:
        """Return the label as JSON-safe plain data (for snapshots, not SageMaker's shape).

        ``per_instance`` is written only when set, so a one-value label's data is what it
        was before labels of several instances existed (and old data reads as one-value).
        """
        out: dict[str, Any] = {
            "event_id": self.event_id,
            "values": list(self.values),
            "encoding": self.encoding,
            "event_version": self.event_version,
            "label_time": None if self.label_time is None else self.label_time.isoformat(),
        }
        if self.per_instance:
            out["per_instance"] = True
        return out

    @property
    def instance_count(self) -> int:
        """How many instances the label labels: one, or one per value when per instance."""
        return len(self.values) if self.per_instance else 1

    def instance(self, index: int) -> GroundTruth:
        """The one-value label of instance ``index`` of a per-instance label."""
        return GroundTruth(self.event_id, (self.values[index],), self.encoding,
                           self.event_version, self.label_time)  # fmt: skip

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> GroundTruth:
        """Rebuild a label from :meth:`to_dict` output."""
        label_time = raw["label_time"]
        return cls(
            event_id=raw["event_id"],
            values=tuple(raw["values"]),
            encoding=raw["encoding"],
            event_version=raw["event_version"],
            label_time=None if label_time is None else datetime.fromisoformat(label_time),
            per_instance=bool(raw.get("per_instance", False)),
        )


def _field(obj: Mapping[str, Any], outer: str, inner: str) -> Any:
    section = obj.get(outer)
    if section is None:
        msg = f"{outer} is missing"
        raise LabelRecordError(MISSING_FIELD, msg)
    if type(section) is not dict and not isinstance(section, Mapping):  # dict: no ABC check
        msg = f"{outer} must be an object, got {type(section).__name__}"
        raise LabelRecordError(WRONG_TYPE, msg)
    if inner not in section or section[inner] is None:
        msg = f"{outer}.{inner} is missing"
        raise LabelRecordError(MISSING_FIELD, msg)
    return section[inner]


def _text_field(obj: Mapping[str, Any], outer: str, inner: str) -> str:
    value = _field(obj, outer, inner)
    if not isinstance(value, str):
        msg = f"{outer}.{inner} must be a string, got {type(value).__name__}"
        raise LabelRecordError(WRONG_TYPE, msg)
    return value


def _id_field(obj: Mapping[str, Any], outer: str, inner: str) -> str:
    """An id as the capture side keys it: text as it is, a number as its text (``7`` → "7")."""
    value = _field(obj, outer, inner)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        msg = f"{outer}.{inner} must be a string or a number, got {type(value).__name__}"
        raise LabelRecordError(WRONG_TYPE, msg)
    return value


def parse_ground_truth(
    obj: Any, *, label_time: datetime | None = None, label_path: str | None = None
) -> GroundTruth:
    """Read a decoded SageMaker ground-truth record.

    Parameters
    ----------
    obj
        The decoded JSON object.
    label_time
        When the label was collected, if known (timezone-aware UTC).
    label_path
        Where the label sits in a JSON-encoded ``data`` (a JMESPath such as ``label`` or
        ``instances[*].label``, :mod:`ground_truth.json_path`); unused for CSV.

    Raises
    ------
    LabelRecordError
        With ``reason`` naming what is wrong; see the module docstring for the codes.
    """
    if type(obj) is not dict and not isinstance(obj, Mapping):  # dict: no ABC check
        msg = f"a ground-truth record must be an object, got {type(obj).__name__}"
        raise LabelRecordError(NOT_AN_OBJECT, msg)
    encoding = _text_field(obj, "groundTruthData", "encoding")
    if encoding not in (CSV_ENCODING, JSON_ENCODING):
        msg = f"groundTruthData.encoding must be 'CSV' or 'JSON', got {encoding!r}"
        raise LabelRecordError(BAD_ENCODING, msg)
    if encoding == JSON_ENCODING and label_path is None:
        msg = "groundTruthData.encoding is 'JSON' but no label path is configured"
        raise LabelRecordError(NO_LABEL_PATH, msg)
    data = _text_field(obj, "groundTruthData", "data")
    event_id = _id_field(obj, "eventMetadata", "eventId")
    if not event_id.strip():
        msg = "eventMetadata.eventId is empty"
        raise LabelRecordError(EMPTY_FIELD, msg)
    if "eventVersion" not in obj:
        msg = "eventVersion is missing"
        raise LabelRecordError(MISSING_FIELD, msg)
    version = obj["eventVersion"]
    if version != EVENT_VERSION:
        msg = f"eventVersion must be the string '0', got {shown_value(version)}"
        raise LabelRecordError(BAD_EVENT_VERSION, msg)
    if encoding == JSON_ENCODING and label_path is not None:
        values: tuple[LabelValue, ...] = parse_json_label(data, label_path)
        per_instance = len(values) > 1  # the labels of a request's instances
    else:
        values, per_instance = parse_label_row(data), False
    return GroundTruth(
        event_id=event_id, values=values, label_time=label_time, per_instance=per_instance
    )


def to_ground_truth_record(label: GroundTruth) -> dict[str, Any]:
    """Write a label as a SageMaker ground-truth record (what :func:`parse_ground_truth` reads)."""
    return {
        "groundTruthData": {"data": label.data, "encoding": label.encoding},
        "eventMetadata": {"eventId": label.event_id},
        "eventVersion": label.event_version,
    }


def to_merged_record(capture: Mapping[str, Any], label: GroundTruth) -> dict[str, Any]:
    """Return the ``sagemakerMergeJson`` line: the capture record plus its ``groundTruthData``.

    The capture record is copied (shallowly), never modified (spec §2.5).

    Examples
    --------
    >>> capture = {"captureData": {}, "eventMetadata": {"eventId": "e1"}, "eventVersion": "0"}
    >>> to_merged_record(capture, GroundTruth(event_id="e1", values=(1.0,)))["groundTruthData"]
    {'data': '1', 'encoding': 'CSV'}
    >>> "groundTruthData" in capture
    False
    """
    merged = dict(capture)
    merged["groundTruthData"] = {"data": label.data, "encoding": label.encoding}
    return merged
