"""The ``inference_record`` a ``preprocess_handler`` receives: SageMaker's ``CapturedData``.

The attribute names and types are those of SageMaker's analyzer container (its
``CapturedData`` / ``EventMetadata`` / ``EventData`` classes, documented on the
"Preprocessing and Postprocessing" page), for real-time endpoint captures, batch-transform
captures (``captureData.batchTransformOutput``) and merged records that carry a label:

========================== ================================================================
``endpoint_input``         :class:`InferenceEventData` of ``captureData.endpointInput``
``endpoint_output``        :class:`InferenceEventData` of ``captureData.endpointOutput``
``batch_transform_output`` :class:`InferenceEventData` of ``captureData.batchTransformOutput``
``ground_truth``           :class:`InferenceEventData` of ``groundTruthData`` (joined label)
``event_metadata``         :class:`EventMetadata`: ``event_id``, ``event_time``,
                           ``custom_attribute`` (plus ``inference_id``)
``event_version``          ``eventVersion`` (the string ``"0"``)
``event_dict``             the record as a ``dict``; ``as_dict()`` returns it
``event_data``             the legacy view of ``captureData``: ``.endpointInput``,
                           ``.endpointOutput``, ``.batchTransformOutput``
========================== ================================================================

Each :class:`InferenceEventData` has ``encoding``, ``data`` (always a ``str``),
``observedContentType`` and ``mode``. A part the record lacks is ``None``.

Examples
--------
>>> record = CapturedData({
...     "captureData": {"endpointInput": {"data": "41,basic", "encoding": "CSV",
...                                       "mode": "INPUT", "observedContentType": "text/csv"}},
...     "eventMetadata": {"eventId": "e1", "inferenceTime": "2024-03-05T14:07:31Z"},
...     "eventVersion": "0",
...     "groundTruthData": {"data": "1", "encoding": "CSV"}})
>>> record.endpoint_input.data, record.endpoint_output, record.ground_truth.data
('41,basic', None, '1')
>>> record.event_data.endpointInput.encoding, record.event_metadata.event_time
('CSV', '2024-03-05T14:07:31Z')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stream.capture.records import is_mapping

__all__ = ["CaptureEventData", "CapturedData", "EventMetadata", "InferenceEventData"]


class _Attributes:
    """Attribute access with SageMaker's names; a readable repr."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__})"


class EventMetadata(_Attributes):
    """``event_id``, ``event_time``, ``custom_attribute`` (and ``inference_id``)."""


class InferenceEventData(_Attributes):
    """``encoding``, ``data``, ``observedContentType``, ``mode``; ``as_dict()``."""

    def as_dict(self) -> dict[str, Any]:
        """The part as SageMaker's container returns it (encoding, data, content type)."""
        return {
            "encoding": self.encoding,
            "data": self.data,
            "observedContentType": self.observedContentType,
        }


class CaptureEventData(_Attributes):
    """``captureData`` by its own key names: ``endpointInput``, ``endpointOutput``, ..."""


def event_part(obj: Any) -> InferenceEventData | None:
    """One capture part (or ``groundTruthData``) as an :class:`InferenceEventData`."""
    if not is_mapping(obj):
        return None
    data = obj.get("data")
    return InferenceEventData(
        encoding=obj.get("encoding"),
        data=None if data is None else str(data),
        observedContentType=obj.get("observedContentType"),
        mode=obj.get("mode"),
    )


class CapturedData:
    """What ``preprocess_handler`` receives, with the attributes SageMaker's container gives.

    Each attribute is built when the handler first reads it, and kept: a handler reads one
    or two of them, and building all of them for every record cost more than most handlers.
    """

    def __init__(self, event_dict: dict[str, Any]) -> None:
        self.event_dict = event_dict

    def __getattr__(self, name: str) -> Any:
        """Build a SageMaker attribute on first reading (later readings find it kept)."""
        build = _ATTRIBUTES.get(name)
        if build is None:
            msg = f"{type(self).__name__!r} object has no attribute {name!r}"
            raise AttributeError(msg, name=name, obj=self)
        value = self.__dict__[name] = build(self)
        return value

    def __dir__(self) -> list[str]:
        """Every SageMaker attribute, built or not (what a handler's author may explore)."""
        return sorted({*super().__dir__(), *_ATTRIBUTES})

    def __repr__(self) -> str:
        return f"CapturedData({self.event_dict!r})"

    def as_dict(self) -> dict[str, Any]:
        """The record as a dict."""
        return self.event_dict


def _metadata(record: CapturedData) -> EventMetadata:
    meta = record.event_dict.get("eventMetadata")
    meta = meta if is_mapping(meta) else {}
    return EventMetadata(
        event_id=meta.get("eventId"),
        event_time=meta.get("inferenceTime"),
        custom_attribute=meta.get("customAttributes"),
        inference_id=meta.get("inferenceId"),
    )


def _capture_part(key: str) -> Callable[[CapturedData], InferenceEventData | None]:
    def build(record: CapturedData) -> InferenceEventData | None:
        capture = record.event_dict.get("captureData")
        return event_part(capture.get(key)) if is_mapping(capture) else None

    return build


def _legacy_view(record: CapturedData) -> CaptureEventData:
    return CaptureEventData(
        endpointInput=record.endpoint_input,
        endpointOutput=record.endpoint_output,
        batchTransformOutput=record.batch_transform_output,
    )


_ATTRIBUTES: dict[str, Callable[[CapturedData], Any]] = {
    "event_metadata": _metadata,
    "endpoint_input": _capture_part("endpointInput"),
    "endpoint_output": _capture_part("endpointOutput"),
    "batch_transform_output": _capture_part("batchTransformOutput"),
    "ground_truth": lambda record: event_part(record.event_dict.get("groundTruthData")),
    "event_version": lambda record: record.event_dict.get("eventVersion"),
    "event_data": _legacy_view,
}
