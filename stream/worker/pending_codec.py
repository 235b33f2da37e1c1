"""Bytes of the pending store: entry keys, entry values with their expiry, sortable times.

One encoding serves the changelog topic, the in-memory deltas and RocksDB, so a change is
encoded once (at ``put``) and written unchanged everywhere:

- an *entry key* is ``<namespace>/<key>`` in UTF-8 (a namespace never holds ``/``, a key
  may);
- an *entry value* is one format byte, the expiry time as a big-endian IEEE double, then the
  caller's bytes;
- a *sortable time* is 8 bytes whose byte order is the numeric order of the times, so that
  RocksDB's key order is the expiry order of its index.

Examples
--------
>>> raw = encode_entry(b"payload", 1_700_000_000.5)
>>> decode_entry(raw)
(b'payload', 1700000000.5)
>>> split_entry_key(entry_key("prediction", "id/with/slashes"))
('prediction', 'id/with/slashes')
>>> sortable_time(-1.0) < sortable_time(0.0) < sortable_time(2.5) < sortable_time(10.0)
True
>>> time_from_sortable(sortable_time(1_700_000_000.25))
1700000000.25
"""

from __future__ import annotations

import hashlib
import math
import struct

FORMAT = 1  # first byte of every entry value; a new layout gets a new number
_ENTRY_HEAD = struct.Struct(">Bd")
_UINT64 = struct.Struct(">Q")
_DOUBLE = struct.Struct(">d")
_SIGN_BIT = 1 << 63
_ALL_BITS = (1 << 64) - 1
SEPARATOR = "/"


def check_namespace(namespace: str) -> None:
    """Raise ValueError unless ``namespace`` is a non-empty name without ``/``."""
    if not namespace or SEPARATOR in namespace:
        msg = f"a namespace is a non-empty name without {SEPARATOR!r}, got {namespace!r}"
        raise ValueError(msg)


def entry_key(namespace: str, key: str) -> bytes:
    """The entry key of ``key`` in ``namespace`` (the changelog's record key)."""
    return f"{namespace}{SEPARATOR}{key}".encode()


def split_entry_key(raw: bytes) -> tuple[str, str]:
    """``(namespace, key)`` of an entry key."""
    namespace, _, key = raw.decode().partition(SEPARATOR)
    return namespace, key


def namespace_of(raw: bytes) -> str:
    """The namespace of an entry key."""
    return raw[: raw.index(b"/")].decode()


def encode_entry(value: bytes, expires_at: float) -> bytes:
    """An entry value: format byte, expiry, then ``value``."""
    if math.isnan(expires_at):
        msg = "expires_at must be a time, got NaN"
        raise ValueError(msg)
    return _ENTRY_HEAD.pack(FORMAT, expires_at) + value


def decode_entry(raw: bytes) -> tuple[bytes, float]:
    """``(value, expires_at)`` of an entry value; ValueError for an unknown format."""
    return raw[_ENTRY_HEAD.size :], expiry_of(raw)


def entry_value(raw: bytes) -> bytes:
    """The caller's bytes of an entry value (its expiry not read); ValueError as above."""
    _check_format(raw)
    return raw[_ENTRY_HEAD.size :]


def expiry_of(raw: bytes) -> float:
    """The expiry time of an entry value."""
    _check_format(raw)
    expires_at: float = _ENTRY_HEAD.unpack_from(raw)[1]
    return expires_at


def _check_format(raw: bytes) -> None:
    if len(raw) < _ENTRY_HEAD.size or raw[0] != FORMAT:
        head = raw[:1].hex() or "nothing"
        msg = f"not a pending entry of format {FORMAT} (starts with {head})"
        raise ValueError(msg)


def sortable_time(seconds: float) -> bytes:
    """8 bytes that sort (as bytes) in the numeric order of ``seconds``."""
    bits: int = _UINT64.unpack(_DOUBLE.pack(seconds))[0]
    bits = bits ^ _ALL_BITS if bits & _SIGN_BIT else bits | _SIGN_BIT
    return _UINT64.pack(bits)


def time_from_sortable(raw: bytes) -> float:
    """The time :func:`sortable_time` encoded in the first 8 bytes of ``raw``."""
    bits: int = _UINT64.unpack_from(raw)[0]
    bits = bits ^ _SIGN_BIT if bits & _SIGN_BIT else bits ^ _ALL_BITS
    seconds: float = _DOUBLE.unpack(_UINT64.pack(bits))[0]
    return seconds


def record_digest(key: bytes, value: bytes | None) -> str:
    """A short digest of one changelog record (key and value, a tombstone differs)."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(_UINT64.pack(len(key)))
    digest.update(key)
    digest.update(b"\x00" if value is None else b"\x01" + value)
    return digest.hexdigest()
