"""Loading bias and model-quality baselines: a mistyped field is a BaselineError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stream.demo.labelled import SyntheticModel, write_labelled_baselines
from stream.monitors.bias import load_bias_baseline
from stream.monitors.files import BaselineError
from stream.monitors.model_quality import load_model_quality_baseline

LOADERS = {"bias": load_bias_baseline, "model_quality": load_model_quality_baseline}
EDITS = [  # (folder, file, key, value): a string or a list where an object goes
    ("bias", "analysis.json", "post_training_bias_metrics", "x"),
    ("bias", "analysis_config.json", "facet", ["region"]),
    ("model_quality", "statistics.json", "binary_classification_metrics", "x"),
    ("model_quality", "statistics.json", "dataset", "x"),
    ("model_quality", "constraints.json", "binary_classification_constraints", ["x"]),
]


@pytest.mark.parametrize(("folder", "name", "key", "value"), EDITS)
def test_a_mistyped_field_is_a_baseline_error(
    tmp_path: Path, folder: str, name: str, key: str, value: object
) -> None:
    write_labelled_baselines(tmp_path, SyntheticModel(), n=300)
    LOADERS[folder](tmp_path / folder)  # as written, it loads
    path = tmp_path / folder / name
    doc = json.loads(path.read_text())
    doc[key] = value
    path.write_text(json.dumps(doc))
    with pytest.raises(BaselineError, match=f" in {tmp_path / folder} is not usable: "):
        LOADERS[folder](tmp_path / folder)
