"""A BASE64 capture output under a CSV content type is read as CSV by the labelled monitors.

SageMaker captures an output as BASE64 when its content type is not among the capture
config's CSV or JSON types; ``observedContentType`` still says ``text/csv``, and the data
monitor reads such a payload as CSV. The monitors' prediction (worker and ``analyze`` both
go through :meth:`LabelledSetup.pending_of`) must read it as the locator does, not try it as
JSON first and count it ``bad_payload``.
"""

from __future__ import annotations

import base64

import pytest

from stream.capture.predictions import AS_PREDICTED, PredictionLocator
from stream.capture.records import CaptureError, EventData
from stream.monitors.labelled import LabelledSetup


def _base64_csv(text: str) -> EventData:
    return EventData("text/csv", "OUTPUT", base64.b64encode(text.encode()).decode(), "BASE64")


def _pending(output: EventData, locator: PredictionLocator, problem_type: str) -> tuple:
    setup = LabelledSetup(labels=None, problem_type=problem_type, locator=locator)
    pending = setup.pending_of(output, "id-1", 0.0, 0.0)
    return pending.predicted, pending.score


def test_column_indices_read_a_base64_csv_line() -> None:
    locator = PredictionLocator(inference_attribute="0", probability_attribute="1")
    pending = _pending(_base64_csv("1,0.8\n"), locator, "BinaryClassification")
    assert pending == (1.0, 0.8)


def test_one_value_output_in_base64_csv_is_the_prediction() -> None:
    locator = PredictionLocator(single_value=AS_PREDICTED)
    assert _pending(_base64_csv("yes"), locator, "MulticlassClassification") == ("yes", None)
    score = _pending(_base64_csv("0.87\r\n"), PredictionLocator(), "BinaryClassification")
    assert score == (None, 0.87)


def test_several_base64_csv_lines_are_several_predictions_not_bad_json() -> None:
    setup = LabelledSetup(
        labels=None, problem_type="BinaryClassification", locator=PredictionLocator()
    )
    with pytest.raises(CaptureError) as caught:
        setup.pending_of(_base64_csv("0.2\n0.9\n"), "id-1", 0.0, 0.0)
    assert caught.value.reason == "multi_row_output"
