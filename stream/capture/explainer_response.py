r"""SageMaker Clarify online explainability responses found in a capture's ``endpointOutput``.

An endpoint created with an ``ExplainerConfig`` answers with one JSON document instead of the
model container's response (AWS, *Invoke the endpoint*, "Response"): ``version``;
``predictions``, the container's response as ``content_type`` and ``data`` (a string);
optionally ``label_headers``; and ``explanations``, ``{}`` when no record was explained,
else ``{"kernel_shap": [...]}`` with one entry per record of the request, ``null`` for a
record that was not explained (the ``EnableExplanations`` expression said no). A record's
entry is a list with one object per feature: ``feature_header`` (absent when the explainer
config names no ``FeatureHeaders``; features then go by position) and ``attributions``, a
list holding one ``{"attribution": [...]}`` per feature of tabular data (text features
hold one per text unit, with a ``description``), whose values are one per model output:
the label ``label_headers[k]``, or ``label<k>`` as Clarify names outputs without headers.

:func:`explainer_response` recognises the document; its :attr:`~ExplainerResponse.predictions`
is the container's response as a capture part of its own content type, which is what the
monitors read predictions from, and :meth:`~ExplainerResponse.local_shap` each record's
SHAP values as label → feature → value.

Examples
--------
>>> doc = {"version": "1.0",
...        "predictions": {"content_type": "text/csv; charset=utf-8", "data": "0.2\n0.9\n"},
...        "explanations": {"kernel_shap": [
...            [{"feature_header": "age", "attributions": [{"attribution": [0.1]}]},
...             {"feature_header": "plan", "attributions": [{"attribution": [-0.3]}]}],
...            None]}}
>>> response = explainer_response(doc)
>>> response.predictions.encoding, response.predictions.data
('CSV', '0.2\n0.9\n')
>>> response.local_shap()
[{'label0': {'age': 0.1, 'plan': -0.3}}, None]
>>> explainer_response({"predictions": [0.2, 0.9]}) is None  # a model's own JSON output
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import orjson

from stream.capture.event_data import CaptureError, EventData, names_csv

LocalShap = dict[str, dict[str, float]]  # label → feature → local SHAP value

BAD_EXPLANATIONS = "bad_explanations"  # kernel_shap not in AWS's shape, or not numbers
UNNAMED_FEATURES = "unnamed_features"  # no feature_header, and no baseline headers to name by


class ExplainerResponse(NamedTuple):
    """A Clarify online explainability response: the model's predictions and the explanations."""

    predictions: EventData  # the model container's response, of its own content type
    explanations: Mapping[str, Any]  # {} when no record was explained
    label_headers: tuple[str, ...] = ()

    @property
    def explained(self) -> bool:
        """Whether the response holds Kernel SHAP explanations (of at least one record)."""
        return "kernel_shap" in self.explanations

    def local_shap(
        self, features: Sequence[str] = (), *, single_label: str = "label0"
    ) -> list[LocalShap | None]:
        """Each record's SHAP values, in request order; None for a record not explained.

        ``features`` names the features of records without ``feature_header``, by position
        (the attribution baseline's headers); ``single_label`` names the output of a model
        with one output that ``label_headers`` leave unnamed (a one-output baseline's only
        label, whatever Clarify called it). CaptureError ``bad_explanations`` when the
        explanations are not in AWS's shape or hold a value that is not a finite number,
        ``unnamed_features`` when a feature has no name. Without explanations: ``[]``.
        """
        if not self.explained:
            return []
        return kernel_shap_records(
            self.explanations["kernel_shap"],
            features,
            single_label=single_label,
            label_headers=self.label_headers,
        )


def kernel_shap_records(
    records: Any,
    features: Sequence[str] = (),
    *,
    single_label: str = "label0",
    label_headers: Sequence[str] = (),
) -> list[LocalShap | None]:
    """``explanations.kernel_shap``'s records as label → feature → value (None: not explained).

    See :meth:`ExplainerResponse.local_shap`; ``label_headers`` name the model outputs when
    they name every one.

    Examples
    --------
    >>> kernel_shap_records([[{"feature_header": "age", "attributions": [{"attribution":
    ...     [0.1, -0.1]}]}]], label_headers=["no", "yes"])
    [{'no': {'age': 0.1}, 'yes': {'age': -0.1}}]
    """
    if not isinstance(records, list):
        msg = "explanations.kernel_shap is not a list of records"
        raise _bad(msg)
    return [
        None
        if record is None
        else kernel_shap_record(record, i, features, single_label, label_headers)
        for i, record in enumerate(records)
    ]


