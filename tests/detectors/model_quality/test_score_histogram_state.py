"""ScoreHistogram: bucket keys in score order, its state, and the fixed bins of earlier versions."""

from __future__ import annotations

import base64
import struct

import numpy as np
import pytest
from sklearn import metrics as skm

from detectors.model_quality.score_histogram import (
    DEFAULT_PRECISION_BITS,
    MAX_BUCKETS,
    ScoreHistogram,
)


def little_endian(fmt: str, values: list[int]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}{fmt}", *values)).decode()


EDGES = [-1e308, -100.0, -1.0, -5e-324, -0.0, 0.0, 5e-324, 1e-300, 1e-6, 0.25,
         np.nextafter(0.5, 0), 0.5, np.nextafter(0.5, 1), 0.75, 1 - 1e-12,
         np.nextafter(1.0, 0), 1.0, np.nextafter(1.0, 2), 1.5, 100.0, 1e308]  # fmt: skip


@pytest.mark.parametrize("bits", [0, 4, 12, 51])
def test_keys_follow_the_scores_order_and_each_bucket_starts_at_its_lowest_score(
    bits: int,
) -> None:
    rng = np.random.default_rng(bits)
    scores = np.sort(np.concatenate([EDGES, rng.normal(0, 3, 2000), rng.random(2000),
                                     10.0 ** rng.uniform(-300, 300, 500)]))  # fmt: skip
    h = ScoreHistogram(precision_bits=bits)
    keys = h.keys_of(scores)
    assert (np.diff(keys) >= 0).all()  # never out of order: only ties can be added
    assert keys.tolist() == [h.key_of(float(s)) for s in scores]
    for key, score in zip(keys.tolist(), scores.tolist(), strict=True):
        lowest = h.lowest_score(key)
        assert lowest <= score and h.key_of(lowest) == key


def test_a_state_holds_the_buckets_with_scores_by_hand() -> None:
    h = ScoreHistogram(precision_bits=1)  # two buckets per power of two
    for actual, score in [(1, 0.3), (0, 0.26), (1, 0.4), (0, 0.0), (0, 0.0)]:
        h.update(actual, score)
    # 0.26 and 0.3 share [0.25, 0.375); 0.4 is in [0.375, 0.5); 0.0 is key 0
    half, low, high = (bits >> 51 for bits in (0x3FE0 << 48, 0x3FD0 << 48, 0x3FD8 << 48))
    assert h.to_state() == {
        "precision_bits": 1,
        "keys": little_endian("q", [-half, low - half, high - half]),
        "positives_at": little_endian("q", [0, 1, 1]),
        "negatives_at": little_endian("q", [2, 1, 0]),
    }


@pytest.mark.parametrize("seed", range(5))
def test_random_histograms_round_trip_and_merge_as_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 9000))
    actuals, scores = rng.integers(0, 2, n), rng.normal(0.5, 2.0, n)
    whole, parts = ScoreHistogram(), [ScoreHistogram() for _ in range(3)]
    whole.update_many(actuals, scores)
    for i, (actual, score) in enumerate(zip(actuals.tolist(), scores.tolist(), strict=True)):
        parts[i % 3].update(actual, score)
    parts[0].merge(parts[1])
    parts[0].merge(ScoreHistogram.from_state(parts[2].to_state()))
    back = ScoreHistogram.from_state(whole.to_state())
    for h in (back, parts[0]):
        assert np.array_equal(h.keys, whole.keys)
        assert np.array_equal(h.positives, whole.positives)
        assert np.array_equal(h.negatives, whole.negatives)
    if 0 < actuals.sum() < n:
        exact = skm.roc_auc_score(actuals, scores)
        assert abs(back.auc() - exact) <= back.auc_error_bound() + 1e-12


def test_a_window_state_is_the_size_of_its_rows() -> None:
    rng = np.random.default_rng(7)
    h = ScoreHistogram()
    h.update_many(rng.integers(0, 2, 1400), rng.random(1400))
    encoded = sum(len(v) for k, v in h.to_state().items() if k != "precision_bits")
    assert encoded <= 1400 * 3 * 8 * 4 / 3 + 12  # three int64 per bucket at most, as base64


