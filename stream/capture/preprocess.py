r"""SageMaker's ``preprocess_handler`` and ``postprocess_handler`` script contracts.

A record preprocessor is a Python file defining ``preprocess_handler(inference_record)`` or
``preprocess_handler(inference_record, logger)``. It receives a :class:`CapturedData` with
SageMaker's attribute names and returns a dict (one row), a list of dicts (several rows) or
``[]`` (drop the record). Shadow-experiment records are skipped before the handler runs.
A post-processor defines ``postprocess_handler()`` with no arguments, called after each
evaluation.

Examples
--------
>>> import tempfile, pathlib
>>> script = pathlib.Path(tempfile.mkdtemp()) / "pre.py"
>>> _ = script.write_text(
...     "def preprocess_handler(inference_record):\n"
...     "    values = inference_record.endpoint_input.data.split(',')\n"
...     "    return {'age': values[0], 'plan': values[1]}\n")
>>> from stream.capture.records import decode_capture
>>> record = decode_capture(b'{"captureData":{"endpointInput":{"data":"41,basic",'
...     b'"encoding":"CSV","mode":"INPUT","observedContentType":"text/csv"}},'
...     b'"eventMetadata":{"eventId":"e1"},"eventVersion":"0"}')
>>> load_preprocessor(script).rows(record)
[{'age': '41', 'plan': 'basic'}]
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from stream.capture.records import CaptureError, CaptureRecord, EventData

log = logging.getLogger("driftline.preprocess")


class ScriptError(Exception):
    """A pre- or post-processor script that cannot be loaded."""


class _Attributes:
    """Attribute access over a mapping, with SageMaker's names."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__})"


class EventMetadata(_Attributes):
    """``event_id``, ``event_time``, ``custom_attribute`` (and ``inference_id``)."""


class InferenceEventData(_Attributes):
    """``encoding``, ``data``, ``observedContentType``, ``mode``."""


class CapturedData:
    """What ``preprocess_handler`` receives, with the attributes SageMaker's container gives."""

    def __init__(self, record: CaptureRecord) -> None:
        raw = record.raw
        meta = raw.get("eventMetadata", {})
        capture = raw.get("captureData", {})
        self.event_metadata = EventMetadata(
            event_id=meta.get("eventId"),
            event_time=meta.get("inferenceTime"),
            custom_attribute=meta.get("customAttributes"),
            inference_id=meta.get("inferenceId"),
        )
        self.endpoint_input = _event(record.endpoint_input)
        self.endpoint_output = _event(record.endpoint_output)
        self.batch_transform_output = _event_mapping(capture.get("batchTransformOutput"))
        self.ground_truth = _event_mapping(raw.get("groundTruthData"))
        self.event_version = raw.get("eventVersion")
        self.event_dict = raw

    def as_dict(self) -> Mapping[str, Any]:
        """The raw capture record."""
        return self.event_dict


def _event(data: EventData | None) -> InferenceEventData | None:
    if data is None:
        return None
    return InferenceEventData(
        encoding=data.encoding,
        data=data.data,
        observedContentType=data.observed_content_type,
        mode=data.mode,
    )


def _event_mapping(obj: Any) -> InferenceEventData | None:
    if not isinstance(obj, dict):
        return None
    return InferenceEventData(
        encoding=obj.get("encoding"),
        data=obj.get("data"),
        observedContentType=obj.get("observedContentType"),
        mode=obj.get("mode"),
    )


def _load_module(path: Path, name: str) -> ModuleType:
    if not path.is_file():
        msg = f"script not found: {path}"
        raise ScriptError(msg)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        msg = f"cannot load script {path}"
        raise ScriptError(msg)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        msg = f"script {path} failed to import: {exc}"
        raise ScriptError(msg) from exc
    return module


class Preprocessor:
    """A loaded ``preprocess_handler``; :meth:`rows` applies it to one record."""

    def __init__(self, handler: Callable[..., Any], *, path: Path) -> None:
        self.handler = handler
        self.path = path
        self.wants_logger = "logger" in inspect.signature(handler).parameters

    def rows(self, record: CaptureRecord) -> list[dict[str, Any]]:
        """The handler's rows for ``record``; [] for shadow traffic or a dropped record.

        Raises
        ------
        CaptureError
            ``preprocessor_error`` when the handler raises or returns something else than a
            dict, a list of dicts or [].
        """
        if record.invocation_source == "ShadowExperiment":
            return []
        captured = CapturedData(record)
        try:
            result = self.handler(captured, log) if self.wants_logger else self.handler(captured)
        except Exception as exc:
            msg = f"{type(exc).__name__}: {exc}"
            msg_0 = "preprocessor_error"
            raise CaptureError(msg_0, msg) from exc
        if isinstance(result, dict):
            return [result]
        if isinstance(result, list) and all(isinstance(r, dict) for r in result):
            return list(result)
        msg = f"preprocess_handler returned {type(result).__name__}, expected dict or list of dicts"
        msg_0 = "preprocessor_error"
        raise CaptureError(msg_0, msg)


def load_preprocessor(path: Path | str) -> Preprocessor:
    """Load a record preprocessor script."""
    module = _load_module(Path(path), "driftline_user_preprocessor")
    handler = getattr(module, "preprocess_handler", None)
    if not callable(handler):
        msg = "Preprocess Handler not implemented correctly in customer script."
        raise ScriptError(msg)
    return Preprocessor(handler, path=Path(path))


def load_postprocessor(path: Path | str) -> Callable[[], Any]:
    """Load a post-analytics script's ``postprocess_handler()``."""
    module = _load_module(Path(path), "driftline_user_postprocessor")
    handler = getattr(module, "postprocess_handler", None)
    if not callable(handler):
        msg = f"{path} defines no postprocess_handler()"
        raise ScriptError(msg)
    return handler  # type: ignore[no-any-return]
