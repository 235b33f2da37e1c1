r"""Files read a block of whole lines at a time, and where a block's JSON lines start and end.

Both JSON Lines readers of ``stream.batch`` — capture files (:mod:`.arrow_capture_lines`)
and data files (:mod:`.json_lines_blocks`) — hand pyarrow's JSON reader a block of whole
lines, and both can vouch for its reading only where every line is one object: its first
byte ``{``, its last ``}`` (a ``\r`` before the newline aside), none blank, none of
:data:`~stream.capture.records.MAX_RECORD_BYTES` or more, none nested deeper than orjson
reads. In JSON, ``{`` cannot follow ``}`` inside a value, so no object then spans two lines;
with as many objects as lines, none shares one.

Examples
--------
>>> import io
>>> list(whole_lines(io.BytesIO(b'{"a": 1}' + bytes([10]) + b'{"a": 22}'), size=3))
[b'{"a": 1}\n', b'{"a": 22}']
>>> starts, ends = object_lines(np.frombuffer(b'{"a": 1}' + bytes([10]) + b"{}", np.uint8))
>>> starts.tolist(), ends.tolist()
([0, 9], [8, 11])
>>> object_lines(np.frombuffer(b'{"a":' + bytes([10]) + b"1}", np.uint8)) is None
True
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from stream.capture.records import MAX_RECORD_BYTES

_NEWLINE, _CR, _OPEN_BRACE, _CLOSE_BRACE, _OPEN_BRACKET = 10, 13, 123, 125, 91
MAX_DEPTH = 512  # brackets a line may open: below orjson's recursion limit (1024)

Offsets = npt.NDArray[np.intp]


def whole_lines(handle: BinaryIO, size: int) -> Iterator[bytes]:
    """The handle's bytes in blocks of about ``size``, each ending at a line's end."""
    while block := handle.read(size):
        if not block.endswith(b"\n"):
            block += handle.readline()
        yield block


def object_lines(octets: npt.NDArray[np.uint8]) -> tuple[Offsets, Offsets] | None:
    """Each line's start and end (its newline) when every line can be one object; else None."""
    ends = np.flatnonzero(octets == _NEWLINE)
    if not ends.size or ends[-1] != len(octets) - 1:
        ends = np.append(ends, len(octets))  # a last line without its newline
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    if lengths.min() == 0 or lengths.max() >= MAX_RECORD_BYTES:
        return None
    last = ends - 1
    last = last - (octets[last] == _CR)
    if (octets[starts] != _OPEN_BRACE).any() or (octets[last] != _CLOSE_BRACE).any():
        return None
    if lengths.max() > MAX_DEPTH and _deepest(octets, starts) > MAX_DEPTH:
        return None
    return starts, ends


def _deepest(octets: npt.NDArray[np.uint8], starts: Offsets) -> int:
    """The most brackets opened on one line (an upper bound of its nesting)."""
    opens = np.flatnonzero((octets == _OPEN_BRACE) | (octets == _OPEN_BRACKET))
    if not opens.size:
        return 0
    line = np.searchsorted(starts, opens, side="right") - 1  # each bracket's line
    return int(np.bincount(line, minlength=len(starts)).max())
