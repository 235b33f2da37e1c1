"""The worker's HTTP server: the status page, its JSON, ``/metrics``, ``/healthz``, ``/readyz``.

A stdlib ``ThreadingHTTPServer`` in a daemon thread. :meth:`StatusServer.bind` takes the port
before anything else starts, so a port already in use is a :class:`StatusServerError` (one
line for the CLI), not a traceback after the broker came up. Routes:

- ``/``: the page; ``/static/<file>``: its script and styles (package data);
- ``/api/status``: every monitor's windows and charts (cached until the board changes) and
  the worker's readiness; ``/api/window?monitor=…&type=…&start=…``: one window in detail;
- ``/metrics``: the registry in Prometheus' text format (OpenMetrics when asked for);
- ``/healthz``: 200 while the process serves; ``/readyz``: 200 when the worker owns capture
  partitions and the broker answered within ``READY_BROKER_SECONDS``, else 503 with reasons.

HEAD answers as GET does, without the body; any other method is a 405 naming GET and HEAD.
"""

from __future__ import annotations

import errno
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from stream.status.board import StatusBoard
from stream.status.messages import MessageError, parse_time
from stream.status.payloads import MONITOR_TYPES, status_summary, window_detail

log = logging.getLogger("driftline.status")

READY_BROKER_SECONDS = 15.0
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "status.js": "text/javascript; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "status.css": "text/css; charset=utf-8",
}
JSON = "application/json"


IDLE_SECONDS = 30.0  # a connection without a request is closed after this


class StatusServerError(RuntimeError):
    """The HTTP server cannot listen where it was told (port in use, unknown address)."""


@dataclass(frozen=True, slots=True)
class Readiness:
    """What ``/readyz`` asks: capture partitions owned, a broker that answers, with our topics."""

    assigned_partitions: Callable[[], int]
    broker_answered: Callable[[float], bool]
    missing_topics: Callable[[], Sequence[str]] = lambda: ()

    def check(self) -> dict[str, Any]:
        """``{"ready": bool, "assigned_partitions": n, "broker_reachable": bool, "reasons"}``."""
        assigned = self.assigned_partitions()
        reachable = self.broker_answered(READY_BROKER_SECONDS)
        reasons = []
        if assigned == 0:
            reasons.append("no capture partitions assigned to this worker")
        if not reachable:
            reasons.append(f"the broker has not answered in the last {READY_BROKER_SECONDS:.0f} s")
        elif missing := list(self.missing_topics()):  # e.g. it came back empty
            reasons.append(
                f"the broker answers, but these topics are missing: {', '.join(missing)}"
            )
        return {
            "ready": not reasons,
            "assigned_partitions": assigned,
            "broker_reachable": reachable,
            "reasons": reasons,
        }


NOT_STARTED = Readiness(lambda: 0, lambda seconds: False)


class StatusServer:
    """One listening socket and the thread that serves it."""

    def __init__(self, httpd: ThreadingHTTPServer, registry: CollectorRegistry) -> None:
        self._httpd = httpd
        self.registry = registry
        self.board = StatusBoard()
        self.readiness = NOT_STARTED
        self._summary: tuple[int, bytes] = (-1, b"")
        self._summary_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        httpd.status = self  # type: ignore[attr-defined]  # the handler's way back here

    @classmethod
    def bind(
        cls,
        host: str,
        port: int,
        registry: CollectorRegistry,
        *,
        idle_seconds: float = IDLE_SECONDS,
    ) -> StatusServer:
        """Listen on ``host:port`` (0: any free port); StatusServerError when it cannot.

        A connection that sends no request within ``idle_seconds`` is closed, its thread
        freed: clients that connect and say nothing would each hold one for good.
        """
        try:
            httpd = _Server((host, port), _Handler)
            httpd.idle_seconds = idle_seconds
        except OSError as error:
            where = f"{host}:{port}"
            if error.errno == errno.EADDRINUSE:
                msg = f"port {port} on {host} is already in use (another worker or demo?)"
            else:
                msg = f"cannot listen on {where}: {error.strerror or error}"
            raise StatusServerError(msg) from error
        return cls(httpd, registry)

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._httpd.server_address[1])

    def serve(self, board: StatusBoard | None = None, readiness: Readiness | None = None) -> None:
        """Serve from a daemon thread (``board`` and ``readiness`` replace the empty ones)."""
        self.board = board or self.board
        self.readiness = readiness or self.readiness
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="driftline-http", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
        self._httpd.server_close()

    def summary_bytes(self) -> bytes:
        """``/api/status`` without the readiness part, rebuilt only after the board changed."""
        with self._summary_lock:
            with self.board.lock:
                version = self.board.version
                if version != self._summary[0]:
                    self._summary = (version, orjson.dumps(status_summary(self.board)))
            return self._summary[1]

    def monitor_types(self) -> set[str]:
        """The monitor types on the board (a newer worker's may be beyond ``MONITOR_TYPES``)."""
        with self.board.lock:
            return {kind for _, kind in self.board.monitors}

    def window_bytes(
        self, monitor: str, kind: str, start: str, end: str | None = None
    ) -> bytes | None:
        """``/api/window`` of one window, None when the board does not hold it.

        Without ``end``: the latest-ending window of ``start`` (a start is one window unless
        a worker restarted with another window length).
        """
        seconds = parse_time(start)
        end_seconds = parse_time(end) if end else None
        with self.board.lock:
            board = self.board.monitors.get((monitor, kind))
            entry = board.find(seconds, end_seconds) if board else None
            if board is None or entry is None:
                return None
            baseline = self.board.baselines.get(monitor) if kind == "data_quality" else None
            return orjson.dumps(window_detail(board, entry, baseline))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    idle_seconds = IDLE_SECONDS


