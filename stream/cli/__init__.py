"""The ``driftline`` command line: one click group, one module per command family.

Only this package prints usage errors and exits. Errors a user can fix (bad paths,
unreadable files, bad config, click's own usage errors) print one ``driftline: error: …``
line and exit 2; they never show a traceback (see :mod:`stream.cli.output`).
"""

from __future__ import annotations

import gc
import importlib
import os

# numpy's OpenBLAS starts a thread per core when numpy is imported, and each spins for about
# 0.1 s of CPU waiting for work driftline never gives it (no large matrix products): on a
# small machine that is CPU taken from pyarrow's parsing and the worker. One thread; a
# user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402  (after the setting: nothing imported before it may load numpy)

from stream import __version__
from stream.cli.output import DriftlineGroup
from stream.worker.early_signals import remember_stop_signals

# Each command's module is imported only when that command runs (or --help lists it), so
# that `driftline baseline suggest` does not pay for faust, the status server or Kafka.
COMMANDS = {
    "analyze": "stream.cli.analyze:analyze",
    "attributions": "stream.cli.labels:attributions",
    "baseline": "stream.cli.baseline:baseline",
    "demo": "stream.cli.demo:demo",
    "labels": "stream.cli.labels:labels",
    "replay": "stream.cli.replay:replay",
    "tail": "stream.cli.tail:tail",
    "worker": "stream.cli.worker:worker",
}

# Commands that own their shutdown (they run a worker): a SIGTERM or SIGINT that comes while
# their modules import (about a second) is remembered, and the worker stops as soon as it
# runs, with exit status 0, instead of the process dying by the signal.
OWN_SHUTDOWN = frozenset({"demo", "worker"})


class LazyGroup(DriftlineGroup):
    """The ``driftline`` group, importing a command's module when the command is asked for."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The command ``args`` name; a worker command's stop signals are remembered first."""
        if args and args[0] in OWN_SHUTDOWN:
            remember_stop_signals()
        return super().resolve_command(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, sorted."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The named command, its module imported now; None for an unknown name."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        gc.disable()  # imports make many objects and no garbage: collecting is wasted time
        try:
            command = getattr(importlib.import_module(module), attribute)
        finally:
            gc.enable()
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="driftline")
def main() -> None:
    """Driftline: streaming model monitoring over Kafka, in SageMaker Model Monitor's formats."""
