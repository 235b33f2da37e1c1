"""The label a bias ``analysis.json`` names is the label column's header, as Clarify writes it.

For a JSON or JSON Lines dataset Clarify's ``label`` is a JMESPath into each record
(``instances[*].label``, ``label``) and the last of the ``headers`` is the label column's
name ("the last header shall be the header of label column"; followed by the predicted
label's when the config has ``predicted_label``). AWS's bias-monitor example on JSON
requests configures ``label = "instances[*].label"`` with headers ending in ``Target``, and
the ``analysis.json`` its baselining job writes says ``"label": "Target"`` in both stages.
driftline wrote the path instead (``"label": "instances[*].label"``) in every bias
``analysis.json``: ``baseline suggest``'s, ``analyze``'s and the worker's windows. For CSV
the label is a header already and is written as it is.

The configs and rows are ours, in the shape of AWS's monitor config (the SDK's
``BiasAnalysisConfig``: bias keys, ``headers`` and ``label``; no ``dataset_type``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stream.capture.predictions import LocatedPrediction
from stream.monitors.bias import BiasRun, load_bias_baseline
from tests.stream.monitors.clarify_files import CONFIG, ROWS, write_clarify_bias

BIAS_KEYS = {k: CONFIG[k] for k in ("label_values_or_threshold", "facet", "group_variable")}


def _analysis_labels(tmp_path: Path, config: dict[str, Any], written_label: str) -> set[Any]:
    """The label each stage of a window's analysis.json names, over the hand-made rows."""
    baseline = {  # a Clarify baseline of both stages, labelled as Clarify labels it
        "version": "1.0",
        **{
            stage: {"label": written_label, "label_value_or_threshold": "1", "facets": {}}
            for stage in ("pre_training_bias_metrics", "post_training_bias_metrics")
        },
    }
    run = BiasRun(load_bias_baseline(write_clarify_bias(tmp_path, config, baseline)).settings)
    for r in ROWS:
        run.update({"F1": r.f1, "F2": r.f2, "F3": r.f3}, r.label, LocatedPrediction(None, r.score))
    doc = json.loads(json.dumps(run.analysis().to_json()))
    stages = ("pre_training_bias_metrics", "post_training_bias_metrics")
    assert all(stage in doc for stage in stages)
    return {doc[stage]["label"] for stage in stages}


@pytest.mark.parametrize(
    ("paths", "headers"),
    [
        # AWS's JSON bias-monitor shape: features and label inside "instances"
        ({"features": "instances[*].features", "label": "instances[*].label"},
         ["F1", "F2", "F3", "Outcome"]),
        # JSON Lines with a predicted label: the label's header, then the prediction's
        ({"features": "features", "label": "label", "predicted_label": "predicted_label"},
         ["F1", "F2", "F3", "Outcome", "Predicted"]),
    ],
)  # fmt: skip
def test_a_json_label_path_is_named_by_its_header(
    tmp_path: Path, paths: dict[str, str], headers: list[str]
) -> None:
    config = {**BIAS_KEYS, **paths, "headers": headers}
    assert _analysis_labels(tmp_path, config, "Outcome") == {"Outcome"}


def test_a_csv_label_is_its_own_header(tmp_path: Path) -> None:
    assert _analysis_labels(tmp_path, dict(CONFIG), "Label") == {"Label"}


def test_a_json_label_path_without_headers_is_written_as_given(tmp_path: Path) -> None:
    config = {**BIAS_KEYS, "label": "instances[*].label"}  # no headers: no name to give it
    assert _analysis_labels(tmp_path, config, "instances[*].label") == {"instances[*].label"}
