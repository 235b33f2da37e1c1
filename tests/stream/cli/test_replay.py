"""``driftline replay`` options checked before any broker is contacted."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from stream.cli import main
from stream.cli import replay as replay_module

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "credit" / "captures"


def test_loop_without_live_is_refused_in_one_line() -> None:
    result = CliRunner().invoke(main, ["replay", str(EXAMPLE), "--loop"], env={})
    assert result.exit_code == 2
    assert "--loop needs --live" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("rate", ["nan", "inf", "0", "-1"])
def test_a_rate_that_is_not_a_finite_number_above_zero_is_refused_in_one_line(rate) -> None:
    """NaN and inf passed click's FloatRange: NaN sent everything at once, unpaced."""
    result = CliRunner().invoke(main, ["replay", str(EXAMPLE), "--rate", rate], env={})
    assert result.exit_code == 2
    assert "Invalid value for '--rate'" in result.output
    assert "Traceback" not in result.output


class _Interrupted(Exception):
    pass


def test_a_tiny_rate_waits_for_the_first_record_instead_of_failing(monkeypatch) -> None:
    """At --rate 1e-12 the first record is due in 1e12 s: ``time.sleep(1e12)`` raised
    OverflowError ("timestamp out of range for platform time_t"), reported as a driftline bug.
    The fake sleep hands a length the real one refuses to the real one (which refuses it at
    once) and ends the wait at the first length it accepts."""
    waits = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if seconds > 9.2e9:  # beyond a signed 64-bit count of nanoseconds
            time.sleep(seconds)
        raise _Interrupted

    monkeypatch.setattr(replay_module.time, "sleep", sleep)
    sent = replay_module._Sent(time.monotonic(), 1e-12, live=False)
    with pytest.raises(_Interrupted):
        sent.record(b"{}")
    assert len(waits) == 1 and 0 < waits[0] <= 9.2e9
