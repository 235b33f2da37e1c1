"""A throwaway certificate authority for TLS tests, made with the ``openssl`` command.

``make_certificates(folder)`` writes a CA, a server certificate for ``localhost`` /
``127.0.0.1`` signed by it, and a client certificate whose key is encrypted with
``CLIENT_KEY_PASSWORD``. Tests needing them skip when ``openssl`` is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CLIENT_KEY_PASSWORD = "client-key-pass"


@dataclass(frozen=True)
class Certificates:
    """Paths of the CA, the server's certificate and key, the client's certificate and key."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path  # encrypted with CLIENT_KEY_PASSWORD


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _signed(name: str, subject: str, extensions: str, folder: Path, *key_args: str) -> None:
    _openssl("req", "-new", "-key", f"{name}.key", *key_args, "-subj", subject,
             "-out", f"{name}.csr", cwd=folder)  # fmt: skip
    (folder / f"{name}.ext").write_text(extensions)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-sha256", "-extfile", f"{name}.ext",
             "-out", f"{name}.pem", cwd=folder)  # fmt: skip


def make_certificates(folder: Path) -> Certificates:
    """Write a CA and certificates signed by it into ``folder``."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
             "-out", "ca.pem", "-days", "2", "-subj", "/CN=driftline test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)  # fmt: skip
    _openssl("genrsa", "-out", "server.key", "2048", cwd=folder)
    _signed("server", "/CN=localhost",
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
            folder)  # fmt: skip
    _openssl("genrsa", "-aes256", "-passout", f"pass:{CLIENT_KEY_PASSWORD}",
             "-out", "client.key", "2048", cwd=folder)  # fmt: skip
    _signed("client", "/CN=driftline client", "extendedKeyUsage=clientAuth\n", folder,
            "-passin", f"pass:{CLIENT_KEY_PASSWORD}")  # fmt: skip
    return Certificates(
        ca=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=folder / "server.key",
        client_cert=folder / "client.pem",
        client_key=folder / "client.key",
    )
