"""Entry encoding and the sortable time: byte order equals numeric order."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stream.worker.pending_codec import (
    decode_entry,
    encode_entry,
    entry_key,
    entry_value,
    expiry_of,
    record_digest,
    sortable_time,
    split_entry_key,
    time_from_sortable,
)

times = st.floats(allow_nan=False)


@given(a=times, b=times)
def test_sortable_times_sort_as_the_numbers_do(a: float, b: float) -> None:
    if a < b:
        assert sortable_time(a) < sortable_time(b)
    elif a > b:
        assert sortable_time(a) > sortable_time(b)


@given(t=times)
def test_sortable_time_round_trips_bit_for_bit(t: float) -> None:
    back = time_from_sortable(sortable_time(t))
    assert struct.pack(">d", back) == struct.pack(">d", t)


def test_sortable_time_orders_a_hand_made_list() -> None:
    values = [math.inf, 1.5, -0.5, 1_700_000_000.0, -math.inf, 0.0, 1e-300, -1e300]
    assert sorted(values, key=sortable_time) == sorted(values)


@given(value=st.binary(max_size=300), expires_at=times)
def test_entries_round_trip(value: bytes, expires_at: float) -> None:
    raw = encode_entry(value, expires_at)
    assert decode_entry(raw) == (value, expires_at)
    assert entry_value(raw) == value
    assert raw[:9] == struct.pack(">Bd", 1, expires_at)  # format byte, big-endian double


def test_an_entry_of_another_format_or_a_nan_expiry_is_refused() -> None:
    with pytest.raises(ValueError, match="format 1"):
        expiry_of(b"\x02" + bytes(8))
    with pytest.raises(ValueError, match="format 1"):
        expiry_of(b"")
    with pytest.raises(ValueError, match="format 1"):
        entry_value(b"\x02" + bytes(8) + b"value")
    with pytest.raises(ValueError, match="format 1"):
        entry_value(b"\x01" + bytes(7))  # shorter than the head
    with pytest.raises(ValueError, match="NaN"):
        encode_entry(b"v", math.nan)


@given(namespace=st.text(min_size=1).filter(lambda s: "/" not in s), key=st.text())
def test_entry_keys_split_back(namespace: str, key: str) -> None:
    raw = entry_key(namespace, key)
    assert raw == f"{namespace}/{key}".encode()
    assert split_entry_key(raw) == (namespace, key)


def test_record_digests_tell_a_tombstone_from_an_empty_value() -> None:
    assert record_digest(b"k", None) != record_digest(b"k", b"")
    assert record_digest(b"k", b"v") == record_digest(b"k", b"v")
    assert record_digest(b"ab", b"c") != record_digest(b"a", b"bc")
