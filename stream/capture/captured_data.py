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

from collections.abc import Mapping
from typing import Any

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
    if not isinstance(obj, Mapping):
        return None
    data = obj.get("data")
    return InferenceEventData(
        encoding=obj.get("encoding"),
        data=None if data is None else str(data),
        observedContentType=obj.get("observedContentType"),
        mode=obj.get("mode"),
    )


class CapturedData:
    """What ``preprocess_handler`` receives, with the attributes SageMaker's container gives."""

    def __init__(self, event_dict: dict[str, Any]) -> None:
        meta = event_dict.get("eventMetadata")
        meta = meta if isinstance(meta, Mapping) else {}
        capture = event_dict.get("captureData")
        capture = capture if isinstance(capture, Mapping) else {}
        self.event_metadata = EventMetadata(
            event_id=meta.get("eventId"),
            event_time=meta.get("inferenceTime"),
            custom_attribute=meta.get("customAttributes"),
            inference_id=meta.get("inferenceId"),
        )
        self.endpoint_input = event_part(capture.get("endpointInput"))
        self.endpoint_output = event_part(capture.get("endpointOutput"))
        self.batch_transform_output = event_part(capture.get("batchTransformOutput"))
        self.ground_truth = event_part(event_dict.get("groundTruthData"))
        self.event_version = event_dict.get("eventVersion")
        self.event_data = CaptureEventData(
            endpointInput=self.endpoint_input,
            endpointOutput=self.endpoint_output,
            batchTransformOutput=self.batch_transform_output,
        )
        self.event_dict = event_dict

    def __repr__(self) -> str:
        return f"CapturedData({self.event_dict!r})"

    def as_dict(self) -> dict[str, Any]:
        """The record as a dict."""
        return self.event_dict
