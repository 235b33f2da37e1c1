"""Whether a ``Completed`` window has a verdict at all: one rule for status page and analyze.

SageMaker's execution statuses are ``Completed``, ``CompletedWithViolations`` and ``Failed``;
none says "judged nothing". A window whose *deciding* checks all went without a verdict
— most often fewer than ``min_window_count`` rows, labelled predictions or explained records;
for bias also a facet value the baseline has no entry for — is ``Completed`` with no
violation, yet it is not a clean window. The deciding checks are the drift checks
(``baseline_drift_check``) of a data-quality window, whose completeness, type and
categorical checks are judged on any number of rows, and every check of the other monitor
types. A window with no deciding check at all (e.g. model quality without constraints) is not
said to lack a verdict here: it has nothing to decide, and says so where it is shown.

Examples
--------
>>> lacks_verdict("Completed", 0, [("completeness_check", False),
...                                ("baseline_drift_check", None)], data_quality=True)
True
>>> lacks_verdict("Completed", 0, [("baseline_drift_check", False),
...                                ("baseline_drift_check", None)], data_quality=True)
False
>>> lacks_verdict("Completed", 0, [("LessThanThreshold", None)], data_quality=False)
True
>>> lacks_verdict("CompletedWithViolations", 1, [("bias_drift_check", None)], data_quality=False)
False
>>> lacks_verdict("Completed", 0, [], data_quality=False)
False
"""

from __future__ import annotations

from collections.abc import Iterable

from detectors.quality.checks import BASELINE_DRIFT, EvaluationResult
from detectors.violations import COMPLETED

NO_VERDICT = "no verdict"  # what a user reads instead of a bare "Completed"


def lacks_verdict(
    status: str,
    violation_count: int,
    decisions: Iterable[tuple[str, bool | None]],
    *,
    data_quality: bool,
) -> bool:
    """Whether a window's deciding checks all went without a verdict (see the module).

    Parameters
    ----------
    status
        The window's execution status; only ``Completed`` can lack a verdict.
    violation_count
        Its violations (a window with one has a verdict).
    decisions
        Each check's type and verdict: True violated, False passed, None no verdict.
    data_quality
        Whether it is a data-quality window (then only its drift checks decide).
    """
    if status != COMPLETED or violation_count:
        return False
    deciding = [verdict for check, verdict in decisions
                if not data_quality or check == BASELINE_DRIFT]  # fmt: skip
    return bool(deciding) and all(verdict is None for verdict in deciding)


def status_word(status: str, no_verdict: bool) -> str:
    """The status as a user reads it: ``Completed (no verdict)`` when no deciding check had one.

    Only the word shown (a log line, a summary): output files keep SageMaker's status.

    >>> status_word("Completed", True), status_word("Completed", False)
    ('Completed (no verdict)', 'Completed')
    """
    return f"{status} ({NO_VERDICT})" if no_verdict else status


def evaluation_lacks_verdict(status: str, evaluation: EvaluationResult) -> bool:
    """:func:`lacks_verdict` of a data-quality window's evaluation (its drift checks decide)."""
    verdicts = ((d.check_type, d.violated) for d in evaluation.decisions)
    return lacks_verdict(status, len(evaluation.violations), verdicts, data_quality=True)