def kernel_shap_record(
    record: Any,
    index: int,
    features: Sequence[str] = (),
    single_label: str = "label0",
    label_headers: Sequence[str] = (),
) -> LocalShap:
    """One record's entry of ``kernel_shap`` (a list of feature objects) as label → values."""
    if not isinstance(record, list) or not record:
        msg = f"record {index}'s explanation is not a list of features"
        raise _bad(msg)
    out: LocalShap = {}
    for position, feature in enumerate(record):
        name = _feature_name(feature, index, position, features)
        values = _attribution(feature, f"record {index}, feature {name!r}")
        for k, value in enumerate(values):
            label = _label(k, len(values), single_label, label_headers)
            out.setdefault(label, {})[name] = value
    return out


def _feature_name(feature: Any, index: int, position: int, features: Sequence[str]) -> str:
    if not isinstance(feature, Mapping):
        msg = f"record {index}, feature {position} is not an object"
        raise _bad(msg)
    header = feature.get("feature_header")
    if header is not None:
        return str(header)
    if position < len(features):
        return features[position]
    msg = (
        f"record {index}, feature {position} has no feature_header and the attribution "
        f"baseline names {len(features)} features (analysis_config.json headers)"
    )
    raise CaptureError(UNNAMED_FEATURES, msg)


def _label(k: int, outputs: int, single_label: str, label_headers: Sequence[str]) -> str:
    """Output ``k``'s label: its ``label_headers`` name when they name every output."""
    if len(label_headers) == outputs:
        return label_headers[k]
    return single_label if outputs == 1 else f"label{k}"


def explainer_response(document: Any) -> ExplainerResponse | None:
    """The response, when a parsed output is a Clarify online explainability response.

    It is one when it is an object with ``version``, ``predictions`` holding the text
    ``data`` and its ``content_type``, and an ``explanations`` object; anything else is a
    model's own output (None).
    """
    if not isinstance(document, dict) or "version" not in document:
        return None
    predictions, explanations = document.get("predictions"), document.get("explanations")
    if not isinstance(predictions, dict) or not isinstance(explanations, dict):
        return None
    content_type, data = predictions.get("content_type"), predictions.get("data")
    if not isinstance(content_type, str) or not isinstance(data, str):
        return None
    headers = document.get("label_headers")
    label_headers = tuple(map(str, headers)) if isinstance(headers, list) else ()
    return ExplainerResponse(_predictions(content_type, data), explanations, label_headers)


def _predictions(content_type: str, data: str) -> EventData:
    """The container's response as a capture part: CSV, or JSON (JSON Lines a line a record).

    A JSON Lines response of several lines is read as any captured one is, one record per
    line (:mod:`stream.capture.json_lines`).
    """
    if names_csv(content_type):
        return EventData(content_type, "OUTPUT", data, "CSV")
    return EventData(content_type, "OUTPUT", data, "JSON")


def _attribution(feature: Mapping[str, Any], where: str) -> list[float]:
    """A tabular feature's one attribution: its value per model output."""
    attributions = feature.get("attributions")
    if not isinstance(attributions, list) or len(attributions) != 1:
        count = len(attributions) if isinstance(attributions, list) else 0
        msg = (
            f"{where} has {count} attributions; a tabular feature has one (text units are not read)"
        )
        raise _bad(msg)
    first = attributions[0]
    values = first.get("attribution") if isinstance(first, Mapping) else None
    if not isinstance(values, list) or not values:
        msg = f"{where} has no attribution values"
        raise _bad(msg)
    out = []
    for value in values:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value):
            msg = f"{where} has the attribution {orjson.dumps(value).decode()[:40]}"
            raise _bad(msg)
        out.append(float(value))
    return out


def _bad(message: str) -> CaptureError:
    return CaptureError(BAD_EXPLANATIONS, message)
