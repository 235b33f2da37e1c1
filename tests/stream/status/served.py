"""A status server on a free port serving a board, for the page tests (stopped on leaving)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry

from stream.status.board import StatusBoard
from stream.status.server import Readiness, StatusServer


@contextmanager
def served(board: StatusBoard) -> Iterator[StatusServer]:
    """``board`` served by a ready worker's status server on 127.0.0.1."""
    server = StatusServer.bind("127.0.0.1", 0, CollectorRegistry())
    server.serve(board, Readiness(lambda: 4, lambda seconds: True))
    try:
        yield server
    finally:
        server.stop()
