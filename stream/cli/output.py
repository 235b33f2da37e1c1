"""What every command shares: one error path, plain output for logs, progress bars.

Every failure a user can meet ends the same way: one ``driftline: error: …`` line on stderr
and exit status 2, never a Python traceback. :class:`DriftlineGroup` (the ``driftline``
command) catches click's own usage errors (a missing option, a path that does not exist),
:class:`UserError` raised by a command (:func:`fail`), and, as a last resort, any other
exception, which it reports in one line as a bug (``DRIFTLINE_TRACEBACK=1`` shows the
traceback instead). Ctrl-C ends a command with status 130 and one line; a closed stdout
pipe (``driftline tail | head``) ends it quietly.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, Protocol

import click

from stream.capture.file_kinds import special_file_refusal, special_kind

EXIT_FAILED = 2
EXIT_INTERRUPTED = 130


class UserError(click.ClickException):
    """A mistake the user can fix: one ``driftline: error:`` line on stderr, exit code 2."""

    exit_code = EXIT_FAILED

    def show(self, file: Any = None) -> None:
        """Print the one line (click's default would print ``Error: …``)."""
        click.echo(f"driftline: error: {self.format_message()}", err=True)


class Interrupted(Exception):
    """Ctrl-C stopped a command that has something to say about it: exit 130, one line.

    Its text follows ``driftline: interrupted; `` (e.g. what was not delivered).
    """


def not_delivered(messages: int) -> str:
    """What an interrupted producer says about the messages the broker did not take.

    >>> not_delivered(1)
    '1 message not delivered'
    """
    return f"{messages} message{'s' if messages != 1 else ''} not delivered"


def fail(message: str) -> NoReturn:
    """Stop the command with one error line and exit status 2 (no traceback)."""
    raise UserError(message)


def check_out_folder(out: Path, option: str = "--out") -> None:
    """Refuse an output folder that is an existing file (it is created when missing)."""
    if out.exists() and not out.is_dir():
        fail(f"{option} {out} is a file; it must be a folder (created when missing)")


DATA_FILE = "a data file (CSV, JSON Lines or Parquet)"


def check_data_file(path: Path, option: str = "--data") -> None:
    """Refuse a missing data file or folder (what a folder holds is the reader's to check).

    A pipe, device or socket never gets here: ``--data`` is an :class:`InputPath`.
    """
    if not path.exists():
        fail(f"{option}: no such file: {path}")


class InputPath(click.Path):
    """click's ``Path`` for a file driftline reads: also refuses a pipe, device or socket.

    The refusal comes before anything opens the path (see :mod:`stream.capture.file_kinds`: a FIFO
    with no writer would block the command forever). A missing path is left to the command,
    unless ``exists=True``. ``expected`` names what the option takes, for the message. A
    file named with a trailing slash (``data.csv/``) is refused as the system refuses it
    (``cat data.csv/``: not a directory); pathlib would drop the slash and read the file.
    """

    def __init__(self, *, expected: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.expected = expected or ("a file or a folder" if self.dir_okay else "a file")

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The path, after click's own checks; a usage error for a special file."""
        if isinstance(value, str) and value.endswith("/") and Path(value).is_file():
            shown = click.format_filename(value.rstrip("/"))
            self.fail(f"{value!r} ends in '/', but {shown} is a file, not a folder", param, ctx)
        path = super().convert(value, param, ctx)
        kind = special_kind(Path(path))
        if kind is not None:
            shown = repr(click.format_filename(value))
            self.fail(special_file_refusal(shown, kind, self.expected), param, ctx)
        return path


def _usage_message(error: click.ClickException) -> str:
    message = error.format_message()
    ctx = getattr(error, "ctx", None)
    group = getattr(ctx, "command", None)
    if isinstance(error, click.exceptions.NoArgsIsHelpError) and isinstance(group, click.Group):
        # a group run without a command: its whole help would follow "driftline: error:"
        message = f"missing command: one of {', '.join(group.list_commands(ctx))}"
    if isinstance(error, click.UsageError) and ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return message


class _StdoutClosed(Exception):
    """A command's BrokenPipeError, carried past click's ``main``: it would exit with 1."""


class DriftlineGroup(click.Group):
    """The ``driftline`` group: every way a command can fail goes through one error path."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a write to a closed stdout pipe ends it quietly (see :meth:`main`).

        click's ``main`` ends a command whose output pipe closed with status 1, which
        ``analyze`` uses for violations (``driftline analyze … | head -1`` exited 1).
        """
        try:
            return super().invoke(ctx)
        except BrokenPipeError as error:
            raise _StdoutClosed from error

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> NoReturn:
        """Run the command line; always ends with ``sys.exit``."""
        extra["standalone_mode"] = False
        try:
            code = super().main(args, prog_name, **extra)
        except click.ClickException as error:
            click.echo(f"driftline: error: {_usage_message(error)}", err=True)
            sys.exit(EXIT_FAILED)
        except click.Abort:
            click.echo("driftline: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Interrupted as interrupted:
            click.echo(f"driftline: interrupted; {interrupted}", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (BrokenPipeError, _StdoutClosed):
            _silence_stdout()
            sys.exit(0)
        except OSError as error:  # a file the user named cannot be read or written
            where = f": {error.filename}" if error.filename else ""
            click.echo(f"driftline: error: {error.strerror or error}{where}", err=True)
            sys.exit(EXIT_FAILED)
        except Exception as error:  # the last resort: a bug, but still one line
            if os.environ.get("DRIFTLINE_TRACEBACK"):
                raise
            click.echo(
                f"driftline: error: unexpected {type(error).__name__}: {error} "
                "(a bug in driftline; DRIFTLINE_TRACEBACK=1 shows where)",
                err=True,
            )
            sys.exit(EXIT_FAILED)
        sys.exit(code if isinstance(code, int) else 0)


def _silence_stdout() -> None:
    """After a closed pipe, let the interpreter's final flush of stdout fail quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. under a test runner)
        pass


def is_plain_output(stream: Any = None) -> bool:
    """True when ``stream`` (stdout by default) is not a terminal: write plain log lines."""
    target = sys.stdout if stream is None else stream
    isatty = getattr(target, "isatty", None)
    return not (callable(isatty) and isatty())


def configure_logging(level: str) -> None:
    """Log lines for files and terminals alike: ISO-8601 UTC time (ms), logger, message."""
    handler = logging.StreamHandler()
    formatter = logging.Formatter(
        "%(asctime)s.%(msecs)03dZ %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logging.basicConfig(level=level.upper(), handlers=[handler])


def silence_faust_spinner() -> None:
    """Stop faust's startup spinner from writing cursor codes into a log.

    faust's ``Spinner`` checks for a terminal before drawing, but not before hiding and
    showing the cursor, so ``driftline worker > log`` and ``driftline demo | cat`` got
    ``ESC[?25l`` / ``ESC[?25h`` in their output. Without a terminal those codes become empty.
    (The worker's own ``faust.Worker`` subclass would be the tidier place: ``spinner = None``
    when stdout is not a terminal.)
    """
    if not is_plain_output():
        return
    from faust.utils.terminal.spinners import Spinner

    Spinner.cursor_hide = Spinner.cursor_show = Spinner.bell = ""


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An aligned text table for logs: full cell texts, two spaces apart, no box drawing.

    Examples
    --------
    >>> print(plain_table(("feature", "flagged"), [("tenure_months", "no"), ("age", "yes")]))
    feature        flagged
    tenure_months  no
    age            yes
    """
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (headers, *rows)
    ]
    return "\n".join(lines)


class ByteProgress(Protocol):
    """What a command does with :func:`byte_progress`'s bar (rich's ``Progress`` has it)."""

    @property
    def task_ids(self) -> list[Any]:
        """The bar's one task."""
        ...

    def advance(self, task_id: Any, advance: float = 1) -> None:
        """Count ``advance`` more bytes read."""
        ...

    def update(self, task_id: Any, *, completed: float | None = None) -> None:
        """Set the bytes read so far."""
        ...


class _NoProgress:
    """The bar where stderr is not a terminal: it takes the calls and shows nothing."""

    task_ids: list[Any] = [0]  # noqa: RUF012 (never changed)

    def advance(self, task_id: Any, advance: float = 1) -> None:
        """Nothing to show."""

    def update(self, task_id: Any, *, completed: float | None = None) -> None:
        """Nothing to show."""


@contextmanager
def byte_progress(description: str, total: int) -> Iterator[ByteProgress]:
    """A progress bar over bytes read; quiet when stderr is not a terminal.

    rich is imported only for a terminal: a command run by a script or a scheduler (most
    batch runs) does not pay its start-up.
    """
    if not sys.stderr.isatty():
        yield _NoProgress()
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        progress.add_task(description, total=total)
        yield progress
