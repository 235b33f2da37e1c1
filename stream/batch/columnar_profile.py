"""Feed Arrow text columns to a :class:`DatasetProfile`: the columnar half of the batch runs.

Each batch's columns are classified (:func:`~stream.capture.arrow_columns.column_chunk`) and
added with :meth:`DatasetProfile.update_chunks`, so a CSV file (``baseline suggest``,
``analyze --data``) and the plain capture records of ``analyze`` reach the same statistics
as the row path, without a Python object per value.

:class:`ColumnarProfiler` pipelines the work: a batch's columns are dealt into two groups,
each classified on a worker thread (pyarrow's kernels and numpy release the GIL) while the
caller's thread adds the previous batch to the profile (moments, KLL sketches and counts,
which hold it). A group's numeric columns are checked together
(:func:`~stream.capture.arrow_columns.column_chunks`), so a wide table costs a few calls per
batch rather than a few per column. A column's counting of number texts is decided when its
batch is submitted, from the profile as it will be once the pending batch is added.

Examples
--------
>>> import pyarrow as pa
>>> from detectors.quality.dataset_profile import DatasetProfile
>>> profile = DatasetProfile(features=("age", "plan"))
>>> batch = [pa.array(["41", None, "19"]), pa.array(["basic", "gold", "basic"])]
>>> update_profile(profile, ("age", "plan"), batch, 3)
>>> profile.item_count, profile.profiles["age"].missing, profile.profiles["plan"].types.string
(3, 1, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa

from detectors.quality.column_chunk import (
    COUNT_ALL,
    COUNT_NONE,
    COUNT_UNTIL_OVERFLOW,
    ColumnChunk,
)
from detectors.quality.dataset_profile import DatasetProfile
from detectors.quality.feature_profile import FeatureProfile
from stream.capture.arrow_columns import ChunksClassifier, column_chunks

GROUPS = 2  # column groups per batch, one per worker thread
_POOL = ThreadPoolExecutor(max_workers=GROUPS, thread_name_prefix="driftline-columns")

Columns = Sequence[pa.Array | pa.ChunkedArray]
Job = tuple[Future[list[ColumnChunk]], int]  # a group's classification, and a column's place in it


class ColumnarProfiler:
    """Add column batches named ``names`` to ``profile``, one batch in flight.

    ``classify`` turns a group of columns into chunks: :func:`column_chunks` for text columns
    (CSV, capture records); ``each_column(json_column_chunk)``
    (:mod:`stream.batch.json_columns`) for JSON-typed ones. The profile is complete only
    after :meth:`drain`; nothing else may update its values while a batch is in flight (drain
    first), though features may be added (the batch in flight holds no column of theirs). A
    name that is not one of the profile's features is an extra column: classified and
    profiled as one while within the profile's bound, else only counted.
    """

    def __init__(
        self,
        profile: DatasetProfile,
        names: Sequence[str],
        classify: ChunksClassifier = column_chunks,
    ) -> None:
        self.profile = profile
        self.names = tuple(names)
        self.classify = classify
        self._pending: tuple[dict[str, Job], tuple[str, ...], int] | None = None

    def add(self, columns: Columns, n_rows: int, names: Sequence[str] | None = None) -> None:
        """Classify a batch of ``n_rows`` rows and add the previous one to the profile.

        ``names`` name this batch's columns when they are not the profiler's ``names``.
        """
        names = self.names if names is None else tuple(names)
        features = [
            (name, column, feature)
            for name, column in zip(names, columns, strict=True)
            if (feature := self.profile.column_profile(name)) is not None
        ]
        countings = [self._counting(name, feature) for name, _, feature in features]
        jobs: dict[str, Job] = {}
        for first in range(min(GROUPS, len(features))):
            group = features[first::GROUPS]  # dealt, so that both groups hold every kind
            future = _POOL.submit(
                self.classify,
                [column for _, column, _ in group],
                countings[first::GROUPS],
                [feature.max_exact for _, _, feature in group],
            )
            for place, (name, _, _) in enumerate(group):
                jobs[name] = (future, place)
        self.drain()
        self._pending = jobs, names, n_rows

    def drain(self) -> None:
        """Add the batch in flight, if any: the profile is then up to date."""
        if self._pending is None:
            return
        jobs, names, n_rows = self._pending
        self._pending = None
        chunks = {
            name: _chunk(jobs[name]) if name in jobs else ColumnChunk.all_missing(n_rows)
            for name in names
        }
        self.profile.update_chunks(chunks, n_rows)

    def _counting(self, name: str, feature: FeatureProfile) -> str:
        """The feature's counting once the batch in flight is added (see the module doc)."""
        counting = feature.number_counting
        if counting != COUNT_UNTIL_OVERFLOW or self._pending is None:
            return counting
        job = self._pending[0].get(name)
        if job is None:
            return counting
        chunk = _chunk(job)
        if chunk.has_text:
            return COUNT_ALL
        return COUNT_NONE if chunk.number_counts is None else COUNT_UNTIL_OVERFLOW


def _chunk(job: Job) -> ColumnChunk:
    future, place = job
    return future.result()[place]


def update_profile(
    profile: DatasetProfile, names: Sequence[str], columns: Columns, n_rows: int
) -> None:
    """Add ``n_rows`` rows given as text columns named ``names`` (missing as null)."""
    profiler = ColumnarProfiler(profile, names)
    profiler.add(columns, n_rows)
    profiler.drain()
