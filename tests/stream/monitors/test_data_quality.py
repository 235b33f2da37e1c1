"""Loading a data-quality baseline folder: a mistyped or duplicated field is a BaselineError."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stream.demo.synthetic import SyntheticSchema
from stream.monitors.data_quality import load_data_quality_baseline, save_data_quality_baseline
from stream.monitors.files import BaselineError

Edit = Callable[[dict[str, Any], dict[str, Any]], None]


def _features(stats: dict[str, Any]) -> list[dict[str, Any]]:
    return stats["features"]


EDITS: list[tuple[str, Edit]] = [
    ("the dataset block is a string", lambda s, c: s.__setitem__("dataset", "x")),
    ("a feature listed twice", lambda s, c: _features(s).append(dict(_features(s)[0]))),
    ("monitoring_config is a string", lambda s, c: c.__setitem__("monitoring_config", "x")),
    ("distribution_constraints is a list",
     lambda s, c: c.__setitem__("monitoring_config", {"distribution_constraints": [1]})),
    ("num_constraints is a string",
     lambda s, c: c["features"][0].__setitem__("num_constraints", "x")),
    ("domains is a number",
     lambda s, c: c["features"][0].__setitem__("string_constraints", {"domains": 5})),
    ("completeness is a list", lambda s, c: c["features"][0].__setitem__("completeness", [1])),
]  # fmt: skip


@pytest.mark.parametrize(("what", "edit"), EDITS, ids=[w for w, _ in EDITS])
def test_a_mistyped_baseline_is_a_baseline_error(tmp_path: Path, what: str, edit: Edit) -> None:
    save_data_quality_baseline(tmp_path, SyntheticSchema.demo().baseline(n=200))
    stats = json.loads((tmp_path / "statistics.json").read_text())
    constraints = json.loads((tmp_path / "constraints.json").read_text())
    assert load_data_quality_baseline(tmp_path).features  # as written, it loads
    edit(stats, constraints)
    (tmp_path / "statistics.json").write_text(json.dumps(stats))
    (tmp_path / "constraints.json").write_text(json.dumps(constraints))
    with pytest.raises(BaselineError, match=f"^baseline in {tmp_path} is not usable: "):
        load_data_quality_baseline(tmp_path)