def test_fixed_bins_of_an_earlier_version_load_in_their_order() -> None:
    """Bin k of B held (k/B, (k+1)/B]: each bin's rows share a bucket, the bins' order kept."""
    sparse = {
        "bins": 10,
        "at": little_endian("i", [0, 3, 9]),
        "positives_at": little_endian("q", [0, 1, 1]),
        "negatives_at": little_endian("q", [2, 0, 1]),
    }
    dense = {
        "bins": 4,
        "positives": little_endian("q", [1, 0, 2, 0]),
        "negatives": little_endian("q", [0, 3, 0, 0]),
    }
    h = ScoreHistogram.from_state(sparse)
    assert (h.positives.tolist(), h.negatives.tolist()) == ([0, 1, 1], [2, 0, 1])
    # the same rows counted at the bins' top scores: the same AUC (1·2 + 1·2 + ½·1) / 6
    assert h.auc() == pytest.approx(skm.roc_auc_score([0, 0, 1, 1, 0], [0.1, 0.1, 0.4, 1, 1]))
    h = ScoreHistogram.from_state(dense)
    assert (h.positives.tolist(), h.negatives.tolist()) == ([1, 0, 2], [0, 3, 0])  # no empty
    back = ScoreHistogram.from_state(h.to_state())
    assert back.auc() == h.auc() == pytest.approx(skm.roc_auc_score(
        [1, 0, 0, 0, 1, 1], [0.25, 0.5, 0.5, 0.5, 0.75, 0.75]))  # fmt: skip


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
def test_a_bad_fixed_bins_state_is_refused(
    at: list[int], positives: list[int], message: str
) -> None:
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
        ({"precision_bits": 12, "keys": little_endian("q", [5, 2]),
          "positives_at": little_endian("q", [1, 1]), "negatives_at": little_endian("q", [0, 0])},
         "keys must ascend"),
        ({"precision_bits": 12, "keys": little_endian("q", [2]),
          "positives_at": little_endian("q", [1]), "negatives_at": little_endian("q", [-1])},
         "negatives_at holds a negative count"),
        ({"precision_bits": 12, "keys": little_endian("q", [2, 3]),
          "positives_at": little_endian("q", [1]), "negatives_at": little_endian("q", [0, 0])},
         "positives_at holds 1 counts for 2 buckets"),
        ({"precision_bits": 60, "keys": "", "positives_at": "", "negatives_at": ""}, "0..51"),
        ({"precision_bits": 1.5, "keys": "", "positives_at": "", "negatives_at": ""},
         "whole number"),
    ],
)  # fmt: skip
def test_a_hand_edited_state_no_histogram_writes_is_refused(state: dict, message: str) -> None:
    """A negative count loaded (count −3, an AUC from it); 2.5 bins were read as 2."""
    with pytest.raises(ValueError, match=message):
        ScoreHistogram.from_state(state)


def test_past_its_bucket_cap_a_histogram_coarsens_and_keeps_its_bound() -> None:
    """Scores over 600 powers of ten fill 4,096 buckets each: the precision drops instead."""
    rng = np.random.default_rng(12)
    y = rng.integers(0, 2, 60_000)
    scores = 10.0 ** (rng.uniform(-300, 300, y.size) + 3 * y) * rng.choice([-1, 1], y.size)
    h = ScoreHistogram()
    h.update_many(y, scores)
    assert h.keys.size <= MAX_BUCKETS and h.precision_bits < DEFAULT_PRECISION_BITS
    assert h.count == y.size
    exact = skm.roc_auc_score(y, scores)
    assert abs(h.auc() - exact) <= h.auc_error_bound() + 1e-12
    back = ScoreHistogram.from_state(h.to_state())
    assert back.precision_bits == h.precision_bits and back.auc() == h.auc()


@pytest.mark.parametrize("coarse_first", [True, False])
def test_histograms_of_two_precisions_merge_at_the_coarser(coarse_first: bool) -> None:
    rng = np.random.default_rng(13)
    y, scores = rng.integers(0, 2, 4000), rng.normal(0.5, 0.3, 4000)
    fine, coarse = ScoreHistogram(precision_bits=12), ScoreHistogram(precision_bits=3)
    fine.update_many(y[:2000], scores[:2000])
    coarse.update_many(y[2000:], scores[2000:])
    a, b = (coarse, fine) if coarse_first else (fine, coarse)
    a.merge(b)
    whole = ScoreHistogram(precision_bits=3)
    whole.update_many(y, scores)  # the same rows counted at 3 bits from the start
    assert a.precision_bits == 3
    assert np.array_equal(a.keys, whole.keys)
    assert np.array_equal(a.positives, whole.positives)
    assert np.array_equal(a.negatives, whole.negatives)
