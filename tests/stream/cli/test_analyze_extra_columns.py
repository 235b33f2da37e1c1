"""``driftline analyze`` describes a column the baseline lacks in ``statistics.json``.

SageMaker's analyzer profiles every column of the current dataset (spec §4: the features are
the analysed data's columns, in its order), and AWS's ``show_violation_df`` joins each
violation's ``feature_name`` to those statistics, so an ``extra_column_check`` on a column
with no statistics entry raises ``KeyError`` there. Each input path is checked: CSV payloads
with a value past the baseline's columns (named ``_c<i>`` as Spark names it), JSON payloads
with an extra key, and ``--data`` files. The entry's counts and moments are compared with
numpy over the values written.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from stream.cli import main

FEATURES = ("prob", "age", "plan")
N = 150
WITH_EXTRA = range(0, N, 3)  # the rows that carry the extra column


@pytest.fixture(scope="module")
def baseline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("baseline")
    rng = random.Random(1)
    lines = ["prob,age,plan"] + [",".join(_values(rng)) for _ in range(400)]
    (root / "train.csv").write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(
        main, ["baseline", "suggest", "--data", str(root / "train.csv"), "--out", str(root / "b")]
    )
    assert result.exit_code == 0, result.output
    return root / "b"


def _values(rng: random.Random) -> tuple[str, str, str]:
    return f"{rng.random():.4f}", str(round(rng.gauss(40, 8))), rng.choice(["basic", "gold"])


def _extra_values() -> dict[int, float]:
    rng = random.Random(9)
    return {i: round(rng.gauss(12.0, 4.0), 3) for i in WITH_EXTRA}


def _record(i: int, prob: str, input_part: dict) -> str:
    output = {"observedContentType": "text/csv", "mode": "OUTPUT", "data": prob,
              "encoding": "CSV"}  # fmt: skip
    return json.dumps({
        "captureData": {"endpointInput": {"mode": "INPUT", **input_part},
                        "endpointOutput": output},
        "eventMetadata": {"eventId": f"e-{i}", "inferenceTime": "2024-03-05T14:07:31Z"},
        "eventVersion": "0",
    })  # fmt: skip


def _csv_capture(i: int, values: tuple[str, str, str], extra: float | None) -> str:
    prob, age, plan = values
    data = f"{age},{plan}" if extra is None else f"{age},{plan},{extra}"
    return _record(i, prob, {"observedContentType": "text/csv", "data": data, "encoding": "CSV"})


def _json_capture(i: int, values: tuple[str, str, str], extra: float | None) -> str:
    prob, age, plan = values
    body: dict[str, object] = {"age": int(age), "plan": plan}
    if extra is not None:
        body["tenure"] = extra
    part = {"observedContentType": "application/json", "data": json.dumps(body),
            "encoding": "JSON"}  # fmt: skip
    return _record(i, prob, part)


def _run(tmp_path: Path, baseline_dir: Path, case: str) -> tuple[dict, set, str]:
    """Write the case's input, analyze it; the statistics, violations and extra name."""
    rng, extra = random.Random(4), _extra_values()
    rows = [(i, _values(rng), extra.get(i)) for i in range(N)]
    args = ["analyze", "--baseline", str(baseline_dir), "--out", str(tmp_path / "out")]
    if case in ("csv payload", "json payload"):
        make = _csv_capture if case == "csv payload" else _json_capture
        folder = tmp_path / "capture" / "ep" / "AllTraffic" / "2024" / "03" / "05" / "14"
        folder.mkdir(parents=True)
        (folder / "part.jsonl").write_text("\n".join(make(*row) for row in rows) + "\n")
        args += ["--capture", str(tmp_path / "capture")]
        name = "_c3" if case == "csv payload" else "tenure"  # output first: prob is _c0
    elif case == "data csv":
        lines = [",".join(v) + ("" if x is None else f",{x}") for _, v, x in rows]
        (tmp_path / "live.csv").write_text("\n".join(lines) + "\n")
        args += ["--data", str(tmp_path / "live.csv"), "--no-header"]
        name = "_c3"
    else:
        lines = []
        for _, (prob, age, plan), x in rows:
            row: dict[str, object] = {"prob": float(prob), "age": int(age), "plan": plan}
            if x is not None:
                row["tenure"] = x
            lines.append(json.dumps(row))
        (tmp_path / "live.jsonl").write_text("\n".join(lines) + "\n")
        args += ["--data", str(tmp_path / "live.jsonl")]
        name = "tenure"
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    stats = json.loads((tmp_path / "out" / "statistics.json").read_text())
    doc = json.loads((tmp_path / "out" / "constraint_violations.json").read_text())
    violations = {(v["feature_name"], v["constraint_check_type"]) for v in doc["violations"]}
    return stats, violations, name


@pytest.mark.parametrize("case", ["csv payload", "json payload", "data csv", "data jsonl"])
def test_an_extra_column_is_profiled_after_the_baseline_columns(
    tmp_path: Path, baseline_dir: Path, case: str
) -> None:
    stats, violations, name = _run(tmp_path, baseline_dir, case)
    assert stats["dataset"]["item_count"] == N
    assert [f["name"] for f in stats["features"]] == [*FEATURES, name]
    entry = stats["features"][-1]
    assert entry["inferred_type"] == "Fractional"
    block = entry["numerical_statistics"]
    values = np.array(list(_extra_values().values()))
    assert block["common"] == {"num_present": len(values), "num_missing": N - len(values)}
    assert block["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert block["sum"] == pytest.approx(values.sum(), rel=1e-12)
    assert block["std_dev"] == pytest.approx(values.std(), rel=1e-9)
    assert (block["min"], block["max"]) == (values.min(), values.max())
    # the extra_column_check is as before; every violation's feature has statistics now
    assert (name, "extra_column_check") in violations
    assert {feature for feature, _ in violations} <= {f["name"] for f in stats["features"]}


def test_extra_columns_follow_the_baseline_in_position_order(
    tmp_path: Path, baseline_dir: Path
) -> None:
    # eleven values past the baseline's three: _c3 … _c13, listed as their positions go
    # (_c10 after _c9, as Spark's columns of the analysed data are ordered)
    rng = random.Random(2)
    lines = [",".join([*_values(rng), *(str(k * 10 + j) for k in range(11))]) for j in range(40)]
    (tmp_path / "live.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    args = ["analyze", "--baseline", str(baseline_dir), "--out", str(out), "--no-header"]
    result = CliRunner().invoke(main, [*args, "--data", str(tmp_path / "live.csv")])
    assert result.exit_code == 0, result.output
    stats = json.loads((out / "statistics.json").read_text())
    assert [f["name"] for f in stats["features"]] == [*FEATURES, *(f"_c{i}" for i in range(3, 14))]
    sums = [f["numerical_statistics"]["sum"] for f in stats["features"][3:]]
    assert sums == [float(sum(k * 10 + j for j in range(40))) for k in range(11)]
