"""``driftline worker --config FILE``: the faust worker for the configured monitors."""

from __future__ import annotations

import os
from pathlib import Path

import click

from stream.capture.preprocess import ScriptError
from stream.cli.output import InputPath, configure_logging, fail, silence_faust_spinner
from stream.config import ConfigError, load_config
from stream.kafka.broker import BrokerError
from stream.kafka.topics import TopicError
from stream.monitors.files import BaselineError
from stream.status.server import StatusServerError

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")  # Python's, by name


@click.command("worker")
@click.option(
    "--config",
    "config_path",
    type=InputPath(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="driftline TOML config (DRIFTLINE_* environment variables override it).",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    default="warning",
    show_default=True,
    help="Python log level.",
)
def worker(config_path: Path, log_level: str) -> None:
    """Run a worker: capture → windows → violations, statistics, executions; status page.

    The status page (/), /metrics, /healthz and /readyz are served on metrics.host and
    metrics.port.

    Without kafka.bootstrap_servers it starts the embedded broker and stops it on exit.
    SIGTERM or SIGINT stops it within worker.shutdown_timeout_seconds.
    """
    from stream.worker.process import run_worker

    configure_logging(log_level)
    silence_faust_spinner()
    try:
        config = load_config(config_path, os.environ)
        code = run_worker(config, loglevel=log_level, log_config=True)
    except (ConfigError, BaselineError, ScriptError, BrokerError, TopicError) as error:
        fail(str(error))
    except StatusServerError as error:
        fail(f"{error}; set metrics.port or DRIFTLINE_METRICS_PORT (0: any free port)")
    raise SystemExit(code)
