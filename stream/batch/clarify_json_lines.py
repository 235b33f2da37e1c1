"""A Clarify-shaped JSON Lines dataset: each line's features at the bias config's ``features``.

AWS's bias and explainability monitor examples for JSON Lines endpoints baseline on lines
such as ``{"features": [41, 2, 0.4], "label": 1}``, with a Clarify
``DataConfig(dataset_type="application/jsonlines", features="features", label="label",
headers=[…, "Target"])``. Clarify reads such a dataset as a table (AWS's analysis
configuration doc):

- ``features`` is a JMESPath "applied to each line to extract the features for that
  record"; ``label`` (and ``predicted_label``, when the dataset holds the model's
  predictions) a JMESPath "written to extract the ground truth label from the dataset";
- ``headers`` name the columns in Clarify's order: the feature names, then the label's
  ("the last header becomes the header of the label column", AWS's bias monitor doc), then
  the predicted label's when the config gives ``predicted_label`` (AWS's analysis
  configuration doc), so the features take every header but those last ones.

:class:`ClarifyJsonLines` reads a data file that way for ``baseline suggest`` when the
``--bias-config`` says ``"dataset_type": "application/jsonlines"`` and gives ``features``.
It reuses the readers the capture side follows the same config with: the path evaluator of
:mod:`ground_truth.json_path` (which ground truth's ``label`` is also read with) and
:func:`~stream.monitors.bias_columns.check_features_path`. The rows it gives are named:

- the features by their headers, as the bias monitor names a ``{"features": [...]}``
  request's values (:class:`~stream.monitors.bias_columns.BiasInputColumns`): both take
  the headers less the label's and the predicted label's by one rule,
  :func:`~stream.monitors.bias_settings.json_feature_headers`, so a baseline names the
  columns of its captures as the monitor does;
- the label, predicted label and probability by the config's own text for them (the path),
  the name :meth:`~stream.monitors.bias_settings.BiasSettings.output_column` gives, so the
  bias baseline reads them as it reads a CSV's label column; a probability is read from
  the dataset as a predicted label is (driftline's key; Clarify's is the predictor's).

The data-quality baseline of such a file profiles the feature columns alone
(:attr:`ClarifyJsonLines.features`, :func:`profile_features`), and ``analyze --data`` reads
a data file against that baseline the same way, as the bias config ``baseline suggest``
pinned in the baseline folder says (:func:`baseline_layout`). A JSON Lines endpoint's
request is ``{"features": [...]}`` and its answer a JSON object, so its monitor names the
request's values positionally from the baseline's features with ``capture_index_names:
[endpointInput]`` (``--capture-index-names endpointInput``); a ``Target`` column in the
baseline would be missing from every window (``missing_column_check``). Profiling the label
and prediction as well would need the output's columns first, which a JSON answer's keys
do not give.

A config of ``dataset_type`` ``application/json`` (Clarify's one-document dataset, as AWS's
bias monitor example for a JSON endpoint baselines on) is read by the same layout with
``document`` set: the paths are evaluated over the whole document
(:mod:`stream.batch.clarify_json_document`), and its records are named and counted as the
same records given one a line would be.

A line whose features are missing, not a flat list, or not one value per feature header is
counted as malformed (``no_features``, ``features_not_a_list``, ``features_count``) and
skipped, as other unreadable lines are; a file with no usable line is refused
(:class:`~stream.batch.data_files.DataFileError`). A label, prediction or probability the
line lacks (or holds as an array or object) is missing (``None``): the bias baseline leaves
that row out, as it does a CSV row with a blank label.

Examples
--------
>>> layout = ClarifyJsonLines.from_config({
...     "dataset_type": "application/jsonlines", "features": "features", "label": "label",
...     "headers": ["Age", "Sex", "Target"]})
>>> layout.features, layout.names
(('Age', 'Sex'), ('Age', 'Sex', 'label'))
>>> ClarifyJsonLines.from_config({
...     "dataset_type": "application/jsonlines", "features": "features", "label": "label",
...     "predicted_label": "predicted_label",
...     "headers": ["Age", "Sex", "Target", "Prediction"]}).features
('Age', 'Sex')
>>> counts = ReadCounts()
>>> layout.columns([{"features": [41, 0], "label": 1}, {"features": [7], "label": 0}], counts)
{'Age': [41], 'Sex': [0], 'label': [1]}
>>> counts.reasons
{'features_count': 1}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detectors.quality.dataset_profile import DatasetProfile
from ground_truth.json_path import MISSING, check_path, find
from stream.batch.clarify_json_document import JSON_DOCUMENT, document_records
from stream.batch.data_files import (
    ColumnBatch,
    DataFileError,
    FeaturesReading,
    ReadCounts,
    each_part,
    text_parts,
)
from stream.batch.json_lines_rows import BATCH_ROWS, object_chunks
from stream.capture.payloads import CONTAINERS
from stream.monitors.bias_columns import check_features_path
from stream.monitors.bias_settings import json_feature_headers, json_output_headers
from stream.monitors.files import MALFORMED, not_usable, read_json

JSON_LINES = "application/jsonlines"
NO_FEATURES, NOT_A_LIST, FEATURES_COUNT = "no_features", "features_not_a_list", "features_count"
_OUTPUT_KEYS = ("label", "predicted_label", "probability")


@dataclass(frozen=True)
class ClarifyJsonLines:
    """How to read a JSON Lines dataset (or JSON document) as a Clarify config does.

    See the module doc. ``features`` are the feature headers, in order; ``outputs`` maps
    each model-output column name (the config's path text) to that path;
    ``output_headers`` are the headers that name the label and the predicted label, after
    the features; ``document``, whether the paths are over one JSON document
    (``application/json``) rather than each line.
    """

    features_path: str
    features: tuple[str, ...]
    outputs: tuple[tuple[str, str], ...]
    output_headers: tuple[str, ...] = ()  # the headers after the features: label's, prediction's
    document: bool = False  # application/json: each part one document, the paths over it

    @property
    def names(self) -> tuple[str, ...]:
        """Every column the rows hold: the features, then the model outputs."""
        return (*self.features, *(name for name, _ in self.outputs))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ClarifyJsonLines | None:
        """The layout of a JSON Lines (or JSON) config with ``features``; None for any other.

        A config of ``dataset_type`` ``application/json`` reads one document, its paths over
        the whole of it (:mod:`stream.batch.clarify_json_document`). ValueError (one line)
        when such a config cannot name the values: no ``headers``, a feature header given
        twice, a ``label`` (or prediction) that is no path.
        """
        path = config.get("features")
        dataset_type = config.get("dataset_type")
        if dataset_type not in (JSON_LINES, JSON_DOCUMENT) or path is None or path == "":
            return None
        document = dataset_type == JSON_DOCUMENT
        what = "JSON" if document else "JSON Lines"
        check_features_path(str(path))
        headers = config.get("headers")
        outputs_named = json_output_headers(config)
        if not isinstance(headers, list) or len(headers) <= len(outputs_named):
            msg = (
                f"a {what} dataset read at features {path!r} needs the config's headers: "
                f"a name for each feature value, then {_trailing_names(outputs_named)} "
                "(Clarify's order)"
            )
            raise ValueError(msg)
        features = json_feature_headers([str(h) for h in headers], config)
        twice = sorted({h for h in features if features.count(h) > 1})
        if twice:
            msg = f"the bias config's headers name {', '.join(twice)} more than once"
            raise ValueError(msg)
        outputs = tuple(_output_paths(config, document))
        clash = [name for name, _ in outputs if name in features]
        if clash:
            msg = (
                f"{clash[0]!r} is both a feature header and the path of a model output; "
                f"in a {what} config, label and predicted_label are paths into "
                f"{_INTO[document]}"
            )
            raise ValueError(msg)
        output_headers = tuple(str(h) for h in headers[len(features) :])
        return cls(str(path), features, outputs, output_headers, document)

    def batches(
        self, path: Path, counts: ReadCounts, progress: Callable[[int], None] | None = None
    ) -> Iterator[ColumnBatch]:
        """The dataset's usable lines as column batches of at most :data:`BATCH_ROWS` rows.

        ``path`` is a file or a folder of part files (read in turn, as one file; of a JSON
        document dataset, each part one document). After the last batch, DataFileError when
        no line held usable features (the reasons counted say why).
        """
        parts = text_parts(path, "jsonl")
        return self._batches(path, parts, counts, progress)

    def _batches(
        self,
        path: Path,
        parts: list[Path],
        counts: ReadCounts,
        progress: Callable[[int], None] | None,
    ) -> Iterator[ColumnBatch]:
        rows_before = counts.rows
        pending: list[Any] = []
        read: Callable[[Path, Callable[[int], None] | None], Iterator[list[Any]]]
        read = self._document_chunks if self.document else _object_chunks(counts)
        chunks: Iterator[list[Any]] = each_part(path, parts, read, progress)
        for objects in chunks:
            pending.extend(objects)
            while len(pending) >= BATCH_ROWS:
                yield self._batch(pending[:BATCH_ROWS], counts)
                del pending[:BATCH_ROWS]
        if pending:
            yield self._batch(pending, counts)
        if counts.rows == rows_before:
            raise DataFileError(self._nothing_usable(path, counts))

    def _document_chunks(
        self, part: Path, progress: Callable[[int], None] | None
    ) -> Iterator[list[tuple[Any, ...]]]:
        """A JSON document's records, as (features, *outputs*) found (see the module doc)."""
        yield document_records(part, self.features_path, [p for _, p in self.outputs])
        if progress is not None:
            progress(part.stat().st_size)

    def _batch(self, objects: list[Any], counts: ReadCounts) -> ColumnBatch:
        if self.document:
            columns = self.record_columns(objects, counts)
        else:
            columns = self.columns(objects, counts)
        n_rows = len(columns[self.features[0]])
        counts.rows += n_rows
        return ColumnBatch(columns, n_rows)

    def columns(self, objects: Sequence[Any], counts: ReadCounts) -> dict[str, list[Any]]:
        """The named columns of the lines' objects; a line without usable features counted."""
        paths = [output_path for _, output_path in self.outputs]
        records = (
            (find(obj, self.features_path), *(find(obj, p) for p in paths)) for obj in objects
        )
        return self.record_columns(records, counts)

    def record_columns(
        self, records: Iterable[Sequence[Any]], counts: ReadCounts
    ) -> dict[str, list[Any]]:
        """The named columns of records found as (features, *outputs*); bad features counted."""
        width = len(self.features)
        columns: dict[str, list[Any]] = {name: [] for name in self.names}
        feature_columns = [columns[name] for name in self.features]
        output_columns = [columns[name] for name, _ in self.outputs]
        for found, *outputs in records:
            if found is MISSING or found is None:
                counts.count(NO_FEATURES)
                continue
            if type(found) is not list or any(isinstance(v, CONTAINERS) for v in found):
                counts.count(NOT_A_LIST)
                continue
            if len(found) != width:
                counts.count(FEATURES_COUNT)
                continue
            for column, value in zip(feature_columns, found, strict=True):
                column.append(value)
            for column, value in zip(output_columns, outputs, strict=True):
                missing = value is MISSING or isinstance(value, CONTAINERS)
                column.append(None if missing else value)
        return columns

    def _nothing_usable(self, path: Path, counts: ReadCounts) -> str:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(counts.reasons.items()))
        return (
            f"no {'record' if self.document else 'line'} of {path.name} holds a list of "
            f"{len(self.features)} feature values at {self.features_path!r} "
            f"({reasons or 'no JSON object lines'}); the bias config's "
            f"headers name {len(self.features)} features ({', '.join(self.features)}; "
            f"{self._outputs_said()})"
        )

    def _outputs_said(self) -> str:
        """Which last headers name the label and prediction (Clarify's order), in words."""
        if len(self.output_headers) == 2:
            label, predicted = self.output_headers
            return f"the last headers, {label} and {predicted}, name the label and prediction"
        if len(self.output_headers) == 1:
            return f"the last header, {self.output_headers[0]}, names the label"
        return "no header names the label"


