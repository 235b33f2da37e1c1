"""The ``driftline`` command line: one click group, one module per command family.

Only this package prints usage errors and exits. Errors a user can fix (bad paths,
unreadable files, bad config, click's own usage errors) print one ``driftline: error: …``
line and exit 2; they never show a traceback (see :mod:`stream.cli.output`).
"""

from __future__ import annotations

import click

from stream import __version__
from stream.cli.analyze import analyze
from stream.cli.baseline import baseline
from stream.cli.demo import demo
from stream.cli.labels import attributions, labels
from stream.cli.output import DriftlineGroup
from stream.cli.replay import replay
from stream.cli.tail import tail
from stream.cli.worker import worker


@click.group(cls=DriftlineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="driftline")
def main() -> None:
    """Driftline: streaming model monitoring over Kafka, in SageMaker Model Monitor's formats."""


for _command in (baseline, analyze, replay, labels, attributions, tail, worker, demo):
    main.add_command(_command)
