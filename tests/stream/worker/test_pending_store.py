"""PendingStore semantics across its live delta, committing delta and RocksDB (no broker).

The changelog steps need a broker (tests/integration/test_pending_store.py); here a
checkpoint is ``freeze`` then ``applied`` with a made-up changelog end, which is what the
store sees once a manifest is saved.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from stream.worker.pending_codec import decode_entry, split_entry_key
from stream.worker.pending_store import PendingStore
from tests.stream.worker.pending_reference import ReferencePending


@pytest.fixture
def store(tmp_path: Path):
    store = PendingStore(tmp_path / "pending-0", partition=0)
    yield store
    store.close()


def checkpoint(store: PendingStore, end: int) -> None:
    store.applied(store.freeze(), changelog_end=end)


def test_reads_look_in_live_then_committing_then_rocksdb(store: PendingStore) -> None:
    store.put("p", "a", b"rocks-a", 10.0)
    store.put("p", "b", b"rocks-b", 10.0)
    store.put("p", "c", b"rocks-c", 10.0)
    checkpoint(store, 3)
    store.put("p", "b", b"committing-b", 20.0)
    store.delete("p", "c")
    store.put("p", "d", b"committing-d", 20.0)
    frozen = store.freeze()
    store.put("p", "d", b"live-d", 30.0)
    store.put("p", "e", b"live-e", 30.0)
    expected = {"a": b"rocks-a", "b": b"committing-b", "c": None, "d": b"live-d", "e": b"live-e"}
    assert {k: store.get("p", k) for k in expected} == expected
    assert store.count("p") == 4
    store.applied(frozen, 6)
    assert {k: store.get("p", k) for k in expected} == expected
    assert store.count("p") == 4


def test_namespaces_are_apart_and_counted_apart(store: PendingStore) -> None:
    store.put("prediction", "id-1", b"p", 5.0)
    store.put("label", "id-1", b"l", 5.0)
    store.put("label", "id-2", b"l2", 5.0)
    checkpoint(store, 3)
    store.delete("label", "id-1")
    assert (store.get("prediction", "id-1"), store.get("label", "id-1")) == (b"p", None)
    assert (store.count("prediction"), store.count("label"), store.count("other")) == (1, 1, 0)


def test_deleting_or_overwriting_counts_each_entry_once(store: PendingStore) -> None:
    store.put("p", "a", b"1", 1.0)
    store.put("p", "a", b"2", 2.0)
    store.delete("p", "missing")
    assert store.count("p") == 1
    checkpoint(store, 1)
    store.put("p", "a", b"3", 3.0)
    store.delete("p", "a")
    store.delete("p", "a")
    assert store.count("p") == 0
    checkpoint(store, 2)
    assert store.count("p") == 0


def test_expire_merges_the_three_layers_oldest_first(store: PendingStore) -> None:
    store.put("p", "a", b"a@10", 10.0)
    store.put("p", "b", b"b@30", 30.0)
    store.put("p", "c", b"c@50", 50.0)
    checkpoint(store, 3)
    store.put("p", "a", b"a@60", 60.0)  # moves a RocksDB entry later
    store.put("p", "d", b"d@20", 20.0)
    store.put("p", "e", b"e@40", 40.0)
    frozen = store.freeze()
    store.put("p", "f", b"f@15", 15.0)
    store.delete("p", "b")
    # by hand: a is due at 60 now, b is gone; due at 45: f@15, d@20, e@40
    assert store.expire(now=45.0, limit=10) == [("p", "f", b"f@15"), ("p", "d", b"d@20"),
                                                ("p", "e", b"e@40")]  # fmt: skip
    assert store.count("p") == 2
    store.applied(frozen, 6)
    assert store.expire(now=1e9, limit=10) == [("p", "c", b"c@50"), ("p", "a", b"a@60")]
    assert store.count("p") == 0


def test_expire_returns_at_most_limit_and_ties_go_by_key(store: PendingStore) -> None:
    for key in ("z", "m", "a", "q"):
        store.put("p", key, key.encode(), 7.0)
    checkpoint(store, 4)
    assert store.expire(now=6.9, limit=10) == []
    assert [k for _, k, _ in store.expire(now=7.0, limit=3)] == ["a", "m", "q"]
    assert [k for _, k, _ in store.expire(now=7.0, limit=3)] == ["z"]


def test_thaw_puts_the_frozen_changes_back_under_newer_ones(store: PendingStore) -> None:
    store.put("p", "kept", b"old", 5.0)
    checkpoint(store, 1)
    store.put("p", "a", b"frozen-a", 5.0)
    store.put("p", "b", b"frozen-b", 5.0)
    store.delete("p", "kept")
    frozen = store.freeze()
    store.put("p", "b", b"live-b", 6.0)
    store.thaw(frozen)  # the changelog or the manifest failed
    assert [store.get("p", k) for k in ("a", "b", "kept")] == [b"frozen-a", b"live-b", None]
    assert store.count("p") == 2
    checkpoint(store, 3)
    assert [store.get("p", k) for k in ("a", "b", "kept")] == [b"frozen-a", b"live-b", None]
    assert store.expire(now=10.0, limit=5) == [("p", "a", b"frozen-a"), ("p", "b", b"live-b")]


def test_an_entry_put_and_deleted_between_checkpoints_leaves_no_change(
    store: PendingStore,
) -> None:
    store.put("p", "kept", b"k", 5.0)
    checkpoint(store, 1)
    store.put("p", "joined", b"j", 5.0)  # a label its prediction joins before the checkpoint
    store.delete("p", "joined")
    store.put("p", "expired", b"e", 1.0)
    assert store.expire(now=2.0, limit=5) == [("p", "expired", b"e")]
    store.delete("p", "kept")  # pending before: its removal must reach the changelog
    assert store.freeze().delta.changes == {b"p/kept": None}


def test_after_a_thaw_a_removal_is_written_wherever_the_changelog_may_hold_the_entry(
    store: PendingStore,
) -> None:
    store.put("p", "x", b"x", 5.0)
    frozen = store.freeze()
    store.thaw(frozen)  # its put may have reached the changelog before the manifest failed
    store.delete("p", "x")
    store.put("p", "kept", b"k", 5.0)
    frozen = store.freeze()
    assert sorted(frozen.delta.changes) == [b"p/kept", b"p/x"]
    assert frozen.delta.changes[b"p/x"] is None
    store.applied(frozen, changelog_end=1)
    store.delete("p", "kept")
    frozen = store.freeze()
    store.put("p", "kept", b"again", 5.0)  # over the frozen tombstone
    store.thaw(frozen)
    store.delete("p", "kept")
    assert store.freeze().delta.changes == {b"p/kept": None}


def test_applied_content_and_counts_survive_a_reopen_and_deltas_do_not(tmp_path: Path) -> None:
    store = PendingStore(tmp_path / "p", partition=0)
    store.put("p", "a", b"A", 5.0)
    store.put("q", "b", b"B", 6.0)
    checkpoint(store, 2)
    store.put("p", "lost", b"L", 5.0)
    store.freeze()  # never applied: its manifest was not saved
    store.close()
    again = PendingStore(tmp_path / "p", partition=0)
    assert (again.get("p", "a"), again.get("q", "b"), again.get("p", "lost")) == (b"A", b"B", None)
    assert (again.count("p"), again.count("q"), again.changes_in_memory) == (1, 1, 0)
    assert again.expire(now=10.0, limit=5) == [("p", "a", b"A"), ("q", "b", b"B")]
    again.close()


def test_the_protocol_takes_one_checkpoint_at_a_time(store: PendingStore) -> None:
    store.put("p", "a", b"A", 5.0)
    frozen = store.freeze()
    with pytest.raises(RuntimeError, match="one checkpoint at a time"):
        store.freeze()
    store.applied(frozen, 1)
    with pytest.raises(RuntimeError, match="is not the delta being committed"):
        store.applied(frozen, 1)
    with pytest.raises(RuntimeError, match="is not the delta being committed"):
        store.thaw(frozen)
    with pytest.raises(ValueError, match="changelog_end 0 is before the applied end 1"):
        store.applied(store.freeze(), 0)


def test_the_changelog_needs_a_restore_first(store: PendingStore) -> None:
    frozen = store.freeze()
    with pytest.raises(RuntimeError, match="restore"):
        asyncio.run(store.write_changelog(frozen, producer=None, topic="t"))


def test_a_namespace_with_a_slash_is_refused_and_keys_may_hold_one(store: PendingStore) -> None:
    with pytest.raises(ValueError, match="without '/'"):
        store.put("a/b", "k", b"v", 1.0)
    with pytest.raises(ValueError, match="non-empty"):
        store.get("", "k")
    store.put("p", "s3://bucket/id", b"v", 1.0)
    assert store.expire(2.0, 1) == [("p", "s3://bucket/id", b"v")]


NAMESPACES = ("prediction", "label")
KEYS = tuple(f"id-{i}" for i in range(6))
TIMES = st.sampled_from((0.0, 1.0, 2.5, 5.0, 1e9))


@settings(max_examples=60, stateful_step_count=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
class StoreAgainstADict(RuleBasedStateMachine):
    """Random puts, deletes, expiries and checkpoint steps, reopened at random, against a dict.

    A reopen loses the deltas (nothing was written to a changelog here), so the reference
    goes back to what the last ``applied`` checkpoint held. The frozen deltas' changes are
    also replayed into a dict, as the partition's next owner replays the changelog: after
    every ``applied`` it must hold exactly what the checkpoint holds. A thaw may come after
    the changes reached the changelog (the manifest failed), which the replay then holds too.
    """

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="pending-test-"))
        self.store = PendingStore(self.folder / "db", partition=0)
        self.live = ReferencePending()
        self.applied = ReferencePending()
        self.frozen_reference: ReferencePending | None = None
        self.frozen = None
        self.end = 0
        self.changelog: dict[tuple[str, str], tuple[bytes, float]] = {}

    @rule(ns=st.sampled_from(NAMESPACES), key=st.sampled_from(KEYS), value=st.binary(max_size=8),
          expires_at=TIMES)  # fmt: skip
    def put(self, ns: str, key: str, value: bytes, expires_at: float) -> None:
        self.store.put(ns, key, value, expires_at)
        self.live.put(ns, key, value, expires_at)

    @rule(ns=st.sampled_from(NAMESPACES), key=st.sampled_from(KEYS))
    def delete(self, ns: str, key: str) -> None:
        self.store.delete(ns, key)
        self.live.delete(ns, key)

    @rule(now=TIMES, limit=st.integers(0, 4))
    def expire(self, now: float, limit: int) -> None:
        assert self.store.expire(now, limit) == self.live.expire(now, limit)

    @precondition(lambda self: self.frozen is None)
    @rule()
    def freeze(self) -> None:
        self.frozen = self.store.freeze()
        self.frozen_reference = self.live.copy()

    @precondition(lambda self: self.frozen is not None)
    @rule()
    def applied(self) -> None:
        self.end += 1 + len(self.frozen)
        self._replay(self.frozen)
        self.store.applied(self.frozen, self.end)
        self.applied, self.frozen, self.frozen_reference = self.frozen_reference, None, None
        assert self.changelog == self.applied.entries

    @precondition(lambda self: self.frozen is not None)
    @rule(written=st.booleans())
    def thaw(self, written: bool) -> None:
        if written:  # the changelog took the changes, then the manifest failed
            self._replay(self.frozen)
        self.store.thaw(self.frozen)
        self.frozen = self.frozen_reference = None

    def _replay(self, frozen) -> None:
        for raw, encoded in frozen.delta.changes.items():
            entry = split_entry_key(raw)
            if encoded is None:
                self.changelog.pop(entry, None)
            else:
                self.changelog[entry] = decode_entry(encoded)

    @rule()
    def reopen(self) -> None:
        self.store.close()
        self.store = PendingStore(self.folder / "db", partition=0)
        self.live, self.frozen, self.frozen_reference = self.applied.copy(), None, None
        # changes written after the last manifest are orphans: the next owner skips them
        self.changelog = dict(self.applied.entries)

    @invariant()
    def same_entries_and_counts(self) -> None:
        for ns in NAMESPACES:
            assert self.store.count(ns) == self.live.count(ns)
            for key in KEYS:
                assert self.store.get(ns, key) == self.live.get(ns, key)

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)


TestStoreAgainstADict = StoreAgainstADict.TestCase
