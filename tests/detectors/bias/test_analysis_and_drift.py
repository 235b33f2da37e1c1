"""analysis.json layout with ±inf strings, reading a baseline back, and bias_drift_check."""

from __future__ import annotations

import json
import math
import random

import orjson
import pytest

from detectors.bias.analysis import BiasAnalysis, FacetEntry, StageReport
from detectors.bias.bias_row import BiasRow
from detectors.bias.config import BiasConfig
from detectors.bias.drift_check import bias_drift_check, bootstrap_interval, bootstrap_intervals
from detectors.bias.metrics import MetricValue
from detectors.bias.post_training_bias import PostTrainingBias
from tests.detectors.bias.conftest import fed


def post(
    facet: str, shown: str, metrics: dict[str, float | None], configured: str | None = None
) -> BiasAnalysis:
    entry = FacetEntry(
        shown,
        tuple(MetricValue(c, v, None if v is not None else "boom") for c, v in metrics.items()),
        configured,
    )
    return BiasAnalysis(None, StageReport("y", "1", ((facet, (entry,)),)))


def test_infinity_is_written_as_a_string_and_read_back() -> None:
    doc = post("sex", "F", {"DI": math.inf, "TE": -math.inf, "CI": None}).to_json()
    text = json.dumps(doc, allow_nan=False)  # fails if a raw inf slipped through
    metrics = json.loads(text)["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"]
    assert metrics == [
        {"name": "CI", "description": "Class Imbalance (CI)", "value": None, "error": "boom"},
        {"name": "DI", "description": "Disparate Impact (DI)", "value": "Infinity"},
        {"name": "TE", "description": "Treatment Equality (TE)", "value": "-Infinity"},
    ]
    back = BiasAnalysis.from_json(json.loads(text))
    assert back.post_training is not None
    entry = back.post_training.facets[0][1][0]
    assert entry.value("DI") == math.inf and entry.value("TE") == -math.inf
    assert entry.metric("CI") == ("CI", None, "boom")


def test_sdk_style_baseline_is_read() -> None:
    doc = {
        "version": "1.0",
        "post_training_bias_metrics": {
            "label": "y", "label_value_or_threshold": "1",
            "facets": {"Age": [{"value_or_threshold": "(40, 73]", "metrics": [
                {"name": "DPPL", "description": "x", "value": 0.2}]}]},
        },
    }  # fmt: skip
    analysis = BiasAnalysis.from_json(doc)
    assert analysis.pre_training is None
    assert analysis.post_training is not None
    assert analysis.post_training.facets[0][1][0].value("DPPL") == 0.2


@pytest.mark.parametrize(("current", "violated"), [(0.1, False), (-0.3, True), (0.2, False)])
def test_drift_rule_doc_example(current: float, violated: bool) -> None:
    baseline = post("Age", "(40, 73]", {"DPPL": 0.2})
    window = post("Age", "(40, 80]", {"DPPL": current}, configured="40")
    violations = bias_drift_check(window, baseline, sample_count=500)
    assert bool(violations) is violated
    if violated:
        (v,) = violations
        assert v.to_sagemaker() == {
            "facet": "Age", "facet_value": "40", "metric_name": "DPPL",
            "constraint_check_type": "bias_drift_check",
            "description": "Metric value -0.3 doesn't meet the baseline constraint requirement 0.2",
        }  # fmt: skip
        assert (v.value, v.threshold, v.sample_count) == (-0.3, 0.2, 500)


def test_di_is_compared_around_one_and_only_baseline_metrics_count() -> None:
    baseline = post("sex", "F", {"DI": 0.8, "CI": None})
    window = post("sex", "F", {"DI": 1.1, "CI": 0.9, "AD": 0.9})
    assert bias_drift_check(window, baseline) == []
    window = post("sex", "F", {"DI": 1.25})
    assert [v.metric_name for v in bias_drift_check(window, baseline)] == ["DI"]
    other_value = post("sex", "M", {"DI": 3.0})
    assert bias_drift_check(other_value, post("sex", "F", {"DI": 0.8})) != []  # single entries
    assert bias_drift_check(post("race", "F", {"DI": 3.0}), baseline) == []


def skewed_rows(n: int, rate_f: float, seed: int) -> list[BiasRow]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        sex = rng.choice("FM")
        p = rate_f if sex == "F" else 0.5
        rows.append(
            BiasRow(facet=sex, label=int(rng.random() < 0.5), predicted_label=int(rng.random() < p))
        )
    return rows


