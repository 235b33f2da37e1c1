"""On-demand data-quality analysis of capture files: ``driftline analyze``'s engine.

The same code path as the worker — capture records, preprocessor, and a
:class:`~detectors.quality.data_quality_monitor.DataQualityMonitor` for profile, evaluation and
status — over files instead of a topic. A record that cannot be decoded (bad JSON,
wrong encoding, missing fields, a failing preprocessor) is counted by reason and becomes a
row of missing values, as Spark's permissive reader does for SageMaker, so the completeness
check reports it. A run in which no record at all gives a row (a binary file, a CSV file, JSON
that is not capture records, a preprocessor that fails on every record) is ``Failed``, with
the reason in :attr:`AnalysisResult.failure`.

With labels (``analyze --ground-truth``), the preprocessor sees each labelled record as
SageMaker's merged record, ``inference_record.ground_truth`` included.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detectors.quality.checks import EvaluationResult
from detectors.quality.statistics import DatasetStatistics
from detectors.violations import FAILED
from stream.batch.capture_columns import PlainCaptureReader, PlainRows
from stream.batch.columnar_profile import ColumnarProfiler
from stream.batch.line_blocks import whole_lines
from stream.batch.plain_json_rows import PlainJsonRows
from stream.batch.prefetch import prefetched
from stream.capture.files import open_lines
from stream.capture.records import CAPTURE_PARTS, CaptureError, CaptureRecord, decode_capture
from stream.capture.rows import MAX_NESTING, RowBuilder, too_deep
from stream.capture.text_rows import text_columns, writable_rows
from stream.monitors.data_quality import DataQualityBaseline

if TYPE_CHECKING:  # loaded only by runs that use them (a preprocessor, labels)
    from ground_truth.records import GroundTruth
    from stream.capture.preprocess import Preprocessor

FLUSH_ROWS = 5_000
MANIFEST_HINT = (  # batch transform's data capture writes manifests, not records
    "; a batch-transform data-capture manifest lists the transform's input or output files: "
    "analyze those files with --data"
)
BLOCK_BYTES = 8 << 20  # capture lines read (and parsed by pyarrow) at a time


def _blocks(path: Path) -> Iterator[bytes]:
    """The file in blocks of about :data:`BLOCK_BYTES`, each ending at a line's end.

    As :func:`~stream.capture.files.open_lines` reads it: decompressed, past a leading BOM.
    """
    with open_lines(path) as handle:
        yield from whole_lines(handle, BLOCK_BYTES)


def _packed_blocks(paths: Iterable[Path]) -> Iterator[tuple[bytes, int]]:
    """The files' lines in blocks of about :data:`BLOCK_BYTES`, small files sharing one.

    Capture folders hold many small files (one per endpoint instance and hour): a block per
    file would pay the columnar path's fixed costs per file. Each block comes with the
    number of files it finishes. A file that does not end with a newline ends its block, so
    that its last line stays its own.
    """
    parts: list[bytes] = []
    size = finished = 0
    for path in paths:
        for block in _blocks(path):
            if size and size + len(block) > BLOCK_BYTES:
                yield b"".join(parts), finished
                parts, size, finished = [], 0, 0
            parts.append(block)
            size += len(block)
        finished += 1
        if parts and not parts[-1].endswith(b"\n"):
            yield b"".join(parts), finished
            parts, size, finished = [], 0, 0
    if parts or finished:
        yield b"".join(parts), finished


@dataclass
class CaptureCounts:
    """What the analysis read: records, rows, and bad records by reason."""

    files: int = 0
    records: int = 0
    usable: int = 0  # records that gave rows (or were dropped on purpose by the preprocessor)
    rows: int = 0
    dropped: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def bad_records(self) -> int:
        """Records that could not be used."""
        return sum(self.errors.values())


@dataclass(frozen=True)
class AnalysisResult:
    """Statistics of the analysed data, the constraint evaluation, counts and status."""

    statistics: DatasetStatistics
    evaluation: EvaluationResult
    counts: CaptureCounts
    status: str
    failure: str | None = None  # why the run is Failed


class CaptureAnalyzer:
    """Feed capture lines; read the result. ``on_record`` sees every decoded record."""

    def __init__(
        self,
        baseline: DataQualityBaseline,
        *,
        preprocessor: Preprocessor | None = None,
        capture_index_names: Iterable[str] = CAPTURE_PARTS,
        min_window_count: int = 30,
        on_record: Callable[[CaptureRecord], None] | None = None,
        labels: Callable[[str], GroundTruth | None] | None = None,
    ) -> None:
        self.baseline = baseline
        self.preprocessor = preprocessor
        self.labels = labels
        self.min_window_count = min_window_count
        self.on_record = on_record
        self.builder = RowBuilder(
            features=baseline.features, capture_index_names=tuple(capture_index_names)
        )
        self.monitor = baseline.monitor("analyze", min_window_count=min_window_count)
        self.counts = CaptureCounts()
        self._rows: list[dict[str, Any]] = []
        self._flat: list[Any] = []  # plain JSON records' values, row after row
        self._plain = PlainCaptureReader(parts=self.builder.parts, width=len(baseline.features))
        self._json = PlainJsonRows(parts=self.builder.parts, features=baseline.features)
        self._columns = ColumnarProfiler(self.monitor.profile, baseline.features)
        self._missing_row = dict.fromkeys(baseline.features)

    def add_line(self, raw: bytes) -> None:
        """Add one capture record (a line of a capture file)."""
        self.counts.records += 1
        try:
            record = decode_capture(raw)
            if self.preprocessor is not None:
                label = None if self.labels is None else self.labels(record.join_key)
                kept = self.preprocessor.rows(record, label)
                rows = list(map(self.builder.rows_from_mapping, kept))
                if not rows:
                    self.counts.dropped += 1
            else:
                rows = self.builder.rows(record)
            if any(map(too_deep, rows)):  # as the worker refuses it
                msg = "too_deep"
                raise CaptureError(msg, f"a feature value nests deeper than {MAX_NESTING} levels")
        except CaptureError as exc:
            self.counts.errors[exc.reason] += 1
            rows = [self._missing_row]
        except RecursionError:  # a payload nested past Python's stack, as the worker refuses it
            self.counts.errors["too_deep"] += 1
            rows = [self._missing_row]
        else:
            self.counts.usable += 1
            if self.on_record is not None:
                self.on_record(record)
        self._keep(rows)

    def _keep(self, rows: Iterable[dict[str, Any]]) -> None:
        """Buffer rows for the profile, flushing every :data:`FLUSH_ROWS`."""
        self._rows.extend(rows)
        if len(self._rows) >= FLUSH_ROWS:
            self._flush()

    def add_file(self, path: Path) -> None:
        """Add every record of a capture file."""
        self.add_files([path])

    def add_files(
        self, paths: Iterable[Path], on_file: Callable[[Path], None] | None = None
    ) -> None:
        """Add every record of the capture files, in order; ``on_file`` after each file.

        Without a preprocessor or ``on_record``, plain CSV records take the columnar path
        (:mod:`stream.batch.capture_columns`), small files packed into shared blocks, and
        the other records :meth:`add_line`.
        """
        paths = list(paths)
        done = iter(paths)
        if self.preprocessor is None and self.on_record is None:
            packed = _packed_blocks(paths)
            for rows, finished in prefetched((self._plain.rows(b), n) for b, n in packed):
                self._add_plain(rows)
                self._finish(finished, done, on_file)
            return
        for path in paths:
            for block in _blocks(path):
                for line in io.BytesIO(block):
                    if not line.isspace():  # a blank line (strip() would copy every line)
                        self.add_line(line)
            self._finish(1, done, on_file)

    def _finish(
        self, files: int, done: Iterator[Path], on_file: Callable[[Path], None] | None
    ) -> None:
        self.counts.files += files
        for path in islice(done, files):
            if on_file is not None:
                on_file(path)

    def _add_plain(self, rows: PlainRows) -> None:
        """A decoded block (decoded a block ahead on another thread): parse, then profile."""
        plain = self._plain.columns(rows)
        self.counts.records += plain.records - len(plain.rest)
        self.counts.usable += plain.records - len(plain.rest)
        if plain.n_rows:
            self.counts.rows += plain.n_rows
            self._columns.add(plain.columns, plain.n_rows)
        width = len(self.baseline.features)
        for line in plain.rest:
            values = self._json.values(line)
            if values is None:
                self.add_line(line)
                continue
            self.counts.records += 1
            self.counts.usable += 1
            self._flat += values
            if len(self._flat) >= FLUSH_ROWS * width:
                self._flush()

    def _flush(self) -> None:
        """Profile the buffered rows: as text columns when they are rows of text.

        Plain JSON records' values go to the profile a column at a time (every tenth value
        is one feature's, with ten features).
        """
        self._columns.drain()  # the profile takes rows only when no batch is in flight
        if self._flat:
            features = self.baseline.features
            n_rows = len(self._flat) // len(features)
            columns = {name: self._flat[i :: len(features)] for i, name in enumerate(features)}
            self.counts.rows += n_rows
            self.monitor.update_columns(columns, n_rows)
            self._flat = []
        if self._rows:
            self.counts.rows += len(self._rows)
            columns = text_columns(self._rows, self.baseline.features)
            if columns is None:
                self.monitor.update_many(writable_rows(self._rows))
            else:
                self._columns.add(columns, len(self._rows))
            self._rows = []

    def _failure(self) -> str | None:
        c = self.counts
        files = f"{c.files} file{'s' if c.files != 1 else ''}"
        if c.records == 0:
            return f"no capture records in {files}"
        if c.usable == 0:
            reasons = ", ".join(f"{k}={v}" for k, v in sorted(c.errors.items()))
            hint = MANIFEST_HINT if c.errors.get("batch_manifest") else ""
            return (
                f"no usable capture record in {files}: all {c.records} records are bad "
                f"({reasons}){hint}"
            )
        if c.rows == c.bad_records:
            return f"no rows: the preprocessor dropped all {c.dropped} usable records"
        return None

    def result(self) -> AnalysisResult:
        """Evaluate what was read against the baseline."""
        self._flush()
        self._columns.drain()
        outcome = self.monitor.outcome()
        failure = self._failure()
        if failure is not None:
            empty = EvaluationResult((), ())
            return AnalysisResult(outcome.statistics, empty, self.counts, FAILED, failure)
        return AnalysisResult(outcome.statistics, outcome.evaluation, self.counts, outcome.status)
