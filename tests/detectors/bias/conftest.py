from __future__ import annotations

from typing import Any

from detectors.bias.analysis import FacetEntry
from detectors.bias.bias_row import BiasRow
from detectors.bias.post_training_bias import PostTrainingBias


def fed(rows: list[BiasRow], **params: Any) -> PostTrainingBias:
    detector = PostTrainingBias(min_samples=1, **params)
    for row in rows:
        detector.update(row)
    return detector


def entries(detector: PostTrainingBias) -> tuple[tuple[FacetEntry, ...], tuple[FacetEntry, ...]]:
    analysis = detector.analysis()
    assert analysis.pre_training is not None and analysis.post_training is not None
    return analysis.pre_training.facets[0][1], analysis.post_training.facets[0][1]
