"""Model-quality baselines and runs: ``model_quality/statistics.json`` and ``constraints.json``.

The baseline is computed from a labelled validation file (label column, prediction column
and/or score column, SageMaker's ``ground_truth_attribute`` / ``inference_attribute`` /
``probability_attribute``), with thresholds equal to the baseline metrics. A run feeds the
joined (capture, label) pairs to the problem type's detector and checks its statistics
against the baseline constraints, writing SageMaker's violations (camelCase rate names).

Examples
--------
>>> run = ModelQualityRun("BinaryClassification", probability_threshold=0.5)
>>> for label, score in [(1.0, 0.9), (0.0, 0.8), (1.0, 0.3), (0.0, 0.1)]:
...     run.update(label, LocatedPrediction(predicted=None, score=score))
>>> stats = run.statistics()
>>> stats.item_count, stats.metrics["accuracy"].value, stats.metrics["auc"].value
(4, 0.5, 0.75)

Joined labels the problem type cannot use are left out of the metrics and counted by reason:

>>> run.update("abc", LocatedPrediction(predicted=None, score=0.4))
>>> run.unusable_labels(), unusable_labels_note(run.unusable_labels())
({'not_binary': 1}, '1 label not usable for model quality (not 0/1: 1)')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from detectors.model_quality import (
    BinaryClassificationMetrics,
    LabeledPrediction,
    ModelQualityBaseline,
    ModelQualityConstraints,
    ModelQualityStatistics,
    MulticlassClassificationMetrics,
    RegressionMetrics,
    evaluate_constraints,
    suggest_baseline,
)
from detectors.model_quality.binary import BINARY_METRICS
from detectors.model_quality.constraints import CONSTRAINTS_KEY
from detectors.model_quality.left_out import (
    LEFT_OUT_REASONS,
    MISSING,
    NOT_A_NUMBER,
    NOT_BINARY,
    PREDICTION_MISSING,
    PREDICTION_NOT_A_NUMBER,
    PREDICTION_NOT_BINARY,
    TOO_MANY_CLASSES,
    UNRECORDED,
)
from detectors.model_quality.multiclass import MULTICLASS_METRICS
from detectors.model_quality.regression import REGRESSION_METRICS
from detectors.model_quality.statistics import BINARY, MULTICLASS, PROBLEM_TYPES, REGRESSION
from detectors.violations import Violation
from stream.capture.predictions import LocatedPrediction, score_value
from stream.monitors.files import (
    CONSTRAINTS,
    MALFORMED,
    MODEL_QUALITY,
    STATISTICS,
    BaselineError,
    not_usable,
    read_json,
    write_json,
)


def evaluation_time() -> str:
    """Now, as SageMaker writes ``dataset.evaluation_time`` (UTC, milliseconds, ``Z``)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def suggest_model_quality(
    problem_type: str,
    labels: Sequence[Any],
    predictions: Sequence[Any] | None,
    scores: Sequence[Any] | None,
    *,
    probability_threshold: float = 0.5,
) -> ModelQualityBaseline:
    """Baseline statistics and constraints from a validation file's columns."""
    return suggest_baseline(
        problem_type,
        y_true=list(labels),
        y_pred=None if predictions is None else list(predictions),
        y_score=None if scores is None else [score_value(s) for s in scores],
        probability_threshold=probability_threshold,
        evaluation_time=evaluation_time(),
    )


# what each reason a detector leaves a joined label out for (detectors.model_quality.left_out)
# says to a person
_UNUSABLE_PHRASES = {
    MISSING: "no label",
    NOT_BINARY: "not 0/1",
    NOT_A_NUMBER: "not a number",
    TOO_MANY_CLASSES: "a class beyond max_classes",
    PREDICTION_MISSING: "no prediction",
    PREDICTION_NOT_BINARY: "prediction not 0/1",
    PREDICTION_NOT_A_NUMBER: "prediction not a number",
    UNRECORDED: "reason not recorded",
}


