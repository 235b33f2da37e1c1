"""The broker a benchmark runs on: ``DRIFTLINE_BOOTSTRAP_SERVERS`` if set, else an embedded one.

>>> import os
>>> os.environ["DRIFTLINE_BOOTSTRAP_SERVERS"] = " kafka:9092 "
>>> with bootstrap_servers() as bootstrap:
...     bootstrap
'kafka:9092'
>>> del os.environ["DRIFTLINE_BOOTSTRAP_SERVERS"]
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from stream.kafka.broker import EmbeddedBroker


@contextmanager
def bootstrap_servers() -> Iterator[str]:
    """The given broker's bootstrap servers, or an embedded broker's for the ``with`` block."""
    given = os.environ.get("DRIFTLINE_BOOTSTRAP_SERVERS", "").strip()
    if given:
        yield given
        return
    with EmbeddedBroker() as broker:
        yield broker.bootstrap_servers
