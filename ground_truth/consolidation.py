"""Several workers' answers → one label: majority vote, mean or median.

``method="majority"`` (classification) takes the most frequent answer text. When several
answers share the top count the ``tie_rule`` decides, and says so explicitly:

- ``"reject"`` (default): no label, reason ``"tie"``, counted in ``ties_rejected``;
- ``"first"``: the tied answer given first (``humanAnswers`` order);
- ``"lowest"``: the lowest tied answer — numerically when all tied answers are numbers,
  otherwise in string order.

``method="mean"`` / ``"median"`` (regression) averages the answers that read as finite numbers
(the median of an even count is the mean of the two middle values); the label is written as
CSV text (``"1"``, ``"37.5"``). ``agreement`` is the share of used answers equal to the label
for a vote and ``None`` for an average.

Unusable answers (a :class:`~ground_truth.a2i.WorkerAnswer` with ``answer=None``, or a
non-number for an average) are skipped and counted. No workers at all gives no label with
reason ``"no_answers"``; workers but nothing usable gives ``"no_usable_answers"``. Both are
counted, never raised.

Examples
--------
>>> from ground_truth.a2i import WorkerAnswer
>>> def answers(*texts):
...     return [WorkerAnswer(worker_id=f"w{i}", answer=t) for i, t in enumerate(texts)]
>>> vote = AnswerConsolidator(method="majority")
>>> vote.consolidate(answers("1", "0", "1", None))
ConsolidatedLabel(label='1', answers_used=3, agreement=0.666..., reason=None)
>>> vote.consolidate(answers("1", "0"))
ConsolidatedLabel(label=None, answers_used=2, agreement=0.5, reason='tie')
>>> AnswerConsolidator(method="majority", tie_rule="lowest").consolidate(answers("1", "0")).label
'0'
>>> AnswerConsolidator(method="median").consolidate(answers("30", "40", "35.5", "x")).label
'35.5'
>>> vote.counts()
ConsolidationCounts(loops=2, labelled=1, ties_rejected=1, no_answers=0, no_usable_answers=0,
                    unusable_answers=1)
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from ground_truth.a2i import HumanLoopOutput, WorkerAnswer
from ground_truth.label_data import format_label_value, parse_label_value
from ground_truth.records import GroundTruth

__all__ = [
    "METHODS",
    "NO_ANSWERS",
    "NO_USABLE_ANSWERS",
    "TIE",
    "TIE_RULES",
    "AnswerConsolidator",
    "ConsolidatedLabel",
    "ConsolidationCounts",
    "ground_truth_from_loop",
]

METHODS = ("majority", "mean", "median")
TIE_RULES = ("reject", "first", "lowest")
# Reasons for a missing label.
NO_ANSWERS = "no_answers"
NO_USABLE_ANSWERS = "no_usable_answers"
TIE = "tie"


@dataclass(frozen=True, slots=True)
class ConsolidatedLabel:
    """The label the workers agree on, or ``None`` with the ``reason`` there is none.

    ``answers_used`` counts the usable answers; ``agreement`` is the share of them that voted
    for the winning answer (``None`` for averages and when nothing was usable).

    Examples
    --------
    >>> ConsolidatedLabel(label="1", answers_used=3, agreement=2 / 3).reason is None
    True
    """

    label: str | None
    answers_used: int
    agreement: float | None
    reason: str | None = None


class ConsolidationCounts(NamedTuple):
    """Cumulative counts since the consolidator was built (for metrics)."""

    loops: int
    labelled: int
    ties_rejected: int
    no_answers: int
    no_usable_answers: int
    unusable_answers: int


class AnswerConsolidator:
    """Turn each loop's worker answers into one label, counting what could not be used.

    Parameters
    ----------
    method
        ``"majority"`` (classification), ``"mean"`` or ``"median"`` (regression).
    tie_rule
        For ``"majority"``: ``"reject"``, ``"first"`` or ``"lowest"`` (see module docstring).

    Examples
    --------
    >>> from ground_truth.a2i import WorkerAnswer
    >>> mean = AnswerConsolidator(method="mean")
    >>> mean.consolidate([WorkerAnswer(worker_id="a", answer="1"),
    ...                   WorkerAnswer(worker_id="b", answer="2")])
    ConsolidatedLabel(label='1.5', answers_used=2, agreement=None, reason=None)
    >>> mean.consolidate([])
    ConsolidatedLabel(label=None, answers_used=0, agreement=None, reason='no_answers')
    """

    def __init__(self, *, method: str = "majority", tie_rule: str = "reject") -> None:
        if method not in METHODS:
            msg = f"method must be one of {METHODS}, got {method!r}"
            raise ValueError(msg)
        if tie_rule not in TIE_RULES:
            msg = f"tie_rule must be one of {TIE_RULES}, got {tie_rule!r}"
            raise ValueError(msg)
        self.method = method
        self.tie_rule = tie_rule
        self._counts = ConsolidationCounts(0, 0, 0, 0, 0, 0)

    def __repr__(self) -> str:
        return f"AnswerConsolidator(method={self.method!r}, tie_rule={self.tie_rule!r})"

    def consolidate(self, answers: Sequence[WorkerAnswer]) -> ConsolidatedLabel:
        """Return the consolidated label for one loop's answers and count the outcome."""
        texts = [a.answer for a in answers if a.answer is not None]
        if self.method == "majority":
            used = len(texts)
            result = self._vote(texts) if texts else None
        else:
            values = (parse_label_value(t) for t in texts)
            numbers = [v for v in values if isinstance(v, float)]
            used = len(numbers)
            result = self._average(numbers) if numbers else None
        if result is None:
            reason = NO_ANSWERS if not answers else NO_USABLE_ANSWERS
            result = ConsolidatedLabel(label=None, answers_used=0, agreement=None, reason=reason)
        c = self._counts
        self._counts = ConsolidationCounts(
            loops=c.loops + 1,
            labelled=c.labelled + (result.label is not None),
            ties_rejected=c.ties_rejected + (result.reason == TIE),
            no_answers=c.no_answers + (result.reason == NO_ANSWERS),
            no_usable_answers=c.no_usable_answers + (result.reason == NO_USABLE_ANSWERS),
            unusable_answers=c.unusable_answers + len(answers) - used,
        )
        return result

    def counts(self) -> ConsolidationCounts:
        """Return the cumulative counts."""
        return self._counts

    def _vote(self, texts: list[str]) -> ConsolidatedLabel:
        tally = Counter(texts)  # insertion order = order of first appearance
        top = max(tally.values())
        tied = [text for text, count in tally.items() if count == top]
        agreement = top / len(texts)
        if len(tied) == 1 or self.tie_rule == "first":
            return ConsolidatedLabel(tied[0], len(texts), agreement)
        if self.tie_rule == "lowest":
            if all(isinstance(parse_label_value(t), float) for t in tied):
                lowest = min(tied, key=float)
            else:
                lowest = min(tied)
            return ConsolidatedLabel(lowest, len(texts), agreement)
        return ConsolidatedLabel(None, len(texts), agreement, reason=TIE)

    def _average(self, numbers: list[float]) -> ConsolidatedLabel:
        if self.method == "mean":
            value = math.fsum(numbers) / len(numbers)
        else:
            value = float(statistics.median(numbers))
        return ConsolidatedLabel(format_label_value(value), len(numbers), None)


def ground_truth_from_loop(
    loop: HumanLoopOutput, result: ConsolidatedLabel, *, label_time: datetime | None = None
) -> GroundTruth | None:
    """Return the ground-truth label for a consolidated loop, or ``None`` without a label.

    The join key is the loop's inference id; ``label_time`` defaults to the latest worker
    submission time.

    Examples
    --------
    >>> from ground_truth.a2i import WorkerAnswer
    >>> loop = HumanLoopOutput(flow_definition_arn="arn:f", human_loop_name="l",
    ...                        inference_id="order-1",
    ...                        answers=(WorkerAnswer(worker_id="w", answer="1"),))
    >>> label = ground_truth_from_loop(loop, AnswerConsolidator().consolidate(loop.answers))
    >>> label.event_id, label.data
    ('order-1', '1')
    """
    if result.label is None:
        return None
    return GroundTruth(
        event_id=loop.inference_id,
        values=(parse_label_value(result.label),),
        label_time=label_time if label_time is not None else loop.last_submission_time,
    )
