"""A synthetic model for the labelled monitors: scores, labels, a facet and SHAP values.

On the demo schema's rows (:mod:`stream.demo.synthetic`) :class:`SyntheticModel` scores a
logistic model of income, tenure and age — with a penalty for the facet ``region = north``,
so that the baseline already has some bias — and answers, per row, the score, the predicted
label, the true label (drawn from the same law without the facet penalty) and the exact
local SHAP values of the linear logit (``w_j · (x_j − mean_j) / sd_j``). Three drifts can
be switched on, each alone:

- ``accuracy``: the true labels stop following the model (it becomes about as good as a coin);
- ``facet``: rows of ``region = north`` get a much lower score (post-training bias grows);
- ``attribution``: the explanations rank the features the other way round.

:func:`write_labelled_baselines` writes the model-quality, bias and attribution baselines of
clean traffic beside a data-quality baseline, as ``driftline baseline suggest`` lays them out.

Examples
--------
>>> import random
>>> model = SyntheticModel()
>>> row = SyntheticSchema.demo().rows(random.Random(1), 1)[0]
>>> truth = model.answer(random.Random(2), row)
>>> 0.0 < truth.score < 1.0, truth.predicted in (0, 1), truth.label in (0, 1)
(True, True, True)
>>> sorted(truth.shap)
['age', 'income', 'score', 'tenure_months']
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from detectors.attribution import baseline_from_local_shap
from detectors.bias.analysis import BiasAnalysis
from detectors.bias.metrics import MetricValue
from detectors.model_quality.constraints import (
    LESS_THAN,
    MetricConstraint,
    ModelQualityConstraints,
)
from stream.capture.predictions import LocatedPrediction
from stream.capture.records import iso_utc
from stream.demo.synthetic import SyntheticSchema
from stream.monitors.attribution import save_attribution_baseline
from stream.monitors.bias import BiasRun, save_bias_baseline
from stream.monitors.bias_settings import pin_data_types
from stream.monitors.data_quality import save_data_quality_baseline
from stream.monitors.model_quality import save_model_quality_baseline, suggest_model_quality

ACCURACY, FACET, ATTRIBUTION = "accuracy", "facet", "attribution"
FACET_NAME, FACET_VALUE = "region", "north"
THRESHOLD_MARGIN = 0.1  # the demo's constraints sit this far below the baseline's figures
# The demo's bias baseline allows this much more bias than clean traffic shows. Clean traffic
# has the baseline's bias exactly, on the edge of the allowed range: a window that reads a
# little low by chance (a ratio's bootstrap interval narrows as it falls) would be flagged.
BIAS_MARGINS = {"DI": 0.1, "DPPL": 0.05}


class Answer(NamedTuple):
    """The model's answer on one row, and the truth about it."""

    score: float
    predicted: int
    label: int
    shap: dict[str, float]


@dataclass(frozen=True)
class SyntheticModel:
    """A logistic model on the demo schema (see the module docstring)."""

    schema: SyntheticSchema = field(default_factory=SyntheticSchema.demo)
    weights: tuple[tuple[str, float], ...] = (
        ("income", 1.4), ("tenure_months", 0.9), ("age", -0.5), ("score", 0.15),
    )  # fmt: skip
    facet_penalty: float = 0.6

    def _standard(self, row: list[str]) -> dict[str, float]:
        names = self.schema.features
        out = {}
        for f in self.schema.numeric:
            value = float(row[names.index(f.name)])
            out[f.name] = (value - f.mean) / f.sd
        return out

    def answer(self, rng: random.Random, row: list[str], drifted: Collection[str] = ()) -> Answer:
        """Score ``row``; draw its true label; explain the score."""
        z = self._standard(row)
        logit = sum(w * z[name] for name, w in self.weights)
        in_facet = row[self.schema.features.index(FACET_NAME)] == FACET_VALUE
        penalty = self.facet_penalty * (4.0 if FACET in drifted else 1.0) if in_facet else 0.0
        score = 1.0 / (1.0 + math.exp(-(logit - penalty)))
        truth = logit if ACCURACY not in drifted else -0.2 * logit
        label = int(rng.random() < 1.0 / (1.0 + math.exp(-1.5 * truth)))
        weights = dict(self.weights)
        if ATTRIBUTION in drifted:  # the explainer's ranking turned round
            ranked = sorted(weights, key=lambda n: abs(weights[n]))
            magnitudes = sorted((abs(w) for w in weights.values()), reverse=True)
            weights = dict(zip(ranked, magnitudes, strict=True))
        shap = {name: round(w * z[name], 6) for name, w in weights.items()}
        return Answer(round(score, 6), int(score > 0.5), label, shap)


