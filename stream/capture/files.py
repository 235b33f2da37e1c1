r"""SageMaker data-capture files on disk: ``endpoint/variant/yyyy/mm/dd/hh/*.jsonl``.

Every reader of capture and label files (``analyze``, ``replay``, ``labels push``) opens
them with :func:`open_lines`, so all of them read the same bytes: a gzip-compressed file
(told by its first two bytes, whatever its name) is read decompressed, and a UTF-8
byte-order mark at the very start of a file is left out, as Spark's JSON reader does.

Examples
--------
>>> import gzip, shutil, tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "bom.jsonl").write_bytes(BOM + b'{"a": 1}\n')
>>> _ = (folder / "packed").write_bytes(gzip.compress(BOM + b'{"a": 2}'))
>>> [line for path in sorted(folder.iterdir()) for line, _ in iter_lines(path)]
[b'{"a": 1}\n', b'{"a": 2}']
>>> shutil.rmtree(folder)
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

BOM = b"\xef\xbb\xbf"  # UTF-8 byte-order mark: left out at the very start of a file only
GZIP_MAGIC = b"\x1f\x8b"  # the first two bytes of a gzip file (RFC 1952)
SUFFIXES = (".jsonl", ".jsonl.gz")  # the files a folder is searched for


def find_capture_files(path: Path) -> list[Path]:
    """``path`` itself if it is a file, else every ``*.jsonl`` (``.jsonl.gz``) below it, in order.

    Lexical order of the relative paths is chronological order in SageMaker's
    ``endpoint/variant/yyyy/mm/dd/hh/`` layout (zero-padded parts).
    Raises FileNotFoundError when ``path`` does not exist.
    """
    if not path.exists():
        msg = f"no such file or folder: {path}"
        raise FileNotFoundError(msg)
    if path.is_file():
        return [path]
    files = [p for p in path.rglob("*.jsonl*") if p.name.endswith(SUFFIXES) and p.is_file()]
    return sorted(files, key=lambda p: p.relative_to(path).as_posix())


def layout_routing(file: Path) -> dict[str, str]:
    """``{"endpoint", "variant"}`` from a file in SageMaker's capture layout, else ``{}``.

    Examples
    --------
    >>> layout_routing(Path("s3/credit-endpoint/AllTraffic/2024/03/05/14/55-000-1.jsonl"))
    {'endpoint': 'credit-endpoint', 'variant': 'AllTraffic'}
    >>> layout_routing(Path("captures/today.jsonl"))
    {}
    """
    parts = file.parent.parts
    if len(parts) < 6:
        return {}
    *_, endpoint, variant, year, month, day, hour = parts
    widths = [(year, 4), (month, 2), (day, 2), (hour, 2)]
    if not all(len(text) == width and text.isdigit() for text, width in widths):
        return {}
    return {"endpoint": endpoint, "variant": variant}


def iter_capture_lines(files: list[Path]) -> Iterator[tuple[bytes, int]]:
    """Yield ``(stripped line, bytes read)`` for every line of ``files``; blank lines as ``b""``.

    The byte counts add up to the files' sizes, for a progress bar.
    """
    for file in files:
        for raw, size in iter_lines(file):
            yield raw.strip(), size


@contextmanager
def open_lines(path: Path) -> Iterator[BinaryIO]:
    """``path`` opened to read its lines: decompressed if gzip, a leading UTF-8 BOM left out.

    Reading a damaged gzip file (truncated, corrupt) raises an OSError naming the file.
    """
    with path.open("rb") as file:
        yield _readable(file, path)


def iter_lines(path: Path) -> Iterator[tuple[bytes, int]]:
    """Every line of ``path`` as :func:`open_lines` reads it, with the bytes of the file read.

    The byte counts add up to the file's size on disk (compressed, for a gzip file), for a
    progress bar; the last may come with an extra ``b""``.
    """
    with path.open("rb") as file:
        handle = _readable(file, path)
        if handle is file:  # plain: a line's bytes are its length (the BOM's go to the first)
            skipped = file.tell()
            for line in file:
                yield line, len(line) + skipped
                skipped = 0
            if skipped:
                yield b"", skipped
            return
        done = 0  # gzip: the compressed bytes read so far, asked of the file
        for line in handle:
            position = file.tell()
            yield line, position - done
            done = position
        if file.tell() > done:
            yield b"", file.tell() - done


def _readable(file: BinaryIO, path: Path) -> BinaryIO:
    """``file`` (open, at its start), or its decompressed content; past a leading BOM."""
    compressed = file.read(len(GZIP_MAGIC)) == GZIP_MAGIC
    file.seek(0)
    handle: BinaryIO = _GzipLines(path, file) if compressed else file
    if handle.read(len(BOM)) != BOM:
        handle.seek(0)
    return handle


class _GzipLines(gzip.GzipFile):
    """A gzip file whose damage is an OSError naming it: the CLI's one-line file error."""

    def __init__(self, path: Path, file: BinaryIO) -> None:
        super().__init__(filename=str(path), mode="rb", fileobj=file)
        self.path = path

    def read(self, size: int | None = -1) -> bytes:
        try:
            return super().read(size)
        except (EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise self._damaged(error) from error

    def readline(self, size: int | None = -1) -> bytes:
        try:
            return super().readline(size)
        except (EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise self._damaged(error) from error

    def _damaged(self, error: Exception) -> OSError:
        return OSError(f"{self.path} is a damaged gzip file: {error}")
