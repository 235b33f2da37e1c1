"""The part files of a dataset folder, listed as Spark lists an unpartitioned one.

A folder that Spark wrote (``df.write.csv``, ``.json``, ``.parquet``) holds one part file per
task, named ``part-00000-<uuid>-c000.csv`` and so on, beside its bookkeeping: ``_SUCCESS``
and a hidden ``.part-….crc`` checksum per part. Spark reads such a folder as one dataset:
every file not named ``_…`` or ``.…``, in name order. :func:`folder_parts` does the same,
and refuses what Spark would read into the dataset but driftline would not: a subfolder
(``key=value`` partitions) or a file of another kind (by its suffix), named, rather than
left out silently. A file with no suffix at all is a part: AWS Glue writes its CSV and JSON
output as ``run-<time>-part-r-00000`` (and Spark's ``saveAsTextFile`` as ``part-00000``); a
part that is not of the folder's format is refused when it is read (a header of its own,
not text, not Parquet).

Examples
--------
>>> describe_suffixes((".jsonl", ".json", ".ndjson"))
'.jsonl, .json or .ndjson'
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


class PartFolderError(Exception):
    """A dataset folder that is not one dataset: a subfolder, a foreign file, no part files."""


def visible_entries(folder: Path) -> Iterator[Path]:
    """A folder's entries that Spark reads: not named ``_…`` or ``.…``."""
    return (p for p in folder.iterdir() if not p.name.startswith(("_", ".")))


def has_suffix(path: Path, suffixes: tuple[str, ...]) -> bool:
    """Whether ``path``'s last suffix is one of ``suffixes`` (lower case, with the dot)."""
    return path.suffix.lower() in suffixes


def is_part_file(entry: Path, suffixes: tuple[str, ...]) -> bool:
    """Whether a folder's entry is a part file: a file named with one of ``suffixes``, or none.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("run-1700000000000-part-r-00000", "part-00001.csv", "notes.md"):
    ...     _ = (folder / name).write_text("x")
    >>> [p.name for p in sorted(folder.iterdir()) if is_part_file(p, (".csv",))]
    ['part-00001.csv', 'run-1700000000000-part-r-00000']
    """
    return entry.is_file() and (has_suffix(entry, suffixes) or not entry.suffix)


def describe_suffixes(suffixes: tuple[str, ...]) -> str:
    """``.a``, ``.a or .b``, ``.a, .b or .c``: the suffixes a part file may have."""
    if len(suffixes) == 1:
        return suffixes[0]
    return f"{', '.join(suffixes[:-1])} or {suffixes[-1]}"


def folder_parts(folder: Path, suffixes: tuple[str, ...], kind: str) -> list[Path]:
    """The part files of a ``kind`` dataset folder (e.g. ``"Parquet"``), by name.

    A part is a file whose suffix is one of ``suffixes``, or that has none; any other
    visible entry is refused by name (:class:`PartFolderError`), as is a folder with no part
    files at all.
    """
    parts, others = [], []
    for entry in sorted(visible_entries(folder)):
        if is_part_file(entry, suffixes):
            parts.append(entry)
        else:
            others.append(entry)
    if others:
        first = others[0]
        why = (
            "a partition folder (Hive layout); give the folder of one partition, or write "
            "the data without partitionBy"
            if first.is_dir() and "=" in first.name
            else "a folder"
            if first.is_dir()
            else "not a regular file"
            if not first.is_file()
            else f"not a {describe_suffixes(suffixes)} file"
        )
        msg = f"{folder} holds {first.name}, {why}: a {kind} folder holds part files only"
        raise PartFolderError(msg)
    if not parts:
        msg = f"{folder} holds no {describe_suffixes(suffixes)} part files"
        raise PartFolderError(msg)
    return parts
