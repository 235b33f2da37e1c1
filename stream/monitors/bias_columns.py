"""The bias monitor's facet, group and flip-test columns of a capture, named as SageMaker does.

SageMaker's bias monitor names the columns of a captured request by the analysis config's
``headers``, not by the data-quality baseline: the request's feature values (for a JSON or
JSON Lines request, what the ``features`` JMESPath finds — the monitor's
``FeaturesAttribute``; for a CSV request, its values) take the headers in order. For a JSON
Lines dataset the headers are the feature names, then the label's (with a ``label``: "the
last header becomes the header of the label column", AWS's bias monitor parameters), then
the predicted label's (with a ``predicted_label``), so a JSON request's values take every
header but those last ones (:func:`~stream.monitors.bias_settings.json_feature_headers`, the
rule ``baseline suggest`` reads a JSON Lines dataset by); a CSV request's values take every
header but the label's (and the prediction's), as the captured CSV holds the features only.

:class:`BiasInputColumns` does this for one bias config with ``headers``; a config without
them keeps the data-quality row's names (driftline's own rule). A request whose value count
differs from the headers it should take is refused with a stated, counted reason
(:class:`~stream.capture.records.CaptureError` ``headers_mismatch``), never read by position.

Examples
--------
>>> from stream.capture.records import EventData
>>> columns = BiasInputColumns(
...     headers=("Age", "Sex", "Target"), label="label", features="features",
...     wanted=("Sex", "Age"))
>>> columns.values(EventData("application/jsonlines", "INPUT", '{"features":[41,0]}', "JSON"))
{'Sex': 0, 'Age': 41}
>>> csv_columns = BiasInputColumns(headers=("Target", "Age", "Sex"), label="Target",
...                                wanted=("Sex",))
>>> csv_columns.values(EventData("text/csv", "INPUT", "41,0", "CSV"))
{'Sex': '0'}
>>> try:
...     columns.values(EventData("application/jsonlines", "INPUT", '{"features":[41]}', "JSON"))
... except CaptureError as error:
...     print(error.reason, "-", error.message)
headers_mismatch - the request holds 1 feature values, but the bias config's headers name 2 \
features (Age, Sex; the last header, Target, names the label of a JSON request)
>>> BiasInputColumns(headers=("Age", "Sex", "Target", "Prediction"), label="label",
...                  predicted_label="predicted_label", wanted=("Sex",)).json_headers
('Age', 'Sex')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ground_truth.json_path import check_path, find, find_each, has_projection
from stream.capture.json_lines import read_json_payload
from stream.capture.payloads import parse_payload
from stream.capture.predictions import MULTI_ROW_OUTPUT
from stream.capture.records import CaptureError, EventData
from stream.monitors.bias_settings import (
    HEADERS_END_WITH,
    BiasSettings,
    json_feature_headers,
    json_output_headers,
    row_columns,
)

MISSING_INPUT, NO_FEATURES, HEADERS_MISMATCH = "missing_input", "no_features", "headers_mismatch"


class BiasInputColumns:
    """Name a capture request's values by a bias config's ``headers`` (see the module doc).

    Parameters
    ----------
    headers
        The analysis config's ``headers``.
    label, predicted_label, probability
        The config's keys of those names (JMESPaths or column names), or None.
    features
        The ``features`` JMESPath for JSON requests (SageMaker's ``FeaturesAttribute``);
        None reads the request's one row as driftline reads any JSON payload (a
        ``{"features": [...]}`` object or an ``instances`` list of one).
    wanted
        The columns a bias run reads (facets, group, flip-test features); each must be a
        header, and only one, else ValueError.
    headers_end_with
        Which outputs (``label``, ``predicted_label``) the last headers name, as ``baseline
        suggest`` pinned it; None: those of ``label`` and ``predicted_label`` given.
    """

    def __init__(
        self,
        *,
        headers: Sequence[str],
        label: str | None = None,
        predicted_label: str | None = None,
        probability: str | None = None,
        features: str | None = None,
        wanted: Sequence[str] = (),
        headers_end_with: Sequence[str] | None = None,
    ) -> None:
        self.headers = tuple(str(h) for h in headers)
        absent = [name for name in wanted if name not in self.headers]
        if absent:
            msg = f"the bias config's headers {list(self.headers)} do not name {absent}"
            raise ValueError(msg)
        twice = sorted({name for name in wanted if self.headers.count(name) > 1})
        if twice:  # which position is the facet's? Never pick one silently.
            msg = f"the bias config's headers name {', '.join(twice)} more than once"
            raise ValueError(msg)
        self.wanted = tuple(wanted)
        if features is not None:
            check_features_path(features)
        self.features = features
        outputs_named: dict[str, Any] = {"label": label, "predicted_label": predicted_label}
        if headers_end_with is not None:
            outputs_named[HEADERS_END_WITH] = list(headers_end_with)
        self.json_headers = json_feature_headers(self.headers, outputs_named)
        self.output_headers = self.headers[len(self.json_headers) :]  # label's, prediction's
        outputs = {str(n) for n in (label, predicted_label, probability) if n is not None}
        self.csv_headers = tuple(h for h in self.headers if h not in outputs)

    @classmethod
    def from_settings(cls, settings: BiasSettings) -> BiasInputColumns | None:
        """The columns of a bias config with ``headers``; None without them.

        ValueError (one line) when a facet, group or flip-test column is no header, or the
        ``features`` path is not one driftline reads.
        """
        config = settings.config
        headers = config.get("headers")
        if not isinstance(headers, list) or not headers:
            return None
        return cls(
            headers=[str(h) for h in headers],
            label=settings.output_column("label"),
            predicted_label=settings.output_column("predicted_label"),
            probability=settings.output_column("probability"),
            features=_text(config.get("features")),
            wanted=row_columns(settings),  # a column index is resolved by the headers
            headers_end_with=json_output_headers(config),
        )

    def values(self, event: EventData | None) -> dict[str, Any]:
        """The wanted columns' values of a request of one row, or CaptureError saying why not."""
        rows = self.values_each(event)
        if len(rows) != 1:
            msg = MULTI_ROW_OUTPUT
            what = f"features {self.features!r}" if self._projects(event) else "the request"
            raise CaptureError(msg, f"{what} holds {len(rows)} rows")
        return rows[0]

    def values_each(self, event: EventData | None) -> list[dict[str, Any]]:
        """The wanted columns' values of each row (instance) of a request, in order."""
        if event is None:
            msg = MISSING_INPUT
            raise CaptureError(msg, "the capture has no endpointInput to read the facets from")
        if event.is_csv:
            rows, names, why = parse_payload(event).rows, self.csv_headers, self._csv_why()
        else:
            rows, names, why = self._json_rows(event), self.json_headers, self._json_why()
        return [self._named(row, names, why) for row in rows]

    def _projects(self, event: EventData | None) -> bool:
        return self.features is not None and event is not None and event.encoding != "CSV"

    def _named(
        self, values: Sequence[Any] | Mapping[str, Any], names: Sequence[str], why: str
    ) -> dict[str, Any]:
        if isinstance(values, Mapping):
            return {name: values.get(name) for name in self.wanted}
        if len(values) != len(names):
            msg = HEADERS_MISMATCH
            raise CaptureError(
                msg,
                f"the request holds {len(values)} feature values, but the bias config's headers "
                f"name {len(names)} features ({why})",
            )
        named = dict(zip(names, values, strict=True))
        return {name: named.get(name) for name in self.wanted}

    def _json_rows(self, event: EventData) -> Sequence[Sequence[Any] | Mapping[str, Any]]:
        if self.features is None:
            return parse_payload(event).rows
        document, by_lines = read_json_payload(event, "the JSON request")
        if by_lines:  # JSON Lines: the path is each line's, as Clarify reads a dataset's lines
            rows = [row for line in document for row in features_rows(line, self.features)]
        else:
            rows = features_rows(document, self.features)
        for row in rows:
            if not isinstance(row, list) or any(isinstance(v, list | dict) for v in row):
                msg = NO_FEATURES
                raise CaptureError(
                    msg, f"the request holds no list of feature values at {self.features!r}"
                )
        return rows

    def _json_why(self) -> str:
        shown = ", ".join(self.json_headers)
        if not self.output_headers:
            return shown
        if len(self.output_headers) == 1:
            return (
                f"{shown}; the last header, {self.output_headers[0]}, names the label of a JSON "
                "request"
            )
        label, predicted = self.output_headers
        return (
            f"{shown}; the last headers, {label} and {predicted}, name the label and the "
            "predicted label of a JSON request"
        )

    def _csv_why(self) -> str:
        left_out = [h for h in self.headers if h not in self.csv_headers]
        shown = ", ".join(self.csv_headers)
        return (
            f"{shown}; less the label and prediction {', '.join(left_out)}" if left_out else shown
        )


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def check_features_path(path: str) -> None:
    """ValueError unless ``path`` is a path driftline reads with at most one ``[*]``.

    >>> check_features_path("instances[*].features")
    >>> try:
    ...     check_features_path("a..b")
    ... except ValueError as error:
    ...     print(str(error).split(" is ")[0], "...", str(error).split("reads ")[1])
    features 'a..b' ... (an empty segment)
    """
    why = check_path(path)
    if why is None and path.count("*") > 1:
        why = "more than one [*]"
    if why is not None:
        msg = f"features {path!r} is not a JMESPath of keys, [n] and [*] driftline reads ({why})"
        raise ValueError(msg)


def features_rows(document: Any, path: str) -> list[Any]:
    """The rows ``path`` finds: one per element of its ``[*]`` projection, else the one found.

    Unlike JMESPath, a ``[*]`` projection keeps an element where nothing is found (as
    :data:`~ground_truth.json_path.MISSING`), so that row ``i`` is instance ``i``'s: leaving
    it out would give a later instance's facets to the prediction of an earlier one (the
    request is refused as ``no_features``). Without a projection, a list of lists found is
    the rows.

    >>> features_rows({"instances": [{"features": [1, 2]}, {"features": [3, 4]}]},
    ...               "instances[*].features")
    [[1, 2], [3, 4]]
    >>> features_rows({"features": [1, 2]}, "features"), features_rows({"m": [[1], [2]]}, "m")
    ([[1, 2]], [[1], [2]])
    """
    if has_projection(path):
        each = find_each(document, path)
        return [None] if each is None else each
    found = find(document, path)
    if isinstance(found, list) and found and all(isinstance(v, list) for v in found):
        return found
    return [found]
