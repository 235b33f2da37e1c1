"""What a path is, in words, for an error about a path that is not the file expected.

Every input driftline reads (data, capture, label and SHAP files, configs, scripts) must be a
regular file, or a folder where one is accepted. A special file is refused before anything
opens it: opening a named pipe (FIFO) with no writer blocks forever, a character device
such as ``/dev/zero`` never ends, and the readers need a file anyway — a data file is read
more than once (its head, then its rows; a JSON Lines key scan, then its batches), a
progress bar needs its size, and a config's relative paths are resolved from its folder.
``/dev/stdin`` redirected from a file (``< data.csv``) is that regular file and is read.

Examples
--------
>>> import os, tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> os.mkfifo(folder / "pipe")
>>> special_kind(folder / "pipe"), special_kind(Path("/dev/null")), special_kind(folder)
('a named pipe (FIFO)', 'a character device', None)
>>> not_a_file(folder / "pipe", "a CSV or JSON Lines file")  # doctest: +ELLIPSIS
'.../pipe is a named pipe (FIFO), not a CSV or JSON Lines file: pipes and devices are not read...'
>>> not_a_file(folder, "a script"), not_a_file(folder / "gone", "a script")  # doctest: +ELLIPSIS
('... is a folder, not a script', 'no such file: .../gone')
>>> (folder / "pipe").unlink(); folder.rmdir()
"""

from __future__ import annotations

import stat
from pathlib import Path

_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_kind(path: Path) -> str | None:
    """``"a named pipe (FIFO)"``, ``"a character device"``, … for a special file, else None.

    Links are followed; a regular file, a folder or a path that cannot be looked up is None.
    Only the path's metadata is read: nothing is opened, so a FIFO with no writer does not
    block.
    """
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):  # missing, a loop of links, a name holding NUL
        return None
    return next((words for is_kind, words in _SPECIAL_KINDS if is_kind(mode)), None)


def special_file_refusal(shown: str, kind: str, expected: str) -> str:
    """The sentence refusing a special file: ``shown`` (the path as given) is ``kind``."""
    return (
        f"{shown} is {kind}, not {expected}: pipes and devices are not read "
        "(save the stream to a file first)"
    )


def not_a_file(path: Path, expected: str) -> str | None:
    """Why ``path`` is not the regular file ``expected`` names, in one sentence; else None."""
    kind = special_kind(path)
    if kind is not None:
        return special_file_refusal(str(path), kind, expected)
    if path.is_dir():
        return f"{path} is a folder, not {expected}"
    if not path.is_file():
        return f"no such file: {path}"
    return None
