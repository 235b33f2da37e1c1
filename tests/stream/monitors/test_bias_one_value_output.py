"""How bias reads a model output of one value: the predicted value, or a score to threshold.

Clarify (AWS's analysis-config page) reads an output with no ``label`` as "a single numeric
value corresponding to the score or probability", and applies ``probability_threshold``
(default 0.5) "in the case of binary classification". For a regression model the SDK's
``ModelPredictedLabelConfig`` needs nothing ("the model returns the score, e.g. 1.2"), and
AWS's pipelines example monitors a regression model (abalone rings) with
``ModelPredictedLabelConfig()`` and ``label_values_or_threshold=[15.0]``: the predicted value
is held against the label's threshold, as the label is, never thresholded at 0.5 first.

Ten hand-made rows, facet d ``sex = M``. As predicted values against ``rings > 15``:
M 17, 16, 11, 14 (2 of 4 positive), F 19, 8, 10 and I 15.5, 15.0 (2 of 6; 15.0 is not above
15). So q_d = 1/2, q_a = 1/3, DPPL = q_a − q_d = −1/6 and DI = q_d / q_a = 3/2. Read as
scores every row would be predicted 1, which is not above 15: no predicted positive, and
every metric null with Clarify's error for that.
"""

from __future__ import annotations

from typing import Any

import pytest

from detectors.bias.metrics import NO_PREDICTED_POSITIVES
from stream.capture.predictions import LocatedPrediction
from stream.monitors.bias import BiasRun
from stream.monitors.bias_settings import pin_data_types

SEX = ["M", "M", "M", "M", "F", "F", "F", "F", "I", "I"]
RINGS = [16.0, 10.0, 12.0, 20.0, 18.0, 9.0, 11.0, 13.0, 17.0, 7.0]
PREDICTED = [17.0, 16.0, 11.0, 14.0, 19.0, 8.0, 10.0, 12.0, 15.5, 15.0]
FACET = [{"name_or_index": "sex", "value_or_threshold": ["M"]}]
METHODS = {"post_training_bias": {"methods": ["DPPL", "DI"]}}
REGRESSION = {"label": "rings", "label_values_or_threshold": [15.0], "facet": FACET,
              "methods": METHODS}  # fmt: skip
BY_HAND = {"DPPL": 1 / 3 - 1 / 2, "DI": (1 / 2) / (1 / 3)}
THRESHOLDED = {"DPPL": NO_PREDICTED_POSITIVES, "DI": NO_PREDICTED_POSITIVES}  # 1 is not > 15


def _metrics(config: dict[str, Any], labels: list[Any], predictions: list[LocatedPrediction],
             **run_options: Any) -> dict[str, float]:  # fmt: skip
    settings = pin_data_types(config, {"sex": SEX, str(config["label"]): labels})
    run = BiasRun(settings, **run_options)
    run.update_many([{"sex": s} for s in SEX], labels, predictions)
    stage = run.analysis().post_training
    assert stage is not None
    (entry,) = stage.facets[0][1]
    return {m.code: m.error if m.value is None else m.value for m in entry.metrics}


def _one_values(values: list[float]) -> list[LocatedPrediction]:
    """Each output's one number as the locator gives it to bias alone: a score."""
    return [LocatedPrediction(None, v) for v in values]


def test_the_fixture_label_is_continuous() -> None:
    settings = pin_data_types(REGRESSION, {"sex": SEX, "rings": RINGS})
    assert settings.label_data_type == "continuous"


def test_a_regression_models_one_value_is_held_against_the_label_threshold() -> None:
    found = _metrics(REGRESSION, RINGS, _one_values(PREDICTED), whole_output=True)
    assert found == pytest.approx(BY_HAND, abs=1e-12)


def test_a_configured_probability_threshold_makes_the_one_value_a_score() -> None:
    # [monitor.bias] probability_threshold / analyze --probability-threshold: a score
    found = _metrics(REGRESSION, RINGS, _one_values(PREDICTED), whole_output=True,
                     probability_threshold=0.8)  # fmt: skip
    assert found == THRESHOLDED
    # the analysis config's probability_threshold does the same
    config = {**REGRESSION, "probability_threshold": 0.8}
    found = _metrics(config, RINGS, _one_values(PREDICTED), whole_output=True)
    assert found == THRESHOLDED


def test_a_score_at_a_probability_attribute_keeps_the_default_threshold() -> None:
    # located by probability_attribute (not the whole output): Clarify's default 0.5
    found = _metrics(REGRESSION, RINGS, _one_values(PREDICTED), whole_output=False)
    assert found == THRESHOLDED


# Binary classification: label 1 positive (categorical). Scores above 0.5 are predicted 1:
# M 0.7, 0.4, 0.5, 0.9 (2 of 4; 0.5 is not above), F 0.6, 0.2, 0.1, 0.3 and I 0.55, 0.45
# (2 of 6): the same q_d = 1/2 and q_a = 1/3 as above.
CHURN = [1, 0, 1, 1, 1, 0, 0, 1, 1, 0]
SCORES = [0.7, 0.4, 0.5, 0.9, 0.6, 0.2, 0.1, 0.3, 0.55, 0.45]
# Ten 0/1 labels are 20 % unique, which Clarify's rule calls continuous: pinned categorical.
BINARY = {"label": "churn", "label_values_or_threshold": [1], "facet": FACET, "methods": METHODS,
          "label_data_type": "categorical"}  # fmt: skip


@pytest.mark.parametrize("whole_output", [True, False], ids=["one_value", "attribute"])
def test_a_binary_models_one_probability_takes_the_default_threshold(whole_output: bool) -> None:
    settings = pin_data_types(BINARY, {"sex": SEX, "churn": CHURN})
    assert settings.label_data_type == "categorical"
    found = _metrics(BINARY, CHURN, _one_values(SCORES), whole_output=whole_output)
    assert found == pytest.approx(BY_HAND, abs=1e-12)


def test_a_binary_models_one_probability_takes_the_configured_threshold() -> None:
    # above 0.65: M 0.7, 0.9 (2 of 4), none of the others: q_a = 0, DPPL −1/2, DI 1/0 = inf
    found = _metrics(BINARY, CHURN, _one_values(SCORES), whole_output=True,
                     probability_threshold=0.65)  # fmt: skip
    assert found == {"DPPL": -0.5, "DI": float("inf")}
