"""FeatureRow names a record's parts as the per-record path does (RowBuilder.named).

References: hand-written rows, and RowBuilder.named itself (the per-record path's naming)
over random objects and positional parts.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from stream.capture.plain_json import FeatureRow
from stream.capture.rows import RowBuilder

FEATURES = ("score", "age", "plan")


@pytest.mark.parametrize(
    ("named", "values", "expected"),
    [
        ({"score": 0.9}, [41, "gold"], [0.9, 41, "gold"]),  # an output object, then the request
        ({"age": 41, "score": 0.9}, ["gold"], [0.9, 41, "gold"]),  # its keys in any order
        ({"score": 0.9, "age": 41, "plan": "gold"}, [], [0.9, 41, "gold"]),
        # The values are named after the object's place: here age and plan, so the object's
        # plan is overwritten and score absent.
        ({"plan": "gold"}, [0.9, 41], None),
        ({"score": 0.9, "x": 1}, ["gold"], None),  # x an extra column, plan's name taken
        ({"score": 0.9}, [41], None),  # plan absent
        ({"score": 0.9}, [41, "gold", 7], None),  # _c3 an extra column
    ],
)
def test_an_object_before_positional_values(
    named: dict[str, Any], values: list[Any], expected: list[Any] | None
) -> None:
    row = FeatureRow(FEATURES)
    assert row.values([named, len(values)], values) == expected


@pytest.mark.parametrize("features", [("a", "b", "c", "d"), ("d", "c", "b", "a")])
def test_pieces_named_as_the_per_record_path_names_them(features: tuple[str, ...]) -> None:
    """Baselines hold unique names (DatasetProfile refuses others)."""
    rng = random.Random(7)
    row, builder = FeatureRow(features), RowBuilder(features=features)
    for _ in range(5000):
        keys = rng.sample(["a", "b", "c", "d", "x"], rng.randint(1, 4))
        named = {key: rng.random() for key in keys}
        values = [rng.random() for _ in range(rng.randint(0, 4))]
        pieces: list[Any] = [named, values] if rng.random() < 0.5 else [values, named]
        ends: list[int | dict[str, Any]] = [p if type(p) is dict else len(values) for p in pieces]
        general = builder.named(pieces)
        same = len(general) == len(features) and set(general) == set(features)
        expected = [general[name] for name in features] if same else None
        assert row.values(ends, values) == expected, pieces
