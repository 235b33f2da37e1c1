"""What every command shares: one-line errors and progress bars."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

console = Console(stderr=True)

EXIT_FAILED = 2


def fail(message: str) -> NoReturn:
    """Print one line to stderr and exit with status 2 (no traceback)."""
    click.echo(f"driftline: error: {message}", err=True)
    sys.exit(EXIT_FAILED)


@contextmanager
def byte_progress(description: str, total: int) -> Iterator[Progress]:
    """A progress bar over bytes read; quiet when stderr is not a terminal."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with progress:
        progress.add_task(description, total=total)
        yield progress
