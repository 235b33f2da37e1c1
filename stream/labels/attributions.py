"""Local SHAP values per record: messages on ``<prefix>.attributions``, or inside the capture.

An attribution record is ``{"inferenceId": "...", "shap": {feature: value}}`` (``eventId``
when there is no inferenceId; a number id counts as its text, as for capture); ``shap`` may
also map each model output label to ``{feature: value}``. Messages hold one record or JSON
Lines of them, keyed and partitioned by the inferenceId like capture
(:func:`~stream.labels.records.split_records` cuts them).
With ``[monitor.attribution] shap_source = "capture"`` the values sit instead in each capture
record's JSON output at ``shap_path`` (:func:`capture_shap`).

Either way a record's values come out as label → feature → value; a plain
``{feature: value}`` belongs to the label ``default_label``: ``"label0"`` by default (the
name Clarify gives a single output), the baseline's only label when the monitors pass it
(:attr:`~stream.monitors.attribution.AttributionBaseline.plain_label`). Unusable records
raise :class:`AttributionError` with a ``reason``: ``oversized``, ``invalid_json``,
``not_an_object``, ``missing_id``, ``missing_shap``, ``not_a_number`` (a value that is not
a finite number), ``csv_output``, ``bad_payload``, ``bad_encoding``, ``no_output``.

Examples
--------
>>> decode_attribution(b'{"inferenceId": "order-1", "shap": {"age": 0.25, "plan": -0.5}}')
('order-1', {'label0': {'age': 0.25, 'plan': -0.5}})
>>> decode_attribution(b'{"eventId": "e-9", "shap": {"yes": {"age": 0.1}, "no": {"age": -0.1}}}')
('e-9', {'yes': {'age': 0.1}, 'no': {'age': -0.1}})
>>> decode_attribution(b'{"inferenceId": "order-1", "shap": {"age": "high"}}')
Traceback (most recent call last):
...
stream.labels.attributions.AttributionError: not_a_number: shap value of 'age' ...
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from stream.capture.predictions import find_shap
from stream.capture.records import CaptureError, CaptureRecord, id_text, is_mapping
from stream.labels.records import RecordError, parse_json

MAX_ATTRIBUTION_BYTES = 1_048_576
DEFAULT_LABEL = "label0"

# reasons of AttributionError besides oversized / invalid_json and the capture's
NOT_AN_OBJECT = "not_an_object"
MISSING_ID = "missing_id"
MISSING_SHAP = "missing_shap"
NOT_A_NUMBER = "not_a_number"
NO_OUTPUT = "no_output"

LocalShap = dict[str, dict[str, float]]  # label → feature → local SHAP value


class AttributionError(RecordError):
    """An attribution record that cannot be used (see the module docstring for reasons)."""


def decode_attribution(raw: bytes, default_label: str = DEFAULT_LABEL) -> tuple[str, LocalShap]:
    """One ``<prefix>.attributions`` record → (inferenceId, label → feature → value)."""
    obj = parse_json(raw, MAX_ATTRIBUTION_BYTES, AttributionError)
    if not isinstance(obj, dict):
        msg = f"an attribution record must be an object, got {type(obj).__name__}"
        raise AttributionError(NOT_AN_OBJECT, msg)
    key = id_text(obj.get("inferenceId")) or id_text(obj.get("eventId"))
    if key is None:
        msg = "the record has no inferenceId nor eventId"
        raise AttributionError(MISSING_ID, msg)
    shap = obj.get("shap")
    if not isinstance(shap, Mapping) or not shap:
        msg = "the record has no non-empty shap object"
        raise AttributionError(MISSING_SHAP, msg)
    return key, local_shap(shap, default_label)


def capture_shap(
    record: CaptureRecord, shap_path: str, default_label: str = DEFAULT_LABEL
) -> LocalShap:
    """The local SHAP values in a capture record's output at ``shap_path``."""
    output = record.endpoint_output
    if output is None:
        msg = "the capture record has no endpointOutput"
        raise AttributionError(NO_OUTPUT, msg)
    try:
        found = find_shap(output, shap_path)
    except CaptureError as exc:
        raise AttributionError(exc.reason, exc.message) from exc
    return local_shap(found, default_label)


def local_shap(shap: Mapping[str, Any], default_label: str = DEFAULT_LABEL) -> LocalShap:
    """``{feature: value}`` or ``{label: {feature: value}}`` → label → feature → float.

    Raises AttributionError (``not_a_number``) for a value that is not a finite number,
    and (``missing_shap``) when labels and plain values are mixed or a label is empty.

    Examples
    --------
    >>> local_shap({"age": 1, "plan": -0.5})
    {'label0': {'age': 1.0, 'plan': -0.5}}
    """
    nested = [is_mapping(v) for v in shap.values()]  # told by type: one per feature
    if all(nested):
        out = {str(label): _numbers(values, f"label {label!r}") for label, values in shap.items()}
        if not all(out.values()):
            msg = "a label's shap object is empty"
            raise AttributionError(MISSING_SHAP, msg)
        return out
    if any(nested):
        msg = "shap mixes labels ({feature: value} objects) and plain feature values"
        raise AttributionError(MISSING_SHAP, msg)
    return {default_label: _numbers(shap, "shap")}


def _numbers(values: Mapping[str, Any], where: str) -> dict[str, float]:
    out = {}
    for feature, value in values.items():
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value):
            msg = f"{where} value of {feature!r} is {value!r}, not a finite number"
            raise AttributionError(NOT_A_NUMBER, msg)
        out[str(feature)] = float(value)
    return out


__all__ = [
    "DEFAULT_LABEL",
    "AttributionError",
    "LocalShap",
    "capture_shap",
    "decode_attribution",
    "local_shap",
]
