"""The bias settings of a monitor: Clarify's analysis-config keys, with data types pinned.

The baseline reads the bias keys of a Clarify analysis config (``label_values_or_threshold``,
``facet``, ``group_variable``, ``probability_threshold``, ``label``, ``predicted_label``),
decides each facet's and the label's data type **once**, on the baseline data, with Clarify's
rule (:func:`~detectors.bias.selection.series_data_type`), and stores the config with those
types pinned (``data_type`` per facet, ``label_data_type``; keys Clarify does not define) in
``bias/analysis_config.json`` next to the baseline ``bias/analysis.json``. A run reuses the
pinned types, so a window never re-decides them. This module also names the columns a
baseline or a run reads: facets, ``group_variable`` and the flip test's features, each by
name (a column index is resolved to its name first: :mod:`stream.monitors.bias_indices`).

A Clarify config has no ``data_type``: Clarify decides it from the data. For a baseline
Clarify wrote (its ``analysis.json`` beside the config it ran), :func:`pin_written_data_types`
reads the types from the strings Clarify wrote: an interval ``"(t, max]"`` for a continuous
facet or label, the values for a categorical one. A type neither the config nor the baseline
shows stays categorical; a run then reports a facet that matches no row.

Examples
--------
>>> config = {"label": "y", "predicted_label": "p", "label_values_or_threshold": [1],
...           "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}]}
>>> settings = pin_data_types(config, {"sex": ["F", "M", "F", "M"], "y": [1, 0, 1, 1]})
>>> settings.config["facet"][0]["data_type"], settings.config["label_data_type"]
('categorical', 'continuous')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from detectors.bias.analysis import BiasAnalysis
from detectors.bias.config import BiasConfig
from detectors.bias.selection import (
    CATEGORICAL,
    CONTINUOUS,
    DataType,
    parse_number,
    series_data_type,
    written_data_type,
)
from stream.monitors.bias_indices import column_of

__all__ = [
    "BiasSettings",
    "column_names",
    "flip_test_features",
    "HEADERS_END_WITH",
    "json_feature_headers",
    "json_output_headers",
    "pin_headers_end",
    "names_no_column",
    "pin_data_types",
    "names_outputs_last",
    "pin_headers_flip_test_features",
    "pin_written_data_types",
    "read_bias_config",
    "row_columns",
]


class BiasSettings(NamedTuple):
    """A validated bias config with pinned data types."""

    config: dict[str, Any]
    bias: BiasConfig

    @property
    def label_data_type(self) -> DataType:
        """The label's (and predicted label's) data type."""
        value = self.config.get("label_data_type", CATEGORICAL)
        return "continuous" if value == "continuous" else "categorical"

    def facet_data_type(self, i: int) -> DataType:
        """The data type of the i-th facet."""
        value = self.config["facet"][i].get("data_type", CATEGORICAL)
        return "continuous" if value == "continuous" else "categorical"

    def column(self, name_or_index: Any) -> str:
        """The column a config value names: itself, or the name an index was resolved to."""
        return column_of(self.config, name_or_index)

    @property
    def facet_columns(self) -> list[str]:
        """The column of each facet, in config order."""
        return [self.column(f.name_or_index) for f in self.bias.facets]

    @property
    def group_column(self) -> str | None:
        """The ``group_variable`` column, or None."""
        group = self.bias.group_variable
        return None if group is None else self.column(group)

    def output_column(self, key: str) -> str | None:
        """The column of ``label``, ``predicted_label`` or ``probability``, or None if unset."""
        value = self.config.get(key)
        if names_no_column(value):
            return None
        return column_of(self.config, value, strict=False)  # unresolved: read by no run

    @property
    def label_header(self) -> str:
        """The label's name in ``analysis.json``, as Clarify writes it.

        A CSV label is a header itself; a JSON (Lines) label is a JMESPath into each record,
        and Clarify names its column by its header among the last ``headers``
        (:func:`json_output_headers`): ``instances[*].label`` with headers ending in
        ``Target`` is ``Target``. Without headers to name it, the path as written.

        >>> config = {"label": "instances[*].label", "headers": ["Age", "Sex", "Target"],
        ...           "label_values_or_threshold": [1],
        ...           "facet": [{"name_or_index": "Sex", "value_or_threshold": [0]}]}
        >>> BiasSettings(config, read_bias_config(config)).label_header
        'Target'
        """
        label = self.output_column("label")
        headers = self.config.get("headers")
        if label is None or not isinstance(headers, list) or label in (str(h) for h in headers):
            return label or "label"
        outputs = json_output_headers(self.config)
        if not names_outputs_last(self.config) or "label" not in outputs:
            return label
        if len(headers) <= len(outputs):
            return label
        return str(headers[len(headers) - len(outputs)])


def names_no_column(value: Any) -> bool:
    """Whether a config's ``label``, ``predicted_label`` or ``probability`` is unset.

    None or empty text; index ``0`` names the first column.
    """
    return value is None or value == ""


def read_bias_config(doc: Any) -> BiasConfig:
    """The typed bias keys of an analysis config; ValueError with a one-line reason."""
    if not isinstance(doc, Mapping):
        msg = "the bias config must be a JSON object"
        raise ValueError(msg)
    try:
        return BiasConfig.from_analysis_config(doc)
    except (KeyError, TypeError, AttributeError) as exc:
        msg = f"bad facet entry in the bias config: {type(exc).__name__}: {exc}"
        raise ValueError(msg) from exc


def column_names(settings: BiasSettings) -> list[str]:
    """The columns a bias baseline reads besides label and prediction: facets and group."""
    names = settings.facet_columns
    if settings.group_column is not None:
        names.append(settings.group_column)
    return names


def row_columns(settings: BiasSettings) -> list[str]:
    """The columns a bias run reads from a capture row: facets, group and flip-test features.

    >>> config = {"label": "y", "predicted_label": "p", "label_values_or_threshold": [1],
    ...           "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
    ...           "group_variable": "zip", "flip_test_features": ["age", "sex"]}
    >>> row_columns(BiasSettings(config, read_bias_config(config)))
    ['sex', 'zip', 'age']
    """
    names = column_names(settings)
    names += [str(f) for f in settings.config.get("flip_test_features") or ()]
    return list(dict.fromkeys(names))


def flip_test_features(
    config: Mapping[str, Any], file_columns: Sequence[str], exclude: Sequence[str] = ()
) -> list[str]:
    """FT's feature columns: ``headers`` (else the file's), less label and model outputs.

    Less the ``joinsource_name_or_index`` column too: Clarify documents it as "only used as
    an identifier, and not used for any other computations".

    For a JSON Lines (or JSON) dataset, ``headers`` end with the label's and the predicted
    label's names (:func:`json_feature_headers`), so those headers are no features: AWS's
    model bias monitor examples give fourteen feature names and ``"Target"`` beside
    ``"label": "label"``.

    >>> flip_test_features({"label": "y", "predicted_label": "p"}, ["age", "y", "p", "sex"])
    ['age', 'sex']
    >>> flip_test_features({"label": "y", "joinsource_name_or_index": "id"}, ["id", "age", "y"])
    ['age']
    >>> flip_test_features({"dataset_type": "application/jsonlines", "label": "label",
    ...                     "headers": ["age", "sex", "Target"]}, ["age", "sex", "label"])
    ['age', 'sex']

    So are those of a bias monitor's config, which has no ``dataset_type``
    (:func:`names_outputs_last`).
    """
    headers = config.get("headers")
    candidates = [str(h) for h in headers] if isinstance(headers, list) else list(file_columns)
    if names_outputs_last(config):
        candidates = list(json_feature_headers(candidates, config))
    outputs = [config.get(k) for k in ("label", "predicted_label", "probability", JOINSOURCE)]
    outputs = [None if n is None else column_of(config, n, strict=False) for n in outputs]
    dropped = {str(n) for n in (*outputs, *exclude) if n is not None}
    return [c for c in candidates if c not in dropped]


def names_outputs_last(config: Mapping[str, Any]) -> bool:
    """Whether ``headers`` are a JSON dataset's: the features, then the outputs' names.

    A JSON or JSON Lines ``dataset_type`` says so. The SDK's bias monitor config
    (``BiasAnalysisConfig``: bias keys, ``headers``, ``label``) has no ``dataset_type``;
    there a ``label`` that is no header is a JMESPath into a JSON record, named by the last
    headers (AWS's JSON example: ``instances[*].label``, headers ending in ``Target``),
    while a CSV label is a header itself.

    >>> names_outputs_last({"headers": ["age", "Target"], "label": "instances[*].label"})
    True
    >>> names_outputs_last({"headers": ["Target", "age"], "label": "Target"})
    False
    """
    headers = config.get("headers")
    if not isinstance(headers, list):
        return False
    dataset_type = config.get("dataset_type")
    if dataset_type is not None:
        return dataset_type in _JSON_DATASET_TYPES
    label = config.get("label")
    return isinstance(label, str) and label not in (str(h) for h in headers)


def pin_headers_flip_test_features(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with FT's feature columns pinned from its ``headers``, if it has none pinned.

    A config Clarify ran (its bias monitor's ``BiasAnalysisConfig``) names the dataset's
    columns in ``headers`` but pins no ``flip_test_features``: the features are those
    headers less the label and model outputs (:func:`flip_test_features`), as
    ``baseline suggest`` pins them. Without ``headers`` the config comes back as it is.

    >>> pin_headers_flip_test_features({"label": "y", "headers": ["age", "sex", "y"]})
    {'label': 'y', 'headers': ['age', 'sex', 'y'], 'flip_test_features': ['age', 'sex']}
    """
    if "flip_test_features" in config or not isinstance(config.get("headers"), list):
        return dict(config)
    return {**config, "flip_test_features": flip_test_features(config, ())}


_JSON_DATASET_TYPES = ("application/jsonlines", "application/json")
JOINSOURCE = "joinsource_name_or_index"  # an identifier column, no feature


HEADERS_END_WITH = "headers_end_with"  # pinned by baseline suggest; a key Clarify does not define
_OUTPUT_KEYS = ("label", "predicted_label")


def json_output_headers(config: Mapping[str, Any]) -> tuple[str, ...]:
    """Which model outputs a JSON dataset's ``headers`` name after the features, in order.

    Clarify loads a JSON Lines (or JSON) dataset as a table whose ``headers`` are, in order,
    the feature names, the label's name when the config gives ``label``, and the predicted
    label's when it gives ``predicted_label`` (AWS's analysis configuration doc; with a
    label alone, "the last header shall be the header of label column"). ``probability``, a
    key driftline reads besides Clarify's, takes no header. ``baseline suggest`` pins the
    answer for the config as written (:func:`pin_headers_end`), so a label or prediction
    its options add names no header.

    >>> json_output_headers({"label": "label", "predicted_label": "predicted_label"})
    ('label', 'predicted_label')
    >>> json_output_headers({"label": "label", "probability": "score"})
    ('label',)
    >>> json_output_headers({"label": "y", "predicted_label": "p", "headers_end_with": ["label"]})
    ('label',)

    A pinned value that is not a list of those keys (a hand-edited baseline) is a ValueError:
    read otherwise, the headers would name other columns than the baseline's.

    >>> json_output_headers({"label": "y", "headers_end_with": "label"})
    Traceback (most recent call last):
    ...
    ValueError: headers_end_with must be a list of 'label' and 'predicted_label' ...
    """
    pinned = config.get(HEADERS_END_WITH)
    if pinned is None:
        return tuple(k for k in _OUTPUT_KEYS if not names_no_column(config.get(k)))
    if not isinstance(pinned, list) or not all(k in _OUTPUT_KEYS for k in pinned):
        msg = (
            f"{HEADERS_END_WITH} must be a list of 'label' and 'predicted_label' (which model "
            f"outputs the last headers name, in that order), got {pinned!r}"[:300]
        )
        raise ValueError(msg)
    return tuple(k for k in _OUTPUT_KEYS if k in pinned)


def pin_headers_end(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with :data:`HEADERS_END_WITH` pinned from its own keys, when it has headers.

    Called on the config as the user wrote it, before ``--label-column`` or
    ``--prediction-column`` add a key: AWS's bias monitor examples list the features and the
    label's header alone, and give predictions elsewhere.

    >>> pin_headers_end({"headers": ["a", "Target"], "label": "label"})[HEADERS_END_WITH]
    ['label']
    """
    out = dict(config)
    if isinstance(config.get("headers"), list) and HEADERS_END_WITH not in config:
        out[HEADERS_END_WITH] = list(json_output_headers(config))
    return out


def json_feature_headers(headers: Sequence[str], config: Mapping[str, Any]) -> tuple[str, ...]:
    """The feature names among a JSON dataset's ``headers``: all but the model outputs' last.

    One rule for ``baseline suggest``'s reading of a JSON Lines dataset and for the bias
    monitor's naming of a captured JSON request (:func:`json_output_headers`).

    >>> json_feature_headers(["Age", "Sex", "Target", "Prediction"],
    ...                      {"label": "label", "predicted_label": "predicted_label"})
    ('Age', 'Sex')
    >>> json_feature_headers(["Age", "Sex", "Target"], {"label": "label"})
    ('Age', 'Sex')
    """
    return tuple(headers[: max(len(headers) - len(json_output_headers(config)), 0)])


def pin_data_types(
    config: Mapping[str, Any],
    columns: Mapping[str, Sequence[Any]],
    features: Sequence[str] = (),
) -> BiasSettings:
    """Decide facet and label data types on baseline columns and write them into the config.

    A type the config gives (``data_type`` on a facet, ``label_data_type``) stands; the others
    are decided by Clarify's rule on the columns. ``features`` are pinned as
    ``flip_test_features`` (see :func:`flip_test_features`). A column index in ``config``
    must be resolved already (:func:`~stream.monitors.bias_indices.pin_indexed_columns`).
    """
    bias = read_bias_config(config)
    pinned = dict(config)
    facets = []
    for entry, facet in zip(config["facet"], bias.facets, strict=True):
        values = facet.value_or_threshold
        column = columns[column_of(config, facet.name_or_index)]
        data_type = entry.get("data_type") or series_data_type(column, values)
        if values is None and data_type != CATEGORICAL:
            data_type = CATEGORICAL  # one-versus-all runs per value; Clarify's rule needs it
        _check_threshold(f"facet {facet.name!r}", data_type, values)
        facets.append(
            {
                "name_or_index": facet.name_or_index,
                **({} if values is None else {"value_or_threshold": list(values)}),
                "data_type": data_type,
            }
        )
    pinned["facet"] = facets
    label = column_of(config, config.get("label"))
    pinned["label_data_type"] = config.get("label_data_type") or series_data_type(
        columns[label], bias.label_values_or_threshold
    )
    _check_threshold(f"label {label!r}", pinned["label_data_type"], bias.label_values_or_threshold)
    if features:
        pinned["flip_test_features"] = list(features)
    return BiasSettings(pinned, bias)


def _check_threshold(what: str, data_type: Any, values: Sequence[Any] | None) -> None:
    """Refuse a continuous column whose ``value_or_threshold`` is not one number, as Clarify does.

    The bias detectors would refuse it too, but only once a run is built, without naming the
    column (``baseline suggest`` said "unexpected ValueError … a bug in driftline").

    >>> _check_threshold("facet 'age'", "continuous", ["old"])
    Traceback (most recent call last):
    ...
    ValueError: facet 'age' is continuous (...), so its value_or_threshold must be one number, ...
    """
    if data_type != CONTINUOUS or values is None:
        return
    if len(values) != 1 or parse_number(values[0]) is None:
        msg = (
            f"{what} is continuous (by its data_type or Clarify's rule on the data), so its "
            f"value_or_threshold must be one number, got {list(values)}"
        )
        raise ValueError(msg)


def pin_written_data_types(config: Mapping[str, Any], analysis: BiasAnalysis) -> BiasSettings:
    """Pin the data types ``config`` leaves out as the baseline ``analysis`` shows them.

    A type given in ``config`` stands. A facet with no value, several values or one value
    that is not a number is categorical (Clarify's rule needs no data for it); a numeric
    threshold takes the type its ``value_or_threshold`` string in ``analysis`` shows, the
    label likewise from ``label_value_or_threshold``. A type still unknown is left out.

    >>> from detectors.bias.analysis import FacetEntry, StageReport
    >>> config = {"label_values_or_threshold": [1], "facet": [
    ...     {"name_or_index": "F1", "value_or_threshold": [0.5]},
    ...     {"name_or_index": "sex", "value_or_threshold": ["F"]}]}
    >>> stage = StageReport("y", "1", (("F1", (FacetEntry("(0.5, 0.99]", ()),)),))
    >>> pinned = pin_written_data_types(config, BiasAnalysis(stage, None))
    >>> pinned.facet_data_type(0), pinned.facet_data_type(1), pinned.config["label_data_type"]
    ('continuous', 'categorical', 'categorical')
    """
    bias = read_bias_config(config)
    stages = [s for s in (analysis.pre_training, analysis.post_training) if s is not None]
    pinned = dict(config)
    facets = []
    for entry, facet in zip(config["facet"], bias.facets, strict=True):
        if "data_type" not in entry:
            values = facet.value_or_threshold
            written = [e.value_or_threshold for s in stages for name, es in s.facets
                       if name == facet.name for e in es]  # fmt: skip
            data_type = _config_data_type(values) or _shown_data_type(values, written)
            entry = entry if data_type is None else {**entry, "data_type": data_type}
        _check_threshold(f"facet {facet.name!r}", entry.get("data_type"), facet.value_or_threshold)
        facets.append(entry)
    pinned["facet"] = facets
    if "label_data_type" not in config:
        values = bias.label_values_or_threshold
        written = [s.label_value_or_threshold for s in stages]
        data_type = _config_data_type(values) or _shown_data_type(values, written)
        if data_type is not None:
            pinned["label_data_type"] = data_type
    _check_threshold("the label", pinned.get("label_data_type"), bias.label_values_or_threshold)
    return BiasSettings(pinned, bias)


def _config_data_type(values: Sequence[Any] | None) -> DataType | None:
    """Categorical when the config alone says so: no value, several, or not a number."""
    if values is None or len(values) != 1 or parse_number(values[0]) is None:
        return CATEGORICAL
    return None


def _shown_data_type(values: Sequence[Any] | None, written: Sequence[str]) -> DataType | None:
    return next((t for w in written if (t := written_data_type(values, w)) is not None), None)
