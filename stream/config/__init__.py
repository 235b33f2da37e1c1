"""Configuration: one frozen tree, loaded once from a TOML file and ``DRIFTLINE_*`` variables.

``settings`` declares every setting with its default (``kafka_settings`` the ``[kafka]``
table with its security checks, ``sections`` a monitor's labelled-monitor tables); ``loader``
reads the file and the environment into it; ``values`` types TOML values and environment
strings.
"""

from stream.config.loader import load_config
from stream.config.settings import (
    AttributionDriftSettings,
    BiasDriftSettings,
    DriftlineConfig,
    KafkaConfig,
    LabelSettings,
    MetricsConfig,
    ModelQualitySettings,
    MonitorConfig,
    MonitorMatch,
    WorkerConfig,
)
from stream.config.values import ConfigError

__all__ = [
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
    "load_config",
]
