"""``driftline replay`` options checked before any broker is contacted."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from stream.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "credit" / "captures"


def test_loop_without_live_is_refused_in_one_line() -> None:
    result = CliRunner().invoke(main, ["replay", str(EXAMPLE), "--loop"], env={})
    assert result.exit_code == 2
    assert "--loop needs --live" in result.output
    assert "Traceback" not in result.output
