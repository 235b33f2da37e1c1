"""Configuration: one frozen tree, loaded once from a TOML file and ``DRIFTLINE_*`` variables.

``settings`` declares every setting with its default; ``loader`` reads the file and the
environment into it; ``values`` types TOML values and environment strings.
"""

from stream.config.loader import load_config
from stream.config.settings import (
    DriftlineConfig,
    KafkaConfig,
    MetricsConfig,
    MonitorConfig,
    MonitorMatch,
    WorkerConfig,
)
from stream.config.values import ConfigError

__all__ = [
    "ConfigError",
    "DriftlineConfig",
    "KafkaConfig",
    "MetricsConfig",
    "MonitorConfig",
    "MonitorMatch",
    "WorkerConfig",
    "load_config",
]
