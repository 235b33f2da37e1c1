"""Label and attribution records on Kafka.

- ``records``: ``<prefix>.labels`` messages — :func:`split_records`, :func:`decode_label`
  (SageMaker ground truth or Amazon A2I output, per the monitor's ``[monitor.labels]``),
  :class:`LabelError` with a reason for the dead-letter topic;
- ``attributions``: ``<prefix>.attributions`` messages (:func:`decode_attribution`) and SHAP
  values inside a capture output (:func:`capture_shap`), :class:`AttributionError`;
- ``push``: files into both topics, keyed and partitioned like capture, refusals
  dead-lettered (what ``driftline labels push`` / ``attributions push`` run).

The streaming join itself (labels meeting predictions per partition) is the worker's.
"""

from stream.config import LabelSettings
from stream.labels.attributions import (
    AttributionError,
    LocalShap,
    capture_shap,
    decode_attribution,
    local_shap,
)
from stream.labels.records import LabelError, RecordError, decode_label, split_records

__all__ = [
    "AttributionError",
    "LabelError",
    "LabelSettings",
    "LocalShap",
    "RecordError",
    "capture_shap",
    "decode_attribution",
    "decode_label",
    "local_shap",
    "split_records",
]