def unusable_label_reasons(problem_type: str) -> tuple[str, ...]:
    """Every reason a model-quality run of ``problem_type`` can leave a joined label out for."""
    return LEFT_OUT_REASONS[problem_type]


def unusable_labels_note(reasons: Mapping[str, int], *, joined: int | None = None) -> str:
    """``9 labels not usable for model quality (not 0/1: 9)``; ``9 of 300 labels`` with ``joined``.

    Examples
    --------
    >>> unusable_labels_note({"not_binary": 2, "prediction_missing": 1}, joined=10)
    '3 of 10 labels not usable for model quality (not 0/1: 2, no prediction: 1)'
    """
    total = sum(reasons.values())
    count = f"{total} of {joined}" if joined is not None else str(total)
    plural = "" if (joined if joined is not None else total) == 1 else "s"
    why = ", ".join(f"{_UNUSABLE_PHRASES.get(k, k)}: {n}" for k, n in sorted(reasons.items()) if n)
    return f"{count} label{plural} not usable for model quality ({why})"


def non_numeric_scores(scores: Sequence[Any]) -> tuple[int, int, Any]:
    """``(given, not numeric, first non-numeric value)`` of a score column; blanks are not given.

    Examples
    --------
    >>> non_numeric_scores(["0.9", "", "high", None, 0.2])
    (3, 1, 'high')
    """
    given = not_numeric = 0
    first = None
    for value in scores:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        given += 1
        if score_value(value) is None:
            not_numeric += 1
            first = value if first is None else first
    return given, not_numeric, first


def save_model_quality_baseline(folder: Path, baseline: ModelQualityBaseline) -> None:
    """Write ``statistics.json`` and ``constraints.json`` into ``folder``."""
    write_json(folder / STATISTICS, baseline.statistics.to_statistics_json())
    write_json(
        folder / CONSTRAINTS, baseline.constraints.to_constraints_json(), plain_decimals=True
    )


class ModelQualityBaselineFiles(NamedTuple):
    """What a baseline's ``model_quality/`` folder holds (either file may be absent)."""

    statistics: ModelQualityStatistics | None
    constraints: ModelQualityConstraints | None

    @property
    def problem_type(self) -> str | None:
        """The problem type the baseline was built for."""
        for part in (self.constraints, self.statistics):
            if part is not None:
                return part.problem_type
        return None


def load_model_quality_baseline(folder: Path) -> ModelQualityBaselineFiles:
    """Read ``model_quality/statistics.json`` and ``constraints.json`` when present."""
    reading = STATISTICS
    try:
        stats = constraints = None
        if (folder / STATISTICS).is_file():
            stats = ModelQualityStatistics.from_statistics_json(read_json(folder / STATISTICS))
        reading = CONSTRAINTS
        if (folder / CONSTRAINTS).is_file():
            doc = read_json(folder / CONSTRAINTS)
            constraints = ModelQualityConstraints.from_constraints_json(doc)
            _check_metric_names(constraints)
    except MALFORMED as exc:
        error = not_usable("model-quality baseline", folder, exc, reading)
        raise error from exc
    return ModelQualityBaselineFiles(stats, constraints)


# every metric a constraints file may name, per problem type (the detectors' scalar metrics)
METRIC_NAMES = {
    BINARY: BINARY_METRICS,
    MULTICLASS: MULTICLASS_METRICS,
    REGRESSION: REGRESSION_METRICS,
}


def _check_metric_names(constraints: ModelQualityConstraints) -> None:
    """ValueError naming the metrics the problem type does not have (``precison``).

    A misspelt name would otherwise leave its check out without a word.
    """
    known = METRIC_NAMES[constraints.problem_type]
    unknown = [name for name in constraints.constraints if name not in known]
    if unknown:
        msg = (
            f"{CONSTRAINTS_KEY[constraints.problem_type]} names metrics "
            f"{constraints.problem_type} does not have: {', '.join(map(repr, unknown))} "
            "(names are snake_case, as in statistics.json)"
        )
        raise ValueError(msg)


