"""Find the prediction and the score in a capture record's ``endpointOutput``.

SageMaker's model-quality and bias monitors locate the model output with
``inference_attribute`` (the predicted label) and ``probability_attribute`` (the score),
each a column index as a string (``"0"``) for CSV output, or a key / path (``"$."`` prefix
allowed, digit segments and ``[N]`` index lists, ``[*]`` projects one, as in JMESPath:
:mod:`ground_truth.json_path`) for JSON output. A located predicted label is the
prediction and the score feeds AUC; only without a predicted label does a score become the
positive class when it is **greater than** ``probability_threshold_attribute``.

With neither attribute the output must hold one value — a one-field CSV line, a JSON scalar
or a one-element list — and that value is the prediction, as Clarify reads a model that
returns one value (``ModelPredictedLabelConfig`` with no ``label`` nor ``probability``).
``single_value`` says what it is: ``"score"`` (binary classification and bias: a number is
the score, thresholded; text stays a label) or ``"predicted"`` (regression, multiclass).
Bias takes such a score as the predicted value against a continuous label with no
probability threshold configured (:func:`stream.monitors.bias.one_value_is_prediction`).
An output of several values is refused, ``multi_row_output``, an empty one ``no_prediction``.

Values from CSV text are typed like SageMaker's CSV reader: a field that reads as a finite
number becomes a ``float``, anything else stays text (:func:`typed_value`).

Examples
--------
>>> from stream.capture.records import EventData
>>> csv_out = EventData("text/csv", "OUTPUT", "0.87,1", "CSV")
>>> PredictionLocator(inference_attribute="1", probability_attribute="0").locate(csv_out)
[LocatedPrediction(predicted=1.0, score=0.87)]
>>> json_out = EventData("application/json", "OUTPUT",
...                      '{"predictions": [{"label": "cat", "p": 0.9}]}', "JSON")
>>> PredictionLocator(inference_attribute="predictions.0.label").locate(json_out)
[LocatedPrediction(predicted='cat', score=None)]
>>> PredictionLocator(inference_attribute="predictions[*].label", probability_attribute=
...                   "predictions[*].p").locate(json_out)  # one instance: its values
[LocatedPrediction(predicted='cat', score=0.9)]
>>> PredictionLocator().locate(EventData("text/csv", "OUTPUT", "0.87", "CSV"))
[LocatedPrediction(predicted=None, score=0.87)]
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from ground_truth.json_path import MISSING, find, find_each, has_projection
from stream.capture.json_lines import json_lines_values, json_payload, names_json_lines
from stream.capture.payloads import payload_rows
from stream.capture.records import CaptureError, EventData
from stream.capture.rows import MAX_NESTING, too_deep

MULTI_ROW_OUTPUT = "multi_row_output"  # several predictions where one was expected
NO_PREDICTION = "no_prediction"  # neither attribute finds a value in the output
TOO_DEEP = "too_deep"  # a predicted label nested deeper than MAX_NESTING (no label is)
AS_SCORE, AS_PREDICTED = "score", "predicted"  # what a one-value output is, without attributes


class LocatedPrediction(NamedTuple):
    """One output row's predicted label and positive-class score (``None`` when absent)."""

    predicted: Any
    score: float | None


