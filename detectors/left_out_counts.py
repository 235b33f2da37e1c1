"""Rows a detector left out, counted by reason: the merge, state and restore both kinds share.

:class:`~detectors.model_quality.model_quality_metrics.ModelQualityMetrics` and
:class:`~detectors.bias.tally.BiasTally` keep ``{reason: rows}`` beside their invalid count.
The counts merge by sum per reason, are saved sorted, and a state written before the
reasons were kept restores its whole invalid count under :data:`UNRECORDED`.

Examples
--------
>>> reasons = {"missing": 2}
>>> add_counts(reasons, {"missing": 1, "not_binary": 3})
>>> reasons_state(reasons), by_reason({**reasons, "not_a_number": 0})
({'missing': 3, 'not_binary': 3}, {'missing': 3, 'not_binary': 3})
>>> restored_reasons(None, 4), restored_reasons({"missing": 2}, 2), restored_reasons(None, 0)
({'unrecorded': 4}, {'missing': 2}, {})
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["UNRECORDED", "add_counts", "by_reason", "reasons_state", "restored_reasons"]

# rows left out in a state written before the reasons were kept (only their count is known)
UNRECORDED = "unrecorded"


def add_counts(into: dict[str, int], other: Mapping[str, int]) -> None:
    """Add ``other``'s rows per reason to ``into`` (a merge, or one refused row)."""
    for reason, count in other.items():
        into[reason] = into.get(reason, 0) + count


def by_reason(reasons: Mapping[str, int]) -> dict[str, int]:
    """The reasons that left rows out, sorted, zeros dropped."""
    return {reason: count for reason, count in sorted(reasons.items()) if count}


def reasons_state(reasons: Mapping[str, int]) -> dict[str, int]:
    """The counts as saved: sorted by reason."""
    return dict(sorted(reasons.items()))


def restored_reasons(saved: Mapping[str, int] | None, invalid: int) -> dict[str, int]:
    """Saved counts, or (none saved) the whole ``invalid`` count as :data:`UNRECORDED`."""
    if saved is None:
        return {UNRECORDED: invalid} if invalid else {}
    return {str(reason): int(count) for reason, count in saved.items()}
