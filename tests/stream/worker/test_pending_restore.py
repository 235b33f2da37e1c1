"""Orphan offset ranges: merged and looked up as the set of offsets they cover."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stream.worker.pending_restore import Restored, in_ranges, merge_ranges

ranges = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=8)


def covered(pairs: list[tuple[int, int]]) -> set[int]:
    return {o for start, end in pairs for o in range(start, end)}


@given(pairs=ranges)
def test_merged_ranges_cover_the_same_offsets_and_are_disjoint(pairs) -> None:
    merged = merge_ranges(pairs)
    assert covered(list(merged)) == covered(pairs)
    assert all(s < e for s, e in merged)
    assert all(a[1] < b[0] for a, b in zip(merged, merged[1:], strict=False))


@given(pairs=ranges, offset=st.integers(-2, 65))
def test_in_ranges_is_membership_in_the_covered_offsets(pairs, offset: int) -> None:
    assert in_ranges(offset, merge_ranges(pairs)) == (offset in covered(pairs))


def test_a_restore_past_the_snapshot_reports_the_new_orphan_range() -> None:
    done = Restored(0, 10, 14, 10, 0, ((3, 5), (10, 14)), wiped=False)
    assert done.new_orphans == (10, 14)
    assert Restored(0, 10, 10, 10, 0, (), wiped=False).new_orphans is None