class _Handler(BaseHTTPRequestHandler):
    server_version = "driftline"
    _head = False  # a HEAD request: headers only

    def setup(self) -> None:
        """The connection, with the server's idle timeout (http.server reads ``timeout``)."""
        self.timeout = self.server.idle_seconds  # type: ignore[attr-defined]
        super().setup()

    def do_HEAD(self) -> None:  # noqa: N802 (http.server's name)
        """Answer as GET would, without the body (curl -I, uptime checks)."""
        self._head = True
        self.do_GET()

    def _not_allowed(self) -> None:
        body = orjson.dumps({"error": f"{self.command} is not served here: use GET or HEAD"})
        self.close_connection = True  # a body it may have sent is not read
        self._send(405, JSON, body, {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed  # noqa: N815

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        """Route one GET request."""
        status: StatusServer = self.server.status  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        try:
            if path in ("/", "/index.html"):
                self._send(200, STATIC_FILES["index.html"], _static("index.html"))
            elif path.startswith("/static/") and path[8:] in STATIC_FILES:
                self._send(200, STATIC_FILES[path[8:]], _static(path[8:]))
            elif path == "/api/status":
                ready = orjson.dumps(status.readiness.check())
                body = b'{"worker":' + ready + b',"summary":' + status.summary_bytes() + b"}"
                self._send(200, JSON, body)
            elif path == "/api/window":
                self._window(status, query)
            elif path == "/metrics":
                encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
                self._send(200, content_type, encoder(status.registry))
            elif path == "/healthz":
                self._send(200, JSON, b'{"status":"ok"}')
            elif path == "/readyz":
                check = status.readiness.check()
                self._send(200 if check["ready"] else 503, JSON, orjson.dumps(check))
            else:
                self._send(404, JSON, orjson.dumps({"error": f"no such page: {path}"}))
        except (BrokenPipeError, ConnectionResetError):  # the client went away: no one to answer
            log.debug("status page: %s: the client closed the connection", self.path)
            self.close_connection = True
        except Exception:  # one bad request must not take the server down
            log.exception("status page: %s failed", self.path)
            self._send(500, JSON, b'{"error":"internal error, see the worker log"}')

    def _window(self, status: StatusServer, query: dict[str, list[str]]) -> None:
        monitor, kind, start, end = (
            query.get(k, [""])[0] for k in ("monitor", "type", "start", "end")
        )
        missing = [name for name, value in (("monitor", monitor), ("start", start)) if not value]
        if missing:
            msg = (
                f"give {' and '.join(missing)}: "
                "/api/window?monitor=M&type=T&start=ISO-TIME[&end=ISO-TIME]"
            )
            self._send(400, JSON, orjson.dumps({"error": msg}))
            return
        if kind and kind not in MONITOR_TYPES and kind not in status.monitor_types():
            msg = f"unknown type {kind!r}: one of {', '.join(MONITOR_TYPES)}"
            self._send(400, JSON, orjson.dumps({"error": msg}))
            return
        try:
            body = status.window_bytes(monitor, kind or "data_quality", start, end or None)
        except MessageError as error:
            self._send(400, JSON, orjson.dumps({"error": f"bad start or end: {error}"}))
            return
        if body is None:
            self._send(404, JSON, orjson.dumps({"error": "no such window on this board"}))
        else:
            self._send(200, JSON, body)

    def _send(
        self, code: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not self._head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base signature)
        """Requests go to the debug log, not to stderr."""
        log.debug("%s " + format, self.address_string(), *args)


@functools.cache
def _static(name: str) -> bytes:
    return (resources.files("stream.status") / "static" / name).read_bytes()
