"""The worker's folder on local disk: where the label join's RocksDB stores live.

``[worker] state_dir`` unset: a temporary folder, removed when the worker exits (a restart
rebuilds the stores from the join changelog). Set: a folder under it that this process
claims with an exclusive lock — ``<state_dir>/<topic prefix>/worker-<n>``, the first ``n``
no running worker holds — so that workers sharing a disk never open the same stores, and a
restarted worker usually finds its own stores again (and replays only the changelog's tail).

Examples
--------
>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> with claimed_folder(root, "credit") as first, claimed_folder(root, "credit") as second:
...     first.relative_to(root).as_posix(), second.relative_to(root).as_posix()
('credit/worker-0', 'credit/worker-1')
>>> with claimed_folder(root, "credit") as again:  # both released: the first is free again
...     again.name
'worker-0'
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stream.config import ConfigError

LOCK_FILE = ".lock"
MAX_WORKERS_PER_FOLDER = 1024


@contextmanager
def worker_folder(state_dir: Path | None, topic_prefix: str) -> Iterator[Path]:
    """The folder this worker keeps its stores in, for as long as the context lasts."""
    if state_dir is None:
        with tempfile.TemporaryDirectory(prefix="driftline-state-") as folder:
            yield Path(folder)
        return
    with claimed_folder(state_dir, topic_prefix) as folder:
        yield folder


@contextmanager
def claimed_folder(state_dir: Path, topic_prefix: str) -> Iterator[Path]:
    """``<state_dir>/<topic_prefix>/worker-<n>`` locked by this process until the end."""
    base = state_dir / topic_prefix
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        msg = f"worker.state_dir {state_dir}: cannot create {base}: {error.strerror or error}"
        raise ConfigError(msg) from error
    for n in range(MAX_WORKERS_PER_FOLDER):
        folder = base / f"worker-{n}"
        try:
            folder.mkdir(exist_ok=True)
            fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:  # read-only disk, a file in the folder's place …
            msg = f"worker.state_dir {state_dir}: cannot use {folder}: {error.strerror or error}"
            raise ConfigError(msg) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield folder
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    msg = f"worker.state_dir {base}: all {MAX_WORKERS_PER_FOLDER} worker folders are in use"
    raise ConfigError(msg)
