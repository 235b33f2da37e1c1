"""The metrics collector with several workers: who exports what, counters from 0, lag.

Two WorkerStates stand for two workers of one group: capture partitions split between
them, partials delivered to the owner of the monitor's partials partition, which is checked
against aiokafka's own partitioner (Kafka's), independent of driftline's murmur2.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from dataclasses import replace

import orjson
import pytest
from aiokafka.partitioner import DefaultPartitioner
from prometheus_client import CollectorRegistry, generate_latest

from stream.config import DriftlineConfig, KafkaConfig, MonitorConfig
from stream.demo.synthetic import SyntheticSchema, capture_record
from stream.worker.metric_sources import (
    DEAD_LETTER_REASONS,
    JoinSummary,
    LabelledSummary,
    MetricReading,
    WorkerSources,
    partition_lag,
)
from stream.worker.metrics import WorkerCollector, register_worker_metrics
from stream.worker.state import CAPTURE, PARTIALS, WorkerState
from tests.stream.worker.saved_sources import saved_sources

SCHEMA = SyntheticSchema.demo()
BASELINE = SCHEMA.baseline(n=3000)
T0 = 1_709_647_200.0
PARTITIONS = 2


def worker(clock, *monitors: str, online=()) -> WorkerState:
    config = DriftlineConfig(
        kafka=KafkaConfig(topic_prefix="p", partitions=PARTITIONS),
        monitors=tuple(
            MonitorConfig(name=name, window_seconds=10.0, allowed_lateness_seconds=0.0,
                          idle_close_seconds=5.0, capture_index_names=("endpointInput",),
                          online_detectors=online)
            for name in monitors
        ),
    )  # fmt: skip
    return WorkerState(config, dict.fromkeys(monitors, BASELINE), now=clock)


def scrape(ws: WorkerState):
    registry = CollectorRegistry()
    registry.register(WorkerCollector(saved_sources(ws)))
    return lambda name, **labels: registry.get_sample_value(name, labels)


def message(seed: int, times: list[float], drifted=()) -> bytes:
    rows = SCHEMA.rows(random.Random(seed), len(times), drifted)
    records = [
        capture_record(f"{seed}-{k}", t, r)
        for k, (t, r) in enumerate(zip(times, rows, strict=True))
    ]
    return b"\n".join(orjson.dumps(r) for r in records)


def kafka_partition(monitor: str) -> int:
    """The partition Kafka's default partitioner gives a key (aiokafka's implementation)."""
    return DefaultPartitioner()(monitor.encode(), list(range(PARTITIONS)), [])


def run_window(
    capture: dict[int, WorkerState], start: float, offset: int, drifted=(), owners=None
) -> None:
    """One window of traffic on the capture partitions, then its close; partials delivered.

    ``capture`` and ``owners`` map capture and partials partitions to the owning worker.
    """
    times = [start + i * 0.01 for i in range(400)]
    partials = []
    for partition, ws in capture.items():
        ws.on_capture(partition, offset, message(partition + offset, times, drifted))
        ws.on_capture(partition, offset + 1, message(99, [start + 10.5]))
        partials += ws.checkpoint(CAPTURE, partition).outbox
    for out in partials:
        assert out.topic == "p.partials"
        assert out.partition == kafka_partition(out.key.decode())
        owner = (owners or capture)[out.partition]
        book = owner.book(PARTIALS, out.partition)
        owner.on_partial(out.partition, book.last_offset(PARTIALS) + 1, out.value)


@pytest.fixture
def two_workers(fake_clock):
    """Workers 0 and 1: each owns the capture and partials partition of its number."""
    workers = {p: worker(fake_clock, "m", "n") for p in (0, 1)}
    for partition, ws in workers.items():
        ws.assign({partition}, {partition})
    return workers


def test_aggregating_worker_alone_exports_window_gauges(two_workers):
    assert (kafka_partition("m"), kafka_partition("n")) == (0, 1)
    run_window(two_workers, T0, 0, drifted={"age"})
    m0, m1 = scrape(two_workers[0]), scrape(two_workers[1])
    assert m0("driftline_drift_distance", monitor="m", feature="age") > 0.2
    assert m0("driftline_drift_distance", monitor="n", feature="age") is None
    assert m1("driftline_drift_distance", monitor="n", feature="age") > 0.2
    assert m1("driftline_drift_distance", monitor="m", feature="age") is None
    assert m0("driftline_last_closed_window_end_timestamp_seconds", monitor="m") == T0 + 10
    assert m0("driftline_window_rows", monitor="m") == 800
    # every non-missing age value of the window is behind its drift decision
    assert m0("driftline_window_samples", monitor="m", feature="age") == 800
    for m in (m0, m1):  # every worker lists every configured monitor
        assert m("driftline_window_length_seconds", monitor="m") == 10.0
        assert m("driftline_window_length_seconds", monitor="n") == 10.0


def _emit_metrics(setting: str, *, feature: str | None = None):
    """BASELINE with ``emit_metrics`` set globally, or only in one feature's overrides."""
    constraints = BASELINE.constraints
    if feature is None:
        config = replace(constraints.monitoring_config, emit_metrics=setting == "Enabled")
        return replace(BASELINE, constraints=replace(constraints, monitoring_config=config))
    features = tuple(
        replace(f, overrides=(("emit_metrics", setting),)) if f.name == feature else f
        for f in constraints.features
    )
    return replace(BASELINE, constraints=replace(constraints, features=features))


