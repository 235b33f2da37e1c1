"""SageMaker data-capture files on disk: ``endpoint/variant/yyyy/mm/dd/hh/*.jsonl``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def find_capture_files(path: Path) -> list[Path]:
    """``path`` itself if it is a file, else every ``*.jsonl`` below it in lexical order.

    Lexical order of the relative paths is chronological order in SageMaker's
    ``endpoint/variant/yyyy/mm/dd/hh/`` layout (zero-padded parts).
    Raises FileNotFoundError when ``path`` does not exist.
    """
    if not path.exists():
        msg = f"no such file or folder: {path}"
        raise FileNotFoundError(msg)
    if path.is_file():
        return [path]
    files = [p for p in path.rglob("*.jsonl") if p.is_file()]
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
        with file.open("rb") as handle:
            for raw in handle:
                yield raw.strip(), len(raw)
