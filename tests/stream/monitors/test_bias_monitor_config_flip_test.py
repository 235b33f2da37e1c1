"""FT on the config AWS's bias monitor runs with: headers of a JSON dataset, no dataset_type.

The SDK's ``BiasAnalysisConfig`` (the monitoring schedule's analysis config) holds the bias
keys, ``headers`` and ``label`` only — no ``dataset_type``. In AWS's JSON bias-monitor
example ``label`` is the JMESPath ``instances[*].label`` and the headers are the fourteen
features then ``Target``, the label's name; that example's monitor reports FT. driftline
told a JSON config's headers apart by ``dataset_type`` alone, so for this config it took
``Target`` for a flip-test feature, found no number there and left FT null ("FlipTest does
not support non-numeric columns"). A label that is no header names its column by the last
headers, as with a JSON ``dataset_type``.

Config and rows are ours; FT's reference is scikit-learn's kNN (``flip_test_reference``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stream.capture.predictions import LocatedPrediction
from stream.monitors.bias import BiasRun, load_bias_baseline
from stream.monitors.bias_settings import flip_test_features
from tests.stream.cli.bias_files import bias_rows, flip_test_reference
from tests.stream.monitors.clarify_files import write_clarify_bias

MONITOR_CONFIG: dict[str, Any] = {  # BiasAnalysisConfig(bias_config, headers=..., label=...)
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
    "headers": ["age", "sex", "Outcome"],
    "label": "instances[*].label",
}


def test_the_label_header_of_a_monitor_config_is_no_flip_test_feature() -> None:
    assert flip_test_features(MONITOR_CONFIG, ()) == ["age", "sex"]
    csv = {**MONITOR_CONFIG, "headers": ["Outcome", "age", "sex"], "label": "Outcome"}
    assert flip_test_features(csv, ()) == ["age", "sex"]  # a CSV label is a header


def test_flip_test_runs_on_a_monitor_config(tmp_path: Path) -> None:
    baseline = {
        "version": "1.0",
        "post_training_bias_metrics": {
            "label": "Outcome", "label_value_or_threshold": "1", "facets": {},
        },
    }  # fmt: skip
    folder = write_clarify_bias(tmp_path, json.loads(json.dumps(MONITOR_CONFIG)), baseline)
    run = BiasRun(load_bias_baseline(folder).settings)
    rows = bias_rows(30, 60)  # (prediction, sex, age, label)
    for predicted, sex, age, label in rows:
        run.update({"sex": sex, "age": age}, label, LocatedPrediction(predicted, None))
    post = run.analysis().post_training
    assert post is not None
    [(_, [entry])] = post.facets
    ft = entry.metric("FT")
    assert ft is not None and ft.error is None, ft
    assert ft.value == pytest.approx(flip_test_reference(rows), abs=1e-12)
