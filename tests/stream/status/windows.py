"""Output messages for status tests and the benchmark, made by the worker's own output code.

Data-quality windows are profiled from :class:`SyntheticSchema` rows, evaluated against the
schema's baseline and written by :mod:`stream.worker.outputs` (then through orjson, as the
follower reads them). The other monitor types get hand-written messages of the outputs
contract's shapes.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from typing import Any

import orjson

from detectors.quality.checks import evaluate
from detectors.quality.dataset_profile import DatasetProfile
from stream.capture.records import iso_utc
from stream.demo.synthetic import SyntheticSchema
from stream.monitors.data_quality import DataQualityBaseline
from stream.worker.outputs import execution_message, statistics_message, violation_messages
from stream.worker.results import WindowResult

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z
WINDOW = 60.0


def evaluated_window(
    schema: SyntheticSchema,
    baseline: DataQualityBaseline,
    start: float,
    rows: list[list[str]],
    monitor: str = "m",
) -> WindowResult:
    """One window of ``rows`` evaluated against ``baseline``, as the aggregator would."""
    profile = DatasetProfile(features=baseline.features, kinds=baseline.kinds)
    columns = dict(zip(schema.features, zip(*rows, strict=True), strict=True))
    profile.update_columns(columns, len(rows))
    evaluation = evaluate(baseline.statistics, baseline.constraints, profile.statistics())
    status = "CompletedWithViolations" if evaluation.violations else "Completed"
    return WindowResult(
        monitor=monitor,
        window_start=start,
        window_end=start + WINDOW,
        statistics=profile.statistics(),
        evaluation=evaluation,
        status=status,
        record_count=len(rows),
        row_count=len(rows),
        complete=True,
        partitions_reported=(0, 1),
        evaluated_windows=1,
        finalised_by="all_partitions",
    )


def messages(result: WindowResult) -> list[tuple[str, dict[str, Any]]]:
    """(topic kind, decoded message) of one window, as the worker sends them."""
    out = [("violations", v) for v in violation_messages(result)]
    out += [("statistics", statistics_message(result)), ("executions", execution_message(result))]
    return [(kind, orjson.loads(orjson.dumps(doc))) for kind, doc in out]


def data_quality_windows(
    schema: SyntheticSchema,
    baseline: DataQualityBaseline,
    plan: list[Collection[str]],
    rows_per_window: int = 500,
    seed: int = 3,
) -> list[WindowResult]:
    """One evaluated window per entry of ``plan`` (the features drifted in it)."""
    rng = random.Random(seed)
    return [
        evaluated_window(schema, baseline, T0 + i * WINDOW, schema.rows(rng, rows_per_window, d))
        for i, d in enumerate(plan)
    ]


def window_fields(monitor: str, kind: str, i: int, revision: int = 0) -> dict[str, Any]:
    """The common fields of the contract for window ``i``."""
    return {
        "monitor": monitor,
        "monitor_type": kind,
        "window_start": iso_utc(T0 + i * WINDOW),
        "window_end": iso_utc(T0 + (i + 1) * WINDOW),
        "revision": revision,
        "complete": True,
        "schema_version": 1,
    }


def model_quality_window(i: int, accuracy: float, threshold: float = 0.8) -> list[tuple[str, Any]]:
    """A binary model-quality window: statistics, execution with one decision, violation."""
    common = window_fields("credit", "model_quality", i)
    violated = accuracy < threshold
    statistics = {
        **common,
        "version": 0.0,
        "dataset": {"item_count": 400, "evaluation_time": common["window_end"]},
        "binary_classification_metrics": {
            "accuracy": {"value": accuracy, "standard_deviation": 0.01},
            "recall": {"value": 0.7, "standard_deviation": 0.02},
        },
        "label_coverage": 0.5,
        "labelled_count": 200,
        "prediction_count": 400,
    }
    decision = {
        "check_type": "LessThanThreshold",
        "metric_name": "accuracy",
        "value": accuracy,
        "threshold": threshold,
        "violated": violated,
        "sample_count": 200,
    }
    out: list[tuple[str, Any]] = [("statistics", statistics)]
    out.append(("executions", execution(common, [decision], int(violated), coverage=0.5)))
    if violated:
        out.append(
            (
                "violations",
                {
                    **common,
                    "metric_name": "accuracy",
                    "constraint_check_type": "LessThanThreshold",
                    "description": f"accuracy {accuracy} < {threshold}",
                    "value": accuracy,
                    "threshold": threshold,
                    "sample_count": 200,
                    "evaluated_windows": 1,
                },
            )
        )
    return out


def bias_window(i: int, dppl: float, threshold: float = 0.2) -> list[tuple[str, Any]]:
    """A bias-drift window with facet sex=0 (DPPL checked against ``threshold``)."""
    common = window_fields("credit", "bias_drift", i)
    group = {
        "value_or_threshold": "0",
        "metrics": [
            {"name": "DPPL", "description": "Difference in positive proportions", "value": dppl},
            {"name": "DI", "description": "Disparate impact", "value": "Infinity"},
        ],
    }
    statistics = {
        **common,
        "version": "1.0",
        "post_training_bias_metrics": {
            "label": "approved",
            "label_value_or_threshold": "1",
            "facets": {"sex": [group]},
        },
        "label_coverage": 0.4,
        "labelled_count": 160,
    }
    violated = abs(dppl) > threshold
    decision = {
        "check_type": "bias_drift_check",
        "metric_name": "DPPL",
        "facet": "sex",
        "facet_value": "0",
        "value": dppl,
        "threshold": threshold,
        "violated": violated,
        "sample_count": 160,
    }
    out: list[tuple[str, Any]] = [("statistics", statistics)]
    out.append(("executions", execution(common, [decision], int(violated), coverage=0.4)))
    if violated:
        out.append(
            (
                "violations",
                {
                    **common,
                    "facet": "sex",
                    "facet_value": "0",
                    "metric_name": "DPPL",
                    "constraint_check_type": "bias_drift_check",
                    "description": f"DPPL {dppl} exceeds {threshold}",
                    "value": dppl,
                    "threshold": threshold,
                    "sample_count": 160,
                    "evaluated_windows": 1,
                },
            )
        )
    return out


def attribution_window(i: int, ndcg: float, threshold: float = 0.9) -> list[tuple[str, Any]]:
    """An attribution-drift window for label ``label0``."""
    common = window_fields("credit", "feature_attribution_drift", i)
    shap = {"income": 0.4, "age": 0.1 + i / 100, "plan": -0.05}
    statistics = {
        **common,
        "version": "1.0",
        "explanations": {
            "kernel_shap": {"label0": {"global_shap_values": shap, "expected_value": 0.3}}
        },
        "ndcg": {"label0": ndcg},
        "explained_count": 300,
    }
    violated = ndcg < threshold
    decision = {
        "check_type": "feature_attribution_drift_check",
        "metric_name": "ndcg",
        "label": "label0",
        "value": ndcg,
        "threshold": threshold,
        "violated": violated,
        "sample_count": 300,
    }
    out: list[tuple[str, Any]] = [("statistics", statistics)]
    out.append(("executions", execution(common, [decision], int(violated))))
    if violated:
        out.append(
            (
                "violations",
                {
                    **common,
                    "label": "label0",
                    "metric_name": "ndcg",
                    "constraint_check_type": "feature_attribution_drift_check",
                    "description": f"nDCG {ndcg} is below {threshold}",
                    "value": ndcg,
                    "threshold": threshold,
                    "sample_count": 300,
                    "evaluated_windows": 1,
                },
            )
        )
    return out


def execution(
    common: dict[str, Any],
    decisions: list[dict[str, Any]],
    violations: int,
    coverage: float | None = None,
) -> dict[str, Any]:
    """An execution message with ``decisions``."""
    doc = {
        **common,
        "status": "CompletedWithViolations" if violations else "Completed",
        "failure_reason": "",
        "record_count": 400,
        "row_count": 400,
        "violation_count": violations,
        "partitions_reported": [0, 1, 2, 3],
        "evaluated_windows": 1,
        "finalised_by": "all_partitions",
        "decisions": decisions,
    }
    if coverage is not None:
        doc["label_coverage"] = coverage
    return doc