def _trailing_names(outputs_named: tuple[str, ...]) -> str:
    """``the label's`` or ``the label's and the predicted label's``, for a message."""
    said = {"label": "the label's", "predicted_label": "the predicted label's"}
    return " and ".join(said[k] for k in outputs_named) or "nothing else"


def profile_features(
    profile: DatasetProfile,
    data: Path,
    layout: FeaturesReading,
    counts: ReadCounts,
    progress: Callable[[int], None] | None = None,
) -> DatasetProfile:
    """Profile the feature columns of each usable line, by header (model outputs left out)."""
    for batch in layout.batches(data, counts, progress):
        features = {name: batch.columns[name] for name in layout.features}
        profile.update_columns(features, batch.n_rows)
    return profile


def baseline_layout(baseline: Path) -> ClarifyJsonLines | None:
    """The layout of the bias config pinned in a baseline folder (``bias/analysis_config.json``).

    None when the folder has no bias baseline or its config reads no JSON Lines (or JSON
    document) ``features``; BaselineError (one line) for a config that cannot name the
    values.
    """
    path = baseline / "bias" / "analysis_config.json"
    if not path.is_file():
        return None
    config = read_json(path)
    try:
        if not isinstance(config, Mapping):
            msg = "the bias config must be a JSON object"
            raise ValueError(msg)
        return ClarifyJsonLines.from_config(config)
    except MALFORMED as exc:
        what = "bias baseline"
        raise not_usable(what, path.parent, exc) from exc


_INTO = {False: "each line", True: "the whole document"}


def _output_paths(config: Mapping[str, Any], document: bool) -> Iterator[tuple[str, str]]:
    """Each model output the config reads from the dataset: (its column name, its path)."""
    for key in _OUTPUT_KEYS:
        value = config.get(key)
        if value is None or value == "":
            continue
        why = check_path(value) if isinstance(value, str) else "a column index, not a path"
        if why is not None:
            example = f"instances[*].{key}" if document else key
            msg = (
                f"{key} {value!r} is not a JMESPath into {_INTO[document]} ({why}); a JSON "
                f"{'' if document else 'Lines '}dataset names its {key} by a path such as "
                f'"{example}"'
            )
            raise ValueError(msg)
        yield value, value


def _object_chunks(
    counts: ReadCounts,
) -> Callable[[Path, Callable[[int], None] | None], Iterator[list[dict[str, Any]]]]:
    """A reader of one part's JSON objects in chunks, telling ``progress`` its bytes read."""

    def read(part: Path, progress: Callable[[int], None] | None) -> Iterator[list[dict[str, Any]]]:
        with part.open("rb") as handle:
            for objects in object_chunks(handle, counts):
                yield objects
                if progress is not None:
                    progress(handle.tell())

    return read
