from __future__ import annotations

import pytest

from ground_truth.a2i import HumanLoopOutput, WorkerAnswer
from ground_truth.consolidation import (
    AnswerConsolidator,
    ConsolidatedLabel,
    ConsolidationCounts,
    ground_truth_from_loop,
)


def answers(*texts: str | None) -> list[WorkerAnswer]:
    return [
        WorkerAnswer(worker_id=f"w{i}", answer=t, problem=None if t is not None else "x")
        for i, t in enumerate(texts)
    ]


# Hand-computed: 3 of 5 say "cat" -> agreement 3/5.
def test_majority_vote() -> None:
    result = AnswerConsolidator().consolidate(answers("cat", "dog", "cat", "bird", "cat"))
    assert result == ConsolidatedLabel(label="cat", answers_used=5, agreement=0.6)


def test_majority_skips_unusable_answers() -> None:
    result = AnswerConsolidator().consolidate(answers(None, "0", None, "0", "1"))
    assert result == ConsolidatedLabel(label="0", answers_used=3, agreement=2 / 3)


@pytest.mark.parametrize(
    ("tie_rule", "texts", "label", "reason"),
    [
        ("reject", ("b", "a", "a", "b", "c"), None, "tie"),
        ("first", ("b", "a", "a", "b", "c"), "b", None),
        ("lowest", ("b", "a", "a", "b", "c"), "a", None),
        # numeric ties compare as numbers: 10 > 9 although "10" < "9" as text
        ("lowest", ("10", "9"), "9", None),
        ("first", ("10", "9"), "10", None),
        # mixed text and numbers compare as text
        ("lowest", ("yes", "1"), "1", None),
    ],
)
def test_ties(tie_rule: str, texts: tuple[str, ...], label: str | None, reason: str | None) -> None:
    result = AnswerConsolidator(tie_rule=tie_rule).consolidate(answers(*texts))
    assert (result.label, result.reason) == (label, reason)
    assert result.answers_used == len(texts)
    # top count / answers: 2/5 for the five-answer cases, 1/2 for the two-answer ones
    assert result.agreement == (0.4 if len(texts) == 5 else 0.5)


# Hand-computed: mean(3, 4, 8) = 5; median(3, 4, 8) = 4; mean(1, 2, 2, 10) = 3.75;
# median(1, 2, 2, 10) = 2; median(1.5, 2.5) = 2.
@pytest.mark.parametrize(
    ("method", "texts", "label", "used"),
    [
        ("mean", ("3", "4", "8"), "5", 3),
        ("median", ("3", "4", "8"), "4", 3),
        ("mean", ("1", "2", "2", "10"), "3.75", 4),
        ("median", ("1", "2", "2", "10"), "2", 4),
        ("median", ("1.5", "2.5"), "2", 2),
        ("mean", ("1", "oops", None, "nan", "2"), "1.5", 2),
        ("median", ("-4.5",), "-4.5", 1),
    ],
)
def test_regression(method: str, texts: tuple[str | None, ...], label: str, used: int) -> None:
    result = AnswerConsolidator(method=method).consolidate(answers(*texts))
    assert result == ConsolidatedLabel(label=label, answers_used=used, agreement=None)


@pytest.mark.parametrize("method", ["majority", "mean", "median"])
def test_no_workers(method: str) -> None:
    result = AnswerConsolidator(method=method).consolidate([])
    assert result == ConsolidatedLabel(None, 0, None, reason="no_answers")


@pytest.mark.parametrize(
    ("method", "texts"),
    [("majority", (None, None)), ("mean", ("yes", None)), ("median", ("inf",))],
)
def test_nothing_usable(method: str, texts: tuple[str | None, ...]) -> None:
    result = AnswerConsolidator(method=method).consolidate(answers(*texts))
    assert result == ConsolidatedLabel(None, 0, None, reason="no_usable_answers")


def test_outcomes_are_counted() -> None:
    c = AnswerConsolidator()
    c.consolidate(answers("1", "1", None))  # labelled, 1 unusable
    c.consolidate(answers("1", "0"))  # tie rejected
    c.consolidate([])  # no answers
    c.consolidate(answers(None, None))  # nothing usable, 2 unusable
    assert c.counts() == ConsolidationCounts(
        loops=4,
        labelled=1,
        ties_rejected=1,
        no_answers=1,
        no_usable_answers=1,
        unusable_answers=3,
    )


def test_unusable_numbers_are_counted_for_averages() -> None:
    c = AnswerConsolidator(method="mean")
    c.consolidate(answers("1", "x", None))
    assert c.counts().unusable_answers == 2


@pytest.mark.parametrize(
    "kwargs", [{"method": "mode"}, {"tie_rule": "random"}, {"method": "Majority"}]
)
def test_bad_params(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        AnswerConsolidator(**kwargs)


def test_no_label_means_no_ground_truth() -> None:
    loop = HumanLoopOutput("arn:f", "l", "i", tuple(answers("1", "0")))
    assert ground_truth_from_loop(loop, AnswerConsolidator().consolidate(loop.answers)) is None


def test_regression_label_becomes_a_number() -> None:
    loop = HumanLoopOutput("arn:f", "l", "i", tuple(answers("37", "38")))
    label = ground_truth_from_loop(
        loop, AnswerConsolidator(method="mean").consolidate(loop.answers)
    )
    assert label is not None and label.values == (37.5,) and label.data == "37.5"
