r"""A batch-transform capture part (``captureData.batchTransformOutput``) as input and output.

SageMaker's batch transform does not write capture records; its data capture writes manifests
of the transform's input and output files. The records a monitor then reads are the merge
job's (ground truth joined by ``SageMakerInferenceId``), as AWS's batch-transform bias
examples print them::

    {"eventMetadata": {"eventId": "<SageMakerInferenceId>"}, "eventVersion": "0",
     "groundTruthData": {"data": "{\"label\": 1}", "encoding": "JSON"},
     "captureData": {"batchTransformOutput": {"data": "<one transform output line>",
                                              "encoding": "JSON"}}}

No ``inferenceTime``, no ``endpointInput``/``endpointOutput``, no ``observedContentType``.
The output line is what the transform wrote (``SageMakerInferenceId`` and
``SageMakerInferenceTime`` taken out):

* JSON with ``join_source="Input"``: the request's keys plus ``SageMakerOutput``, the model's
  response (``{"SageMakerOutput": {"predicted_label": 1, "score": 0.98}, "features": [...]}``).
  The monitors' ``inference_attribute`` is found in ``SageMakerOutput`` (AWS's examples give
  ``predicted_label`` and ``predictions[*].predicted_label``) and ``features_attribute`` in the
  request (``features``, ``instances[*].features``).
* JSON without a join: the model's response alone.
* CSV: one line, the input columns then the output columns when joined; SageMaker's monitors
  index it as a whole (AWS's model-quality example: ``probability_attribute="69"`` after 69
  input columns).

:func:`batch_transform_parts` gives the record's ``endpointInput`` and ``endpointOutput``
equivalents, so that data quality, model quality and bias read a batch-transform record as
they read an endpoint's. A CSV line is both (the same object: rows are built from it once).

Examples
--------
>>> from stream.capture.records import EventData
>>> joined = EventData(None, None, '{"SageMakerOutput": {"score": 0.9}, "features": [41, 2]}',
...                    "JSON")
>>> request, response = batch_transform_parts(joined)
>>> request.data, response.data
('{"features":[41,2]}', '{"score":0.9}')
>>> line = EventData(None, None, "41,2,0.9", "CSV")
>>> request, response = batch_transform_parts(line)
>>> request is response, request.data
(True, '41,2,0.9')
"""

from __future__ import annotations

from typing import Any

import orjson

from stream.capture.event_data import CaptureError, EventData

MODEL_OUTPUT_KEY = "SageMakerOutput"  # the model's response in a joined JSON output line
RESERVED_KEYS = ("SageMakerInferenceId", "SageMakerInferenceTime")  # GenerateInferenceId's
MAX_PART_NESTING = 254  # the deepest value orjson.dumps writes (orjson.loads reads 1024)


def batch_transform_parts(event: EventData) -> tuple[EventData | None, EventData | None]:
    """The request and the response held by a ``batchTransformOutput`` part.

    A CSV line (or a payload that is not a JSON object) is both, as one object; a JSON
    object with ``SageMakerOutput`` is split into the request's keys and the response;
    another JSON object is the response alone. ``SageMakerInferenceId`` and
    ``SageMakerInferenceTime`` (a transform output line read before the merge) are no
    columns. A JSON payload that does not parse is a ``bad_payload`` CaptureError; one
    nested deeper than a part can be written back as JSON (:data:`MAX_PART_NESTING`) is
    ``too_deep``, the reason the worker gives a feature value nested too deep.
    """
    if event.is_csv:
        whole = EventData("text/csv", "OUTPUT", event.text(), "CSV")
        return whole, whole
    try:
        document = orjson.loads(event.text())
    except orjson.JSONDecodeError as exc:
        msg = "bad_payload"
        raise CaptureError(msg, f"batchTransformOutput JSON does not parse: {exc}") from exc
    if not isinstance(document, dict):
        whole = _json_part(document, "OUTPUT")
        return whole, whole
    fields = {k: v for k, v in document.items() if k not in RESERVED_KEYS}
    if MODEL_OUTPUT_KEY not in fields:
        return None, _json_part(fields, "OUTPUT")
    response = fields.pop(MODEL_OUTPUT_KEY)
    request = _json_part(fields, "INPUT") if fields else None
    return request, _json_part(response, "OUTPUT")


def _json_part(value: Any, mode: str) -> EventData:
    """``value`` written back as a JSON capture part; CaptureError ``too_deep`` past orjson's depth.

    orjson reads 1024 levels but writes 254, so a payload that parsed may not write back.
    """
    try:
        text = orjson.dumps(value).decode()
    except orjson.JSONEncodeError as exc:  # the only value orjson.loads gives it cannot write
        msg = "too_deep"
        raise CaptureError(
            msg, f"batchTransformOutput nests deeper than {MAX_PART_NESTING} levels ({exc})"
        ) from exc
    return EventData("application/json", mode, text, "JSON")


def manifest_prefix(obj: Any) -> str | None:
    """The S3 prefix of a batch-transform data-capture manifest, or None for anything else.

    Batch transform's data capture writes no records: under ``input/`` and ``output/`` it
    writes manifests, ``[{"prefix": "s3://..."}, "file-1.csv", ...]``, of the transform's files.

    >>> manifest_prefix([{"prefix": "s3://b/in/"}, "a.csv"]), manifest_prefix([1, 2])
    ('s3://b/in/', None)
    """
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        prefix = obj[0].get("prefix")
        if isinstance(prefix, str) and all(isinstance(name, str) for name in obj[1:]):
            return prefix
    return None


def refuse_manifest(obj: Any) -> None:
    """Raise ``batch_manifest`` (a CaptureError naming the remedy) when ``obj`` is a manifest."""
    prefix = manifest_prefix(obj)
    if prefix is not None:
        msg = "batch_manifest"
        raise CaptureError(
            msg,
            f"a batch-transform data-capture manifest, not a capture record: it lists the "
            f"transform's files under {prefix[:200]}; analyze those files with --data",
        )
