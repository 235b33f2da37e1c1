r"""A file's bytes as valid UTF-8, invalid sequences marked: what pyarrow's CSV reader is fed.

pyarrow hands a row it cannot fit (too many or too few fields) to a Python callback as
text it decodes strictly; a row holding bytes that are not UTF-8 then raises inside pyarrow,
where nothing can catch it, and the read fails. :class:`Utf8Guard` reads a file and passes
ASCII and valid UTF-8 through untouched; each invalid sequence (one per maximal invalid
subpart, as ``bytes.decode(errors="replace")`` counts them) becomes :data:`MARKER`, the
noncharacter U+FDD0 that Unicode reserves for a program's internal use. After parsing,
:func:`unmark` turns markers into U+FFFD — what decoding with ``errors="replace"`` gives —
and counts the fields that held one. In a file that holds invalid bytes, a field holding a
genuine U+FDD0 is counted as well.

Examples
--------
>>> import io
>>> guard = Utf8Guard(io.BytesIO(b"caf\xe9,ok\n\xc3\xa9t\xc3\xa9,\xff\xfe\n"))
>>> guard.read(100).decode()
'caf\ufdd0,ok\nété,\ufdd0\ufdd0\n'
>>> guard.read(100), guard.marked, guard.tell()
(b'', 3, 17)
>>> import pyarrow as pa
>>> column, fields = unmark(pa.array(["caf\ufdd0", "ok", None]))
>>> column.to_pylist(), fields
(['caf\ufffd', 'ok', None], 1)
"""

from __future__ import annotations

import codecs
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

MARKER = "\ufdd0"
_MARKER_BYTES = MARKER.encode()
_ERRORS = "driftline-utf8-mark"


def _mark(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return MARKER, error.end


codecs.register_error(_ERRORS, _mark)


class Utf8Guard:
    """A readable binary file whose bytes are valid UTF-8 (see the module docstring).

    ``marked`` counts the invalid sequences replaced so far; ``tell()`` is the position in
    the underlying file. Reads return exactly the size asked for until the end.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-8")(_ERRORS)
        self._pending = b""  # guarded bytes not yet handed out
        self._at_end = False
        self.marked = 0

    @property
    def closed(self) -> bool:
        """Whether the underlying file is closed."""
        return bool(self._raw.closed)

    def close(self) -> None:
        """Close the underlying file."""
        self._raw.close()

    def readable(self) -> bool:
        """Always True."""
        return True

    def seekable(self) -> bool:
        """Always False: the stream is read once, front to back."""
        return False

    def tell(self) -> int:
        """Bytes read from the underlying file."""
        return self._raw.tell()

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` guarded bytes (all that remain when ``size`` is negative)."""
        while not self._at_end and (size < 0 or len(self._pending) < size):
            self._pending += self._guarded(self._raw.read(size if size > 0 else 1 << 20))
        if size < 0 or len(self._pending) <= size:
            out, self._pending = self._pending, b""
        else:
            out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def _guarded(self, chunk: bytes) -> bytes:
        if not chunk:
            self._at_end = True
            return self._decode(b"", final=True)
        if chunk.isascii() and not self._decoder.getstate()[0]:
            return chunk  # nothing to check, no sequence left open by the last chunk
        return self._decode(chunk, final=False)

    def _decode(self, chunk: bytes, *, final: bool) -> bytes:
        given = self._decoder.getstate()[0] + chunk  # with the bytes the last chunk left open
        out = self._decoder.decode(chunk, final=final).encode()
        if _MARKER_BYTES in out:
            self.marked += out.count(_MARKER_BYTES) - given.count(_MARKER_BYTES)
        return out


def unmark(column: pa.Array | pa.ChunkedArray) -> tuple[pa.Array | pa.ChunkedArray, int]:
    """The column with markers turned into U+FFFD, and how many fields held a marker."""
    holds = pc.match_substring(column, MARKER)
    count = int(pc.sum(holds).as_py() or 0)
    if not count:
        return column, 0
    return pc.replace_substring(column, MARKER, "\ufffd"), count
