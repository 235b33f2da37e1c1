r"""A capture payload's rows: CSV lines of values, or JSON rows (lists or objects).

Examples
--------
>>> from stream.capture.records import EventData
>>> payload_rows(EventData("text/csv", "INPUT", "41,basic\n35,gold", "CSV"))
[['41', 'basic'], ['35', 'gold']]
>>> payload_rows(EventData("application/json", "OUTPUT", '{"predictions": [0.9, 0.2]}', "JSON"))
[[0.9], [0.2]]
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

from stream.capture.records import CaptureError, EventData

# Keys under which JSON payloads commonly carry their rows.
_JSON_ROW_KEYS = ("instances", "inputs", "features", "data", "predictions", "outputs", "scores")
# Under these keys a flat list holds one value per instance, not one row of values.
_PER_INSTANCE_KEYS = ("predictions", "outputs", "scores")


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
