"""A monitor's optional tables for the labelled monitors: labels, model quality, bias, attribution.

``[monitor.labels]`` always applies (its defaults bound the label join); the other three
tables each switch a monitor on when present. Environment overrides are
``DRIFTLINE_MONITOR_<NAME>_<SECTION>_<KEY>`` (e.g. ``..._MODEL_QUALITY_PROBABILITY_THRESHOLD``).
A baseline folder left unset defaults to ``<monitor baseline>/<section folder>``, the layout
``driftline baseline suggest`` writes; :class:`~stream.config.settings.MonitorConfig` fills it
in.

Examples
--------
>>> LabelSettings(a2i_answer_path="churned.label", a2i_value_map=(("yes", "1"), ("no", "0")))
... # doctest: +ELLIPSIS
LabelSettings(label_ttl_seconds=1209600.0, max_pending=1000000, ground_truth_attribute=None,
              a2i_answer_path='churned.label', a2i_inference_id_path='inferenceId',
              a2i_value_map=(('yes', '1'), ('no', '0')), a2i_consolidation='majority',
              a2i_tie_rule='reject')
>>> AttributionDriftSettings(shap_source="topic").ndcg_threshold
0.9
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from detectors.attribution import AGG_METHODS
from detectors.model_quality.statistics import PROBLEM_TYPES
from ground_truth.consolidation import METHODS, TIE_RULES
from ground_truth.json_path import check_path
from stream.config.values import ConfigError, ValuePairs

LABEL_TTL_SECONDS = 1_209_600.0  # 14 days: labels may arrive days after the prediction
MAX_PENDING = 1_000_000
MAX_PENDING_LIMIT = 100_000_000
SHAP_SOURCES = ("capture", "topic")
BIAS_DRIFT_CHECKS = ("bootstrap", "point")
# where ``driftline baseline suggest`` puts each labelled baseline inside the monitor baseline
BASELINE_FOLDERS = {"model_quality": "model_quality", "bias": "bias", "attribution": "attribution"}


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _one_of(value: object, allowed: tuple[str, ...], key: str) -> None:
    _check(value in allowed, f"{key} must be one of {', '.join(allowed)}, got {value!r}")


def _dotted_path(value: str | None, key: str) -> None:
    text = (value or "").removeprefix("$").removeprefix(".")
    _check(
        value is None or (bool(text) and all(text.split("."))),
        f"{key} must be a dotted path like 'churned.label', got {value!r}",
    )


def _label_path(value: str | None, key: str) -> None:
    problem = None if value is None else check_path(value)
    _check(
        problem is None,
        f"{key} must be a path like 'label' or 'instances[*].label', got {value!r} ({problem})",
    )


def _threshold(value: float | None, key: str) -> None:
    _check(value is None or 0.0 <= value <= 1.0, f"{key} must be in 0..1, got {value}")


@dataclass(frozen=True, slots=True)
class LabelSettings:
    """``[monitor.labels]``: how labels are read and how long the join waits for them.

    ``max_pending`` bounds the predictions that wait for a label in a capture partition:
    a new prediction that finds this many waiting is not kept and is counted
    (``driftline_predictions_evicted_total``). Labels waiting for their prediction are bounded
    by ``label_ttl_seconds`` only.

    ``ground_truth_attribute`` is where the label sits in a ground-truth record whose
    ``groundTruthData.encoding`` is ``"JSON"`` (AWS's bias monitor examples write ``data`` as
    the text ``{"label": 1}``): a JMESPath such as ``label`` or ``instances[*].label`` into
    ``data`` that must find one value (SageMaker calls the label's place
    ``ground_truth_attribute``). Unset, a monitor with ``[monitor.bias]`` takes its bias
    baseline's ``analysis_config.json`` ``label``; with neither, JSON-encoded labels are
    dead-lettered as ``no_label_path``. CSV-encoded labels need no path.

    The ``a2i_*`` keys read Amazon A2I human-loop outputs:
    the answer's dotted path in each ``answerContent``, the inference id's dotted path in
    ``inputContent``, an optional answer → label map, and how several workers' answers
    become one label (``ground_truth.consolidation``).
    """

    label_ttl_seconds: float = LABEL_TTL_SECONDS  # env ..._LABELS_LABEL_TTL_SECONDS
    max_pending: int = MAX_PENDING  # env ..._LABELS_MAX_PENDING
    ground_truth_attribute: str | None = None  # JSON labels; None: the bias config's label
    a2i_answer_path: str | None = None  # None: A2I records are refused
    a2i_inference_id_path: str = "inferenceId"
    a2i_value_map: ValuePairs | None = None  # env "yes=1,no=0"
    a2i_consolidation: str = "majority"  # majority, mean or median
    a2i_tie_rule: str = "reject"  # majority ties: reject, first or lowest

    def __post_init__(self) -> None:
        ttl = self.label_ttl_seconds
        # finite: labels waiting for their prediction are bounded by this alone
        _check(0 < ttl < math.inf, f"labels.label_ttl_seconds must be > 0 and finite, got {ttl}")
        pending = self.max_pending
        _check(
            1 <= pending <= MAX_PENDING_LIMIT,
            f"labels.max_pending must be in 1..{MAX_PENDING_LIMIT}, got {pending}",
        )
        _label_path(self.ground_truth_attribute, "labels.ground_truth_attribute")
        _dotted_path(self.a2i_answer_path, "labels.a2i_answer_path")
        _dotted_path(self.a2i_inference_id_path, "labels.a2i_inference_id_path")
        _one_of(self.a2i_consolidation, METHODS, "labels.a2i_consolidation")
        _one_of(self.a2i_tie_rule, TIE_RULES, "labels.a2i_tie_rule")


@dataclass(frozen=True, slots=True)
class ModelQualitySettings:
    """``[monitor.model_quality]``: SageMaker's model-quality monitor over joined labels.

    ``inference_attribute`` / ``probability_attribute`` locate the predicted label and the
    score in the capture output (a column index such as ``"0"``, or a JSON key / dotted
    path). The predicted label is the prediction and the score feeds AUC; only an output
    without a predicted label takes a score above ``probability_threshold`` as the positive
    class. With neither attribute the output's one value is the prediction (a score for
    binary classification, the value for regression, the label for multiclass).
    ``problem_type`` defaults to the one in the baseline's ``constraints.json`` /
    ``statistics.json``.
    """

    problem_type: str | None = None  # BinaryClassification, MulticlassClassification, Regression
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float = 0.5
    baseline: Path | None = None  # default <monitor baseline>/model_quality

    def __post_init__(self) -> None:
        if self.problem_type is not None:
            _one_of(self.problem_type, PROBLEM_TYPES, "model_quality.problem_type")
        _label_path(self.inference_attribute, "model_quality.inference_attribute")
        _label_path(self.probability_attribute, "model_quality.probability_attribute")
        _threshold(self.probability_threshold, "model_quality.probability_threshold")


@dataclass(frozen=True, slots=True)
class BiasDriftSettings:
    """``[monitor.bias]``: Clarify's post-training bias metrics per window, against a baseline.

    The baseline folder holds ``analysis.json`` and ``analysis_config.json`` (the Clarify
    analysis config — facet, label values, group variable — as ``driftline baseline suggest
    --bias-config`` writes it). The prediction is located like model quality's; unset
    attributes are taken from ``[monitor.model_quality]``, and with none anywhere the output's
    one value is the prediction (a number is a score, except against a continuous label
    with no probability threshold given here or in the analysis config: then it is the
    predicted value, held against the label's threshold, as Clarify reads a regression
    model). ``probability_threshold``
    overrides the analysis config's. ``drift_check`` is how a window's metric is held
    against the baseline's allowed range: ``bootstrap`` (SageMaker's monitor: the window's
    normal-bootstrap 99.9 % interval must miss the range) or ``point`` (the value itself).
    """

    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float | None = None
    drift_check: str = "bootstrap"  # or "point"
    baseline: Path | None = None  # default <monitor baseline>/bias

    def __post_init__(self) -> None:
        _threshold(self.probability_threshold, "bias.probability_threshold")
        _one_of(self.drift_check, BIAS_DRIFT_CHECKS, "bias.drift_check")


@dataclass(frozen=True, slots=True)
class AttributionDriftSettings:
    """``[monitor.attribution]``: global SHAP values per window ranked against the baseline.

    Local SHAP values come from the capture output at ``shap_path`` (``shap_source =
    "capture"``: one record's object, or one entry per instance of a request — plain
    objects or records of Clarify's ``kernel_shap``, a ``[*]`` projection such as
    ``predictions[*].shap``: :func:`~stream.labels.attributions.output_shap_records`;
    an output that is a SageMaker Clarify online explainability response gives
    each record's ``explanations.kernel_shap`` instead, its features named by the baseline's
    ``analysis_config.json`` headers where it has no ``feature_header``) or from
    ``<prefix>.attributions`` (``"topic"``: ``{"inferenceId", "shap"}`` keyed by
    inferenceId). ``agg_method`` defaults to the baseline's (its
    ``analysis_config.json``); a label whose nDCG falls below ``ndcg_threshold`` is a
    ``feature_attribution_drift_check`` violation.
    """

    shap_source: str = "capture"
    shap_path: str = "shap"  # path of the SHAP values (one record's, or per instance) in the output
    agg_method: str | None = None  # mean_abs, mean_sq or median
    ndcg_threshold: float = 0.9
    baseline: Path | None = None  # default <monitor baseline>/attribution

    def __post_init__(self) -> None:
        _one_of(self.shap_source, SHAP_SOURCES, "attribution.shap_source")
        _dotted_path(self.shap_path, "attribution.shap_path")
        if self.agg_method is not None:
            _one_of(self.agg_method, AGG_METHODS, "attribution.agg_method")
        threshold = self.ndcg_threshold
        _check(
            0.0 < threshold <= 1.0, f"attribution.ndcg_threshold must be in (0, 1], got {threshold}"
        )


__all__ = [
    "AttributionDriftSettings",
    "BiasDriftSettings",
    "LabelSettings",
    "ModelQualitySettings",
]