@pytest.mark.parametrize("where", ["age", None])
def test_emit_metrics_disabled_drops_the_features_window_gauges(fake_clock, where):
    """SageMaker's ``emit_metrics: Disabled`` publishes no metrics for what it covers."""
    config = DriftlineConfig(
        kafka=KafkaConfig(topic_prefix="p", partitions=PARTITIONS),
        monitors=(MonitorConfig(name="m", window_seconds=10.0, allowed_lateness_seconds=0.0,
                                idle_close_seconds=5.0, capture_index_names=("endpointInput",)),),
    )  # fmt: skip
    ws = WorkerState(config, {"m": _emit_metrics("Disabled", feature=where)}, now=fake_clock)
    ws.assign({0, 1}, {0, 1})
    run_window({0: ws, 1: ws}, T0, 0, drifted={"age"})
    m = scrape(ws)
    for gauge in ("driftline_drift_distance", "driftline_drift_threshold",
                  "driftline_window_samples", "driftline_completeness_ratio"):  # fmt: skip
        assert m(gauge, monitor="m", feature="age") is None
        other = m(gauge, monitor="m", feature="income")
        assert (other is None) if where is None else (other is not None)
    # the violation is still counted
    labels = dict(monitor="m", check_type="baseline_drift_check", feature="age")
    assert m("driftline_violations_total", **labels) >= 1


def test_a_worker_that_loses_a_monitor_stops_exporting_its_gauges(two_workers, fake_clock):
    run_window(two_workers, T0, 0, drifted={"age"})
    fake_clock.advance(60)
    handover = fake_clock().timestamp()
    two_workers[0].assign({0}, set())
    two_workers[0].drop(PARTIALS, {0})  # what the checkpointer does with a lost partition
    two_workers[1].assign({1}, {0, 1})
    m0, m1 = scrape(two_workers[0]), scrape(two_workers[1])
    for name in ("driftline_drift_distance", "driftline_drift_threshold",
                 "driftline_completeness_ratio"):  # fmt: skip
        assert m0(name, monitor="m", feature="age") is None
        assert m1(name, monitor="m", feature="age") is None  # no window of m closed here yet
    assert m0("driftline_aggregating_since_timestamp_seconds", monitor="m") is None
    assert m1("driftline_aggregating_since_timestamp_seconds", monitor="m") == handover
    assert m1("driftline_aggregating_since_timestamp_seconds", monitor="n") < handover
    survivor = two_workers[1]
    survivor.assign({0, 1}, {0, 1})
    run_window({0: survivor, 1: survivor}, T0 + 20, 10)
    assert m1("driftline_drift_distance", monitor="m", feature="age") < 0.1
    assert m0("driftline_drift_distance", monitor="m", feature="age") is None
    # counters stay where they were counted: sums over workers hold
    labels = dict(monitor="m", check_type="baseline_drift_check", feature="age")
    assert (
        m0("driftline_violations_total", **labels),
        m1("driftline_violations_total", **labels),
    ) == (1, 0)


def test_a_monitor_taken_back_forgets_its_old_result(two_workers):
    run_window(two_workers, T0, 0)
    ws = two_workers[0]
    ws.assign({0}, set())
    ws.drop(PARTIALS, {0})
    ws.assign({0}, {0})
    assert scrape(ws)("driftline_last_closed_window_end_timestamp_seconds", monitor="m") is None


