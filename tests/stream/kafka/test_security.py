"""Security settings → kafka-python kwargs, aiokafka kwargs and faust credentials.

The references are the libraries themselves: faust's own ``credentials_to_aiokafka_auth``
(what the worker's consumers and producers get), aiokafka's and kafka-python's SASL
authenticators, and a real TLS handshake against a local server.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.conn import OAuthAuthenticator
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from kafka.net.sasl.oauth import SaslMechanismOAuth

from stream.config import ConfigError, KafkaConfig, load_config
from stream.kafka.security import (
    aiokafka_kwargs,
    faust_credentials,
    kafka_python_kwargs,
    ssl_context,
)
from tests.certificates import CLIENT_KEY_PASSWORD, Certificates, make_certificates

PASSWORD = "pa55-w0rd-never-shown"
SYSTEM_CAS = ssl.create_default_context().get_ca_certs()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def token_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "driftline_test_tokens.py").write_text(
        "calls = []\n"
        "def fetch():\n"
        "    calls.append(1)\n"
        "    return 'tok-' + str(len(calls))\n"
        "async def fetch_async():\n"
        "    return 'async-tok'\n"
        "def broken():\n"
        "    return None\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "driftline_test_tokens"
    sys.modules.pop("driftline_test_tokens", None)


def sasl(mechanism: str, protocol: str = "SASL_SSL", **extra: object) -> KafkaConfig:
    secrets: dict[str, object] = {}
    if mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
        secrets = {"sasl_username": "driftline", "sasl_password": PASSWORD}
    return KafkaConfig(security_protocol=protocol, sasl_mechanism=mechanism, **{**secrets, **extra})


def assert_verifies_with_system_store(context: ssl.SSLContext) -> None:
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.get_ca_certs() == SYSTEM_CAS
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI"])
@pytest.mark.parametrize("protocol", ["SASL_SSL", "SASL_PLAINTEXT"])
def test_sasl_protocol_survives_every_client(mechanism: str, protocol: str) -> None:
    config = sasl(mechanism, protocol)
    via_faust = credentials_to_aiokafka_auth(faust_credentials(config))
    direct = aiokafka_kwargs(kafka_python_kwargs(config))
    for kwargs in (via_faust, direct, kafka_python_kwargs(config)):
        assert kwargs["security_protocol"] == protocol
        assert kwargs["sasl_mechanism"] == mechanism
        if protocol == "SASL_SSL":
            assert_verifies_with_system_store(kwargs["ssl_context"])
        else:
            assert kwargs.get("ssl_context") is None
    if mechanism == "GSSAPI":
        assert via_faust["sasl_kerberos_service_name"] == "kafka"
        assert direct["sasl_kerberos_service_name"] == "kafka"
    else:
        assert via_faust["sasl_plain_password"] == direct["sasl_plain_password"] == PASSWORD


def test_sasl_ssl_without_cafile_is_not_downgraded_by_faust() -> None:
    # the reported bug: no CA file → no SSL context → faust picked SASL_PLAINTEXT
    auth = credentials_to_aiokafka_auth(faust_credentials(sasl("SCRAM-SHA-512")))
    assert auth["security_protocol"] == "SASL_SSL"
    assert_verifies_with_system_store(auth["ssl_context"])


def test_ssl_without_cafile_uses_the_system_store_for_every_client() -> None:
    config = KafkaConfig(security_protocol="SSL")
    auth = credentials_to_aiokafka_auth(faust_credentials(config))
    assert auth["security_protocol"] == "SSL"
    assert_verifies_with_system_store(auth["ssl_context"])
    assert_verifies_with_system_store(aiokafka_kwargs(kafka_python_kwargs(config))["ssl_context"])
    assert_verifies_with_system_store(kafka_python_kwargs(config)["ssl_context"])


def test_aiokafka_accepts_the_tls_settings_topic_creation_uses() -> None:
    # AIOKafkaClient refused SSL without a context: the traceback in topic creation
    async def build() -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers="localhost:9093",
            **aiokafka_kwargs(kafka_python_kwargs(sasl("PLAIN"))),
        )
        await admin.close()

    asyncio.run(build())


def test_plaintext_has_no_credentials() -> None:
    assert faust_credentials(KafkaConfig()) is None
    assert credentials_to_aiokafka_auth(faust_credentials(KafkaConfig())) == {
        "security_protocol": "PLAINTEXT"
    }
    assert aiokafka_kwargs(kafka_python_kwargs(KafkaConfig())) == {"security_protocol": "PLAINTEXT"}


def test_cafile_and_client_certificate_load(certs: Certificates) -> None:
    config = KafkaConfig(
        security_protocol="SSL",
        ssl_cafile=certs.ca,
        ssl_certfile=certs.client_cert,
        ssl_keyfile=certs.client_key,
        ssl_password=CLIENT_KEY_PASSWORD,
    )
    context = ssl_context(config)
    assert context is not None
    assert [c["subject"] for c in context.get_ca_certs()] == [
        ((("commonName", "driftline test CA"),),)
    ]
    with pytest.raises(ConfigError, match="cannot be loaded") as caught:
        ssl_context(KafkaConfig(
            security_protocol="SSL", ssl_certfile=certs.client_cert, ssl_keyfile=certs.client_key,
            ssl_password="wrong-" + PASSWORD,
        ))  # fmt: skip
    assert PASSWORD not in str(caught.value) and "\n" not in str(caught.value)


def _tls_server(certs: Certificates) -> Iterator[int]:
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(str(certs.server_cert), str(certs.server_key))
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with server.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"hello")
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        listener.close()
        thread.join(timeout=5)


@pytest.fixture
def tls_port(certs: Certificates) -> Iterator[int]:
    yield from _tls_server(certs)


def _handshake(context: ssl.SSLContext, port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.recv(5)


def test_the_context_really_verifies_the_broker(certs: Certificates, tls_port: int) -> None:
    trusted = ssl_context(KafkaConfig(security_protocol="SSL", ssl_cafile=certs.ca))
    assert trusted is not None and _handshake(trusted, tls_port) == b"hello"
    system = ssl_context(KafkaConfig(security_protocol="SSL"))
    assert system is not None
    with pytest.raises(ssl.SSLCertVerificationError):  # a private CA is not in the system store
        _handshake(system, tls_port)


def test_oauthbearer_token_reaches_both_clients(token_module: str) -> None:
    config = sasl("OAUTHBEARER", sasl_oauth_token_provider=f"{token_module}:fetch")
    sync_kwargs = kafka_python_kwargs(config)
    mechanism = SaslMechanismOAuth(**sync_kwargs)  # kafka-python checks the provider's class
    assert mechanism.auth_bytes() == b"n,,\x01auth=Bearer tok-1\x01\x01"
    async_kwargs = aiokafka_kwargs(sync_kwargs)
    auth = OAuthAuthenticator(sasl_oauth_token_provider=async_kwargs["sasl_oauth_token_provider"])
    payload, _ = asyncio.run(auth.step(b""))
    assert payload == b"n,,\x01auth=Bearer tok-2\x01\x01"
    via_faust = credentials_to_aiokafka_auth(faust_credentials(config))
    assert via_faust["security_protocol"] == "SASL_SSL"
    assert via_faust["sasl_mechanism"] == "OAUTHBEARER"
    faust_auth = OAuthAuthenticator(
        sasl_oauth_token_provider=via_faust["sasl_oauth_token_provider"]
    )
    assert asyncio.run(faust_auth.step(b""))[0] == b"n,,\x01auth=Bearer tok-3\x01\x01"


def test_oauthbearer_over_sasl_plaintext_has_no_tls(token_module: str) -> None:
    config = sasl(
        "OAUTHBEARER", "SASL_PLAINTEXT", sasl_oauth_token_provider=f"{token_module}:fetch"
    )
    via_faust = credentials_to_aiokafka_auth(faust_credentials(config))
    direct = aiokafka_kwargs(kafka_python_kwargs(config))
    for kwargs in (via_faust, direct):
        assert kwargs["security_protocol"] == "SASL_PLAINTEXT"
        assert kwargs.get("ssl_context") is None
        assert kwargs["sasl_mechanism"] == "OAUTHBEARER"


def test_oauthbearer_accepts_a_coroutine_function(token_module: str) -> None:
    config = sasl("OAUTHBEARER", sasl_oauth_token_provider=f"{token_module}:fetch_async")
    provider = aiokafka_kwargs(kafka_python_kwargs(config))["sasl_oauth_token_provider"]
    assert asyncio.run(provider.token()) == "async-tok"
    assert kafka_python_kwargs(config)["sasl_oauth_token_provider"].token() == "async-tok"


def test_a_provider_returning_no_token_is_a_config_error(token_module: str) -> None:
    config = sasl("OAUTHBEARER", sasl_oauth_token_provider=f"{token_module}:broken")
    with pytest.raises(ConfigError, match="returned NoneType, not a non-empty token"):
        kafka_python_kwargs(config)["sasl_oauth_token_provider"].token()


def test_kerberos_service_and_domain_names() -> None:
    config = sasl(
        "GSSAPI", sasl_kerberos_service_name="kafka-prod", sasl_kerberos_domain_name="corp.example"
    )
    for kwargs in (
        kafka_python_kwargs(config),
        credentials_to_aiokafka_auth(faust_credentials(config)),
    ):
        assert kwargs["sasl_kerberos_service_name"] == "kafka-prod"
        assert kwargs["sasl_kerberos_domain_name"] == "corp.example"
        assert kwargs["security_protocol"] == "SASL_SSL"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"security_protocol": "SASL_SSL"}, "SASL_SSL needs kafka.sasl_mechanism"),
        ({"sasl_mechanism": "PLAIN"}, "security_protocol is PLAINTEXT; use SASL_SSL"),
        ({"security_protocol": "SSL", "sasl_mechanism": "SCRAM-SHA-256"}, "is SSL; use SASL_SSL"),
        ({"ssl_cafile": Path("ca.pem")}, "ssl_cafile is set but .* PLAINTEXT; use SSL or SASL_SSL"),
        (
            {
                "security_protocol": "SASL_PLAINTEXT",
                "sasl_mechanism": "PLAIN",
                "sasl_username": "u",
                "sasl_password": PASSWORD,
                "ssl_cafile": Path("ca.pem"),
            },
            "SASL_PLAINTEXT; use SSL or SASL_SSL",
        ),  # fmt: skip
        (
            {"security_protocol": "SASL_SSL", "sasl_mechanism": "OAUTHBEARER"},
            "OAUTHBEARER needs kafka.sasl_oauth_token_provider",
        ),
        (
            {"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN", "sasl_username": "u"},
            "PLAIN needs kafka.sasl_password",
        ),
        (
            {
                "security_protocol": "SASL_SSL",
                "sasl_mechanism": "OAUTHBEARER",
                "sasl_oauth_token_provider": "m:f",
                "sasl_password": PASSWORD,
            },
            "sasl_password is not used with sasl_mechanism OAUTHBEARER",
        ),  # fmt: skip
        (
            {
                "security_protocol": "SASL_SSL",
                "sasl_mechanism": "OAUTHBEARER",
                "sasl_oauth_token_provider": "not a path",
            },
            "must look like package.module:function",
        ),  # fmt: skip
        (
            {
                "security_protocol": "SASL_SSL",
                "sasl_mechanism": "SCRAM-SHA-512",
                "sasl_username": "u",
                "sasl_password": PASSWORD,
                "sasl_kerberos_domain_name": "x",
            },
            "sasl_kerberos_\\* settings are not used with sasl_mechanism SCRAM-SHA-512",
        ),  # fmt: skip
        (
            {"security_protocol": "SSL", "ssl_keyfile": Path("k.pem")},
            "ssl_keyfile needs kafka.ssl_certfile",
        ),
        ({"security_protocol": "SSL", "ssl_password": PASSWORD}, "ssl_password .* needs"),
    ],
)
def test_unusable_combinations_are_one_line_errors(settings: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        KafkaConfig(**settings)
    assert "\n" not in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_provider_is_imported_when_the_config_loads(tmp_path: Path, token_module: str) -> None:
    config = tmp_path / "c.toml"
    body = '[kafka]\nsecurity_protocol = "SASL_SSL"\nsasl_mechanism = "OAUTHBEARER"\n'
    config.write_text(body + f'sasl_oauth_token_provider = "{token_module}:fetch"\n')
    assert load_config(config, {}).kafka.sasl_oauth_token_provider == f"{token_module}:fetch"
    for spec, error in [
        ("no_such_module_xyz:fetch", "cannot import no_such_module_xyz: ModuleNotFoundError"),
        (f"{token_module}:absent", f"{token_module} has no absent"),
        (f"{token_module}:calls", "is a list, not a function"),
    ]:
        with pytest.raises(ConfigError, match=error) as caught:
            load_config(config, {"DRIFTLINE_KAFKA_SASL_OAUTH_TOKEN_PROVIDER": spec})
        assert str(caught.value).startswith("kafka.sasl_oauth_token_provider: ")


def test_kafka_python_ssl_files_become_a_context_for_aiokafka(certs: Certificates) -> None:
    kwargs = aiokafka_kwargs({"security_protocol": "SSL", "ssl_cafile": str(certs.ca)})
    assert set(kwargs) == {"security_protocol", "ssl_context"}
    subjects = [c["subject"] for c in kwargs["ssl_context"].get_ca_certs()]
    assert subjects == [((("commonName", "driftline test CA"),),)]
