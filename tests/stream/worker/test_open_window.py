"""A window's plain rows give one profile whether pyarrow or str.split splits them.

Reference: the same rows fed to a second window in flushes small enough for the Python path
(``text_chunk``), and, for the counts, each value typed one by one by a third profile.
"""

from __future__ import annotations

import random

import pytest

from detectors.quality.dataset_profile import DatasetProfile
from stream.worker import open_window
from stream.worker.open_window import ARROW_ROWS, OpenWindow

FEATURES = ("age", "income", "plan", "mixed")
KINDS = ("numeric", "auto", "string", "auto")


def _rows(n: int) -> list[str]:
    rng = random.Random(5)
    mixed = ["1", "2.5", "-0", "true", "n/a", "", "1e3", " 7"]
    return [
        f"{rng.randint(18, 90)},{rng.lognormvariate(10, 1):.2f},"
        f"{rng.choice(['basic', 'gold', ''])},{rng.choice(mixed)}"
        for _ in range(n)
    ]


def _window() -> OpenWindow:
    return OpenWindow(DatasetProfile(features=FEATURES, kinds=KINDS), end=60.0, offset=0)


def _statistics(window: OpenWindow) -> list[tuple]:
    out = []
    for feature in window.profile.statistics().features:
        numeric = feature.numeric
        figures = None if numeric is None else (numeric.min, numeric.max, numeric.sum)
        buckets = None if feature.string is None else feature.string.buckets
        out.append((feature.name, feature.inferred_type, feature.num_present,
                    feature.num_missing, feature.type_counts, figures, buckets))  # fmt: skip
    return out


def test_pyarrow_and_the_python_path_give_one_profile() -> None:
    rows = _rows(ARROW_ROWS + 500)
    whole, small = _window(), _window()
    whole.lines.append(rows)
    whole.line_rows = len(rows)
    whole.flush()  # one flush, by pyarrow
    for start in range(0, len(rows), 250):
        small.lines.append(rows[start : start + 250])
        small.line_rows = len(small.lines[0])
        small.flush()  # flushes of 250 rows, by str.split
    one_by_one = DatasetProfile(features=FEATURES, kinds=KINDS)
    one_by_one.update_many([dict(zip(FEATURES, row.split(","), strict=True)) for row in rows])
    a = _same_statistics(whole, small)
    assert [x[:5] for x in a] == _typed_counts(one_by_one)


def _same_statistics(window: OpenWindow, other: OpenWindow) -> list[tuple]:
    """The two windows' statistics agree (sums within float rounding); the first's."""
    a, b = _statistics(window), _statistics(other)
    assert [x[:5] for x in a] == [x[:5] for x in b]
    for x, y in zip(a, b, strict=True):
        if x[5] is not None:
            assert x[5] == pytest.approx(y[5])
        assert x[6] == y[6]
    return a


def _typed_counts(profile: DatasetProfile) -> list[tuple]:
    return [
        (f.name, f.inferred_type, f.num_present, f.num_missing, f.type_counts)
        for f in profile.statistics().features
    ]


def test_a_large_flush_of_named_text_rows_gives_the_row_paths_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A preprocessor's rows of text, flushed whole (pyarrow) or under ARROW_ROWS (row path)."""
    rows = [dict(zip(FEATURES, row.split(","), strict=True)) for row in _rows(ARROW_ROWS + 500)]
    rows[3]["plan"] = None  # a preprocessor may give None as well as ""
    classified: list[int] = []
    real = open_window.column_chunks
    monkeypatch.setattr(
        open_window,
        "column_chunks",
        lambda columns, *a: classified.extend(map(len, columns)) or real(columns, *a),
    )
    whole, small = _window(), _window()
    whole.rows.extend(rows)
    whole.flush()
    assert classified == [len(rows)] * len(FEATURES)  # every column, by pyarrow
    for start in range(0, len(rows), ARROW_ROWS - 1):
        small.rows.extend(rows[start : start + ARROW_ROWS - 1])
        small.flush()  # below ARROW_ROWS: the row path, value by value
    assert len(classified) == len(FEATURES)
    _same_statistics(whole, small)


def test_text_with_a_lone_surrogate_is_profiled_as_u_fffd_and_the_state_is_written() -> None:
    import orjson

    window = _window()
    name = FEATURES[-1]
    window.rows = [dict.fromkeys(FEATURES, "1") | {name: "caf\udce9"}] * 3
    window.flush()
    state = orjson.dumps(window.to_state())  # raised TypeError before: surrogates not allowed
    assert "caf\ufffd".encode() in state and window.profile.item_count == 3
