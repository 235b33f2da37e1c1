"""Builders of batch-transform records in the shape SageMaker's merge job writes them.

AWS's batch-transform bias examples print a merged record as ``eventMetadata`` holding only
``eventId`` (the transform's ``SageMakerInferenceId``), ``groundTruthData``, and
``captureData`` holding only ``batchTransformOutput``: the transform's output line (with
``join_source="Input"`` the request's keys beside ``SageMakerOutput``), without
``SageMakerInferenceId`` / ``SageMakerInferenceTime``, ``mode`` or ``observedContentType``.
These builders write records of that shape from the tests' own values.
"""

from __future__ import annotations

import json
from typing import Any


def merged_record(key: str, data: str, encoding: str, truth: dict[str, str] | None) -> str:
    """One merged batch-transform record; ``truth`` is its ``groundTruthData``, or none."""
    record: dict[str, Any] = {"eventMetadata": {"eventId": key}, "eventVersion": "0"}
    if truth is not None:
        record["groundTruthData"] = truth
    record["captureData"] = {"batchTransformOutput": {"data": data, "encoding": encoding}}
    return json.dumps(record)


def joined_json_line(key: str, output: dict[str, Any], features: list[Any], label: Any) -> str:
    """A JSON Lines transform joined with its input (``join_source="Input"``), merged."""
    data = json.dumps({"SageMakerOutput": output, "features": features}, separators=(",", ":"))
    return merged_record(
        key, data, "JSON", {"data": json.dumps({"label": label}), "encoding": "JSON"}
    )


def joined_csv_line(key: str, values: list[Any], label: Any) -> str:
    """A CSV transform joined with its input: the input columns, then the output's."""
    return merged_record(
        key, ",".join(map(str, values)), "CSV", {"data": str(label), "encoding": "CSV"}
    )
