"""The ``driftline`` command line: one click group, one module per command family.

Errors a user can fix (bad paths, unreadable files, bad config) print one line and exit 2;
they never show a traceback.
"""

from __future__ import annotations

import click

from stream import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="driftline")
def main() -> None:
    """Driftline: streaming model monitoring over Kafka, in SageMaker Model Monitor's formats."""


def _register() -> None:
    # Each command family lives in its own module and adds itself to ``main``.
    from stream.commands import register_all

    register_all(main)


_register()


if __name__ == "__main__":
    main()
