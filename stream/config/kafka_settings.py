"""``[kafka]``: where the broker is, how topics are laid out, and how clients authenticate.

Security settings are checked as a whole here, so that an unusable combination is one
:class:`ConfigError` line at startup rather than a client's traceback (or, worse, a silent
downgrade) later. What the settings become for each client library is
:mod:`stream.kafka.security`'s job.

- ``SSL`` / ``SASL_SSL`` verify the broker's certificate against ``ssl_cafile``, or the
  system's CA store when it is not given (a cloud broker with a public CA);
  ``ssl_certfile`` / ``ssl_keyfile`` / ``ssl_password`` add a client certificate. SSL files
  with ``PLAINTEXT`` or ``SASL_PLAINTEXT`` are refused: they would be ignored.
- ``SASL_PLAINTEXT`` / ``SASL_SSL`` need ``sasl_mechanism``; a mechanism with ``PLAINTEXT``
  or ``SSL`` is refused. ``PLAIN`` and ``SCRAM-*`` need ``sasl_username`` and
  ``sasl_password``; ``OAUTHBEARER`` needs ``sasl_oauth_token_provider`` (``module:function``,
  a function returning the current token); ``GSSAPI`` takes ``sasl_kerberos_service_name``
  (default ``kafka``) and ``sasl_kerberos_domain_name``. A setting another mechanism would
  ignore is refused too.

Passwords never appear in ``repr`` nor in any error message.

Examples
--------
>>> try:
...     KafkaConfig(security_protocol="SASL_SSL", sasl_mechanism="OAUTHBEARER")
... except ConfigError as error:
...     print(error)
kafka.sasl_mechanism OAUTHBEARER needs kafka.sasl_oauth_token_provider (module:function ...)
>>> try:
...     KafkaConfig(security_protocol="SSL", sasl_mechanism="PLAIN")
... except ConfigError as error:
...     print(error)
kafka.sasl_mechanism is set but kafka.security_protocol is SSL; use SASL_SSL for SASL
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from stream.config.values import ConfigError

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", "OAUTHBEARER")
TLS_PROTOCOLS = ("SSL", "SASL_SSL")
SASL_PROTOCOLS = ("SASL_PLAINTEXT", "SASL_SSL")
PASSWORD_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
KERBEROS_SERVICE_NAME = "kafka"
_TOPIC_PREFIX = re.compile(r"[A-Za-z0-9._-]+")
_PROVIDER = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


@dataclass(frozen=True, slots=True)
class KafkaConfig:
    """Where the broker is, how topics are laid out, how clients authenticate (``[kafka]``)."""

    bootstrap_servers: str = ""  # env DRIFTLINE_KAFKA_BOOTSTRAP_SERVERS; empty: embedded broker
    topic_prefix: str = "driftline"  # env DRIFTLINE_KAFKA_TOPIC_PREFIX; <prefix>.capture …
    partitions: int = 4  # env DRIFTLINE_KAFKA_PARTITIONS; of every topic driftline creates
    replication_factor: int = 1  # env DRIFTLINE_KAFKA_REPLICATION_FACTOR
    security_protocol: str = "PLAINTEXT"  # env DRIFTLINE_KAFKA_SECURITY_PROTOCOL
    sasl_mechanism: str | None = None  # env DRIFTLINE_KAFKA_SASL_MECHANISM
    sasl_username: str | None = None  # env DRIFTLINE_KAFKA_SASL_USERNAME
    sasl_password: str | None = field(default=None, repr=False)  # DRIFTLINE_KAFKA_SASL_PASSWORD
    sasl_oauth_token_provider: str | None = None  # env …_SASL_OAUTH_TOKEN_PROVIDER; module:func
    sasl_kerberos_service_name: str = KERBEROS_SERVICE_NAME  # env …_SASL_KERBEROS_SERVICE_NAME
    sasl_kerberos_domain_name: str | None = None  # env …_SASL_KERBEROS_DOMAIN_NAME
    ssl_cafile: Path | None = None  # env DRIFTLINE_KAFKA_SSL_CAFILE; None: the system CA store
    ssl_certfile: Path | None = None  # env DRIFTLINE_KAFKA_SSL_CERTFILE
    ssl_keyfile: Path | None = None  # env DRIFTLINE_KAFKA_SSL_KEYFILE
    ssl_password: str | None = field(default=None, repr=False)  # DRIFTLINE_KAFKA_SSL_PASSWORD

    def __post_init__(self) -> None:
        prefix_ok = bool(_TOPIC_PREFIX.fullmatch(self.topic_prefix))
        _check(
            prefix_ok, f"kafka.topic_prefix must match [A-Za-z0-9._-]+, got {self.topic_prefix!r}"
        )
        _check(self.partitions >= 1, f"kafka.partitions must be >= 1, got {self.partitions}")
        replication = self.replication_factor
        _check(replication >= 1, f"kafka.replication_factor must be >= 1, got {replication}")
        protocol = self.security_protocol
        _check(
            protocol in SECURITY_PROTOCOLS,
            f"kafka.security_protocol must be one of {', '.join(SECURITY_PROTOCOLS)}, "
            f"got {protocol!r}",
        )
        mechanism = self.sasl_mechanism
        _check(
            mechanism is None or mechanism in SASL_MECHANISMS,
            f"kafka.sasl_mechanism must be one of {', '.join(SASL_MECHANISMS)}, got {mechanism!r}",
        )
        self._check_tls()
        self._check_sasl()

    @property
    def uses_tls(self) -> bool:
        """Whether connections are encrypted (``SSL`` or ``SASL_SSL``)."""
        return self.security_protocol in TLS_PROTOCOLS

    @property
    def uses_embedded_broker(self) -> bool:
        """Whether no bootstrap servers are configured, so driftline runs its own broker."""
        return not self.bootstrap_servers.strip()

    def _check_tls(self) -> None:
        protocol = self.security_protocol
        files = [k for k in ("ssl_cafile", "ssl_certfile", "ssl_keyfile") if getattr(self, k)]
        if self.ssl_password is not None:
            files.append("ssl_password")
        _check(
            not files or self.uses_tls,
            f"kafka.{files[0] if files else ''} is set but kafka.security_protocol is "
            f"{protocol}; use SSL or SASL_SSL for TLS",
        )
        _check(
            self.ssl_keyfile is None or self.ssl_certfile is not None,
            "kafka.ssl_keyfile needs kafka.ssl_certfile (the client certificate)",
        )
        _check(
            self.ssl_password is None or self.ssl_certfile is not None,
            "kafka.ssl_password (of the client key) needs kafka.ssl_certfile",
        )

    def _check_sasl(self) -> None:
        protocol, mechanism = self.security_protocol, self.sasl_mechanism
        if protocol not in SASL_PROTOCOLS:
            _check(
                mechanism is None,
                f"kafka.sasl_mechanism is set but kafka.security_protocol is {protocol}; "
                f"use {'SASL_SSL' if protocol == 'SSL' else 'SASL_SSL (or SASL_PLAINTEXT)'} "
                f"for SASL",
            )
        else:
            _check(
                mechanism is not None,
                f"kafka.security_protocol {protocol} needs kafka.sasl_mechanism "
                f"({', '.join(SASL_MECHANISMS)})",
            )
        needs = {
            "sasl_username": mechanism in PASSWORD_MECHANISMS,
            "sasl_password": mechanism in PASSWORD_MECHANISMS,
            "sasl_oauth_token_provider": mechanism == "OAUTHBEARER",
        }
        for key, needed in needs.items():
            given = getattr(self, key) is not None
            if needed:
                _check(given, f"kafka.sasl_mechanism {mechanism} needs kafka.{key}" + _HINTS[key])
            else:
                _check(not given, f"kafka.{key} is not used with {_using(mechanism)}; remove it")
        kerberos_given = (
            self.sasl_kerberos_service_name != KERBEROS_SERVICE_NAME
            or self.sasl_kerberos_domain_name is not None
        )
        _check(
            mechanism == "GSSAPI" or not kerberos_given,
            f"kafka.sasl_kerberos_* settings are not used with {_using(mechanism)}; remove them",
        )
        _check(
            bool(self.sasl_kerberos_service_name.strip()),
            "kafka.sasl_kerberos_service_name must not be empty",
        )
        provider = self.sasl_oauth_token_provider
        _check(
            provider is None or bool(_PROVIDER.fullmatch(provider)),
            f"kafka.sasl_oauth_token_provider must look like package.module:function, "
            f"got {provider!r}",
        )


_HINTS = {
    "sasl_username": "",
    "sasl_password": "",
    "sasl_oauth_token_provider": " (module:function returning the token)",
}


def _using(mechanism: str | None) -> str:
    return "no SASL mechanism" if mechanism is None else f"sasl_mechanism {mechanism}"
