"""Loading the TOML config, environment overrides, redaction and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from stream.config import ConfigError, DriftlineConfig, KafkaConfig, MonitorConfig, load_config
from stream.kafka.security import kafka_python_kwargs
from tests.certificates import make_certificates

FULL = """
[kafka]
bootstrap_servers = "broker-1:9092,broker-2:9092"
topic_prefix = "prod"
partitions = 6
replication_factor = 3
security_protocol = "SASL_SSL"
sasl_mechanism = "SCRAM-SHA-512"
sasl_username = "driftline"
sasl_password = "hunter2"
ssl_cafile = "certs/ca.pem"
ssl_certfile = "certs/client.pem"
ssl_keyfile = "certs/client.key"
ssl_password = "client-key-pass"

[metrics]
port = 9200
host = "0.0.0.0"

[worker]
shutdown_timeout_seconds = 3.5

[[monitor]]
name = "credit-model"
baseline = "baselines/credit"
window_seconds = 60
evaluation_windows = 3
allowed_lateness_seconds = 10
idle_close_seconds = 30
min_window_count = 30
sampling_percentage = 20
preprocessor = "preprocess.py"
match = { endpoint = "credit-endpoint", variant = "AllTraffic" }
online_detectors = ["adwin"]
capture_index_names = ["endpointOutput", "endpointInput"]

[[monitor]]
name = "fraud"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    make_certificates(tmp_path / "certs")
    (tmp_path / "baselines" / "credit").mkdir(parents=True)
    (tmp_path / "preprocess.py").write_text("def preprocess_handler(r): return r\n")
    path = tmp_path / "driftline.toml"
    path.write_text(FULL)
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


def test_defaults_without_file() -> None:
    config = load_config(None, {})
    assert config == DriftlineConfig()
    assert config.kafka.uses_embedded_broker
    assert (config.kafka.topic_prefix, config.kafka.partitions) == ("driftline", 4)
    assert (config.metrics.host, config.metrics.port) == ("127.0.0.1", 9108)
    assert config.worker.shutdown_timeout_seconds == 10.0
    assert config.monitors == ()


def test_full_file(config_file: Path) -> None:
    config = load_config(config_file, {})
    base = config_file.parent
    assert config.kafka.bootstrap_servers == "broker-1:9092,broker-2:9092"
    assert not config.kafka.uses_embedded_broker
    assert config.kafka.ssl_cafile == base / "certs" / "ca.pem"
    assert config.worker.shutdown_timeout_seconds == 3.5
    credit = config.monitor("credit-model")
    assert credit.baseline == base / "baselines" / "credit"
    assert credit.preprocessor == base / "preprocess.py"
    assert credit.postprocessor is None
    assert credit.evaluation_windows == 3
    assert credit.sampling_percentage == 20.0
    assert (credit.match.endpoint, credit.match.variant, credit.match.model) == (
        "credit-endpoint",
        "AllTraffic",
        None,
    )
    assert credit.online_detectors == ("adwin",)
    assert credit.capture_index_names == ("endpointOutput", "endpointInput")
    fraud = config.monitor("fraud")
    assert fraud == MonitorConfig(name="fraud")


def test_env_overrides_every_kind_of_field(config_file: Path) -> None:
    env = {
        "DRIFTLINE_KAFKA_PARTITIONS": "12",
        "DRIFTLINE_KAFKA_BOOTSTRAP_SERVERS": "",
        "DRIFTLINE_KAFKA_SECURITY_PROTOCOL": "SSL",
        "DRIFTLINE_KAFKA_SASL_MECHANISM": "",
        "DRIFTLINE_KAFKA_SASL_USERNAME": "",
        "DRIFTLINE_KAFKA_SASL_PASSWORD": "",
        "DRIFTLINE_METRICS_PORT": "9999",
        "DRIFTLINE_WORKER_SHUTDOWN_TIMEOUT_SECONDS": "0.5",
        "DRIFTLINE_MONITOR_CREDIT_MODEL_WINDOW_SECONDS": "300",
        "DRIFTLINE_MONITOR_CREDIT_MODEL_ONLINE_DETECTORS": "adwin, page_hinkley",
        "DRIFTLINE_MONITOR_CREDIT_MODEL_MATCH_VARIANT": "Canary",
        "DRIFTLINE_MONITOR_CREDIT_MODEL_PREPROCESSOR": "",
        "DRIFTLINE_MONITOR_FRAUD_SAMPLING_PERCENTAGE": "5",
        "UNRELATED": "x",
        "DRIFTLINE_BOOTSTRAP_SERVERS": "used by the tests, not the config",
    }
    config = load_config(config_file, env)
    assert config.kafka.partitions == 12
    assert config.kafka.uses_embedded_broker
    assert config.kafka.sasl_mechanism is None
    assert config.kafka.security_protocol == "SSL"
    assert config.metrics.port == 9999
    assert config.worker.shutdown_timeout_seconds == 0.5
    credit = config.monitor("credit-model")
    assert credit.window_seconds == 300.0
    assert credit.online_detectors == ("adwin", "page_hinkley")
    assert credit.match.variant == "Canary"
    assert credit.match.endpoint == "credit-endpoint"
    assert credit.preprocessor is None
    assert config.monitor("fraud").sampling_percentage == 5.0


