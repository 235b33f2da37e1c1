"""The configuration's frozen dataclass tree: every setting, its default and its checks.

Each field's comment names its environment variable; :mod:`stream.config.loader` reads the
TOML file and the environment into these classes.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stream.capture.message import MAX_WINDOW_SECONDS, MIN_WINDOW_SECONDS
from stream.capture.records import CAPTURE_PARTS, capture_parts_problem
from stream.config.kafka_settings import KafkaConfig
from stream.config.sections import (
    BASELINE_FOLDERS,
    AttributionDriftSettings,
    BiasDriftSettings,
    LabelSettings,
    ModelQualitySettings,
)
from stream.config.values import ConfigError, env_name

_REDACTED = "***"
_INSTANCE_ID = re.compile(r"[a-zA-Z0-9._-]{1,249}")  # Kafka's rule for group.instance.id
_SECRETS = ("sasl_password", "ssl_password")


# The per-event detectors a monitor may name (stream.worker.online implements each one).
ONLINE_DETECTORS = ("adwin", "kswin", "page_hinkley")


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


@dataclass(frozen=True, slots=True)
class MetricsConfig:
    """Prometheus ``/metrics`` and the status page (``[metrics]``)."""

    port: int = 9108  # env DRIFTLINE_METRICS_PORT
    host: str = "127.0.0.1"  # env DRIFTLINE_METRICS_HOST

    def __post_init__(self) -> None:
        _check(0 <= self.port <= 65535, f"metrics.port must be in 0..65535, got {self.port}")


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """Worker process behaviour (``[worker]``)."""

    shutdown_timeout_seconds: float = 10.0  # env DRIFTLINE_WORKER_SHUTDOWN_TIMEOUT_SECONDS
    # a partition that processed messages is snapshotted at least this often
    snapshot_interval_seconds: float = 2.0  # env DRIFTLINE_WORKER_SNAPSHOT_INTERVAL_SECONDS
    # event times further ahead of the wall clock are dead-lettered (future_time). One
    # accepted moves its partition's watermark as far: past revision_horizon_seconds, every
    # live record is then dropped as late until the clock catches up (a client writing its
    # local time as UTC), so the default is the revision horizon's
    max_future_seconds: float = 900.0  # env DRIFTLINE_WORKER_MAX_FUTURE_SECONDS
    # a published window is revised by late records this long (event time) after it closed
    revision_horizon_seconds: float = 900.0  # env DRIFTLINE_WORKER_REVISION_HORIZON_SECONDS
    # late labels of published windows are sent on (revising them) at most this often
    label_flush_seconds: float = 1.0  # env DRIFTLINE_WORKER_LABEL_FLUSH_SECONDS
    # where the label join's waiting entries live on disk (RocksDB, one folder per capture
    # partition; the Kafka changelog is the durable copy). Unset: a temporary folder per
    # process, so a restart replays the changelog; kept: a restart replays only its tail.
    state_dir: Path | None = None  # env DRIFTLINE_WORKER_STATE_DIR
    # Kafka's static group membership: a name for this worker, stable across its restarts
    # and unique among live workers (a StatefulSet pod's name). A restarted worker then
    # takes its partitions back without a rebalance. Unset: dynamic membership.
    group_instance_id: str | None = None  # env DRIFTLINE_WORKER_GROUP_INSTANCE_ID

    def __post_init__(self) -> None:
        for key in (
            "shutdown_timeout_seconds",
            "snapshot_interval_seconds",
            "max_future_seconds",
            "label_flush_seconds",
        ):
            value = getattr(self, key)
            _check(0 < value < math.inf, f"worker.{key} must be > 0 and finite, got {value}")
        horizon = self.revision_horizon_seconds
        _check(
            0 <= horizon < math.inf,
            f"worker.revision_horizon_seconds must be >= 0 and finite, got {horizon}",
        )
        name = self.group_instance_id
        _check(
            name is None or bool(_INSTANCE_ID.fullmatch(name)) and name not in (".", ".."),
            "worker.group_instance_id must be 1-249 of the characters a-z A-Z 0-9 . _ - "
            f"(Kafka's rule), and not '.' or '..', got {name!r}",
        )


@dataclass(frozen=True, slots=True)
class MonitorMatch:
    """Routing: a capture record belongs to the monitor when every given field matches."""

    endpoint: str | None = None  # env DRIFTLINE_MONITOR_<NAME>_MATCH_ENDPOINT
    variant: str | None = None  # env DRIFTLINE_MONITOR_<NAME>_MATCH_VARIANT
    model: str | None = None  # env DRIFTLINE_MONITOR_<NAME>_MATCH_MODEL


@dataclass(frozen=True, slots=True)
class MonitorConfig:
    """One monitored model (a ``[[monitor]]`` entry); env ``DRIFTLINE_MONITOR_<NAME>_<KEY>``."""

    name: str  # stable id: metric label, key of its partials and snapshots
    baseline: Path | None = None  # folder with statistics.json + constraints.json
    window_seconds: float = 60.0  # tumbling event-time window
    evaluation_windows: int = 1  # each evaluation merges the last N windows
    allowed_lateness_seconds: float = 10.0  # watermark = max event time - this
    idle_close_seconds: float = 30.0  # wall-clock silence that closes an open window
    min_window_count: int = 30  # fewer samples: no drift decision
    sampling_percentage: float = 100.0  # deterministic per inferenceId
    preprocessor: Path | None = None  # script with preprocess_handler (SageMaker contract)
    # stands in for SageMaker's /opt/ml/processing/output for the preprocessor script;
    # empty: <temp dir>/driftline/<monitor>/preprocessor-output (preprocessor_output_dir)
    preprocessor_output: Path | None = None
    postprocessor: Path | None = None  # script with postprocess_handler
    match: MonitorMatch = MonitorMatch()
    online_detectors: tuple[str, ...] = ()  # e.g. ("adwin",); comma-separated in the env
    # which capture parts become columns (SageMaker's captureIndexNames); output columns first
    capture_index_names: tuple[str, ...] = CAPTURE_PARTS
    labels: LabelSettings = LabelSettings()  # [monitor.labels]: the label join, A2I records
    model_quality: ModelQualitySettings | None = None  # [monitor.model_quality]
    bias: BiasDriftSettings | None = None  # [monitor.bias]
    attribution: AttributionDriftSettings | None = None  # [monitor.attribution]

    def __post_init__(self) -> None:
        where = f"monitor {self.name!r}"
        _check(bool(self.name.strip()), "monitor.name must not be empty")
        for key in ("window_seconds", "idle_close_seconds"):  # inf would make no window
            value = getattr(self, key)
            _check(0 < value < math.inf, f"{where}: {key} must be > 0 and finite, got {value}")
        window = self.window_seconds
        _check(  # window starts are written to the millisecond: shorter ones would share one
            window >= MIN_WINDOW_SECONDS,
            f"{where}: window_seconds must be at least {MIN_WINDOW_SECONDS} (a millisecond), "
            f"got {window}",
        )
        _check(  # a longer window has no ISO-8601 start or end for some event times
            window <= MAX_WINDOW_SECONDS,
            f"{where}: window_seconds must be at most {MAX_WINDOW_SECONDS:.0f} (365 days), "
            f"got {window}",
        )
        lateness = self.allowed_lateness_seconds
        _check(
            0 <= lateness < math.inf,
            f"{where}: allowed_lateness_seconds must be >= 0 and finite, got {lateness}",
        )
        windows = self.evaluation_windows
        _check(windows >= 1, f"{where}: evaluation_windows must be >= 1, got {windows}")
        count = self.min_window_count
        _check(count >= 0, f"{where}: min_window_count must be >= 0, got {count}")
        unknown = [name for name in self.online_detectors if name not in ONLINE_DETECTORS]
        _check(
            not unknown,
            f"{where}: unknown online detector(s) {unknown}; known: {list(ONLINE_DETECTORS)}",
        )
        pct = self.sampling_percentage
        _check(0 <= pct <= 100, f"{where}: sampling_percentage must be in 0..100, got {pct}")
        problem = capture_parts_problem(self.capture_index_names)
        _check(problem is None, f"{where}: capture_index_names {problem}")
        self._complete_sections(where)

    @property
    def labelled_sections(self) -> tuple[str, ...]:
        """Names of the labelled monitors this monitor runs (its sections that are set)."""
        return tuple(name for name in BASELINE_FOLDERS if getattr(self, name) is not None)

    def _complete_sections(self, where: str) -> None:
        """Default baseline folders from ``baseline``; bias attributes from model quality.

        Bias with no attribute here nor in model quality reads the output's one value.
        """
        quality, bias = self.model_quality, self.bias
        unset = bias is not None and bias.inference_attribute is bias.probability_attribute is None
        if unset and quality is not None:
            assert bias is not None
            bias = dataclasses.replace(
                bias,
                inference_attribute=quality.inference_attribute,
                probability_attribute=quality.probability_attribute,
            )
            object.__setattr__(self, "bias", bias)
        for name, folder in BASELINE_FOLDERS.items():
            section = getattr(self, name)
            if section is None or section.baseline is not None:
                continue
            _check(
                self.baseline is not None,
                f"{where}: {name}.baseline is needed when the monitor has no baseline folder",
            )
            assert self.baseline is not None
            object.__setattr__(
                self, name, dataclasses.replace(section, baseline=self.baseline / folder)
            )

    @property
    def env_prefix(self) -> str:
        """Prefix of this monitor's environment overrides."""
        return f"DRIFTLINE_MONITOR_{env_name(self.name)}_"

    @property
    def preprocessor_output_dir(self) -> Path:
        """``preprocessor_output``, or a folder of this monitor's under the temp directory."""
        if self.preprocessor_output is not None:
            return self.preprocessor_output
        return (
            Path(tempfile.gettempdir())
            / "driftline"
            / env_name(self.name).lower()
            / ("preprocessor-output")
        )


