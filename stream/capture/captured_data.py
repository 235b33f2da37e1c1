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
from typing import Any, Generic, TypeVar, overload

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

    def __init__(
        self,
        encoding: Any,
        data: str | None,
        observedContentType: Any,
        mode: Any,  # noqa: N803
    ) -> None:
        # Set one by one: a handler reads a part of every record, and ``**values`` cost more.
        self.encoding = encoding
        self.data = data
        self.observedContentType = observedContentType
        self.mode = mode

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
    if type(obj) is not dict and not is_mapping(obj):
        return None
    data = obj.get("data")
    return InferenceEventData(
        obj.get("encoding"),
        data if type(data) is str or data is None else str(data),
        obj.get("observedContentType"),
        obj.get("mode"),
    )


_Built = TypeVar("_Built")


class _BuiltOnFirstRead(Generic[_Built]):
    """An attribute built from the record when first read, then kept in the instance.

    A non-data descriptor: once built, the value in the instance's ``__dict__`` hides it, so
    later readings (and a handler's assignments) are plain attribute access.
    """

    def __init__(self, build: Callable[[CapturedData], _Built]) -> None:
        self.build = build
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, record: None, owner: type) -> _BuiltOnFirstRead[_Built]: ...

    @overload
    def __get__(self, record: CapturedData, owner: type) -> _Built: ...

    def __get__(
        self, record: CapturedData | None, owner: type
    ) -> _Built | _BuiltOnFirstRead[_Built]:
        if record is None:
            return self
        value = record.__dict__[self.name] = self.build(record)
        return value


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
        if type(capture) is dict or is_mapping(capture):
            return event_part(capture.get(key))
        return None

    return build


def _ground_truth(record: CapturedData) -> InferenceEventData | None:
    return event_part(record.event_dict.get("groundTruthData"))


def _event_version(record: CapturedData) -> Any:
    return record.event_dict.get("eventVersion")


def _legacy_view(record: CapturedData) -> CaptureEventData:
    return CaptureEventData(
        endpointInput=record.endpoint_input,
        endpointOutput=record.endpoint_output,
        batchTransformOutput=record.batch_transform_output,
    )


class CapturedData:
    """What ``preprocess_handler`` receives, with the attributes SageMaker's container gives.

    Each attribute is built when the handler first reads it, and kept: a handler reads one
    or two of them, and building all of them for every record cost more than most handlers.
    """

    event_metadata = _BuiltOnFirstRead(_metadata)
    endpoint_input = _BuiltOnFirstRead(_capture_part("endpointInput"))
    endpoint_output = _BuiltOnFirstRead(_capture_part("endpointOutput"))
    batch_transform_output = _BuiltOnFirstRead(_capture_part("batchTransformOutput"))
    ground_truth = _BuiltOnFirstRead(_ground_truth)
    event_version = _BuiltOnFirstRead(_event_version)
    event_data = _BuiltOnFirstRead(_legacy_view)

    def __init__(self, event_dict: dict[str, Any]) -> None:
        self.event_dict = event_dict

    def __repr__(self) -> str:
        return f"CapturedData({self.event_dict!r})"

    def as_dict(self) -> dict[str, Any]:
        """The record as a dict."""
        return self.event_dict
