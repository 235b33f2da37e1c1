"""A monitor's labelled setup from config: what it says about the baselines it loads."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from stream.config import MonitorConfig
from stream.config.sections import ModelQualitySettings
from stream.demo.labelled import SyntheticModel, write_labelled_baselines
from stream.monitors.data_quality import load_data_quality_baseline
from stream.monitors.labelled_setup import labelled_setup


def _setup(folder: Path):  # type: ignore[no-untyped-def]
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0,
        model_quality=ModelQualitySettings(problem_type="BinaryClassification",
                                           probability_attribute="score"),
    )  # fmt: skip
    return labelled_setup(monitor, load_data_quality_baseline(folder).features)


def test_a_statistics_only_model_quality_baseline_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "baseline"
    write_labelled_baselines(folder, SyntheticModel(), n=500)
    with caplog.at_level(logging.WARNING, logger="driftline.monitors"):
        setup = _setup(folder)
    assert setup is not None and setup.model_quality_baseline is not None
    assert not caplog.records  # constraints.json is there: nothing to say
    (folder / "model_quality/constraints.json").unlink()
    with caplog.at_level(logging.WARNING, logger="driftline.monitors"):
        setup = _setup(folder)
    assert setup is not None and setup.model_quality_baseline.constraints is None
    (record,) = caplog.records
    assert record.getMessage() == (
        f"monitor 'm': {folder / 'model_quality'} holds no constraints.json: model-quality "
        "statistics only, no metric is checked"
    )