def test_secrets_are_redacted(config_file: Path) -> None:
    config = load_config(config_file, {})
    assert config.kafka.sasl_password == "hunter2"
    data = config.redacted()
    assert data["kafka"]["sasl_password"] == "***"
    assert data["kafka"]["ssl_password"] == "***"
    assert data["kafka"]["sasl_username"] == "driftline"
    text = config.describe()
    assert "kafka.sasl_password = '***'" in text
    assert "monitor[credit-model].window_seconds = 60.0" in text
    for shown in (text, repr(config), str(data)):
        assert "hunter2" not in shown
        assert "client-key-pass" not in shown


def test_unset_secrets_are_not_shown_as_set() -> None:
    assert load_config(None, {}).redacted()["kafka"]["sasl_password"] is None


def test_client_kwargs_for_kafka_python(config_file: Path) -> None:
    kwargs = kafka_python_kwargs(load_config(config_file, {}).kafka)
    context = kwargs.pop("ssl_context")
    assert kwargs == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "driftline",
        "sasl_plain_password": "hunter2",
    }
    assert [c["subject"] for c in context.get_ca_certs()] == [
        ((("commonName", "driftline test CA"),),)
    ]
    assert kafka_python_kwargs(KafkaConfig()) == {"security_protocol": "PLAINTEXT"}


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[kafka]\npartitons = 4\n", {}, "unknown key in kafka 'partitons'"),
        ("[kafak]\n", {}, "unknown top-level key 'kafak'"),
        ('[kafka]\npartitions = "4"\n', {}, "kafka.partitions in .* must be an integer, got '4'"),
        ("[kafka]\npartitions = 0\n", {}, "kafka.partitions must be >= 1, got 0"),
        ("[metrics]\nport = true\n", {}, "metrics.port in .* must be an integer, got True"),
        ('[kafka]\nsecurity_protocol = "TLS"\n', {}, "security_protocol must be one of"),
        ('[kafka]\ntopic_prefix = "a b"\n', {}, "topic_prefix must match"),
        ("[worker]\nshutdown_timeout_seconds = 0\n", {}, "shutdown_timeout_seconds must be > 0"),
        ("", {"DRIFTLINE_KAFKA_PARTITIONS": "four"}, "DRIFTLINE_KAFKA_PARTITIONS must be an int"),
        ("", {"DRIFTLINE_KAFKA_PARTITION": "4"}, "unknown environment variable DRIFTLINE_KAFKA_PA"),
        ('[[monitor]]\nname = "m"\n[[monitor]]\nname = "m"\n', {}, "monitor names must be unique"),
        ('[[monitor]]\nname = "a-b"\n[[monitor]]\nname = "a_b"\n', {}, "must be unique"),
        ('[[monitor]]\nname = "m"\nwindow_seconds = 0\n', {}, "'m': window_seconds must be > 0"),
        ('[[monitor]]\nname = "m"\nsampling_percentage = 101\n', {}, "sampling_percentage must"),
        ('[[monitor]]\nname = "m"\nsampling_percentage = -1\n', {}, "in 0..100, got -1"),
        (
            '[[monitor]]\nname = "m"\nevaluation_windows = 0\n',
            {},
            "evaluation_windows must be >= 1",
        ),
        ('[[monitor]]\nname = "m"\nallowed_lateness_seconds = -1\n', {}, "lateness_seconds must"),
        ('[[monitor]]\nname = "m"\nwindow_seconds = inf\n', {}, "> 0 and finite, got inf"),
        ('[[monitor]]\nname = "m"\nidle_close_seconds = inf\n', {}, "finite, got inf"),
        ('[[monitor]]\nname = "m"\nallowed_lateness_seconds = inf\n', {}, "finite, got inf"),
        ("[worker]\nshutdown_timeout_seconds = inf\n", {}, "finite, got inf"),
        ('[worker]\ngroup_instance_id = "pod 3"\n', {}, "group_instance_id must be 1-249 of"),
        ('[worker]\ngroup_instance_id = ".."\n', {}, "not '.' or '..', got '..'"),
        ("", {"DRIFTLINE_WORKER_GROUP_INSTANCE_ID": "x" * 250}, "group_instance_id must be"),
        (
            "",
            {"DRIFTLINE_WORKER_LABEL_FLUSH_SECONDS": "inf"},
            "label_flush_seconds must be > 0 and",
        ),
        ('[[monitor]]\nname = "m"\nwindow = 60\n', {}, "unknown key in monitor 'm' 'window'"),
        ('[[monitor]]\nname = "m"\nmatch = { endpont = "e" }\n', {}, "unknown key .* 'endpont'"),
        ('[[monitor]]\nname = "m"\nonline_detectors = "adwin"\n', {}, "must be a list of strings"),
        ('[[monitor]]\nname = "m"\nonline_detectors = ["x"]\n', {}, "unknown online detector"),
        ('[[monitor]]\nname = "m"\ncapture_index_names = ["x"]\n', {}, "capture_index_names must"),
        ('[[monitor]]\nname = "m"\nbaseline = "nowhere"\n', {}, "'m': baseline .*nowhere does not"),
        ("[[monitor]]\nwindow_seconds = 5\n", {}, "every \\[\\[monitor\\]\\] needs a string name"),
        ("[kafka\n", {}, "is not valid TOML"),
        ('[[monitor]]\nname = "m"\n', {"DRIFTLINE_MONITOR_N_WINDOW_SECONDS": "5"}, "matches no"),
        ('[[monitor]]\nname = "m"\n', {"DRIFTLINE_MONITOR_M_WINDOW_SECONDS": "x"}, "be a number"),
    ],
)
def test_errors_are_one_line(tmp_path: Path, text: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(write(tmp_path, text), env)
    assert "\n" not in str(caught.value)


def test_a_file_that_is_not_utf8_is_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[[monitor]]\nname = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="is not valid TOML: 'utf-8' codec can't decode"):
        load_config(path, {})


