"""What ``replay`` and ``tail`` share: the config, a running broker, the topics.

Both need a running broker: they never start the embedded one, since its in-memory topics
would vanish when the command ends. Both create driftline's topics if missing, with the
configured partition count (a topic created implicitly gets the broker's default count).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from stream.cli.output import InputPath, UserError
from stream.config import ConfigError, DriftlineConfig, load_config
from stream.kafka.error_text import error_text
from stream.kafka.security import kafka_python_kwargs
from stream.kafka.topics import TopicError, TopicNames, ensure_topics_sync

__all__ = ["UserError", "config_option", "connect"]


config_option = click.option(
    "--config",
    "config_path",
    type=InputPath(exists=True, dir_okay=False, path_type=Path),
    help="driftline TOML config (DRIFTLINE_* environment variables override it).",
)


def connect(config_path: Path | None) -> tuple[DriftlineConfig, TopicNames]:
    """Load the config, refuse the embedded broker, and make sure the topics exist."""
    try:
        config = load_config(config_path, os.environ)
    except ConfigError as error:
        raise UserError(str(error)) from error
    kafka = config.kafka
    if kafka.uses_embedded_broker:
        msg = (
            "this command needs a running broker, but kafka.bootstrap_servers is empty; "
            "set it (or DRIFTLINE_KAFKA_BOOTSTRAP_SERVERS), or use `driftline demo` / "
            "`driftline worker`, which start the embedded broker"
        )
        raise UserError(msg)
    names = TopicNames.from_prefix(kafka.topic_prefix)
    # aiokafka logs each failed connection attempt; the one-line error below says it all.
    logging.getLogger("aiokafka").addHandler(logging.NullHandler())
    try:
        client_kwargs = kafka_python_kwargs(kafka)  # certificates and token provider load here
    except ConfigError as error:
        raise UserError(str(error)) from error
    try:
        ensure_topics_sync(
            kafka.bootstrap_servers,
            names,
            kafka.partitions,
            kafka.replication_factor,
            client_kwargs,
            configs=names.configs,
        )
    except TopicError as error:
        raise UserError(str(error)) from error
    except Exception as error:  # aiokafka's connection errors have no common public base
        msg = f"cannot reach the broker at {kafka.bootstrap_servers}: {error_text(error)}"
        raise UserError(msg) from error
    return config, names