def test_counters_of_known_label_sets_start_at_zero(fake_clock):
    ws = worker(fake_clock, "m", online=("adwin",))
    m = scrape(ws)
    for feature in SCHEMA.features:
        for check in ("missing_column_check", "completeness_check", "data_type_check",
                      "baseline_drift_check"):  # fmt: skip
            assert m("driftline_violations_total", monitor="m", check_type=check,
                     feature=feature) == 0  # fmt: skip
    strings = [f for f, k in zip(BASELINE.features, BASELINE.kinds, strict=True) if k == "string"]
    assert strings == ["plan", "region"]
    for feature in strings:
        assert m("driftline_violations_total", monitor="m", check_type="categorical_values_check",
                 feature=feature) == 0  # fmt: skip
        assert m("driftline_online_alarms_total", monitor="m", feature=feature) is None
    assert m("driftline_violations_total", monitor="m", check_type="extra_column_check",
             feature="_other") == 0  # fmt: skip
    for reason in DEAD_LETTER_REASONS:
        assert m("driftline_dead_letters_total", monitor="m", reason=reason) == 0
    for feature in ("age", "income", "tenure_months", "score"):
        assert m("driftline_online_alarms_total", monitor="m", feature=feature) == 0
    for name in (
        "driftline_windows_closed_total",
        "driftline_late_partials_total",
        "driftline_postprocessor_failures_total",
        "driftline_events_consumed_total",
        "driftline_dropped_events_total",
    ):
        assert m(name, monitor="m") == 0  # fmt: skip


def test_the_first_violation_counts_from_a_series_that_existed(fake_clock):
    workers = {p: worker(fake_clock, "m", "n") for p in (0, 1)}
    for partition, ws in workers.items():
        ws.assign({partition}, {partition})
    labels = dict(monitor="m", check_type="baseline_drift_check", feature="income")
    before = scrape(workers[0])("driftline_violations_total", **labels)
    run_window(workers, T0, 0, drifted={"income"})
    assert (before, scrape(workers[0])("driftline_violations_total", **labels)) == (0, 1)


def test_consumer_lag_per_owned_partition(fake_clock):
    ws = worker(fake_clock, "m")
    ws.assign({0, 1}, set())
    ws.end_offsets[(CAPTURE, 0)] = 120  # nothing processed yet: all 120 are behind
    assert partition_lag(ws) == {0: 120}  # the end of 1 is not known yet
    ws.on_capture(0, 109, message(1, [T0]))  # processed up to offset 109: next is 110
    ws.end_offsets[(CAPTURE, 1)] = 5
    ws.on_capture(1, 4, message(2, [T0]))
    assert partition_lag(ws) == {0: 10, 1: 0}
    m = scrape(ws)
    assert m("driftline_consumer_lag_messages", partition="0") == 10
    assert m("driftline_assigned_partitions") == 2
    assert m("driftline_capture_partitions") == 2
    ws.assign({1}, set())  # partition 0 went to another worker
    ws.drop(CAPTURE, {0})
    assert partition_lag(ws) == {1: 0}
    assert scrape(ws)("driftline_consumer_lag_messages", partition="0") is None
    ws.assign({0, 1}, set())  # back: its end offset is asked for again, not remembered
    assert partition_lag(ws) == {1: 0}


def test_internal_errors_and_revised_events_are_exported(two_workers):
    ws = two_workers[0]
    m = scrape(ws)
    assert m("driftline_revised_events_total", monitor="m") == 0
    assert m("driftline_duplicate_partials_total", monitor="m") == 0
    ws.internal_errors["KeyError"] += 2
    assert m("driftline_internal_errors_total", type="KeyError") == 2


