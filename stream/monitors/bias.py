"""Bias baselines and runs: Clarify's ``analysis.json`` and ``bias_drift_check`` over files.

The baseline reads the bias keys of a Clarify analysis config (``label_values_or_threshold``,
``facet``, ``group_variable``, ``probability_threshold``, ``label``, ``predicted_label``),
decides each facet's and the label's data type **once**, on the baseline data, with Clarify's
rule (:func:`~detectors.bias.selection.series_data_type`), and stores the config with those
types pinned (``data_type`` per facet, ``label_data_type``; keys Clarify does not define) in
``bias/analysis_config.json`` next to the baseline ``bias/analysis.json``. A run reuses the
pinned types, so a window never re-decides them.

One :class:`~detectors.bias.post_training_bias.PostTrainingBias` per facet computes both
stages (pre- and post-training metrics). FT (the flip test) runs on the feature columns the
baseline pinned as ``flip_test_features``: Clarify's ``headers`` when the config has them,
else the data file's columns, less the label, predicted-label and probability columns (and
each facet for its own test). As in Clarify, a non-numeric feature value leaves its row out
of FT, and FT errors ("FlipTest does not support non-numeric columns") when no row is left.

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
from pathlib import Path
from typing import Any, Literal, NamedTuple

from detectors.bias.analysis import BiasAnalysis, StageReport
from detectors.bias.bias_row import BiasRow
from detectors.bias.config import BiasConfig
from detectors.bias.drift_check import bias_drift_check
from detectors.bias.post_training_bias import PostTrainingBias
from detectors.bias.selection import CATEGORICAL, DataType, series_data_type
from detectors.violations import Violation
from stream.capture.predictions import LocatedPrediction
from stream.monitors.files import BaselineError, read_json, write_json

BIAS = "bias"
ANALYSIS = "analysis.json"
ANALYSIS_CONFIG = "analysis_config.json"


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


def read_bias_config(doc: Any) -> BiasConfig:
    """The typed bias keys of an analysis config; ValueError with a one-line reason."""
    if not isinstance(doc, Mapping):
        msg = "the bias config must be a JSON object"
        raise ValueError(msg)
    try:
        return BiasConfig.from_analysis_config(doc)
    except (KeyError, TypeError) as exc:
        msg = f"bad facet entry in the bias config: {exc}"
        raise ValueError(msg) from exc


def column_names(config: BiasConfig) -> list[str]:
    """The columns a bias baseline reads besides label and prediction: facets and group."""
    names = [str(f.name_or_index) for f in config.facets]
    if config.group_variable is not None:
        names.append(str(config.group_variable))
    return names


def _baseline_codes(analysis: BiasAnalysis) -> set[str]:
    stages = (analysis.pre_training, analysis.post_training)
    return {
        metric.code
        for stage in stages
        if stage is not None
        for _, entries in stage.facets
        for entry in entries
        for metric in entry.metrics
    }


def row_columns(settings: BiasSettings) -> list[str]:
    """The columns a bias run reads from a capture row: facets, group and flip-test features.

    >>> config = {"label": "y", "predicted_label": "p", "label_values_or_threshold": [1],
    ...           "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
    ...           "group_variable": "zip", "flip_test_features": ["age", "sex"]}
    >>> row_columns(BiasSettings(config, read_bias_config(config)))
    ['sex', 'zip', 'age']
    """
    names = column_names(settings.bias)
    names += [str(f) for f in settings.config.get("flip_test_features") or ()]
    return list(dict.fromkeys(names))


def flip_test_features(
    config: Mapping[str, Any], file_columns: Sequence[str], exclude: Sequence[str] = ()
) -> list[str]:
    """FT's feature columns: ``headers`` (else the file's), less label and model outputs.

    >>> flip_test_features({"label": "y", "predicted_label": "p"}, ["age", "y", "p", "sex"])
    ['age', 'sex']
    """
    headers = config.get("headers")
    candidates = [str(h) for h in headers] if isinstance(headers, list) else list(file_columns)
    outputs = [config.get(k) for k in ("label", "predicted_label", "probability")]
    dropped = {str(n) for n in (*outputs, *exclude) if n is not None}
    return [c for c in candidates if c not in dropped]


def pin_data_types(
    config: Mapping[str, Any],
    columns: Mapping[str, Sequence[Any]],
    features: Sequence[str] = (),
) -> BiasSettings:
    """Decide facet and label data types on baseline columns and write them into the config.

    ``features`` are pinned as ``flip_test_features`` (see :func:`flip_test_features`).
    """
    bias = read_bias_config(config)
    pinned = dict(config)
    facets = []
    for facet in bias.facets:
        values = facet.value_or_threshold
        data_type = series_data_type(columns[facet.name], values)
        if values is None and data_type != CATEGORICAL:
            data_type = CATEGORICAL  # one-versus-all runs per value; Clarify's rule needs it
        facets.append(
            {
                "name_or_index": facet.name_or_index,
                **({} if values is None else {"value_or_threshold": list(values)}),
                "data_type": data_type,
            }
        )
    pinned["facet"] = facets
    label = str(config.get("label"))
    pinned["label_data_type"] = series_data_type(columns[label], bias.label_values_or_threshold)
    if features:
        pinned["flip_test_features"] = list(features)
    return BiasSettings(pinned, bias)


class BiasRun:
    """Bias metrics of one window (or the baseline data): one detector per facet."""

    def __init__(self, settings: BiasSettings, *, probability_threshold: float | None = None):
        bias = settings.bias
        threshold = bias.probability_threshold if probability_threshold is None else (
            probability_threshold)  # fmt: skip
        self.settings = settings
        self.detectors = [
            PostTrainingBias(
                name=f"bias.{facet.name}",
                facet_name=facet.name,
                facet_values=facet.value_or_threshold,
                facet_data_type=settings.facet_data_type(i),
                label_name=str(settings.config.get("label", "label")),
                label_values=bias.label_values_or_threshold,
                label_data_type=settings.label_data_type,
                probability_threshold=threshold,
            )
            for i, facet in enumerate(bias.facets)
        ]
        features = [str(f) for f in settings.config.get("flip_test_features") or ()]
        self.flip_features = [
            tuple(f for f in features if f != facet.name) for facet in bias.facets
        ]

    @property
    def n(self) -> int:
        """Rows fed so far."""
        return self.detectors[0].n

    @property
    def n_invalid(self) -> int:
        """Rows left out by some facet (missing facet, label or prediction)."""
        return max(d.tally.n_invalid for d in self.detectors)

    def update(self, row: Mapping[str, Any], label: Any, prediction: LocatedPrediction) -> None:
        """Count one row: facet and group values from ``row``, label, and the prediction."""
        self.update_many([row], [label], [prediction])

    def update_many(self, rows: Sequence[Mapping[str, Any]], labels: Sequence[Any],
                    predictions: Sequence[LocatedPrediction]) -> None:  # fmt: skip
        """Count rows in order, as :meth:`update` does each; one batch per facet's detector."""
        group_name = self.settings.bias.group_variable
        groups = [None if group_name is None else _cell(row, group_name) for row in rows]
        facets = self.settings.bias.facets
        for facet, names, detector in zip(facets, self.flip_features, self.detectors, strict=True):
            where = facet.name_or_index
            detector.update_many([
                BiasRow(facet=_cell(row, where), label=label, predicted_label=p.predicted,
                        score=p.score, group=group,
                        features=tuple(row.get(n) for n in names) if names else None)
                for row, label, p, group in zip(rows, labels, predictions, groups, strict=True)
            ])  # fmt: skip

    def merge(self, other: BiasRun) -> None:
        """Absorb a run over other rows (another partition, a later delta)."""
        for mine, theirs in zip(self.detectors, other.detectors, strict=True):
            mine.merge(theirs)

    def to_state(self) -> list[dict[str, Any]]:
        """JSON-safe state: one detector state per facet."""
        return [d.to_state() for d in self.detectors]

    def restore(self, state: Sequence[Mapping[str, Any]]) -> None:
        """Take a :meth:`to_state` of a run with the same settings."""
        self.detectors = [PostTrainingBias.from_state(s) for s in state]

    def analysis(self) -> BiasAnalysis:
        """Both stages, one facet entry list per configured facet."""
        parts = [d.analysis() for d in self.detectors]
        return BiasAnalysis(
            _combine([p.pre_training for p in parts]), _combine([p.post_training for p in parts])
        )