def test_a_leading_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    """Notepad's UTF-8 BOM made the file 'not valid TOML: Invalid statement (at line 1 …)'."""
    path = tmp_path / "c.toml"
    path.write_bytes(b"\xef\xbb\xbf[kafka]\npartitions = 8\n")
    assert load_config(path, {}).kafka.partitions == 8


def test_a_file_nested_too_deeply_is_not_toml(tmp_path: Path) -> None:
    # tomllib recurses per level: 1,000 nested arrays raised RecursionError, which the CLI
    # could only report as a bug ("unexpected RecursionError")
    path = write(tmp_path, "[kafka]\nx = " + "[" * 1000 + "]" * 1000 + "\n")
    with pytest.raises(ConfigError, match="is not valid TOML: arrays or tables nested too"):
        load_config(path, {})


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.toml", {})


def test_config_is_frozen() -> None:
    config = load_config(None, {})
    with pytest.raises(AttributeError):
        config.kafka.partitions = 8  # type: ignore[misc]


def test_preprocessor_output_folder(tmp_path: Path) -> None:
    import tempfile

    path = write(tmp_path, '[[monitor]]\nname = "credit-model"\npreprocessor_output = "pre-out"\n')
    credit = load_config(path, {}).monitor("credit-model")
    assert credit.preprocessor_output == tmp_path / "pre-out"  # relative to the config file
    assert credit.preprocessor_output_dir == tmp_path / "pre-out"
    env = {"DRIFTLINE_MONITOR_CREDIT_MODEL_PREPROCESSOR_OUTPUT": str(tmp_path / "elsewhere")}
    assert load_config(path, env).monitor("credit-model").preprocessor_output_dir == (
        tmp_path / "elsewhere"
    )
    default = MonitorConfig(name="credit-model").preprocessor_output_dir
    expected = Path(tempfile.gettempdir()) / "driftline" / "credit_model" / "preprocessor-output"
    assert default == expected


def test_the_online_detectors_configured_are_the_ones_the_worker_has() -> None:
    from stream.config.settings import ONLINE_DETECTORS
    from stream.worker.online import DETECTORS

    assert sorted(ONLINE_DETECTORS) == sorted(DETECTORS)


def test_a_group_instance_id_from_the_file_or_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[worker]\ngroup_instance_id = "driftline-0"\n')
    assert load_config(path, {}).worker.group_instance_id == "driftline-0"
    env = {"DRIFTLINE_WORKER_GROUP_INSTANCE_ID": "pod_2.zone-a"}
    assert load_config(path, env).worker.group_instance_id == "pod_2.zone-a"
    assert load_config(None, {}).worker.group_instance_id is None  # dynamic membership
    empty = {"DRIFTLINE_WORKER_GROUP_INSTANCE_ID": ""}  # an empty optional setting is unset
    assert load_config(path, empty).worker.group_instance_id is None