def test_every_record_consumed_is_counted_in_one_exported_outcome(fake_clock):
    """consumed = processed + dead letters + late + sampled out + dropped, all exported: a
    request of no instances gives no row and is dropped, not lost from the counts."""
    ws = worker(fake_clock, "m")
    ws.assign({0}, set())
    no_rows = capture_record("none", T0 + 1, [])
    no_rows["captureData"]["endpointInput"].update(data='{"instances": []}', encoding="JSON")
    lines = message(3, [T0 + 1, T0 + 2]) + b"\n" + orjson.dumps(no_rows) + b"\n{bad json"
    ws.on_capture(0, 0, lines)
    m = scrape(ws)
    outcomes = {
        name: m(f"driftline_{name}_total", monitor="m")
        for name in ("events_processed", "late_events", "sampled_out_events", "dropped_events")
    }
    dead = sum(
        m("driftline_dead_letters_total", monitor="m", reason=r) for r in DEAD_LETTER_REASONS
    )
    assert outcomes["dropped_events"] == 1 and dead == 1 and outcomes["events_processed"] == 2
    assert m("driftline_events_consumed_total", monitor="m") == sum(outcomes.values()) + dead == 4


class LabelledAggregator:
    """Stands for the lead's labelled aggregators: only the documented interface."""

    def __init__(self, name: str) -> None:
        self.config = MonitorConfig(name=name)
        self.windows_closed = self.late_partials = self.postprocessor_failures = 0
        self.duplicate_partials = 0
        self.violations: dict = {}
        self.last_result = None

    def labelled_summary(self) -> LabelledSummary:
        return LabelledSummary(
            monitor=self.config.name,
            model_quality={"accuracy": MetricReading(0.81, 0.9), "f1": MetricReading(0.7)},
            label_coverage=0.25,
            bias={("sex", "female", "DPPL"): 0.12},
            ndcg={"label0": 0.93},
            bias_facet_rows={("sex", "d"): 0, ("sex", "a"): 40},
        )


class Join:
    """Stands for a labelled monitor's label join: only the documented interface."""

    def join_summary(self) -> JoinSummary:
        return JoinSummary("mq", pending_predictions=40, pending_labels=3, joined=17,
                           expired={"prediction": 2, "shap": 4}, duplicates=1, evicted=5,
                           duplicate_predictions=6, superseded_labels=7)  # fmt: skip


def test_labelled_families_come_from_the_documented_interfaces():
    aggregator = LabelledAggregator("mq")
    owned: dict[str, float] = {}
    registry = CollectorRegistry()
    sources = WorkerSources(
        list, lambda: [aggregator], set, lambda: owned, capture_partitions=1,
        label_joins=lambda: [Join(), object()],  # an object without the interface adds nothing
    )  # fmt: skip
    registry.register(WorkerCollector(sources))

    def m(name, **labels):
        return registry.get_sample_value(name, labels)

    assert m("driftline_model_quality_metric", monitor="mq", metric="accuracy") is None
    assert m("driftline_pending_predictions", monitor="mq") == 40  # capture side: always
    assert m("driftline_labels_expired_total", monitor="mq", side="prediction") == 2
    assert m("driftline_labels_expired_total", monitor="mq", side="label") == 0
    assert m("driftline_labels_duplicate_total", monitor="mq") == 1
    assert m("driftline_labels_expired_total", monitor="mq", side="shap") == 4
    assert m("driftline_predictions_evicted_total", monitor="mq") == 5
    assert m("driftline_predictions_duplicate_total", monitor="mq") == 6
    assert m("driftline_labels_superseded_total", monitor="mq") == 7
    owned["mq"] = 1.0  # now this worker aggregates it
    assert m("driftline_model_quality_metric", monitor="mq", metric="accuracy") == 0.81
    assert m("driftline_model_quality_threshold", monitor="mq", metric="accuracy") == 0.9
    assert m("driftline_model_quality_threshold", monitor="mq", metric="f1") is None
    assert m("driftline_label_coverage_ratio", monitor="mq") == 0.25
    assert m("driftline_bias_metric", monitor="mq", facet="sex", facet_value="female",
             metric="DPPL") == 0.12  # fmt: skip
    assert m("driftline_attribution_ndcg", monitor="mq", label="label0") == 0.93
    assert m("driftline_bias_facet_rows", monitor="mq", facet="sex", side="d") == 0
    assert m("driftline_bias_facet_rows", monitor="mq", facet="sex", side="a") == 40


