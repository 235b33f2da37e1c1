"""Which label a plain ``{feature: value}`` SHAP map belongs to, by the baseline's labels."""

from __future__ import annotations

from detectors.attribution import LabelExplanation
from stream.monitors.attribution import AttributionBaseline


def _baseline(*labels: str) -> AttributionBaseline:
    return AttributionBaseline(
        {label: LabelExplanation(label, (("age", 0.1),)) for label in labels}, "mean_abs"
    )


def test_one_output_takes_plain_values_whatever_its_name() -> None:
    assert _baseline("0.7956783771514893").plain_label == "0.7956783771514893"
    assert _baseline("Churn").plain_label == "Churn"
    assert _baseline("label0").plain_label == "label0"


def test_several_outputs_leave_plain_values_to_label0() -> None:
    assert _baseline("label0", "label1").plain_label == "label0"
    assert _baseline("yes", "no").plain_label == "label0"  # matches neither: stated, not guessed
