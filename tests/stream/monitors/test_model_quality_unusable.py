"""A model-quality run names the joined labels it could not use, by reason, per problem type.

Hand-counted: a regression run fed 10 labels of which 3 are ``abc`` and 1 is ``NaN`` (text,
as the ground-truth reader keeps a non-number) leaves 4 out as not a number; a multiclass
run capped at 100 classes leaves out the rows of every class past the 100th.
"""

from __future__ import annotations

from stream.capture.predictions import LocatedPrediction
from stream.monitors.model_quality import (
    ModelQualityRun,
    unusable_label_reasons,
    unusable_labels_note,
)


def test_regression_labels_that_are_not_numbers() -> None:
    run = ModelQualityRun("Regression")
    labels = [1.0, "abc", 2.0, "abc", 3.0, "NaN", 4.0, "abc", 5.0, 6.0]
    run.update_many(labels, [LocatedPrediction(predicted=1.5, score=None)] * len(labels))
    assert run.unusable_labels() == {"not_a_number": 4}
    assert run.statistics().item_count == 6
    assert unusable_labels_note(run.unusable_labels(), joined=run.merged) == (
        "4 of 10 labels not usable for model quality (not a number: 4)"
    )


def test_multiclass_classes_past_the_cap() -> None:
    run = ModelQualityRun("MulticlassClassification")
    labels = [f"class-{i}" for i in range(103)]  # each its own class: 3 past the cap of 100
    run.update_many(labels, [LocatedPrediction(predicted=label, score=None) for label in labels])
    assert run.unusable_labels() == {"too_many_classes": 3}
    assert unusable_labels_note(run.unusable_labels()) == (
        "3 labels not usable for model quality (a class beyond max_classes: 3)"
    )


def test_every_problem_type_names_its_reasons() -> None:
    assert unusable_label_reasons("BinaryClassification") == (
        "missing", "not_binary", "prediction_missing", "prediction_not_binary",
    )  # fmt: skip
    assert unusable_label_reasons("Regression") == (
        "missing", "not_a_number", "prediction_missing", "prediction_not_a_number",
    )  # fmt: skip
