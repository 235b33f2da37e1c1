"""Feed Arrow text columns to a :class:`DatasetProfile`: the columnar half of the batch runs.

Each batch's columns are classified (:func:`~stream.batch.arrow_columns.column_chunk`) and
added with :meth:`DatasetProfile.update_chunks`, so a CSV file (``baseline suggest``,
``analyze --data``) and the plain capture records of ``analyze`` reach the same statistics
as the row path, without a Python object per value. Columns are classified two at a time:
pyarrow's kernels release the GIL.

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
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa

from detectors.quality.column_chunk import ColumnChunk
from detectors.quality.dataset_profile import DatasetProfile
from stream.batch.arrow_columns import column_chunk

_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="driftline-columns")


def update_profile(
    profile: DatasetProfile, names: Sequence[str], columns: Sequence[pa.Array], n_rows: int
) -> None:
    """Add ``n_rows`` rows given as text columns named ``names`` (missing as null).

    A name that is not one of the profile's features is an extra column: counted, not
    classified.
    """
    jobs = {}
    for name, column in zip(names, columns, strict=True):
        feature = profile.profiles.get(name)
        if feature is None:
            continue
        jobs[name] = _POOL.submit(column_chunk, column, feature.number_counting, feature.max_exact)
    chunks = {
        name: jobs[name].result() if name in jobs else ColumnChunk.all_missing(n_rows)
        for name in names
    }
    profile.update_chunks(chunks, n_rows)
