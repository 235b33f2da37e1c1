"""Each monitor's worker-side objects, built from the config and the baselines.

Every monitor gets a :class:`~stream.worker.capture_path.CapturePath` (capture partitions),
an :class:`~stream.worker.aggregator.Aggregator` (its partials partition) and, when it has a
model-quality, bias or attribution section, a
:class:`~stream.worker.labelled_path.LabelledPath` attached to its capture path.
:class:`~stream.worker.state.WorkerState` drives them; this module only puts them together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from stream.capture.partitioning import partition_for_key
from stream.capture.postprocess import load_postprocessor
from stream.capture.preprocess import load_preprocessor
from stream.config import ConfigError, DriftlineConfig
from stream.monitors.data_quality import DataQualityBaseline, load_data_quality_baseline
from stream.monitors.labelled_setup import labelled_setup
from stream.worker.aggregator import Aggregator
from stream.worker.books import CAPTURE, PARTIALS
from stream.worker.capture_path import CapturePath
from stream.worker.event_clock import PartitionActivity
from stream.worker.labelled_path import LabelledPath
from stream.worker.pending_stores import PendingStores


@dataclass(frozen=True, slots=True)
class MonitorParts:
    """The capture paths, aggregators and label paths of every monitor, by monitor name."""

    paths: dict[str, CapturePath]
    aggregators: dict[str, Aggregator]
    labelled: dict[str, LabelledPath]


def partials_partition(monitor: str, partitions: int) -> int:
    """The partials partition of a monitor (its partials are keyed by its name)."""
    return partition_for_key(monitor.encode(), partitions)


def load_baselines(config: DriftlineConfig) -> dict[str, DataQualityBaseline]:
    """Every monitor's data-quality baseline; ConfigError when one has none."""
    if not config.monitors:
        msg = "the config defines no [[monitor]]; the worker has nothing to do"
        raise ConfigError(msg)
    baselines = {}
    for monitor in config.monitors:
        if monitor.baseline is None:
            msg = f"monitor {monitor.name!r}: baseline is required by the worker"
            raise ConfigError(msg)
        baselines[monitor.name] = load_data_quality_baseline(monitor.baseline)
    return baselines


def monitor_parts(
    config: DriftlineConfig,
    baselines: Mapping[str, DataQualityBaseline],
    activity: Mapping[str, PartitionActivity],
    stores: PendingStores,
    now: Callable[[], datetime],
) -> MonitorParts:
    """Build every monitor's objects; ``activity`` is keyed by CAPTURE and PARTIALS."""
    worker, partitions = config.worker, config.kafka.partitions
    parts = MonitorParts({}, {}, {})
    setups = {m.name: labelled_setup(m, baselines[m.name].features) for m in config.monitors}
    shared = sum(setup is not None for setup in setups.values()) > 1  # one labels topic
    for monitor in config.monitors:
        baseline = baselines[monitor.name]
        pre = load_preprocessor(monitor.preprocessor, monitor.preprocessor_output_dir)
        post = load_postprocessor(monitor.postprocessor) if monitor.postprocessor else None
        path = parts.paths[monitor.name] = CapturePath(
            monitor, baseline, activity=activity[CAPTURE], now=now, preprocessor=pre,
            max_future_seconds=worker.max_future_seconds,
            revision_horizon_seconds=worker.revision_horizon_seconds,
        )  # fmt: skip
        setup = setups[monitor.name]
        parts.aggregators[monitor.name] = Aggregator(
            monitor, baseline, partitions=partitions,
            partials_partition=partials_partition(monitor.name, partitions),
            activity=activity[PARTIALS], now=now, postprocessor=post,
            revision_horizon_seconds=worker.revision_horizon_seconds, labelled=setup,
            label_flush_seconds=worker.label_flush_seconds,
        )  # fmt: skip
        if setup is not None:
            labelled = LabelledPath(
                monitor.name, setup, clock=path.clock, now=now,
                entries=stores.monitor_entries(monitor.name, shared=shared),
                flush_seconds=worker.label_flush_seconds,
            )  # fmt: skip
            path.attach(labelled)
            parts.labelled[monitor.name] = labelled
    return parts
