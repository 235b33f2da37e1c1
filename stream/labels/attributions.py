"""Local SHAP values per record: messages on ``<prefix>.attributions``, or inside the capture.

An attribution record is ``{"inferenceId": "...", "shap": {feature: value}}`` (``eventId``
when there is no inferenceId; a number id counts as its text, as for capture); ``shap`` may
also map each model output label to ``{feature: value}``. Messages hold one record or JSON
Lines of them, keyed and partitioned by the inferenceId like capture
(:func:`~stream.labels.records.split_records` cuts them).
With ``[monitor.attribution] shap_source = "capture"`` the values sit instead in each capture
record's output, read as the attribution monitor reads them (:func:`capture_shap`): a
SageMaker Clarify online explainability response's ``kernel_shap`` records
(:mod:`stream.capture.explainer_response`), else the JSON output's object at ``shap_path``
(:func:`output_shap`).

Either way a record's values come out as label → feature → value; a plain
``{feature: value}`` belongs to the label ``default_label``: ``"label0"`` by default (the
name Clarify gives a single output), the baseline's only label when the monitors pass it
(:attr:`~stream.monitors.attribution.AttributionBaseline.plain_label`). Unusable attribution
records raise :class:`AttributionError` with a ``reason``: ``oversized``, ``invalid_json``,
``not_an_object``, ``missing_id``, ``missing_shap``, ``not_a_number`` (a value that is not
a finite number). In a capture, SHAP values that cannot be read are ``bad_explanations``
(what the monitors count them as), features a Clarify response does not name
``unnamed_features``, an output that cannot be read ``bad_payload`` or ``bad_encoding``.

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
from collections.abc import Mapping, Sequence
from typing import Any

from ground_truth.json_path import MISSING, find_each, has_projection
from ground_truth.label_errors import shown_value
from stream.capture.explainer_response import (
    BAD_EXPLANATIONS,
    explainer_response,
    kernel_shap_record,
    kernel_shap_records,
)
from stream.capture.predictions import json_document, lookup
from stream.capture.records import CaptureError, CaptureRecord, id_text, is_mapping
from stream.labels.records import INVALID_JSON, OVERSIZED, RecordError, parse_json

MAX_ATTRIBUTION_BYTES = 1_048_576
DEFAULT_LABEL = "label0"

# reasons of AttributionError besides oversized / invalid_json and the capture's
NOT_AN_OBJECT = "not_an_object"
MISSING_ID = "missing_id"
MISSING_SHAP = "missing_shap"
NOT_A_NUMBER = "not_a_number"
# every reason an attributions-topic record is refused for (counted from 0 by the metrics)
ATTRIBUTION_DEAD_LETTER_REASONS = (
    OVERSIZED, INVALID_JSON, NOT_AN_OBJECT, MISSING_ID, MISSING_SHAP, NOT_A_NUMBER,
)  # fmt: skip
SHAP_KEY = "shap"  # where a capture output holds its SHAP values by default (shap_path)

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
    record: CaptureRecord,
    shap_path: str = SHAP_KEY,
    default_label: str = DEFAULT_LABEL,
    *,
    features: Sequence[str] = (),
) -> list[LocalShap | None]:
    """Each record's local SHAP values in a capture, as the attribution monitor reads them.

    A Clarify online explainability response gives its ``kernel_shap`` records, in request
    order (None: a record not explained; ``features`` names features without
    ``feature_header`` by position, the attribution baseline's headers; ``shap_path`` is not
    used). Any other output gives what its JSON holds at ``shap_path``, one entry per
    record (:func:`output_shap_records`); ``[None]`` when it holds none, is CSV or is missing.
    AttributionError with the reason the monitors count the capture under when the output
    or its SHAP values cannot be read.

    Examples
    --------
    >>> from stream.capture.records import EventData
    >>> output = EventData("application/json", "OUTPUT", '{"score": 0.8, "shap": {"age": 0.2}}',
    ...                    "JSON")
    >>> capture_shap(CaptureRecord("e-1", "order-1", None, None, output, "0", {}))
    [{'label0': {'age': 0.2}}]
    """
    output = record.endpoint_output
    try:
        if output is None or output.is_csv:
            return [None]
        document = json_document(output)
        response = explainer_response(document)
        if response is not None:
            return response.local_shap(features, single_label=default_label)
        return output_shap_records(document, shap_path, default_label, features=features) or [None]
    except CaptureError as exc:
        raise AttributionError(exc.reason, exc.message) from exc


def output_shap_records(
    document: Any,
    path: str = SHAP_KEY,
    default_label: str = DEFAULT_LABEL,
    *,
    features: Sequence[str] = (),
) -> list[LocalShap | None]:
    """The local SHAP values of each record in a parsed JSON capture output (None: unexplained).

    What ``path`` finds is one of:

    - nothing, ``null`` or ``{}``: no record explained, ``[]``;
    - SHAP values, ``{feature: value}`` or ``{label: {feature: value}}``: one record's;
    - a list, one entry per record of the request, in order: each entry SHAP values as
      above, ``null`` or ``{}`` (not explained), or a record's entry of Clarify's
      ``kernel_shap`` (a list of ``{"feature_header", "attributions": [{"attribution":
      [...]}]}``, one value per model output, as an online explainability response gives);
    - Clarify's ``explanations`` object, ``{"kernel_shap": [...]}``: its records, as a
      Clarify online explainability response's;
    - with a ``[*]`` projection (``predictions[*].shap``), each projected element's entry.

    Features without ``feature_header`` are named by ``features`` (the attribution
    baseline's headers). CaptureError ``bad_explanations`` when what is there is not SHAP
    values (a number, a list of numbers, a value that is not a finite number, labels mixed
    with plain values), ``unnamed_features`` for a feature without a name.

    Examples
    --------
    >>> output_shap_records({"predictions": [0.8, 0.3], "shap": [{"age": 0.2}, None]})
    [{'label0': {'age': 0.2}}, None]
    >>> output_shap_records({"predictions": [{"p": 0.8, "shap": {"age": 0.2}}, {"p": 0.3}]},
    ...                     "predictions[*].shap")
    [{'label0': {'age': 0.2}}, None]
    >>> output_shap_records({"p": 0.8, "shap": {}})
    []
    """
    if has_projection(path):
        found: Any = find_each(document, path)
        if found is None:
            found = lookup(document, path)
        else:
            found = [None if entry is MISSING else entry for entry in found]
    else:
        found = lookup(document, path)
    if found is None or (isinstance(found, Mapping) and not found):
        return []
    if isinstance(found, Mapping) and isinstance(found.get("kernel_shap"), list):
        return kernel_shap_records(found["kernel_shap"], features, single_label=default_label)
    if isinstance(found, list):
        return [_record_entry(entry, i, path, default_label, features) for i, entry in
                enumerate(found)]  # fmt: skip
    return [_shap_values(found, path, default_label)]


def _record_entry(
    entry: Any, index: int, path: str, default_label: str, features: Sequence[str]
) -> LocalShap | None:
    """Record ``index``'s entry of a list of SHAP values (None: not explained)."""
    if entry is None or (isinstance(entry, Mapping) and not entry):
        return None
    if isinstance(entry, list):
        return kernel_shap_record(entry, index, features, default_label)
    return _shap_values(entry, f"{path}[{index}]", default_label)


def _shap_values(found: Any, where: str, default_label: str) -> LocalShap:
    """One record's ``{feature: value}`` / ``{label: {feature: value}}``; else bad_explanations."""
    if not isinstance(found, Mapping):
        msg = (
            f"{where!r} in the output holds a {type(found).__name__}, not an object of SHAP values"
        )
        raise CaptureError(BAD_EXPLANATIONS, msg)
    try:
        return local_shap(found, default_label)
    except AttributionError as exc:
        raise CaptureError(BAD_EXPLANATIONS, f"{where!r} in the output: {exc.message}") from exc


def output_shap(
    document: Any, path: str = SHAP_KEY, default_label: str = DEFAULT_LABEL
) -> LocalShap | None:
    """The local SHAP values of a one-record output at ``path`` (:func:`output_shap_records`).

    None when the output holds none there (no such key, ``null``, an empty object): the
    record was not explained. CaptureError ``bad_explanations`` when what is there is not
    SHAP values (not an object, a value that is not a finite number, labels mixed with
    plain values) or is several records': the attribution monitor counts the record under
    that reason.

    Examples
    --------
    >>> output_shap({"score": 0.8, "shap": {"age": 0.2}})
    {'label0': {'age': 0.2}}
    >>> output_shap({"score": 0.8}) is None
    True
    >>> output_shap({"score": 0.8, "shap": [0.2, 0.1]})
    Traceback (most recent call last):
    ...
    stream.capture.event_data.CaptureError: bad_explanations: 'shap[0]' in the output holds...
    """
    records = output_shap_records(document, path, default_label)
    if len(records) > 1:
        msg = f"{path!r} in the output holds {len(records)} records' SHAP values, not one's"
        raise CaptureError(BAD_EXPLANATIONS, msg)
    return records[0] if records else None


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
            msg = f"{where} value of {feature!r} is {shown_value(value)}, not a finite number"
            raise AttributionError(NOT_A_NUMBER, msg)
        out[str(feature)] = float(value)
    return out


__all__ = [
    "ATTRIBUTION_DEAD_LETTER_REASONS",
    "DEFAULT_LABEL",
    "AttributionError",
    "LocalShap",
    "capture_shap",
    "decode_attribution",
    "local_shap",
    "output_shap",
    "output_shap_records",
]
