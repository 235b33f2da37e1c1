"""How often the garbage collector looks for cycles while capture records stream through.

Decoding capture records (and running a ``preprocess_handler`` over each) allocates thousands
of short-lived containers at once; with CPython's default first threshold (700) they set off
collections that walk the whole heap, which doubled the cost of a record in the worker and
cost ``analyze`` with a preprocessor a tenth of its time. They are freed by reference
counting anyway: collecting cycles less often loses nothing.

>>> import gc
>>> before = gc.get_threshold()
>>> with cycles_collected_less_often():
...     gc.get_threshold() == GC_THRESHOLDS
True
>>> gc.get_threshold() == before
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

GC_THRESHOLDS = (50_000, 20, 20)


def collect_cycles_less_often() -> None:
    """Set :data:`GC_THRESHOLDS` for the rest of this process (a worker about to stream)."""
    gc.set_threshold(*GC_THRESHOLDS)


@contextmanager
def cycles_collected_less_often() -> Iterator[None]:
    """:data:`GC_THRESHOLDS` inside the block (a run over files), the thresholds before after."""
    before = gc.get_threshold()
    collect_cycles_less_often()
    try:
        yield
    finally:
        gc.set_threshold(*before)