class ModelQualityRun:
    """One run's model-quality detector, fed with (label, located prediction) pairs.

    ``scores_expected`` says the output is read for a score (a probability attribute, or a
    one-value output read as the score): binary rows that come without a numeric score are
    then counted in ``missing_scores`` (they have no part in the AUC).
    """

    def __init__(
        self,
        problem_type: str,
        *,
        probability_threshold: float = 0.5,
        scores_expected: bool = False,
    ) -> None:
        if problem_type not in PROBLEM_TYPES:
            msg = f"problem type must be one of {PROBLEM_TYPES}, got {problem_type!r}"
            raise ValueError(msg)
        self.problem_type = problem_type
        self.scores_expected = scores_expected and problem_type == BINARY
        self.missing_scores = 0
        self.detector: (
            BinaryClassificationMetrics | MulticlassClassificationMetrics | RegressionMetrics
        )
        if problem_type == BINARY:
            self.detector = BinaryClassificationMetrics(
                name=MODEL_QUALITY, probability_threshold=probability_threshold
            )
        elif problem_type == MULTICLASS:
            self.detector = MulticlassClassificationMetrics(name=MODEL_QUALITY)
        else:
            self.detector = RegressionMetrics(name=MODEL_QUALITY)

    @property
    def merged(self) -> int:
        """Pairs fed so far, valid or not."""
        return self.detector.n

    def update(self, label: Any, prediction: LocatedPrediction) -> None:
        """Count one joined pair; the score only matters for binary classification."""
        score = prediction.score if self.problem_type == BINARY else None
        if self.scores_expected and score is None:
            self.missing_scores += 1
        self.detector.update(
            LabeledPrediction(actual=label, predicted=prediction.predicted, score=score)
        )

    def update_many(self, labels: Sequence[Any], predictions: Sequence[LocatedPrediction]) -> None:
        """Count joined pairs in order (what :meth:`update` does for each)."""
        binary = self.problem_type == BINARY
        rows = [
            LabeledPrediction(
                actual=label, predicted=p.predicted, score=p.score if binary else None
            )
            for label, p in zip(labels, predictions, strict=True)
        ]
        if self.scores_expected:
            self.missing_scores += sum(1 for row in rows if row.score is None)
        self.detector.update_many(rows)

    def unusable_labels(self) -> dict[str, int]:
        """Joined labels left out of the metrics, by reason (they sum to merged - item_count).

        A label is left out when the problem type cannot use it (``not_binary``,
        ``not_a_number``, a class beyond the cap) or its prediction (``prediction_*``).
        """
        return self.detector.left_out_reasons()

    def statistics(self) -> ModelQualityStatistics:
        """SageMaker's statistics of the pairs seen."""
        return self.detector.statistics(evaluation_time=evaluation_time())

    def merge(self, other: ModelQualityRun) -> None:
        """Absorb a run over other pairs (another partition, a later delta)."""
        self.detector.merge(other.detector)  # type: ignore[arg-type]
        self.missing_scores += other.missing_scores

    def to_state(self) -> dict[str, Any]:
        """JSON-safe state: the detector's own, and the scores found missing."""
        return {"detector": self.detector.to_state(), "missing_scores": self.missing_scores}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take a :meth:`to_state` of a run with the same settings."""
        self.detector = type(self.detector).from_state(state["detector"])
        self.missing_scores = int(state["missing_scores"])

    def violations(
        self, statistics: ModelQualityStatistics, constraints: ModelQualityConstraints | None
    ) -> list[Violation]:
        """Violations against the baseline constraints (none without constraints)."""
        if constraints is None:
            return []
        if constraints.problem_type != self.problem_type:
            msg = (
                f"the baseline constraints are for {constraints.problem_type}, "
                f"this run is {self.problem_type}"
            )
            raise BaselineError(msg)
        return evaluate_constraints(statistics, constraints)
