"""A monitor's labelled setup from its config: baselines loaded, prediction located.

``[monitor.model_quality]``, ``[monitor.bias]`` and ``[monitor.attribution]`` each switch a
labelled monitor on; their baseline folders (by default ``<baseline>/model_quality``,
``/bias``, ``/attribution``, as ``driftline baseline suggest`` writes them) are read once,
here, and :class:`~stream.monitors.labelled.LabelledSetup` carries them to the worker. Its
``labels`` are the monitor's ``[monitor.labels]`` with ``ground_truth_attribute`` (where a
JSON-encoded label sits) defaulting to the bias baseline's ``label``.

An attribute neither section sets is taken from the bias baseline's ``analysis_config.json``
``predictor`` (``label``, ``probability``), as the SDK's bias monitor takes the baselining
job's. Without either attribute the capture output's one value is the prediction
(:func:`prediction_locator`), as Clarify and AWS's bias monitoring example read a model that
returns one probability.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from detectors.model_quality.statistics import MULTICLASS, REGRESSION
from stream.capture.predictions import AS_PREDICTED, AS_SCORE, PredictionLocator
from stream.capture.rows import RowBuilder
from stream.config import MonitorConfig
from stream.monitors.attribution import load_attribution_baseline
from stream.monitors.bias import json_label_path, load_bias_baseline
from stream.monitors.files import BaselineError
from stream.monitors.labelled import LabelledSetup
from stream.monitors.model_quality import load_model_quality_baseline

log = logging.getLogger("driftline.monitors")


def labelled_setup(monitor: MonitorConfig, features: tuple[str, ...]) -> LabelledSetup | None:
    """The monitor's labelled setup, or None when no labelled monitor is configured.

    Raises BaselineError (one line) when a configured baseline cannot be used.
    """
    mq, bias, attribution = monitor.model_quality, monitor.bias, monitor.attribution
    if mq is None and bias is None and attribution is None:
        return None
    where = f"monitor {monitor.name!r}"
    setup = LabelledSetup(
        labels=monitor.labels,
        min_count=monitor.min_window_count,
        builder=RowBuilder(features=features, capture_index_names=monitor.capture_index_names),
    )
    inference = probability = None
    if mq is not None:
        folder = _folder(mq.baseline, where, "model_quality")
        files = load_model_quality_baseline(folder)
        if files.constraints is None:
            log.warning("%s: %s holds no constraints.json: model-quality statistics only, "
                        "no metric is checked", where, folder)  # fmt: skip
        problem_type = mq.problem_type or files.problem_type
        if problem_type is None:
            msg = f"{where}: model_quality needs problem_type (the baseline does not say)"
            raise BaselineError(msg)
        inference, probability = mq.inference_attribute, mq.probability_attribute
        setup = replace(setup, problem_type=problem_type, model_quality_baseline=files,
                        probability_threshold=mq.probability_threshold)  # fmt: skip
    if bias is not None:
        baseline = load_bias_baseline(_folder(bias.baseline, where, "bias"))
        path = json_label_path(monitor.labels.ground_truth_attribute, baseline)
        labels = replace(monitor.labels, ground_truth_attribute=path)
        inference = bias.inference_attribute or inference or baseline.predictor[0]
        probability = bias.probability_attribute or probability or baseline.predictor[1]
        setup = replace(setup, bias=baseline, bias_threshold=bias.probability_threshold,
                        bias_drift_check=bias.drift_check, labels=labels)  # fmt: skip
    if setup.needs_labels:
        locator = prediction_locator(inference, probability, setup.problem_type)
        setup = replace(setup, locator=locator)
    if attribution is not None:
        found = load_attribution_baseline(_folder(attribution.baseline, where, "attribution"))
        if attribution.agg_method is not None:
            found = found._replace(agg_method=attribution.agg_method)
        setup = replace(
            setup,
            attribution=found,
            ndcg_threshold=attribution.ndcg_threshold,
            shap_source=attribution.shap_source,
            shap_path=attribution.shap_path,
        )
    return setup


def prediction_locator(
    inference_attribute: str | None, probability_attribute: str | None, problem_type: str | None
) -> PredictionLocator:
    """Where the prediction sits in the capture output, for the worker and ``analyze`` alike.

    Without either attribute the output's one value is the prediction, as Clarify reads a
    model that returns one value: for binary classification and for bias alone a number is
    the score (positive when it is above the probability threshold), for regression the
    predicted value and for multiclass the predicted label. Bias then takes a score read so
    as the predicted value when its label is continuous and no probability threshold is
    configured (:func:`~stream.monitors.bias.one_value_is_prediction`).
    """
    predicted = problem_type in (REGRESSION, MULTICLASS)
    return PredictionLocator(
        inference_attribute=inference_attribute,
        probability_attribute=probability_attribute,
        single_value=AS_PREDICTED if predicted else AS_SCORE,
    )


def monitor_label_path(monitor: MonitorConfig) -> str | None:
    """Where the monitor finds a JSON-encoded label (``labels.ground_truth_attribute``).

    Unset, a monitor with ``[monitor.bias]`` takes its bias baseline's ``label``; raises
    BaselineError (one line) when that baseline cannot be read.
    """
    configured = monitor.labels.ground_truth_attribute
    if configured is not None or monitor.bias is None:
        return configured
    where = f"monitor {monitor.name!r}"
    return load_bias_baseline(_folder(monitor.bias.baseline, where, "bias")).label_path


def _folder(folder: Path | None, where: str, section: str) -> Path:
    if folder is None or not folder.is_dir():
        msg = f"{where}: the {section} baseline folder {folder} does not exist"
        raise BaselineError(msg)
    return folder
