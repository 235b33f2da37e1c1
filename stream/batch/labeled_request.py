"""What ``analyze`` is asked beyond data quality, and whether a labelled monitor runs at all.

Kept apart from :mod:`stream.batch.labeled_session` so that a data-quality run decides it
without importing the labelled monitors (a tenth of a second of a one-second run). Even the
model-quality module loads only when the baseline folder has that monitor's files to check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stream.monitors.files import ATTRIBUTION, MODEL_QUALITY, BaselineError


@dataclass(frozen=True)
class LabeledAnalysisRequest:
    """What ``analyze`` was asked for beyond data quality (the CLI's labelled options)."""

    ground_truth: Path | None = None
    ground_truth_attribute: str | None = None  # where a JSON-encoded label sits
    problem_type: str | None = None
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float | None = None
    bias_drift_check: str = "point"
    a2i_answer_path: str | None = None
    a2i_inference_id_path: str = "inferenceId"
    a2i_value_map: str | None = None
    a2i_consolidation: str = "majority"
    shap: Path | None = None


def labelled_monitors_wanted(baseline_dir: Path, request: LabeledAnalysisRequest) -> bool:
    """Whether a labelled monitor runs: labels given, or an attribution baseline.

    Raises BaselineError or FileNotFoundError for a SHAP file that cannot be used; when no
    labelled monitor runs, the baseline's model-quality files are still checked, as they
    would be for a labelled run.
    """
    has_attribution = (baseline_dir / ATTRIBUTION / "analysis.json").is_file()
    if request.shap is not None and not has_attribution:
        msg = f"--shap needs an attribution baseline: {baseline_dir / ATTRIBUTION}/analysis.json"
        raise BaselineError(msg)
    if request.shap is not None and not request.shap.is_file():
        msg = f"no such SHAP file: {request.shap}"
        raise FileNotFoundError(msg)
    if request.ground_truth is None and not has_attribution:
        if (baseline_dir / MODEL_QUALITY).is_dir():
            from stream.monitors.model_quality import load_model_quality_baseline

            load_model_quality_baseline(baseline_dir / MODEL_QUALITY)
        return False
    return True
