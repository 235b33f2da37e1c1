"""``attributions push`` of a folder without *.jsonl files: one error line about *.jsonl."""

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
