"""A message's predictions fed at once equal them fed one by one.

Reference: :func:`take_prediction` for each prediction in turn (the step ``analyze`` takes),
on a second join and store; the accumulators of every window (counts, model-quality and bias
state) and the join's counts must be equal.
"""

from __future__ import annotations

import random

import orjson
import pytest

from ground_truth.records import GroundTruth
from stream.config import MonitorConfig
from stream.config.sections import BiasDriftSettings, ModelQualitySettings
from stream.demo.labelled import SyntheticModel, write_labelled_baselines
from stream.monitors.data_quality import load_data_quality_baseline
from stream.monitors.feeding import WindowFeed, feed, take_prediction, take_predictions
from stream.monitors.label_join import LabelJoin, MemoryEntries, PendingPrediction
from stream.monitors.labelled_accumulators import LabelledAccumulators
from stream.monitors.labelled_setup import labelled_setup

MODEL = SyntheticModel()


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feeding") / "baseline"
    write_labelled_baselines(folder, MODEL, n=2000)
    monitor = MonitorConfig(
        name="m", baseline=folder, window_seconds=10.0,
        model_quality=ModelQualitySettings(problem_type="BinaryClassification",
                                           inference_attribute="label",
                                           probability_attribute="score"),
        bias=BiasDriftSettings(drift_check="point"),
    )  # fmt: skip
    return labelled_setup(monitor, load_data_quality_baseline(folder).features)


def predictions(seed: int, n: int) -> list[PendingPrediction]:
    rng = random.Random(seed)
    rows = MODEL.schema.rows(rng, n)
    out = []
    for k, row in enumerate(rows):
        answer = MODEL.answer(rng, row)
        key = f"k{rng.randrange(n)}" if rng.random() < 0.05 else f"k{k}"  # some duplicates
        named = dict(zip(MODEL.schema.features, row, strict=True))
        out.append(PendingPrediction(key, 100.0 + k * 0.05, 100.0 + (k // 100) * 10.0,
                                     float(answer.predicted), answer.score, named))  # fmt: skip
    return out


def _side(setup):
    """One side of a comparison: a join, its store, and windows made when first asked for."""
    join = LabelJoin(ttl_seconds=3600.0, max_pending=10_000, needs_labels=True)
    windows: dict[float, LabelledAccumulators] = {}

    def accumulators(start: float) -> LabelledAccumulators:
        return windows.setdefault(start, LabelledAccumulators(setup))

    return join, MemoryEntries(), windows, accumulators


def _result(windows: dict[float, LabelledAccumulators], join: LabelJoin):
    """What a side ends with: every window's state and the join's counts."""
    return {start: orjson.dumps(acc.to_state()) for start, acc in windows.items()}, join.counts


@pytest.mark.parametrize("seed", [1, 2])
def test_a_message_at_once_equals_one_prediction_at_a_time(setup, seed):
    rng = random.Random(seed)
    pendings = predictions(seed, 600)
    labels = [GroundTruth(event_id=f"k{k}", values=(float(rng.random() < 0.5),))
              for k in range(600) if rng.random() < 0.7]  # fmt: skip
    sides = []
    for batched in (False, True):
        join, entries, windows, accumulators = _side(setup)
        for label in labels[: len(labels) // 2]:  # some labels wait for their prediction
            join.label(entries, label, now=0.0)
        for i in range(0, len(pendings), 100):
            message = pendings[i : i + 100]
            if batched:
                take_predictions(join, entries, message, accumulators, now=1.0)
            else:
                for pending in message:
                    take_prediction(join, entries, pending, accumulators, now=1.0)
        for label in labels[len(labels) // 2 :]:  # the others come after it
            outcome = join.label(entries, label, now=2.0)
            for pending, value in outcome.joined:
                accumulators(pending.window).add_joined(pending, value)
        sides.append(_result(windows, join))
    assert sides[0] == sides[1]
    assert sides[1][1].joined > 200 and sides[1][1].duplicate_predictions > 0


@pytest.mark.parametrize("seed", [3, 4])
def test_late_labels_fed_a_message_at_once_equal_them_one_by_one(setup, seed):
    """Labels coming after their predictions (the usual order): each labels message's pairs
    reach their windows through a WindowFeed, one update per window, or label by label."""
    rng = random.Random(seed)
    pendings = predictions(seed, 600)  # six windows of 100
    labels = [
        GroundTruth(event_id=f"k{k}", values=(float(rng.random() < 0.5),))
        for k in rng.sample(range(600), 500)
    ]  # out of order: a message's labels belong to several windows
    sides = []
    for batched in (False, True):
        join, entries, windows, accumulators = _side(setup)
        take_predictions(join, entries, pendings, accumulators, now=1.0)
        for i in range(0, len(labels), 70):
            message = labels[i : i + 70]
            if batched:
                fed = WindowFeed(accumulators)
                for label in message:
                    fed.take(join.label(entries, label, now=2.0))
                fed.give()
            else:
                for label in message:
                    feed(join.label(entries, label, now=2.0), accumulators)
        sides.append(_result(windows, join))
    assert sides[0] == sides[1]
    assert sides[1][1].joined > 400 and len(sides[1][0]) == 6
