"""Kafka security settings for every client: kafka-python, aiokafka and faust, decided once.

:class:`~stream.config.KafkaConfig` checks that the settings make sense together; this module
turns them into what each client library takes, so that topic creation, the producers,
``driftline tail`` and the faust worker all connect the same way:

- **TLS** (``SSL``, ``SASL_SSL``) always gets an :class:`ssl.SSLContext` that verifies the
  broker's certificate and host name — against ``ssl_cafile`` when given, else against the
  system's CA store (``ssl.create_default_context()``: the usual cloud setup, where the
  broker's CA is public) — with a client certificate when ``ssl_certfile`` is set.
- **Never a downgrade**: faust's credential classes choose ``SASL_PLAINTEXT`` whenever no SSL
  context is given, which would send a SASL password unencrypted to a ``SASL_SSL`` listener;
  here a TLS protocol always comes with its context.
- **OAUTHBEARER**: ``sasl_oauth_token_provider`` names a function (``module:function``)
  returning the current token; it is wrapped in the ``AbstractTokenProvider`` each library
  checks for (aiokafka's awaits ``token()``, kafka-python's calls it). The function is called
  at every (re)authentication, so it should cache its token until shortly before expiry.
- **GSSAPI**: ``sasl_kerberos_service_name`` (default ``kafka``) and
  ``sasl_kerberos_domain_name``.

A certificate file that does not load, or a provider that cannot be imported, raises
:class:`~stream.config.ConfigError` with one line (never a password).

Examples
--------
>>> from stream.config import KafkaConfig
>>> kwargs = kafka_python_kwargs(KafkaConfig(
...     security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
...     sasl_username="driftline", sasl_password="s3cret"))
>>> kwargs["security_protocol"], kwargs["ssl_context"].verify_mode.name
('SASL_SSL', 'CERT_REQUIRED')
>>> kafka_python_kwargs(KafkaConfig())
{'security_protocol': 'PLAINTEXT'}
"""

from __future__ import annotations

import asyncio
import inspect
import ssl
from collections.abc import Callable, Mapping
from typing import Any

from stream.config.kafka_settings import PASSWORD_MECHANISMS, KafkaConfig
from stream.config.values import ConfigError, import_callable

TokenFunction = Callable[[], Any]  # returns the token (str), or an awaitable of it


def ssl_context(kafka: KafkaConfig) -> ssl.SSLContext | None:
    """The verifying TLS context for ``SSL`` / ``SASL_SSL``, else None.

    Trusts ``ssl_cafile`` when given, else the system's CA store; loads the client
    certificate (``ssl_certfile``, ``ssl_keyfile``, ``ssl_password``) when given.
    """
    if not kafka.uses_tls:
        return None
    cafile = None if kafka.ssl_cafile is None else str(kafka.ssl_cafile)
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    except (OSError, ssl.SSLError) as error:
        msg = f"kafka.ssl_cafile {cafile} cannot be loaded: {_reason(error)}"
        raise ConfigError(msg) from error
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if kafka.ssl_certfile is not None:
        try:
            context.load_cert_chain(
                certfile=str(kafka.ssl_certfile),
                keyfile=None if kafka.ssl_keyfile is None else str(kafka.ssl_keyfile),
                password=kafka.ssl_password,
            )
        except (OSError, ssl.SSLError) as error:
            msg = (
                f"kafka.ssl_certfile {kafka.ssl_certfile} (with its key) cannot be loaded: "
                f"{_reason(error)}"
            )
            raise ConfigError(msg) from error
    return context


def _reason(error: BaseException) -> str:
    """An OS or SSL error in a few words (its strerror / reason, never the password)."""
    return str(getattr(error, "strerror", None) or getattr(error, "reason", None) or error)


def token_function(kafka: KafkaConfig) -> TokenFunction | None:
    """The imported ``sasl_oauth_token_provider`` function, or None without one."""
    spec = kafka.sasl_oauth_token_provider
    return None if spec is None else import_callable(spec, "kafka.sasl_oauth_token_provider")


def kafka_python_kwargs(kafka: KafkaConfig) -> dict[str, Any]:
    """Keyword arguments for kafka-python's ``KafkaProducer`` / ``KafkaConsumer``."""
    kwargs: dict[str, Any] = {"security_protocol": kafka.security_protocol}
    context = ssl_context(kafka)
    if context is not None:
        kwargs["ssl_context"] = context
    mechanism = kafka.sasl_mechanism
    if mechanism is None:
        return kwargs
    kwargs["sasl_mechanism"] = mechanism
    if mechanism in PASSWORD_MECHANISMS:
        kwargs["sasl_plain_username"] = kafka.sasl_username
        kwargs["sasl_plain_password"] = kafka.sasl_password
    elif mechanism == "GSSAPI":
        kwargs["sasl_kerberos_service_name"] = kafka.sasl_kerberos_service_name
        if kafka.sasl_kerberos_domain_name is not None:
            kwargs["sasl_kerberos_domain_name"] = kafka.sasl_kerberos_domain_name
    elif mechanism == "OAUTHBEARER":
        function = token_function(kafka)
        assert function is not None  # KafkaConfig requires the provider with OAUTHBEARER
        kwargs["sasl_oauth_token_provider"] = kafka_python_token_provider(function)
    return kwargs


