"""Capture records in the payload shapes SageMaker endpoints produce, for the worker benchmarks.

A shape is how one instance's values travel in ``endpointInput``: a CSV line (``csv``), a
JSON array (``json_array``), a JSON object keyed by feature name (``json_object``; with its
keys in another order than the baseline's, ``json_object_reordered``), an
``{"instances": [[...]]}`` request (``json_instances``), a list of lists (``json_lists``),
or a JSON Lines request of one ``{"features": [...]}`` line (``jsonlines``). Each may be
captured as text or in ``BASE64`` (SageMaker's capture when no content types are
configured), with or without the ``endpointOutput`` part (a score, in the input's format).

Examples
--------
>>> record = shape_record("json_object", ["41", "gold"], ("age", "plan"), "i1", 0.0)
>>> record["captureData"]["endpointInput"]["data"]
'{"age":41,"plan":"gold"}'
>>> part = shape_record("csv", ["41", "gold"], ("age", "plan"), "i1", 0.0, base64=True,
...                     output=True)["captureData"]["endpointOutput"]
>>> part["data"], part["encoding"], part["observedContentType"]
('MC44Nw==', 'BASE64', 'text/csv')
"""

from __future__ import annotations

import base64 as b64
from collections.abc import Sequence
from typing import Any

import orjson

from stream.demo.synthetic import capture_record

SHAPES = ("csv", "json_array", "json_object", "json_object_reordered", "json_instances",
          "json_lists", "jsonlines")  # fmt: skip
_CONTENT_TYPES = {"csv": "text/csv", "jsonlines": "application/jsonlines"}
_SCORE = 0.87


def _typed(text: str) -> int | float | str:
    """A CSV field as JSON would carry it: a number where it reads as one, else text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _payloads(shape: str, values: list[str], names: Sequence[str]) -> tuple[str, str]:
    """The input's and the output's payload texts of one instance."""
    typed = [_typed(v) for v in values]
    if shape == "csv":
        return ",".join(values), str(_SCORE)
    if shape == "json_array":
        body: Any = typed
    elif shape == "json_object":
        body = dict(zip(names, typed, strict=True))
    elif shape == "json_object_reordered":  # as a client may build it: the last key first
        body = dict(reversed(list(zip(names, typed, strict=True))))
    elif shape == "json_instances":
        body = {"instances": [typed]}
    elif shape == "json_lists":
        body = [typed]
    elif shape == "jsonlines":
        return orjson.dumps({"features": typed}).decode(), orjson.dumps({"score": _SCORE}).decode()
    else:
        raise ValueError(f"unknown shape {shape!r}")
    return orjson.dumps(body).decode(), orjson.dumps({"predictions": [_SCORE]}).decode()


def shape_record(shape: str, values: list[str], names: Sequence[str], inference_id: str,
                 event_seconds: float, *, base64: bool = False,
                 output: bool = False) -> dict[str, Any]:  # fmt: skip
    """A capture record of one instance with ``values`` as ``shape`` (see the module)."""
    record = capture_record(inference_id, event_seconds, values)
    content_type = _CONTENT_TYPES.get(shape, "application/json")
    texts = _payloads(shape, values, names)
    parts = ("endpointInput", "endpointOutput") if output else ("endpointInput",)
    for name, text in zip(parts, texts, strict=False):
        record["captureData"][name] = {
            "observedContentType": content_type,
            "mode": "INPUT" if name == "endpointInput" else "OUTPUT",
            "data": b64.b64encode(text.encode()).decode() if base64 else text,
            "encoding": "BASE64" if base64 else ("CSV" if shape == "csv" else "JSON"),
        }
    return record
