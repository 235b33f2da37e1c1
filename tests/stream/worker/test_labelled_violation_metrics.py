"""``driftline_violations_total`` counts the labelled monitors' violations too.

Model-quality, bias-drift and attribution-drift violations used to reach the violations
topic but no metric, so ``DriftlineConstraintViolations`` and the dashboard's violation
panels never saw them. The label sets expected here are read from the baseline files on
disk (the constraints' operators and metrics, the analysis' facets, the SHAP labels).
"""

from __future__ import annotations

import json

import pytest
from prometheus_client import CollectorRegistry

from stream.demo.labelled import (
    ACCURACY,
    ATTRIBUTION,
    FACET,
    ground_truth_record,
    write_labelled_baselines,
)
from stream.worker.metrics import register_worker_metrics
from tests.stream.worker.saved_sources import saved_sources
from tests.stream.worker.test_labelled import MODEL, T0, Pipe, lines, state, traffic

# SageMaker writes the four rate metrics camelCase in a violation's metric_name
CAMEL = {
    "true_positive_rate": "truePositiveRate",
    "true_negative_rate": "trueNegativeRate",
    "false_positive_rate": "falsePositiveRate",
    "false_negative_rate": "falseNegativeRate",
}


@pytest.fixture(scope="module")
def baseline_folder(tmp_path_factory):
    """The demo model's data-quality, model-quality, bias and attribution baselines."""
    folder = tmp_path_factory.mktemp("counted_violations") / "baseline"
    write_labelled_baselines(folder, MODEL, n=4000)
    return folder


def expected_label_sets(folder) -> set[tuple[str, str]]:
    """(check type, feature) of every labelled check, straight from the baseline files."""
    constraints = json.loads((folder / "model_quality" / "constraints.json").read_text())
    (block,) = [v for k, v in constraints.items() if k.endswith("_constraints")]
    out = {(c["comparison_operator"], CAMEL.get(name, name)) for name, c in block.items()}
    analysis = json.loads((folder / "bias" / "analysis.json").read_text())
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        for facet in analysis.get(stage, {}).get("facets", {}):
            out.add(("bias_drift_check", facet))
    shap = json.loads((folder / "attribution" / "analysis.json").read_text())
    for label in shap["explanations"]["kernel_shap"]:
        out.add(("feature_attribution_drift_check", label))
    return out


def violation_samples(ws) -> dict[tuple[str, str], float]:
    registry = CollectorRegistry()
    register_worker_metrics(registry, saved_sources(ws))
    return {
        (s.labels["check_type"], s.labels["feature"]): s.value
        for family in registry.collect()
        for s in family.samples
        if s.name == "driftline_violations_total"
    }


def run_window(fake_clock, folder, drifted):
    ws = state(fake_clock, folder)
    pipe = Pipe(ws)
    ws.assign([0], [0])
    records = traffic(11, 2000, T0, drifted=drifted)
    pipe.send("capture", lines(r for _, r, _ in records))
    pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in records))
    pipe.send("capture", lines(r for _, r, _ in traffic(12, 1, T0 + 15)))
    pipe.tick()
    return ws, pipe


def test_labelled_checks_start_at_zero_with_labels_from_the_baseline(
    fake_clock, baseline_folder
) -> None:
    ws, _ = run_window(fake_clock, baseline_folder, drifted=())
    samples = violation_samples(ws)
    labelled = {key for key in samples if key[0] not in DATA_QUALITY_CHECKS}
    assert labelled == expected_label_sets(baseline_folder)
    assert ("LessThanThreshold", "accuracy") in labelled
    assert ("bias_drift_check", "region") in labelled
    assert ("feature_attribution_drift_check", "label0") in labelled
    assert {samples[key] for key in labelled} == {0.0}  # clean traffic: no labelled violation


def test_injected_shifts_count_a_violation_per_labelled_monitor(
    fake_clock, baseline_folder
) -> None:
    ws, pipe = run_window(fake_clock, baseline_folder, drifted={ACCURACY, FACET, ATTRIBUTION})
    samples = violation_samples(ws)
    labelled = {key: n for key, n in samples.items() if key[0] not in DATA_QUALITY_CHECKS}
    assert labelled[("LessThanThreshold", "accuracy")] >= 1  # truth turned round
    assert labelled[("bias_drift_check", "region")] >= 1  # the region facet penalised 4x
    assert labelled[("feature_attribution_drift_check", "label0")] >= 1  # ranking turned
    # as many as the labelled violation messages the worker published
    results = [r for r in pipe.results if hasattr(r, "outcome")]
    assert sum(labelled.values()) == sum(len(r.outcome.violations) for r in results)


DATA_QUALITY_CHECKS = {
    "missing_column_check", "completeness_check", "data_type_check", "baseline_drift_check",
    "categorical_values_check", "extra_column_check",
}  # fmt: skip


def test_a_revision_that_repeats_a_violation_does_not_count_it_again(
    fake_clock, baseline_folder
) -> None:
    """Labels arrive in lots; each revises the window, whose accuracy stays violated."""
    ws = state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    ws.assign([0], [0])
    records = traffic(13, 2000, T0, drifted={ACCURACY})
    pipe.send("capture", lines(r for _, r, _ in records))
    pipe.send("capture", lines(r for _, r, _ in traffic(14, 1, T0 + 15)))
    for lot in (records[:800], records[800:1400], records[1400:]):
        pipe.send("labels", lines(ground_truth_record(k, a.label) for k, _, a in lot))
        fake_clock.advance(2.0)  # past label_flush_seconds: the window is republished
        pipe.tick()
    revisions = [r for r in pipe.results if getattr(r, "monitor_type", "") == "model_quality"]
    flagged = [r.revision for r in revisions
               if "accuracy" in {v.metric_name for v in r.outcome.violations}]  # fmt: skip
    assert len(flagged) >= 2  # published again with the violation (the first: no labels yet)
    assert violation_samples(ws)[("LessThanThreshold", "accuracy")] == 1  # one window


def test_a_window_restored_elsewhere_remembers_what_it_counted() -> None:
    from detectors.violations import Violation
    from stream.worker.aggregated_window import AggregatedWindow

    accuracy = Violation("LessThanThreshold", "Metric accuracy …", metric_name="accuracy")
    auc = Violation("LessThanThreshold", "Metric auc …", metric_name="auc")
    window = AggregatedWindow(None, 0.0, 10.0, first_seen=0.0)
    assert window.new_violations("model_quality", [accuracy]) == [accuracy]
    moved = AggregatedWindow.from_bytes(window.to_bytes())
    assert moved.new_violations("model_quality", [accuracy, auc]) == [auc]
    assert moved.new_violations("model_quality", []) == []
    assert moved.new_violations("model_quality", [accuracy]) == [accuracy]  # again