def typed_value(value: Any) -> Any:
    """Text that reads as a finite number becomes a float; blank text becomes ``None``."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def score_value(value: Any) -> float | None:
    """A score as a finite float, or ``None`` (missing or not a number)."""
    value = typed_value(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def lookup(obj: Any, path: str) -> Any:
    """What a path finds in decoded JSON, or None (:func:`ground_truth.json_path.find`).

    Dotted keys (``$.`` prefix allowed), digit segments and ``[N]`` index lists, ``[*]``
    projects a list.
    """
    return _present(find(obj, path))


class PredictionLocator:
    """Pick the predicted label and score out of an output payload by SageMaker's attributes.

    An attribute that is all digits is a column index into a CSV row or a JSON list row; any
    other attribute is a key or dotted path into the JSON output. With neither, the output's
    one value is the prediction, taken as ``single_value`` says (:data:`AS_SCORE` or
    :data:`AS_PREDICTED`).
    """

    def __init__(
        self,
        *,
        inference_attribute: str | None = None,
        probability_attribute: str | None = None,
        single_value: str = AS_SCORE,
    ) -> None:
        if single_value not in (AS_SCORE, AS_PREDICTED):
            msg = f"single_value must be {AS_SCORE!r} or {AS_PREDICTED!r}, got {single_value!r}"
            raise ValueError(msg)
        self.inference_attribute = inference_attribute
        self.probability_attribute = probability_attribute
        self.single_value = single_value

    @property
    def reads_whole_output(self) -> bool:
        """Whether no attribute is given: the output's one value is the prediction."""
        return self.inference_attribute is None and self.probability_attribute is None

    @property
    def reads_score(self) -> bool:
        """Whether it looks for a score: at the probability attribute, or as the one value.

        With no attribute and ``single_value`` :data:`AS_SCORE` the output's one value is
        the score, so a text value is a prediction without one, as a text value at a
        probability attribute is.
        """
        if self.reads_whole_output:
            return self.single_value == AS_SCORE
        return self.probability_attribute is not None

    def locate(self, event: EventData, document: Any = None) -> list[LocatedPrediction]:
        """One located prediction per output row.

        Paths are looked up in the whole JSON output first (``document``: the output already
        parsed, when the caller has it); when that finds nothing (or the attributes are
        column indices) each payload row (CSV line, JSON row) is used. Without attributes,
        each CSV line, or the JSON output, must be one value (:meth:`_whole_output`).
        """
        lines = self._lines(event, document)
        if lines is not None:  # JSON Lines: each line is one instance, located alone
            if self.reads_whole_output:
                return [self._single(_values(line), f"instance {i + 1} of the JSON Lines output")
                        for i, line in enumerate(lines)]  # fmt: skip
            return self._each_line(lines)
        if self.reads_whole_output:
            return self._whole_output(event, document)
        if not self._all_indices() and not event.is_csv:
            if document is None:
                document = json_document(event)
            found = self._from_row(document)
            if found.predicted is not None or found.score is not None:
                return [found]
        return [self._from_row(row) for row in payload_rows(event)]

    def locate_instances(self, event: EventData, document: Any = None) -> list[LocatedPrediction]:
        """:meth:`locate`, except that ``[*]`` projections over N > 1 instances give N.

        AWS's JSON examples send a request of several instances and read the output with
        ``predictions[*].predicted_label``: prediction ``i`` is instance ``i``'s. Each
        attribute must then be such a projection over the same number of instances, and
        every instance must hold a prediction (JMESPath leaves out an instance where nothing
        is found, which would shift the later ones): otherwise CaptureError
        ``multi_row_output`` or ``no_prediction`` says why. Without attributes there is no
        projection: an output of several values is refused as :meth:`locate` refuses it. A
        predicted label nested deeper than ``MAX_NESTING`` levels is refused, ``too_deep``:
        no label is, and its waiting entry could not be written to the join's store.

        >>> out = EventData("application/json", "OUTPUT", '{"predictions": '
        ...     '[{"predicted_label": 1, "score": 0.8}, {"predicted_label": 0, "score": 0.3}]}',
        ...     "JSON")
        >>> PredictionLocator(inference_attribute="predictions[*].predicted_label",
        ...                   probability_attribute="predictions[*].score").locate_instances(out)
        [LocatedPrediction(predicted=1, score=0.8), LocatedPrediction(predicted=0, score=0.3)]
        """
        try:
            located = self.locate(event, document)
        except CaptureError as error:
            reads_instances = not (event.is_csv or self.reads_whole_output)
            if error.reason != MULTI_ROW_OUTPUT or not reads_instances:
                raise
            if document is None:
                document = json_document(event)
            located = self._instances(document, error)
        if too_deep([found.predicted for found in located]):
            msg = TOO_DEEP
            raise CaptureError(msg, f"a predicted label nests deeper than {MAX_NESTING} levels")
        return located

    def _instances(self, document: Any, refused: CaptureError) -> list[LocatedPrediction]:
        attributes = [a for a in (self.inference_attribute, self.probability_attribute) if a]
        columns = [find_each(document, a) for a in attributes]
        sizes = {len(c) for c in columns if c is not None}
        if any(c is None for c in columns) or len(sizes) != 1:
            shown = self.attributes_shown(" and ")
            msg = f"{refused.message}; {shown} must project the same instances with [*]"
            raise CaptureError(MULTI_ROW_OUTPUT, msg)
        picked = dict(zip(attributes, columns, strict=True))
        count = sizes.pop()
        out = []
        for i in range(count):
            predicted = score = None
            if self.inference_attribute is not None:
                predicted = typed_value(_present(picked[self.inference_attribute][i]))
            if self.probability_attribute is not None:
                score = score_value(_present(picked[self.probability_attribute][i]))
            if predicted is None and score is None:
                msg = NO_PREDICTION
                shown = self.attributes_shown()
                raise CaptureError(msg, f"instance {i} of {count} holds no prediction at {shown}")
            out.append(LocatedPrediction(predicted, score))
        return out

    def attributes_shown(self, joiner: str = " nor ") -> str:
        """The attributes it locates by, quoted: ``'label' nor 'score'``."""
        if self.reads_whole_output:
            return "the whole output (no inference_attribute or probability_attribute)"
        attributes = (self.inference_attribute, self.probability_attribute)
        return joiner.join(repr(a) for a in attributes if a is not None)

    def _each_line(self, lines: list[Any]) -> list[LocatedPrediction]:
        """Each line's prediction; a line holding none refuses the output (``no_prediction``).

        As with instances a ``[*]`` projection finds (:meth:`locate_instances`), a prediction
        is never left out, which would give a later instance's to an earlier one's label.
        """
        out = [self._from_row(line) for line in lines]
        for i, (predicted, score) in enumerate(out):
            if predicted is None and score is None:
                shown = self.attributes_shown()
                msg = f"instance {i + 1} of {len(out)} (JSON Lines) holds no prediction at {shown}"
                raise CaptureError(NO_PREDICTION, msg)
        return out

    @staticmethod
    def _lines(event: EventData, document: Any) -> list[Any] | None:
        """The lines' values of a JSON Lines output of several lines, else None.

        Only an output parsed to a list (``document``, or not parsed yet) can be one.
        """
        if event.is_csv or not names_json_lines(event.observed_content_type):
            return None
        if document is not None and type(document) is not list:
            return None
        return json_lines_values(event)

    def _whole_output(self, event: EventData, document: Any) -> list[LocatedPrediction]:
        """Each CSV line's one field, or the JSON output's one value (lists of one unwrapped).

        Several values in a line or in the JSON output: CaptureError ``multi_row_output``
        (an attribute must say which is the prediction); none, or a JSON object:
        ``no_prediction``.
        """
        if document is None and event.is_csv:
            rows = payload_rows(event)
            if not rows:
                raise CaptureError(NO_PREDICTION, "the CSV output is empty")
            return [self._single(row, f"line {i + 1} of the CSV output")
                    for i, row in enumerate(rows)]  # fmt: skip
        if document is None:
            document = json_document(event)
        return [self._single(_values(document), "the output")]

    def _single(self, values: Any, where: str) -> LocatedPrediction:
        """The one value of ``values`` as this locator takes it, or CaptureError saying why."""
        if isinstance(values, dict) or len(values) != 1:
            several = not isinstance(values, dict) and len(values) > 1
            held = f"{len(values)} values" if several else "no single value"
            msg = (
                f"{where} holds {held}: set inference_attribute or probability_attribute "
                "to say where the prediction is"
            )
            raise CaptureError(MULTI_ROW_OUTPUT if several else NO_PREDICTION, msg)
        value = typed_value(values[0])
        if value is None:
            raise CaptureError(NO_PREDICTION, f"{where} holds no value")
        score = score_value(value) if self.single_value == AS_SCORE else None
        if score is not None:
            return LocatedPrediction(None, score)
        return LocatedPrediction(value, None)

    def _all_indices(self) -> bool:
        attrs = (self.inference_attribute, self.probability_attribute)
        return all(a is None or a.isdigit() for a in attrs)

    def _from_row(self, row: Any) -> LocatedPrediction:
        predicted = None
        if self.inference_attribute is not None:
            predicted = typed_value(_pick(row, self.inference_attribute))
        score = None
        if self.probability_attribute is not None:
            score = score_value(_pick(row, self.probability_attribute))
        return LocatedPrediction(predicted, score)


