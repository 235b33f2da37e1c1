"""``attributions push`` and ``labels push``: one error line, saying what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from stream.cli import main
from tests.integration.cli_env import kafka_env

pytestmark = pytest.mark.kafka


def test_attributions_push_of_json_files_does_not_suggest_a2i_options(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str
) -> None:
    """It said "give --a2i-answer-path", an option of labels push only."""
    (tmp_path / "shap.json").write_text('{"inferenceId": "k1", "shap": {"age": 0.1}}\n')
    result = CliRunner().invoke(
        main,
        ["attributions", "push", str(tmp_path)],
        env=kafka_env(kafka_bootstrap, topic_prefix, 1),
    )
    assert result.exit_code == 2
    assert result.stderr == f"driftline: error: no *.jsonl files under {tmp_path}\n"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--a2i-answer-path", "a..b"],
            "labels.a2i_answer_path must be a dotted path like 'churned.label', got 'a..b'",
        ),
        (
            ["--a2i-answer-path", ""],
            "labels.a2i_answer_path must be a dotted path like 'churned.label', got ''",
        ),
        (["--monitor", "nope"], "no monitor named 'nope'; configured: []"),
    ],
)
def test_labels_push_errors_keep_their_quotes(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str, options: list[str], message: str
) -> None:
    """The closing quote of a value was stripped ("got 'a..b"), and an empty one vanished."""
    labels = tmp_path / "labels.jsonl"
    labels.write_text("")
    result = CliRunner().invoke(
        main,
        ["labels", "push", str(labels), *options],
        env=kafka_env(kafka_bootstrap, topic_prefix, 1),
    )
    assert result.exit_code == 2
    assert result.stderr == f"driftline: error: {message}\n"