def test_bootstrap_interval_covers_the_sampling_spread() -> None:
    counts = fed(skewed_rows(2000, 0.4, 1), facet_values=("F",)).tally.counts
    lo, hi = bootstrap_interval(counts, True, "DPPL", n_resamples=300, seed=3)  # type: ignore[misc]
    # DPPL ≈ 0.1; its standard error ≈ sqrt(2·0.25/1000) ≈ 0.022, so the 95% half-width ≈ 0.044
    assert lo < 0.1 < hi
    assert (hi - lo) / 2 == pytest.approx(1.96 * math.sqrt(0.24 / 1000 + 0.25 / 1000), rel=0.2)
    assert bootstrap_interval(counts, True, "DPPL", n_resamples=300, seed=3) == (lo, hi)


def test_one_set_of_resamples_gives_each_metric_its_own_interval() -> None:
    counts = fed(skewed_rows(600, 0.3, 4), facet_values=("F",)).tally.counts
    codes = ("CI", "DPL", "KL", "DI", "DPPL", "AD", "RD")
    together = bootstrap_intervals(counts, True, codes, n_resamples=120, seed=9)
    alone = {c: bootstrap_interval(counts, True, c, n_resamples=120, seed=9) for c in codes}
    assert together == {c: ci for c, ci in alone.items() if ci is not None}
    assert set(together) >= {"DI", "DPPL", "CI"}
    # DPPL's interval is the 95 % normal one around the point value (hand-computed spread)
    lo, hi = together["DPPL"]
    assert (hi - lo) / 2 == pytest.approx(1.96 * math.sqrt(0.21 / 300 + 0.25 / 300), rel=0.25)
    with pytest.raises(ValueError, match="'FT' is not a count-based bias metric"):
        bootstrap_intervals(counts, True, ("DI", "FT"))


def test_bootstrap_mode_needs_the_interval_to_leave_the_allowed_range() -> None:
    detector = fed(skewed_rows(1000, 0.25, 2), facet_values=("F",))
    window = detector.analysis()
    assert window.post_training is not None
    value = window.post_training.facets[0][1][0].value("DPPL")
    assert value is not None
    baseline = post("facet", "F", {"DPPL": abs(value) * 0.8})
    assert len(bias_drift_check(window, baseline)) == 1  # point: |v| > |b|
    intervals = detector.intervals(n_resamples=200, seed=0)
    assert bias_drift_check(window, baseline, mode="bootstrap", intervals=intervals) == []
    far = post("facet", "F", {"DPPL": 0.001})
    assert len(bias_drift_check(window, far, mode="bootstrap", intervals=intervals)) == 1


def test_config_from_analysis_config_and_detector_alarm() -> None:
    config = BiasConfig.from_analysis_config(
        {
            "label_values_or_threshold": [1],
            "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
            "probability_threshold": 0.7,
        }
    )
    facet = config.facets[0]
    detector = PostTrainingBias(
        facet_name=facet.name, facet_values=facet.value_or_threshold,
        label_values=config.label_values_or_threshold,
        probability_threshold=config.probability_threshold, baseline_value=0.05, min_samples=100,
    )  # fmt: skip
    for row in skewed_rows(3000, 0.5, 4):
        detector.update(row)
    assert detector.reading().alarm is False
    for row in skewed_rows(3000, 0.2, 5):
        detector.update(row)
    reading = detector.reading()
    assert reading.alarm is True and reading.value is not None and reading.value > 0.05


def test_an_infinite_value_is_a_violation_described_as_sagemaker_does() -> None:
    # AWS's JSON bias-monitor examples (sm-clarify_model_bias_monitor_for_endpoint_json):
    # TE Infinity against a baseline of 2.916666666666667 is a violation whose description
    # reads "Metric value Infinity doesn't meet the baseline constraint requirement …".
    baseline = post("Sex", "0", {"TE": 2.916666666666667, "DCA": -0.5278688524590163})
    window = post("Sex", "0", {"TE": float("inf"), "DCA": float("-inf")})
    by_code = {v.metric_name: v for v in bias_drift_check(window, baseline, sample_count=39)}
    assert by_code["TE"].to_sagemaker() == {
        "facet": "Sex", "facet_value": "0", "metric_name": "TE",
        "constraint_check_type": "bias_drift_check",
        "description": "Metric value Infinity doesn't meet the baseline constraint requirement "
                       "2.916666666666667",
    }  # fmt: skip
    assert by_code["DCA"].description == (
        "Metric value -Infinity doesn't meet the baseline constraint requirement "
        "-0.5278688524590163"
    )
    # the figures driftline adds stay in the message, as analysis.json writes them: valid
    # JSON (orjson would write a null for -inf, the "value": null of a DCA on 39 labels)
    message = orjson.loads(orjson.dumps(by_code["DCA"].to_dict()))
    assert (message["value"], message["threshold"]) == ("-Infinity", -0.5278688524590163)
    assert message["sample_count"] == 39
