"""The worker's state folder: a folder it cannot use is a configuration error naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from stream.config import ConfigError
from stream.worker.state_folder import claimed_folder


@pytest.mark.parametrize("blocker", ["worker-0", "worker-0/.lock"])
def test_a_worker_folder_it_cannot_use_is_a_config_error(tmp_path: Path, blocker: str) -> None:
    """A file where the worker folder goes, a folder where its lock file goes (what a
    read-only disk also gives: an OSError) — said as worker.state_dir, not as a bare OSError."""
    (tmp_path / "credit").mkdir()
    if blocker == "worker-0":
        (tmp_path / "credit" / "worker-0").write_text("not a folder")
    else:
        (tmp_path / "credit" / "worker-0" / ".lock").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"worker\.state_dir .*: cannot use .*worker-0"):
        with claimed_folder(tmp_path, "credit"):
            pass
