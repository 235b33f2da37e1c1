"""A CSV dataset — one file, or a folder of Spark's part files — read as one CSV file.

Each part is read by its own :class:`~stream.batch.csv_reader.CsvColumns`, in name order, one
part open at a time; their batches follow one another as the rows of one file would. Spark
writes a header line at the top of every part (``header=true``), so each part's header is
read as such and must name the columns the first part's does: a part whose header differs
is refused, naming the part (a column order that changed between parts would otherwise
profile one feature's values as another's). Every header is read before the first row, as
a Parquet folder's footers are, so a bad part stops the run at once. Without a header
(``header=False``) the columns are ``_c0, _c1, …`` over all parts, and every part's first
row must be as wide as the first part's.

Spark writes no file for an empty task, but one part for an empty DataFrame: 0 bytes (Spark
2), or just the header line (Spark 3). So in a folder a part of 0 bytes is left out and one of
only a header holds no rows; a folder of nothing but 0-byte parts has no header to name its
columns and is refused. A single file of 0 bytes is refused as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from stream.batch.csv_reader import CsvBatch, CsvColumns, CsvFileError, csv_names


class CsvParts:
    """The column names and batches of a CSV dataset's parts (one pass; iterate once).

    ``parts`` are the files in reading order (a single file: itself); ``folder`` the folder
    they are the parts of, if any. ``on_malformed`` counts over all parts; ``progress`` is
    called with the bytes of the parts read so far. Every part's header is read here, from
    its first block alone, so a part whose header differs from the first part's raises
    :class:`CsvFileError` before any row is read; a part is opened to be read when its rows
    are reached. So a dataset whose rows are never read leaves no reader behind: pyarrow's
    reader of a Python file, dropped unfinished, may still be reading ahead when the
    interpreter exits, which then hangs or aborts (the labelled baselines read the header,
    and stop there when it lacks a column they need).
    """

    def __init__(
        self,
        parts: Sequence[Path],
        *,
        folder: Path | None = None,
        header: bool = True,
        on_malformed: Callable[[str], None] = lambda reason: None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.parts = [p for p in parts if folder is None or p.stat().st_size > 0]
        if not self.parts:
            msg = f"{folder} holds only empty part files: no header line names the columns"
            raise CsvFileError(msg)
        self.header = header
        self.on_malformed = on_malformed
        self.progress = progress
        self.names = self._one_header()

    def batches(self) -> Iterator[CsvBatch]:
        """Every part's rows, in order, as :meth:`CsvColumns.batches` gives one file's."""
        done = 0
        for part in self.parts:
            yield from self._open(part, done).batches()
            done += part.stat().st_size

    def _open(self, part: Path, done: int) -> CsvColumns:
        progress = self.progress
        return CsvColumns(
            part,
            header=self.header,
            on_malformed=self.on_malformed,
            progress=None if progress is None else lambda read: progress(done + read),
        )

    def _one_header(self) -> tuple[str, ...]:
        """The parts' column names; CsvFileError naming a part whose names are not the first's.

        Each part's header is read from its first block alone (:func:`csv_names`).
        """
        first, *others = self.parts
        names = csv_names(first, header=self.header)
        for part in others:
            theirs = csv_names(part, header=self.header)
            if theirs == names:
                continue
            if self.header:
                msg = (
                    f"{part.name} has the header {list(theirs)}, but {first.name} has "
                    f"{list(names)}: every part of a CSV folder needs the same header"
                )
            else:
                msg = (
                    f"{part.name} has {len(theirs)} fields in its first row, but {first.name} "
                    f"has {len(names)}: every part of a header-less CSV folder needs as many"
                )
            raise CsvFileError(msg)
        return names
