"""The labelled monitors' tables: labels, model_quality, bias and attribution."""

from __future__ import annotations

from pathlib import Path

import pytest

from stream.config import (
    AttributionDriftSettings,
    BiasDriftSettings,
    ConfigError,
    LabelSettings,
    ModelQualitySettings,
    MonitorConfig,
    load_config,
)

LABELLED = """
[[monitor]]
name = "credit-model"
baseline = "baseline"

[monitor.labels]
label_ttl_seconds = 86400
max_pending = 5000
a2i_answer_path = "churned.label"
a2i_inference_id_path = "request.inferenceId"
a2i_value_map = { yes = "1", no = 0 }
a2i_consolidation = "majority"
a2i_tie_rule = "first"

[monitor.model_quality]
problem_type = "BinaryClassification"
inference_attribute = "1"
probability_attribute = "0"
probability_threshold = 0.7

[monitor.bias]
probability_threshold = 0.6

[monitor.attribution]
shap_source = "topic"
agg_method = "mean_sq"
ndcg_threshold = 0.85
baseline = "elsewhere/shap"

[[monitor]]
name = "fraud"
baseline = "baseline"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    for folder in ("baseline/model_quality", "baseline/bias", "elsewhere/shap"):
        (tmp_path / folder).mkdir(parents=True)
    path = tmp_path / "driftline.toml"
    path.write_text(LABELLED)
    return path


def test_sections_with_their_defaults_and_relative_paths(config_file: Path) -> None:
    config = load_config(config_file, {})
    base = config_file.parent
    credit = config.monitor("credit-model")
    assert credit.labels == LabelSettings(
        label_ttl_seconds=86400.0,
        max_pending=5000,
        a2i_answer_path="churned.label",
        a2i_inference_id_path="request.inferenceId",
        a2i_value_map=(("yes", "1"), ("no", "0")),
        a2i_consolidation="majority",
        a2i_tie_rule="first",
    )
    assert credit.model_quality == ModelQualitySettings(
        problem_type="BinaryClassification",
        inference_attribute="1",
        probability_attribute="0",
        probability_threshold=0.7,
        baseline=base / "baseline" / "model_quality",
    )
    # bias locates the prediction as model quality does; its threshold is its own
    assert credit.bias == BiasDriftSettings(
        inference_attribute="1",
        probability_attribute="0",
        probability_threshold=0.6,
        baseline=base / "baseline" / "bias",
    )
    assert credit.attribution == AttributionDriftSettings(
        shap_source="topic",
        shap_path="shap",
        agg_method="mean_sq",
        ndcg_threshold=0.85,
        baseline=base / "elsewhere" / "shap",
    )
    assert credit.labelled_sections == ("model_quality", "bias", "attribution")
    fraud = config.monitor("fraud")
    assert fraud.labels.label_ttl_seconds == 14 * 24 * 3600  # 1_209_600 s
    assert fraud.labels.max_pending == 1_000_000
    assert (fraud.model_quality, fraud.bias, fraud.attribution) == (None, None, None)
    assert fraud.labelled_sections == ()


def test_environment_overrides_section_keys(config_file: Path) -> None:
    env = {
        "DRIFTLINE_MONITOR_CREDIT_MODEL_LABELS_MAX_PENDING": "10",
        "DRIFTLINE_MONITOR_CREDIT_MODEL_LABELS_A2I_VALUE_MAP": "Churned=1, Stayed=0",
        "DRIFTLINE_MONITOR_CREDIT_MODEL_MODEL_QUALITY_PROBABILITY_THRESHOLD": "0.4",
        "DRIFTLINE_MONITOR_CREDIT_MODEL_MODEL_QUALITY_INFERENCE_ATTRIBUTE": "",
        "DRIFTLINE_MONITOR_CREDIT_MODEL_ATTRIBUTION_SHAP_SOURCE": "capture",
        "DRIFTLINE_MONITOR_CREDIT_MODEL_ATTRIBUTION_SHAP_PATH": "$.explanations.shap",
        "DRIFTLINE_MONITOR_FRAUD_LABELS_LABEL_TTL_SECONDS": "60",
    }
    config = load_config(config_file, env)
    credit = config.monitor("credit-model")
    assert credit.labels.max_pending == 10
    assert credit.labels.a2i_value_map == (("Churned", "1"), ("Stayed", "0"))
    assert credit.model_quality is not None
    assert credit.model_quality.probability_threshold == 0.4
    assert credit.model_quality.inference_attribute is None
    assert credit.attribution is not None
    assert (credit.attribution.shap_source, credit.attribution.shap_path) == (
        "capture",
        "$.explanations.shap",
    )
    assert config.monitor("fraud").labels.label_ttl_seconds == 60.0


def test_describe_lists_section_keys(config_file: Path) -> None:
    text = load_config(config_file, {}).describe()
    assert "monitor[credit-model].labels.label_ttl_seconds = 86400.0" in text
    assert "monitor[credit-model].model_quality.probability_threshold = 0.7" in text
    assert "monitor[fraud].bias = None" in text


def test_default_baseline_folders_need_a_monitor_baseline() -> None:
    with pytest.raises(ConfigError, match="model_quality.baseline is needed when the monitor"):
        MonitorConfig(name="m", model_quality=ModelQualitySettings(probability_attribute="0"))
    monitor = MonitorConfig(name="m", baseline=Path("/b"), bias=BiasDriftSettings(
        inference_attribute="label"))  # fmt: skip
    assert monitor.bias is not None and monitor.bias.baseline == Path("/b/bias")


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "b" / "model_quality").mkdir(parents=True, exist_ok=True)
    path = tmp_path / "c.toml"
    path.write_text('[[monitor]]\nname = "m"\nbaseline = "b"\n' + body)
    return path


@pytest.mark.parametrize(
    ("body", "env", "message"),
    [
        ("[monitor.labels]\nlabel_ttl_seconds = 0\n", {}, "'m': labels.label_ttl_seconds must be"),
        ("[monitor.labels]\nlabel_ttl_seconds = inf\n", {}, "label_ttl_seconds must be > 0 and"),
        ("", {"DRIFTLINE_MONITOR_M_LABELS_LABEL_TTL_SECONDS": "inf"}, "and finite, got inf"),
        ("[monitor.labels]\nmax_pending = 0\n", {}, "labels.max_pending must be in 1..100000000"),
        ("[monitor.labels]\nmax_pending = 1e12\n", {}, "max_pending in .* must be an integer"),
        ("[monitor.labels]\na2i_consolidation = 'vote'\n", {}, "one of majority, mean, median"),
        ("[monitor.labels]\na2i_tie_rule = 'coin'\n", {}, "a2i_tie_rule must be one of reject"),
        ("[monitor.labels]\na2i_answer_path = 'a..b'\n", {}, "a2i_answer_path must be a dotted"),
        (
            "[monitor.labels]\nground_truth_attribute = 'instances[x].label'\n",
            {},
            "ground_truth_attribute must be a path like 'label' or 'instances.*label'",
        ),
        (
            "",
            {"DRIFTLINE_MONITOR_M_LABELS_GROUND_TRUTH_ATTRIBUTE": "label..y"},
            "ground_truth_attribute must be a path .* \\(an empty segment\\)",
        ),
        (
            "[monitor.model_quality]\ninference_attribute = 'a || b'\n",
            {},
            "model_quality.inference_attribute must be a path .*a JMESPath expression other",
        ),
        (
            "[monitor.model_quality]\nprobability_attribute = 'scores[x]'\n",
            {},
            "model_quality.probability_attribute must be a path",
        ),
        ("[monitor.labels]\na2i_value_map = 'yes=1'\n", {}, "must be a table like"),
        ("[monitor.labels]\nttl = 5\n", {}, "unknown key in monitor 'm': labels 'ttl'"),
        (
            "",
            {"DRIFTLINE_MONITOR_M_LABELS_A2I_VALUE_MAP": "yes"},
            "entries look like answer=label, got 'yes'",
        ),
        (
            "[monitor.model_quality]\nproblem_type = 'Binary'\nprobability_attribute = '0'\n",
            {},
            "model_quality.problem_type must be one of BinaryClassification",
        ),
        (
            "[monitor.model_quality]\nprobability_attribute = '0'\nprobability_threshold = 2\n",
            {},
            "model_quality.probability_threshold must be in 0..1, got 2.0",
        ),
        ("[monitor.bias]\ninference_attribute = '0'\n", {}, "bias.baseline .*/b/bias does not"),
        ("[monitor.attribution]\nshap_source = 'file'\n", {}, "shap_source must be one of"),
        ("[monitor.attribution]\nagg_method = 'max'\n", {}, "agg_method must be one of mean_abs"),
        ("[monitor.attribution]\nndcg_threshold = 0\n", {}, "ndcg_threshold must be in \\(0, 1\\]"),
        (
            "",
            {"DRIFTLINE_MONITOR_M_BIAS_PROBABILITY_THRESHOLD": "0.5"},
            "DRIFTLINE_MONITOR_M_BIAS_PROBABILITY_THRESHOLD sets \\[monitor.bias\\], which",
        ),
        (
            "",
            {"DRIFTLINE_MONITOR_M_LABELS_TTL": "5"},
            "DRIFTLINE_MONITOR_M_LABELS_TTL matches no monitor setting",
        ),
        ("labels = 5\n", {}, "'m': labels must be a table"),
    ],
)
def test_section_errors_are_one_line(
    tmp_path: Path, body: str, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(write(tmp_path, body), env)
    assert "\n" not in str(caught.value)


def test_the_readme_example_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    blocks = [b.split("```", 1)[0] for b in readme.split("```toml\n")[1:]]
    (example,) = [b for b in blocks if "[monitor.labels]" in b]
    for folder in ("model_quality", "bias", "attribution"):
        (tmp_path / "baseline" / folder).mkdir(parents=True)
    (tmp_path / "c.toml").write_text(example)
    monitor = load_config(tmp_path / "c.toml", {}).monitor("credit-model")
    assert monitor.labels.a2i_value_map == (("yes", "1"), ("no", "0"))
    assert monitor.bias is not None and monitor.bias.probability_attribute == "probability"
    assert monitor.labelled_sections == ("model_quality", "bias", "attribution")