@dataclass(frozen=True, slots=True)
class DriftlineConfig:
    """The whole configuration: loaded once in ``main()`` and passed down explicitly."""

    kafka: KafkaConfig = KafkaConfig()
    metrics: MetricsConfig = MetricsConfig()
    worker: WorkerConfig = WorkerConfig()
    monitors: tuple[MonitorConfig, ...] = ()
    source: Path | None = None  # the TOML file it came from, None for defaults + env

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for monitor in self.monitors:
            key = env_name(monitor.name)
            _check(
                key not in seen,
                f"monitor names must be unique (also after upper-casing for the environment): "
                f"{seen.get(key, monitor.name)!r} and {monitor.name!r}",
            )
            seen[key] = monitor.name

    def monitor(self, name: str) -> MonitorConfig:
        """The monitor called ``name``."""
        for monitor in self.monitors:
            if monitor.name == name:
                return monitor
        msg = f"no monitor named {name!r}; configured: {[m.name for m in self.monitors]}"
        raise KeyError(msg)

    def redacted(self) -> dict[str, Any]:
        """Plain data for the startup log, with passwords replaced by ``***``."""
        data: dict[str, Any] = _plain(self)
        for key in _SECRETS:
            if data["kafka"][key] is not None:
                data["kafka"][key] = _REDACTED
        return data

    def describe(self) -> str:
        """One ``section.key = value`` line per setting, secrets redacted."""
        lines: list[str] = []
        data = self.redacted()
        for section in ("kafka", "metrics", "worker"):
            lines += [f"{section}.{k} = {v!r}" for k, v in data[section].items()]
        for monitor in data["monitors"]:
            lines += [f"monitor[{monitor['name']}].{k} = {v!r}" for k, v in _flat(monitor)]
        lines.append(f"source = {data['source']!r}")
        return "\n".join(lines)


def _flat(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested tables as dotted keys: ``{"labels": {"max_pending": 5}}`` → ``labels.max_pending``."""
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            out += _flat(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


__all__ = [
    "ONLINE_DETECTORS",
    "AttributionDriftSettings",
    "BiasDriftSettings",
    "ConfigError",
    "DriftlineConfig",
    "KafkaConfig",
    "LabelSettings",
    "MetricsConfig",
    "ModelQualitySettings",
    "MonitorConfig",
    "MonitorMatch",
    "WorkerConfig",
]