def json_document(event: EventData) -> Any:
    """A JSON payload parsed, or CaptureError (``bad_payload``).

    A JSON Lines output of several lines is the list of its lines' values
    (:func:`~stream.capture.json_lines.json_payload`).
    """
    return json_payload(event, "JSON output")


def _values(value: Any) -> Any:
    """An output value as :meth:`PredictionLocator._single` takes it (lists of one unwrapped)."""
    while type(value) is list and len(value) == 1:
        value = value[0]
    return value if isinstance(value, list | dict) else [value]


def _present(value: Any) -> Any:
    """A found value, or None where nothing was found."""
    return None if value is MISSING else value


def _pick(row: Any, attribute: str) -> Any:
    """The value at ``attribute``; a projection (``predictions[*].label``) must give one.

    A projection's list of one value is that value (a request of one instance, as AWS's
    JSON examples write ``predictions[*].predicted_label``); several values are several
    predictions in one record: CaptureError ``multi_row_output``
    (:meth:`PredictionLocator.locate_instances` reads them instance by instance).
    """
    if isinstance(row, list) and attribute.isascii() and attribute.isdigit():
        index = int(attribute)
        return row[index] if index < len(row) else None
    found = lookup(row, attribute)
    if type(found) is list and has_projection(attribute):
        if len(found) > 1:
            msg = MULTI_ROW_OUTPUT
            raise CaptureError(msg, f"{attribute!r} gives {len(found)} predictions")
        return found[0] if found else None
    return found
