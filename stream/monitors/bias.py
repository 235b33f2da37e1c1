"""Bias runs and baselines: Clarify's ``analysis.json`` and ``bias_drift_check`` over files.

A run reads rows with the data types its settings pinned on the baseline data
(:mod:`stream.monitors.bias_settings`), so a window never re-decides them. The baseline is
``bias/analysis.json`` next to the pinned ``bias/analysis_config.json``.

One :class:`~detectors.bias.post_training_bias.PostTrainingBias` per facet computes both
stages (pre- and post-training metrics). FT (the flip test) runs on the feature columns the
baseline pinned as ``flip_test_features``: Clarify's ``headers`` when the config has them,
else the data file's columns, less the label, predicted-label and probability columns (and
each facet for its own test). As in Clarify, a non-numeric feature value leaves its row out
of FT, and FT errors ("FlipTest does not support non-numeric columns") when no row is left.

A facet whose values (or threshold) select no row, or every row, leaves facet d or facet a
empty and the metrics of that facet null ("Facet set is empty"; CDDL and CDDPL 0).
:meth:`BiasRun.facet_rows` counts both sides and :meth:`FacetRows.warning` says so, so that
a run never reports such a facet as a quiet "Completed".

Rows a facet's detector leaves out (no facet value, no label or prediction, or one that is no
number for a continuous threshold) are counted by reason
(:mod:`detectors.bias.left_out`): :meth:`BiasRun.left_out_reasons` and
:func:`left_out_note` say them, and the worker counts them in
``driftline_unusable_labels_total`` under :func:`unusable_label_reasons`. With several facets
a row is counted once, under one reason: its label's or prediction's, else the first facet's
(config order) that leaves it out. The first facet's detector counts its own; the run counts
the rows it kept that a later facet leaves out
(:func:`~detectors.bias.left_out.first_facet_reason`; only a row some later facet cannot
place is judged further), summed across partitions and windows.

Examples
--------
>>> left_out_note({"facet_missing": 3, "label_not_a_number": 2}, joined=20)
'5 of 20 labelled rows left out of bias (facet_missing: 3, label_not_a_number: 2)'
>>> unusable_label_reasons()[:2]
('bias_label_missing', 'bias_label_not_a_number')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from detectors.bias.analysis import BiasAnalysis, StageReport
from detectors.bias.bias_row import BiasRow
from detectors.bias.drift_check import bias_drift_check
from detectors.bias.left_out import LEFT_OUT_REASONS, UNRECORDED, first_facet_reason
from detectors.bias.post_training_bias import PostTrainingBias
from detectors.bias.selection import DataType
from detectors.left_out_counts import add_counts, by_reason, reasons_state, restored_reasons
from detectors.violations import Violation
from ground_truth.json_path import check_path
from stream.capture.predictions import LocatedPrediction
from stream.monitors.bias_columns import BiasInputColumns
from stream.monitors.bias_indices import is_index, pin_indexed_columns
from stream.monitors.bias_settings import (
    BiasSettings,
    pin_headers_flip_test_features,
    pin_written_data_types,
)
from stream.monitors.files import MALFORMED, not_usable, read_json, write_json

BIAS = "bias"
ANALYSIS = "analysis.json"
ANALYSIS_CONFIG = "analysis_config.json"
# the bias reasons of driftline_unusable_labels_total, which model quality's share by monitor
UNUSABLE_PREFIX = "bias_"


def unusable_label_reasons() -> tuple[str, ...]:
    """Every reason bias can leave a joined row out for, as the unusable-labels counter names it."""
    return tuple(UNUSABLE_PREFIX + reason for reason in LEFT_OUT_REASONS)


def left_out_reasons_text(reasons: Mapping[str, int]) -> str:
    """``facet_missing: 3, label_not_a_number: 2`` (sorted by reason, zeros left out)."""
    return ", ".join(f"{reason}: {n}" for reason, n in sorted(reasons.items()) if n)


def left_out_note(reasons: Mapping[str, int], *, joined: int | None = None) -> str:
    """``5 labelled rows left out of bias (…)``; ``5 of 20 labelled rows`` with ``joined``."""
    total = sum(reasons.values())
    count = f"{total} of {joined}" if joined is not None else str(total)
    plural = "" if (joined if joined is not None else total) == 1 else "s"
    return f"{count} labelled row{plural} left out of bias ({left_out_reasons_text(reasons)})"


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


class FacetRows(NamedTuple):
    """How many rows of a window one configured facet put in facet d and in facet a."""

    facet: str
    facet_value: str  # the configured values (or threshold), comma-separated
    data_type: DataType
    is_pinned: bool  # the type was given or decided; False: categorical by default
    d: int  # rows selected by the facet's values (or above its threshold)
    a: int  # the other rows with a usable facet, label and prediction

    def warning(self) -> str | None:
        """Why every metric of the facet is null, when one side is empty; None otherwise.

        >>> FacetRows("F1", "0.5", "categorical", False, d=0, a=100).warning()
        'facet F1 value 0.5 (categorical by default) matched none of 100 rows: facet d is
        empty, so its bias metrics are null or 0; if 0.5 is a threshold, set "data_type":
        "continuous" on the facet in bias/analysis_config.json'
        >>> FacetRows("F1", "0.5", "continuous", True, d=40, a=60).warning() is None
        True
        """
        rows = self.d + self.a
        if rows == 0 or (self.d and self.a):
            return None
        how, side = ("none", "d") if self.d == 0 else ("every one", "a")
        kind = self.data_type if self.is_pinned else f"{self.data_type} by default"
        text = (
            f"facet {self.facet} value {self.facet_value} ({kind}) matched {how} of {rows} rows:"
            f" facet {side} is empty, so its bias metrics are null or 0"
        )
        if not self.is_pinned and self.d == 0:
            text += (
                f'; if {self.facet_value} is a threshold, set "data_type": "continuous" on the'
                f" facet in bias/{ANALYSIS_CONFIG}"
            )
        return text


class BiasRun:
    """Bias metrics of one window (or the baseline data): one detector per facet."""

    def __init__(
        self,
        settings: BiasSettings,
        *,
        probability_threshold: float | None = None,
        whole_output: bool = False,
    ):
        """One detector per facet; ``probability_threshold`` overrides the config's.

        ``whole_output``: the predictions come from a model output of one value, located with
        no ``inference_attribute`` nor ``probability_attribute``; :func:`one_value_is_prediction`
        says whether a number there is the predicted value or a score.
        """
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
                label_name=settings.label_header,
                label_values=bias.label_values_or_threshold,
                label_data_type=settings.label_data_type,
                probability_threshold=threshold,
            )
            for i, facet in enumerate(bias.facets)
        ]
        self.facet_columns = settings.facet_columns  # an index resolved to its column name
        self.group_column = settings.group_column
        features = [str(f) for f in settings.config.get("flip_test_features") or ()]
        self.flip_features = [
            tuple(f for f in features if f != column) for column in self.facet_columns
        ]
        # rows the first facet counted that a later facet left out, by reason; merge: sum
        self.left_out_later: dict[str, int] = {}
        self.score_is_prediction = whole_output and one_value_is_prediction(
            settings, probability_threshold
        )

    @property
    def n(self) -> int:
        """Rows fed so far."""
        return self.detectors[0].n

    @property
    def n_invalid(self) -> int:
        """Rows left out by some facet (missing facet, label or prediction)."""
        return self.detectors[0].tally.n_invalid + sum(self.left_out_later.values())

    def left_out_reasons(self) -> dict[str, int]:
        """Why the :attr:`n_invalid` rows were left out, by reason (they sum to it).

        One reason a row: its label's or prediction's (the same for every facet), else that
        of the first facet (config order) that left it out.
        """
        reasons = dict(self.detectors[0].tally.invalid_reasons)
        add_counts(reasons, self.left_out_later)
        return by_reason(reasons)

    def facet_rows(self) -> list[FacetRows]:
        """Rows in facet d and facet a, per facet configured with values (not one-versus-all)."""
        out = []
        settings = self.settings
        facets = zip(settings.bias.facets, settings.config["facet"], self.detectors, strict=True)
        for i, (facet, entry, detector) in enumerate(facets):
            if facet.value_or_threshold is None:
                continue
            split = detector.tally.counts.facet_split(True)
            out.append(
                FacetRows(
                    facet=facet.name,
                    facet_value=",".join(str(v) for v in facet.value_or_threshold),
                    data_type=settings.facet_data_type(i),
                    is_pinned="data_type" in entry,
                    d=split.d.n,
                    a=split.a.n,
                )
            )
        return out

    def update(self, row: Mapping[str, Any], label: Any, prediction: LocatedPrediction) -> None:
        """Count one row: facet and group values from ``row``, label, and the prediction."""
        self.update_many([row], [label], [prediction])

    def update_many(self, rows: Sequence[Mapping[str, Any]], labels: Sequence[Any],
                    predictions: Sequence[LocatedPrediction]) -> None:  # fmt: skip
        """Count rows in order, as :meth:`update` does each; one batch per facet's detector."""
        group = self.group_column
        groups = [None if group is None else _cell(row, group) for row in rows]
        cells = [[_cell(row, facet) for row in rows] for facet in self.facet_columns]
        predictions = [self._as_read(p) for p in predictions]
        for facet_cells, names, detector in zip(cells, self.flip_features, self.detectors,
                                                strict=True):  # fmt: skip
            detector.update_many([
                BiasRow(facet=facet, label=label, predicted_label=p.predicted,
                        score=p.score, group=group,
                        features=tuple(row.get(n) for n in names) if names else None)
                for row, facet, label, p, group
                in zip(rows, facet_cells, labels, predictions, groups, strict=True)
            ])  # fmt: skip
        self._count_left_out(cells, labels, predictions)

    def _as_read(self, prediction: LocatedPrediction) -> LocatedPrediction:
        """The prediction as bias reads it: a one-value output's number may be the prediction.

        The locator reads a one-value output's number as a score when model quality wants
        one (binary classification) or bias alone runs; against a continuous label with no
        probability threshold configured it is the predicted value (Clarify's rule, see
        :func:`one_value_is_prediction`).
        """
        if self.score_is_prediction and prediction.predicted is None and (
                prediction.score is not None):  # fmt: skip
            return LocatedPrediction(prediction.score, None)
        return prediction

    def _count_left_out(self, cells: Sequence[Sequence[Any]], labels: Sequence[Any],
                        predictions: Sequence[LocatedPrediction]) -> None:  # fmt: skip
        """Count the rows the first facet kept that a later facet left out, by its reason."""
        if len(cells) < 2:
            return
        first = self.detectors[0].tally
        later_selectors = [d.tally.facet for d in self.detectors[1:]]
        for i, later_values in enumerate(zip(*cells[1:], strict=True)):
            reason = first_facet_reason(later_values, later_selectors)
            if reason is None:
                continue
            p = predictions[i]
            row = BiasRow(facet=cells[0][i], label=labels[i], predicted_label=p.predicted,
                          score=p.score)  # fmt: skip
            if first.reason_left_out(row) is None:  # else the first facet counted it
                add_counts(self.left_out_later, {reason: 1})

    def merge(self, other: BiasRun) -> None:
        """Absorb a run over other rows (another partition, a later delta)."""
        for mine, theirs in zip(self.detectors, other.detectors, strict=True):
            mine.merge(theirs)
        add_counts(self.left_out_later, other.left_out_later)

    def to_state(self) -> dict[str, Any]:
        """JSON-safe state: one detector state per facet, and the rows later facets left out."""
        return {
            "detectors": [d.to_state() for d in self.detectors],
            "left_out_later": reasons_state(self.left_out_later),
        }

    def restore(self, state: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
        """Take a :meth:`to_state` of a run with the same settings.

        A state saved before the rows left out by any facet were counted (a list of detector
        states) restores the count those versions reported, that of the facet that left out
        the most rows: the first facet's reasons, and the rows beyond them as ``unrecorded``.
        """
        if isinstance(state, Mapping):
            self.detectors = [PostTrainingBias.from_state(s) for s in state["detectors"]]
            self.left_out_later = restored_reasons(state["left_out_later"], 0)
            return
        self.detectors = [PostTrainingBias.from_state(s) for s in state]
        beyond = max(d.tally.n_invalid for d in self.detectors) - self.detectors[0].tally.n_invalid
        self.left_out_later = {UNRECORDED: beyond} if beyond else {}

    def analysis(self) -> BiasAnalysis:
        """The stages and metrics the config's ``methods`` names, one entry list per facet."""
        parts = [d.analysis() for d in self.detectors]
        both = BiasAnalysis(
            _combine([p.pre_training for p in parts]), _combine([p.post_training for p in parts])
        )
        bias = self.settings.bias
        return both.selected(bias.pre_training_methods, bias.post_training_methods)


def one_value_is_prediction(settings: BiasSettings, probability_threshold: float | None) -> bool:
    """Whether a model output of one number is the predicted value itself, not a score.

    Clarify reads a model output with no ``label`` as "a single numeric value corresponding
    to the score or probability" (AWS's analysis-config page), and applies
    ``probability_threshold`` (default 0.5) "in the case of binary classification". For a
    regression model the SDK's ``ModelPredictedLabelConfig`` needs nothing ("the model
    returns the score, e.g. 1.2"), and AWS's pipelines example monitors a regression model's
    bias with ``ModelPredictedLabelConfig()`` and ``label_values_or_threshold=[15.0]``: the
    predicted value is held against the label's threshold, as the label is.

    So the one number is the prediction when the label is continuous (a threshold, not
    classes) and nothing makes it a score: no probability threshold given to the monitor
    (``[monitor.bias] probability_threshold``, ``analyze --probability-threshold``) or in
    the analysis config, and no ``probability`` column the baseline was computed from.
    Otherwise it is a score, 1 when above the threshold.

    >>> from stream.monitors.bias_settings import BiasSettings, read_bias_config
    >>> config = {"label": "rings", "label_values_or_threshold": [15.0],
    ...           "facet": [{"name_or_index": "sex", "value_or_threshold": ["M"]}]}
    >>> regression = BiasSettings({**config, "label_data_type": "continuous"},
    ...                           read_bias_config(config))
    >>> one_value_is_prediction(regression, None), one_value_is_prediction(regression, 0.8)
    (True, False)
    >>> classes = BiasSettings({**config, "label_data_type": "categorical"},
    ...                        read_bias_config(config))
    >>> one_value_is_prediction(classes, None)
    False
    """
    return (
        settings.label_data_type == "continuous"
        and probability_threshold is None
        and settings.config.get("probability_threshold") is None
        and settings.output_column("probability") is None
    )


def _cell(row: Mapping[str, Any], column: str) -> Any:
    """A row's facet or group value; an empty field (a blank CSV cell) is no value.

    As data quality counts it (``Missing``), as the config's ``headers`` read it
    (:mod:`stream.monitors.bias_columns`) and as ``baseline suggest`` reads a blank cell of
    its data file (null), so that a window never puts such a row in facet a.
    """
    value = row.get(column)
    return None if value == "" else value


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
    """A loaded bias baseline: pinned settings, the baseline analysis, and the input columns.

    ``input_columns`` names a capture request's facet, group and flip-test values by the
    config's ``headers`` (:mod:`stream.monitors.bias_columns`); None for a config without
    ``headers``, whose runs read the data-quality row. ``predictor`` is where the config's
    ``predictor`` finds the predicted label and the score (:func:`predictor_attributes`).
    """

    settings: BiasSettings
    analysis: BiasAnalysis
    input_columns: BiasInputColumns | None = None
    predictor: tuple[str | None, str | None] = (None, None)

    @property
    def label_path(self) -> str | None:
        """The config's ``label`` as a path into JSON-encoded ground truth, if it is one.

        Clarify's ``label`` is a JMESPath for JSON and JSON Lines datasets (``label``,
        ``instances[*].label``) and a column name or index for CSV; AWS's bias monitor
        examples write JSON ground truth shaped as their dataset's records, so the same
        path finds the label in ``groundTruthData.data``. An index is no path: None.
        """
        label = self.settings.config.get("label")
        return label if isinstance(label, str) and check_path(label) is None else None


def json_label_path(configured: str | None, bias: BiasBaseline | None) -> str | None:
    """Where a JSON-encoded label sits: the configured path, else the bias config's ``label``."""
    if configured is not None or bias is None:
        return configured
    return bias.label_path


def _check_flip_test_features(config: Mapping[str, Any]) -> None:
    """Refuse pinned FT features that are not a list of column names (a string, a number)."""
    features = config.get("flip_test_features")
    if features is None or (
        isinstance(features, list) and all(isinstance(f, str | int) for f in features)
    ):
        return
    msg = f"{ANALYSIS_CONFIG}: flip_test_features must be a list of column names, got {features!r}"
    raise ValueError(msg)


def load_bias_baseline(folder: Path) -> BiasBaseline:
    """Read ``bias/analysis_config.json`` and ``bias/analysis.json``.

    Data types the config leaves out (a config Clarify ran has none) are taken from the
    strings the baseline analysis shows (see
    :func:`~stream.monitors.bias_settings.pin_written_data_types`), and FT's feature
    columns from its ``headers`` (less label and outputs), as ``baseline suggest`` pins
    them. A config with ``headers`` must name every facet, group and flip-test column
    among them. A column
    index is resolved to its name by ``headers`` or the name ``baseline suggest`` pinned
    (:func:`~stream.monitors.bias_indices.pin_indexed_columns`), else refused.
    """
    reading = ANALYSIS
    try:
        config = read_json(folder / ANALYSIS_CONFIG)
        analysis = BiasAnalysis.from_json(read_json(folder / ANALYSIS))
        reading = ""  # what follows reads the config and the analysis together
        if analysis.pre_training is None and analysis.post_training is None:
            msg = (
                f"{ANALYSIS} holds no pre_training_bias_metrics or post_training_bias_metrics "
                "(a Clarify explainability analysis belongs in attribution/)"
            )
            raise ValueError(msg)
        config = pin_headers_flip_test_features(pin_indexed_columns(config))
        _check_flip_test_features(config)
        settings = pin_written_data_types(config, analysis)
        input_columns = BiasInputColumns.from_settings(settings)
        predictor = predictor_attributes(config)
    except MALFORMED as exc:
        error = not_usable("bias baseline", folder, exc, reading)
        raise error from exc
    return BiasBaseline(settings, analysis, input_columns, predictor)


def predictor_attributes(config: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Where a Clarify config's ``predictor`` finds the predicted label and the score.

    ``predictor.label`` and ``predictor.probability`` are Clarify's
    ``ModelPredictedLabelConfig`` (a column index of a CSV output, or a JMESPath into a JSON
    one); the SDK's bias monitor takes them as the schedule's ``inference_attribute`` and
    ``probability_attribute`` where it gives none (AWS's JSON bias-monitor example sets
    them only there). Each is None when absent; anything else is a ValueError.

    >>> predictor_attributes({"predictor": {"label": "predictions[*].predicted_label"}})
    ('predictions[*].predicted_label', None)
    >>> predictor_attributes({"predictor": {"probability": 0}}), predictor_attributes({})
    ((None, '0'), (None, None))
    """
    predictor = config.get("predictor")
    if predictor is None:
        return None, None
    if not isinstance(predictor, Mapping):
        msg = f"predictor must be a JSON object, got {type(predictor).__name__}"
        raise ValueError(msg)
    found: list[str | None] = []
    for key in ("label", "probability"):
        value = predictor.get(key)
        if value is None or is_index(value):
            found.append(None if value is None else str(value))
        elif isinstance(value, str) and check_path(value) is None:
            found.append(value)
        else:
            msg = (
                f"predictor.{key} must be a column index or a path like "
                f"'predictions[*].score', got {value!r}"[:300]
            )
            raise ValueError(msg)
    return found[0], found[1]


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