def test_exposition_passes_promtool_lint(two_workers):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is missing: `make setup` installs Debian's prometheus package")
    run_window(two_workers, T0, 0, drifted={"age"})
    registry = CollectorRegistry()
    register_worker_metrics(registry, saved_sources(two_workers[0]))
    text = generate_latest(registry)
    for family in (b"process_cpu_seconds_total", b"python_info", b"driftline_build_info"):
        assert family in text
    out = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                         check=False)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_window_revised_by_late_records_counts_its_violation_once(fake_clock):
    """Late records revise a flagged window (revision 1, still flagged): no second count."""
    ws = worker(fake_clock, "m")
    ws.assign({0, 1}, {0, 1})
    results = []
    ws.on_result = results.append
    run_window({0: ws, 1: ws}, T0, 0, drifted={"income"})
    ws.on_capture(0, 2, message(7, [T0 + 5.0] * 50, drifted={"income"}))  # late, same window
    fake_clock.advance(6.0)  # idle_close_seconds: the revision window closes
    ws.tick()
    for out in ws.checkpoint(CAPTURE, 0).outbox:
        ws.on_partial(out.partition, ws.book(PARTIALS, out.partition).last_offset(PARTIALS) + 1,
                      out.value)  # fmt: skip
    revised = [r for r in results if r.window_start == T0 and r.revision == 1]
    assert revised and "income" in {v.feature_name for v in revised[0].evaluation.violations}
    labels = dict(monitor="m", check_type="baseline_drift_check", feature="income")
    assert scrape(ws)("driftline_violations_total", **labels) == 1  # one window, not two


def _chi_squared_baseline():
    """BASELINE with SageMaker's ``categorical_drift_method: ChiSquared``."""
    constraints = BASELINE.constraints
    distribution = replace(
        constraints.monitoring_config.distribution, categorical_drift_method="ChiSquared"
    )
    config = replace(constraints.monitoring_config, distribution=distribution)
    return replace(BASELINE, constraints=replace(constraints, monitoring_config=config))


def _window_plan_counts(drifted=()) -> list[int]:
    """The ``plan`` counts of run_window's window at offset 0: seeds 0 and 1, 400 rows each."""
    rows = [r for seed in (0, 1) for r in SCHEMA.rows(random.Random(seed), 400, drifted)]
    plans = [r[SCHEMA.features.index("plan")] for r in rows]
    return [plans.count(category) for category, _ in _baseline_plan_counts()]


def _baseline_plan_counts() -> tuple[tuple[str, int], ...]:
    return BASELINE.statistics.feature("plan").string.buckets


@pytest.mark.parametrize("drifted", [(), ("plan",)])
def test_a_chi_squared_feature_alarms_in_the_drift_gauges_when_its_p_value_is_low(
    fake_clock, drifted
):
    """``distance > threshold`` (DriftlineFeatureDrift, the dashboard's ratio above 1) is drift.

    A ChiSquared categorical feature's figure is a p-value, violated *below* its threshold;
    exported as it is, the alert fired for every clean window and never for a drifted one.
    The reference is scipy's chi-squared goodness of fit of the window's counts against the
    baseline's proportions.
    """
    from scipy.stats import chisquare

    config = DriftlineConfig(
        kafka=KafkaConfig(topic_prefix="p", partitions=PARTITIONS),
        monitors=(MonitorConfig(name="m", window_seconds=10.0, allowed_lateness_seconds=0.0,
                                idle_close_seconds=5.0, capture_index_names=("endpointInput",)),),
    )  # fmt: skip
    ws = WorkerState(config, {"m": _chi_squared_baseline()}, now=fake_clock)
    ws.assign({0, 1}, {0, 1})
    run_window({0: ws, 1: ws}, T0, 0, drifted=set(drifted))
    observed = _window_plan_counts(drifted)
    base = [n for _, n in _baseline_plan_counts()]
    expected = [n / sum(base) * sum(observed) for n in base]
    p_value = chisquare(observed, expected).pvalue
    alpha = BASELINE.constraints.monitoring_config.distribution.categorical_comparison_threshold
    assert (p_value < alpha) == bool(drifted)  # the two windows this test needs
    m = scrape(ws)
    distance = m("driftline_drift_distance", monitor="m", feature="plan")
    threshold = m("driftline_drift_threshold", monitor="m", feature="plan")
    assert (distance > threshold) == (p_value < alpha)
    assert distance == pytest.approx(1 - p_value, abs=1e-9)
    assert threshold == pytest.approx(1 - alpha)
    violations = m("driftline_violations_total", monitor="m", check_type="baseline_drift_check",
                   feature="plan")  # fmt: skip
    assert violations == (1 if drifted else 0)
