"""Rows left out by any of several facets: each counted once, under one reason, by hand."""

from __future__ import annotations

from typing import Any

import orjson

from stream.capture.predictions import LocatedPrediction
from stream.monitors.bias import BiasRun
from stream.monitors.bias_settings import BiasSettings, read_bias_config

CONFIG: dict[str, Any] = {
    "label_values_or_threshold": [1],
    "label_data_type": "categorical",
    "facet": [
        {"name_or_index": "sex", "value_or_threshold": ["F"], "data_type": "categorical"},
        {"name_or_index": "age", "value_or_threshold": [40], "data_type": "continuous"},
    ],
}
# (sex, age, label, predicted): 6 usable rows, then 6 that some facet leaves out
ROWS: list[tuple[Any, Any, Any, int]] = [
    ("F", 45, 1, 1), ("M", 30, 0, 1), ("F", 38, 0, 0),
    ("M", 52, 1, 0), ("F", 61, 1, 1), ("M", 25, 0, 0),
    (None, 33, 1, 0),  # sex missing: facet_missing (the sex facet's)
    ("", 47, 0, 1),  # a blank sex cell is no value: facet_missing
    ("F", "n/a", 1, 1),  # age not a number: facet_not_a_number (the age facet's)
    ("M", "unknown", 0, 0),  # facet_not_a_number
    (None, "n/a", 1, 1),  # both facets: one row, the first facet's reason, facet_missing
    (None, 50, None, 1),  # no label: label_missing, whatever the facets say
]  # fmt: skip
# by hand: 6 rows left out; the sex facet alone leaves out 4, the age facet alone 4
EXACT = {"facet_missing": 3, "facet_not_a_number": 2, "label_missing": 1}


def _run(rows: list[tuple[Any, Any, Any, int]]) -> BiasRun:
    run = BiasRun(BiasSettings(CONFIG, read_bias_config(CONFIG)))
    run.update_many(
        [{"sex": sex, "age": age} for sex, age, _, _ in rows],
        [label for _, _, label, _ in rows],
        [LocatedPrediction(predicted, None) for _, _, _, predicted in rows],
    )
    return run


def test_a_row_left_out_by_two_facets_is_counted_once() -> None:
    run = _run(ROWS)
    assert (run.n, run.n_invalid) == (12, 6)
    assert run.left_out_reasons() == EXACT
    assert [d.tally.n_invalid for d in run.detectors] == [4, 4]  # each facet's own count
    assert run.detectors[0].tally.left_out_reasons() == {"facet_missing": 3, "label_missing": 1}


def test_the_count_merges_across_partitions_and_survives_a_state_round_trip() -> None:
    first, second = _run(ROWS[:7]), _run(ROWS[7:])
    restored = BiasRun(BiasSettings(CONFIG, read_bias_config(CONFIG)))
    restored.restore(orjson.loads(orjson.dumps(first.to_state())))
    restored.merge(second)
    assert (restored.n, restored.n_invalid) == (12, 6)
    assert restored.left_out_reasons() == EXACT
    assert restored.analysis() == _run(ROWS).analysis()


def test_a_state_saved_before_the_exact_count_restores_the_old_figure() -> None:
    # the sex facet leaves out 1 row, the age facet 2: earlier versions reported the 2
    rows = [*ROWS[:6], ("F", "n/a", 1, 1), ("M", "unknown", 0, 0), (None, 33, 1, 0)]
    assert _run(rows).left_out_reasons() == {"facet_missing": 1, "facet_not_a_number": 2}
    old_state = _run(rows).to_state()["detectors"]  # what earlier versions saved: a list
    restored = BiasRun(BiasSettings(CONFIG, read_bias_config(CONFIG)))
    restored.restore(orjson.loads(orjson.dumps(old_state)))
    assert restored.n_invalid == 2  # the figure reported then, the reason of 1 row unknown
    assert restored.left_out_reasons() == {"facet_missing": 1, "unrecorded": 1}
