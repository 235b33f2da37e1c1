"""PendingStores opened from two threads at once: the worker's loop and the /metrics scrape.

The status server answers ``/metrics`` on its own thread, and the labelled monitors' join
summary asks for every partition's store; a partition assigned a moment before has no store
open yet, so both threads opened its RocksDB. RocksDB's lock let one of them fail ("IO error:
lock hold by current process") — a failed scrape, or a failed restore on the loop's side.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from stream.worker.pending_rocks import PendingRocks, RocksTuning
from stream.worker.pending_stores import PendingStores

PARTITIONS = 24


def test_two_threads_opening_the_same_partitions_share_one_store(tmp_path: Path) -> None:
    stores = PendingStores(tmp_path)
    start = threading.Barrier(2)
    opened: dict[str, list[object]] = {"loop": [], "scrape": []}
    failures: list[BaseException] = []

    def open_all(name: str) -> None:
        start.wait()
        for partition in range(PARTITIONS):
            try:
                opened[name].append(stores.entries(partition))
            except Exception as error:  # what the losing thread raised before
                failures.append(error)

    threads = [threading.Thread(target=open_all, args=(n,)) for n in opened]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        assert [id(s) for s in opened["loop"]] == [id(s) for s in opened["scrape"]]
        assert stores.errors == {}  # nothing was taken for damage and discarded
    finally:
        stores.close()


def test_a_database_open_elsewhere_in_the_process_is_not_taken_for_damage(
    tmp_path: Path,
) -> None:
    """RocksDB's lock refuses a second open: that is no damage, and nothing is discarded."""
    tuning = RocksTuning()
    first = PendingRocks(tmp_path / "pending-0", tuning)
    first.db.put(b"ekept", b"value")
    try:
        with pytest.raises(Exception, match="lock"):
            PendingRocks(tmp_path / "pending-0", tuning)
        assert first.db.get(b"ekept") == b"value"
        assert (tmp_path / "pending-0" / "CURRENT").exists()
    finally:
        first.close()