def aiokafka_kwargs(client_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """kafka-python keyword arguments (:func:`kafka_python_kwargs`) → aiokafka's.

    The two libraries share the names of every setting used here except the OAUTHBEARER
    token provider, whose ``token()`` aiokafka awaits. Settings given as files only (the
    ``ssl_*`` keys kafka-python also takes) become a verifying context; a TLS protocol
    without any gets one that trusts the system's CA store (aiokafka refuses TLS without a
    context).
    """
    kwargs = {k: v for k, v in client_kwargs.items() if not k.startswith("ssl_")}
    protocol = kwargs.get("security_protocol", "PLAINTEXT")
    context = client_kwargs.get("ssl_context")
    if context is None and protocol in ("SSL", "SASL_SSL"):
        context = ssl_context(
            KafkaConfig(
                security_protocol="SSL",
                ssl_cafile=client_kwargs.get("ssl_cafile"),
                ssl_certfile=client_kwargs.get("ssl_certfile"),
                ssl_keyfile=client_kwargs.get("ssl_keyfile"),
                ssl_password=client_kwargs.get("ssl_password"),
            )
        )
    if context is not None:
        kwargs["ssl_context"] = context
    provider = kwargs.get("sasl_oauth_token_provider")
    if provider is not None:
        function = getattr(provider, "function", None) or provider.token
        kwargs["sasl_oauth_token_provider"] = aiokafka_token_provider(function)
    return kwargs


def faust_credentials(kafka: KafkaConfig) -> Any:
    """The faust ``broker_credentials`` for these settings (None for ``PLAINTEXT``).

    The SSL context goes into every credential class with TLS, since faust derives
    ``SASL_SSL`` (rather than ``SASL_PLAINTEXT``) from its presence alone.
    """
    import faust

    context = ssl_context(kafka)
    mechanism = kafka.sasl_mechanism
    if mechanism is None:
        return None if context is None else faust.SSLCredentials(context)
    if mechanism == "OAUTHBEARER":
        function = token_function(kafka)
        assert function is not None
        return faust.OAuthCredentials(
            oauth_cb=aiokafka_token_provider(function), ssl_context=context
        )
    if mechanism == "GSSAPI":
        return faust.GSSAPICredentials(
            kerberos_service_name=kafka.sasl_kerberos_service_name,
            kerberos_domain_name=kafka.sasl_kerberos_domain_name,
            ssl_context=context,
            mechanism=mechanism,
        )
    return faust.SASLCredentials(
        username=kafka.sasl_username,
        password=kafka.sasl_password,
        mechanism=mechanism,
        ssl_context=context,
    )


def kafka_python_token_provider(function: TokenFunction) -> Any:
    """A kafka-python ``AbstractTokenProvider`` calling ``function`` for each token."""
    base = _kafka_python_provider_base()

    class KafkaPythonTokenProvider(base):  # type: ignore[misc, valid-type]
        """Token provider for kafka-python: ``token()`` returns ``function()``."""

        def __init__(self) -> None:
            self.function = function

        def token(self) -> str:
            result = function()
            if inspect.isawaitable(result):
                result = asyncio.run(_awaited(result))
            return _token_text(result)

    return KafkaPythonTokenProvider()


def aiokafka_token_provider(function: TokenFunction) -> Any:
    """An aiokafka ``AbstractTokenProvider``; a blocking ``function`` runs in an executor."""
    from aiokafka.abc import AbstractTokenProvider  # type: ignore[import-untyped]

    class AiokafkaTokenProvider(AbstractTokenProvider):  # type: ignore[misc]
        """Token provider for aiokafka: ``await token()`` gives ``function()``'s token."""

        def __init__(self) -> None:
            self.function = function

        async def token(self) -> str:
            if inspect.iscoroutinefunction(function):
                return _token_text(await function())
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(None, function)
            if inspect.isawaitable(result):
                result = await result
            return _token_text(result)

    return AiokafkaTokenProvider()


async def _awaited(result: Any) -> Any:
    return await result


def _token_text(token: Any) -> str:
    if not isinstance(token, str) or not token:
        msg = (
            f"kafka.sasl_oauth_token_provider returned {type(token).__name__}, "
            f"not a non-empty token string"
        )
        raise ConfigError(msg)
    return token


def _kafka_python_provider_base() -> type:
    """kafka-python's token provider base class: its module moved between releases."""
    for module in ("kafka.net.sasl.oauth", "kafka.sasl.oauth", "kafka.oauth.abstract"):
        try:
            found = __import__(module, fromlist=["AbstractTokenProvider"])
        except ImportError:
            continue
        base: type = found.AbstractTokenProvider
        return base
    msg = "this kafka-python has no AbstractTokenProvider: OAUTHBEARER needs kafka-python >= 2.0"
    raise ConfigError(msg)


__all__ = [
    "aiokafka_kwargs",
    "aiokafka_token_provider",
    "faust_credentials",
    "kafka_python_kwargs",
    "kafka_python_token_provider",
    "ssl_context",
    "token_function",
]
