"""ScoreHistogram state: the non-empty bins only, and the dense arrays of earlier versions."""

from __future__ import annotations

import base64
import struct

import numpy as np
import pytest

from detectors.model_quality.score_histogram import ScoreHistogram


def little_endian(fmt: str, values: list[int]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}{fmt}", *values)).decode()


def test_a_state_holds_the_non_empty_bins_by_hand() -> None:
    h = ScoreHistogram(bins=10)
    for actual, score in [(1, 0.95), (0, 0.95), (1, 0.31), (0, 0.0), (0, 0.0)]:
        h.update(actual, score)
    state = h.to_state()  # bins 9 (0.95), 3 (0.31) and 0 (0.0)
    assert state == {
        "bins": 10,
        "at": little_endian("i", [0, 3, 9]),
        "positives_at": little_endian("q", [0, 1, 1]),
        "negatives_at": little_endian("q", [2, 0, 1]),
    }


def test_a_dense_state_of_an_earlier_version_still_loads() -> None:
    dense = {
        "bins": 4,
        "positives": little_endian("q", [1, 0, 2, 0]),
        "negatives": little_endian("q", [0, 3, 0, 0]),
    }
    h = ScoreHistogram.from_state(dense)
    assert h.positives.tolist() == [1, 0, 2, 0] and h.negatives.tolist() == [0, 3, 0, 0]
    assert ScoreHistogram.from_state(h.to_state()).negatives.tolist() == [0, 3, 0, 0]


@pytest.mark.parametrize("seed", range(5))
def test_random_histograms_round_trip(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h = ScoreHistogram(bins=10_000)
    n = int(rng.integers(0, 3000))
    h.update_many(rng.integers(0, 2, n), rng.random(n))
    back = ScoreHistogram.from_state(h.to_state())
    assert np.array_equal(back.positives, h.positives)
    assert np.array_equal(back.negatives, h.negatives)
    assert back.auc() == h.auc()


def test_a_window_state_is_the_size_of_its_rows_not_of_the_bins() -> None:
    rng = np.random.default_rng(7)
    h = ScoreHistogram(bins=10_000)
    h.update_many(rng.integers(0, 2, 1400), rng.random(1400))
    encoded = sum(len(v) for k, v in h.to_state().items() if k != "bins")
    dense = 2 * 10_000 * 8 * 4 / 3  # two int64 arrays of 10,000 counts, as base64
    assert encoded < dense / 5


@pytest.mark.parametrize(
    ("at", "positives", "message"),
    [
        ([3, 1], [1, 1], "ascend"),
        ([1, 1], [1, 1], "ascend"),
        ([0, 10], [1, 1], "ascend"),
        ([-1], [1], "ascend"),
        ([1, 2], [1], "positives_at holds 1 counts for 2 bins"),
    ],
)
def test_a_bad_sparse_state_is_refused(at: list[int], positives: list[int], message: str) -> None:
    state = {
        "bins": 10,
        "at": little_endian("i", at),
        "positives_at": little_endian("q", positives),
        "negatives_at": little_endian("q", [0] * len(at)),
    }
    with pytest.raises(ValueError, match=message):
        ScoreHistogram.from_state(state)


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"bins": 10, "at": little_endian("i", [2, 5]), "positives_at": little_endian("q", [1, -4]),
          "negatives_at": little_endian("q", [0, 0])}, "positives_at holds a negative count"),
        ({"bins": 4, "positives": little_endian("q", [1, 0, 2, 0]),
          "negatives": little_endian("q", [0, -3, 0, 0])}, "negatives holds a negative count"),
        ({"bins": 2.5, "at": "", "positives_at": "", "negatives_at": ""}, "whole number"),
        ({"bins": "10", "at": "", "positives_at": "", "negatives_at": ""}, "whole number"),
        ({"bins": True, "at": "", "positives_at": "", "negatives_at": ""}, "whole number"),
    ],
)  # fmt: skip
def test_a_hand_edited_state_no_histogram_writes_is_refused(state: dict, message: str) -> None:
    """A negative count loaded (count −3, an AUC from it); 2.5 bins were read as 2."""
    with pytest.raises(ValueError, match=message):
        ScoreHistogram.from_state(state)
