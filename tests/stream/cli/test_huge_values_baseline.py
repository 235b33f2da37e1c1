"""A baseline of a column near float64's limit loads again: its sum overflows, its buckets do not.

Two values of ``1e308`` and a ``3``: the column's sum is past the largest double, so JSON
writes it as ``null``; and ten equal-width buckets over ``[3, 1e308]`` once multiplied the
width by the bucket index first, so eight of the eleven edges overflowed and were written as
``null`` too. ``analyze --data`` then refused the baseline ``baseline suggest`` had just
written: "statistics.json has a malformed feature".
"""

from __future__ import annotations

import math
from pathlib import Path

import orjson
from click.testing import CliRunner

from stream.cli import main


def test_suggest_then_analyze_a_column_near_the_largest_double(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1e308,1\n1e308,2\n3,4\n")
    runner = CliRunner()
    suggest = runner.invoke(main, ["baseline", "suggest", "--data", str(data),
                                   "--out", str(tmp_path / "b")])  # fmt: skip
    assert suggest.exit_code == 0, suggest.output
    stats = orjson.loads((tmp_path / "b" / "statistics.json").read_bytes())
    x = next(f for f in stats["features"] if f["name"] == "x")["numerical_statistics"]
    buckets = x["distribution"]["kll"]["buckets"]
    edges = [buckets[0]["lower_bound"]] + [b["upper_bound"] for b in buckets]
    # ten equal-width buckets over [3, 1e308]: 3, 1e307, 2e307, ..., 1e308 (by hand)
    assert edges[0] == 3.0 and edges[-1] == 1e308
    assert all(math.isclose(e, i * 1e307, rel_tol=1e-12) for i, e in enumerate(edges) if i)
    assert [b["count"] for b in buckets] == [1.0] + [0.0] * 8 + [2.0]
    assert x["sum"] is None  # 2e308 + 3: JSON has no infinity
    analyze = runner.invoke(main, ["analyze", "--data", str(data), "--baseline",
                                   str(tmp_path / "b"), "--out", str(tmp_path / "r")])  # fmt: skip
    assert analyze.exit_code == 0, analyze.output
    assert (tmp_path / "r" / "statistics.json").is_file()