def labelled_capture_record(
    inference_id: str, event_seconds: float, row: list[str], answer: Answer
) -> dict[str, Any]:
    """A capture record: the row as CSV input, the answer as JSON output (score, label, SHAP)."""
    output = {"score": answer.score, "label": answer.predicted, "shap": answer.shap}
    return {
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                              "data": ",".join(row), "encoding": "CSV"},
            "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                               "data": orjson.dumps(output).decode(), "encoding": "JSON"},
        },
        "eventMetadata": {"eventId": f"e-{inference_id}", "inferenceId": inference_id,
                          "inferenceTime": iso_utc(event_seconds)},
        "eventVersion": "0",
    }  # fmt: skip


def ground_truth_record(inference_id: str, label: int) -> dict[str, Any]:
    """SageMaker's ground-truth record of one label."""
    return {
        "groundTruthData": {"data": str(label), "encoding": "CSV"},
        "eventMetadata": {"eventId": inference_id},
        "eventVersion": "0",
    }


def outcome_rate_metrics(analysis: BiasAnalysis) -> BiasAnalysis:
    """The analysis with only DPPL and DI, the post-training outcome-rate metrics.

    What the demo watches: bias drift checks only the metrics its baseline has, as a Clarify
    config's ``methods`` would choose them.
    """
    stage = analysis.post_training
    if stage is None:
        return analysis
    facets = tuple(
        (name, tuple(entry._replace(metrics=tuple(m for m in entry.metrics
                                                  if m.code in ("DPPL", "DI")))
                     for entry in entries))
        for name, entries in stage.facets
    )  # fmt: skip
    return BiasAnalysis(None, stage._replace(facets=facets))


def with_bias_margins(analysis: BiasAnalysis, margins: dict[str, float]) -> BiasAnalysis:
    """The analysis with each metric in ``margins`` moved that much further from its ideal.

    The ideal is 1 for DI and 0 for the others: the allowed range a baseline value sets
    (``bias_drift_check``) widens by the margin on each side.

    >>> from detectors.bias.analysis import FacetEntry, StageReport
    >>> stage = StageReport("label", "1", (("region", (FacetEntry("north", (
    ...     MetricValue("DI", 0.7), MetricValue("DPPL", -0.2))),)),))
    >>> widened = with_bias_margins(BiasAnalysis(None, stage), {"DI": 0.1, "DPPL": 0.05})
    >>> [(m.code, round(m.value, 2)) for m in widened.post_training.facets[0][1][0].metrics]
    [('DI', 0.6), ('DPPL', -0.25)]
    """

    def widened(metric: MetricValue) -> MetricValue:
        margin, value = margins.get(metric.code), metric.value
        if margin is None or value is None:
            return metric
        ideal = 1.0 if metric.code == "DI" else 0.0
        return metric._replace(value=value - margin if value < ideal else value + margin)

    stage = analysis.post_training
    if stage is None:
        return analysis
    facets = tuple(
        (name, tuple(e._replace(metrics=tuple(map(widened, e.metrics))) for e in entries))
        for name, entries in stage.facets
    )
    return analysis._replace(post_training=stage._replace(facets=facets))


def write_labelled_baselines(
    folder: Path, model: SyntheticModel, *, seed: int = 7, n: int = 20_000
) -> None:
    """Data-quality, model-quality, bias and attribution baselines of clean traffic."""
    schema = model.schema
    rng = random.Random(seed)
    rows = schema.rows(rng, n)
    answers = [model.answer(rng, row) for row in rows]
    save_data_quality_baseline(folder, schema.baseline(seed=seed, n=n))
    labels = [a.label for a in answers]
    baseline = suggest_model_quality(
        "BinaryClassification", labels, [a.predicted for a in answers], [a.score for a in answers]
    )
    constraints = ModelQualityConstraints(baseline.constraints.problem_type, {
        name: MetricConstraint(c.threshold - THRESHOLD_MARGIN if c.comparison_operator == LESS_THAN
                               else c.threshold + THRESHOLD_MARGIN, c.comparison_operator)
        for name, c in baseline.constraints.constraints.items()
    })  # fmt: skip
    save_model_quality_baseline(
        folder / "model_quality", baseline._replace(constraints=constraints)
    )
    config = {
        "label": "label",
        "predicted_label": "prediction",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": FACET_NAME, "value_or_threshold": [FACET_VALUE]}],
    }
    facets = [row[schema.features.index(FACET_NAME)] for row in rows]
    settings = pin_data_types(config, {FACET_NAME: facets, "label": labels})
    run = BiasRun(settings)
    for facet, answer in zip(facets, answers, strict=True):
        run.update({FACET_NAME: facet}, answer.label, LocatedPrediction(answer.predicted, None))
    analysis = with_bias_margins(outcome_rate_metrics(run.analysis()), BIAS_MARGINS)
    save_bias_baseline(folder / "bias", settings, analysis)
    explanation = baseline_from_local_shap([a.shap for a in answers], label="label0")
    save_attribution_baseline(folder / "attribution", [explanation], "mean_abs")