def _cell(row: Mapping[str, Any], name_or_index: str | int) -> Any:
    if isinstance(name_or_index, int):
        values = list(row.values())
        return values[name_or_index] if name_or_index < len(values) else None
    return row.get(name_or_index)


def _combine(stages: Sequence[StageReport | None]) -> StageReport | None:
    present = [s for s in stages if s is not None]
    if not present:
        return None
    facets = tuple(f for s in present for f in s.facets)
    return StageReport(present[0].label, present[0].label_value_or_threshold, facets)


def save_bias_baseline(folder: Path, settings: BiasSettings, analysis: BiasAnalysis) -> None:
    """Write ``analysis.json`` (the constraints of a bias monitor) and the pinned config."""
    write_json(folder / ANALYSIS, analysis.to_json())
    write_json(folder / ANALYSIS_CONFIG, settings.config)


class BiasBaseline(NamedTuple):
    """A loaded bias baseline: pinned settings and the baseline analysis."""

    settings: BiasSettings
    analysis: BiasAnalysis


def load_bias_baseline(folder: Path) -> BiasBaseline:
    """Read ``bias/analysis_config.json`` and ``bias/analysis.json``."""
    try:
        config = read_json(folder / ANALYSIS_CONFIG)
        settings = BiasSettings(dict(config), read_bias_config(config))
        analysis = BiasAnalysis.from_json(read_json(folder / ANALYSIS))
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"bias baseline in {folder} is not usable: {exc}"
        raise BaselineError(msg) from exc
    return BiasBaseline(settings, analysis)


def bias_violations(
    run: BiasRun,
    baseline: BiasAnalysis,
    mode: Literal["point", "bootstrap"] = "point",
    confidence: float = 0.999,
) -> tuple[BiasAnalysis, list[Violation]]:
    """The window's analysis and its ``bias_drift_check`` violations.

    ``point``: the window's value against the baseline's allowed range (SageMaker's
    documented example); ``bootstrap``: its normal-bootstrap interval at ``confidence``
    must miss the range (SageMaker's monitor). Only the metrics the baseline has are
    resampled. A window checks a dozen metrics: at 95 % one of them would miss by chance
    every few windows, hence the stricter default.
    """
    current = run.analysis()
    intervals = None
    if mode == "bootstrap":
        codes = _baseline_codes(baseline)
        intervals = {
            k: v
            for d in run.detectors
            for k, v in d.intervals(codes=codes, confidence=confidence).items()
        }
    count = run.n - run.n_invalid
    return current, bias_drift_check(
        current, baseline, mode=mode, intervals=intervals, sample_count=count
    )
