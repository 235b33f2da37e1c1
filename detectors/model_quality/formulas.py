"""Metric formulas over confusion counts, with SageMaker's names and its 0/0 → 0.0 rule.

Fβ = (1 + β²)·P·R / (β²·P + R) for β ∈ {0.5, 1, 2}. "Weighted" multiclass figures weight
each class's metric by its actual-class support, which equals scikit-learn's
``average="weighted"`` with ``zero_division=0``.

Examples
--------
>>> figures = binary_figures(tp=1, fp=2, fn=0, tn=1)   # spec 7.2's orientation example
>>> figures["precision"], figures["recall"], figures["accuracy"]
(0.3333333333333333, 1.0, 0.5)
>>> round(figures["f2"], 6)
0.714286
>>> binary_figures(tp=0, fp=0, fn=3, tn=5)["precision"]   # undefined → 0.0, as SageMaker
0.0
>>> weighted = weighted_figures({"a": {"a": 2, "b": 1}, "b": {"b": 1}})
>>> weighted["accuracy"], weighted["weighted_recall"]
(0.75, 0.75)
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "BETAS",
    "binary_figures",
    "fbeta",
    "ratio",
    "weighted_figures",
]

BETAS: tuple[tuple[str, float], ...] = (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0))


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or 0.0 when the denominator is 0 (SageMaker's rule)."""
    return numerator / denominator if denominator else 0.0


def fbeta(precision: float, recall: float, beta: float) -> float:
    """Fβ score from precision and recall; 0.0 when both are 0."""
    b2 = beta * beta
    return ratio((1.0 + b2) * precision * recall, b2 * precision + recall)


def binary_figures(*, tp: float, fp: float, fn: float, tn: float) -> dict[str, float]:
    """Threshold metrics of a binary confusion matrix, keyed by SageMaker's metric names."""
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    out = {
        "accuracy": ratio(tp + tn, tp + fp + fn + tn),
        "precision": precision,
        "recall": recall,
    }
    for name, beta in BETAS:
        out[name] = fbeta(precision, recall, beta)
    out["true_positive_rate"] = recall
    out["true_negative_rate"] = ratio(tn, tn + fp)
    out["false_positive_rate"] = ratio(fp, fp + tn)
    out["false_negative_rate"] = ratio(fn, fn + tp)
    return out


def weighted_figures(matrix: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Accuracy and support-weighted precision/recall/Fβ of ``{actual: {predicted: count}}``."""
    total = sum(sum(row.values()) for row in matrix.values())
    predicted_totals: dict[str, float] = {}
    for row in matrix.values():
        for label, count in row.items():
            predicted_totals[label] = predicted_totals.get(label, 0.0) + count
    sums = {"weighted_recall": 0.0, "weighted_precision": 0.0}
    sums.update({f"weighted_{name}": 0.0 for name, _ in BETAS})
    correct = 0.0
    for label, row in matrix.items():
        support = sum(row.values())
        hits = row.get(label, 0.0)
        correct += hits
        precision = ratio(hits, predicted_totals.get(label, 0.0))
        recall = ratio(hits, support)
        sums["weighted_recall"] += support * recall
        sums["weighted_precision"] += support * precision
        for name, beta in BETAS:
            sums[f"weighted_{name}"] += support * fbeta(precision, recall, beta)
    out = {"accuracy": ratio(correct, total)}
    out.update({name: ratio(value, total) for name, value in sums.items()})
    return out
