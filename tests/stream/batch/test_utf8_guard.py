"""The UTF-8 guard against Python's own decoder: ``bytes.decode("utf-8", errors="replace")``."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from stream.batch.utf8_guard import MARKER, Utf8Guard

pieces = st.lists(
    st.one_of(
        st.binary(max_size=6),
        st.sampled_from(["é", "€", "😀", "ascii", ",", "\n"]).map(str.encode),
        st.sampled_from([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf0\x9f\x98"]),
    ),
    max_size=40,
)


@given(parts=pieces, read_size=st.integers(min_value=1, max_value=9))
@settings(max_examples=300, deadline=None)
def test_guarded_bytes_are_pythons_replacement_decoding(parts: list[bytes], read_size: int) -> None:
    data = b"".join(parts)
    guard = Utf8Guard(io.BytesIO(data))
    out = b""
    while chunk := guard.read(read_size):
        assert len(chunk) == read_size or not guard.read(read_size)
        out += chunk
    reference = data.decode("utf-8", errors="replace")
    assert out.decode("utf-8").replace(MARKER, "\ufffd") == reference
    genuine = data.decode("utf-8", "ignore").count("\ufffd")  # U+FFFD written in the input
    assert guard.marked == reference.count("\ufffd") - genuine
    assert guard.tell() == len(data)


def test_ascii_passes_through_untouched() -> None:
    data = b"a,b\n1,2\n" * 1000
    guard = Utf8Guard(io.BytesIO(data))
    assert guard.read(-1) == data and guard.marked == 0
