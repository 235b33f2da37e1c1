"""Mergeable building blocks: moments, a KLL quantile sketch, bounded categorical counts."""

from detectors.sketches.categorical_counts import CategoricalCounts
from detectors.sketches.moments import Moments
from detectors.sketches.numeric_sketch import NumericSketch
from detectors.sketches.weighted_cdf import WeightedCdf, ks_distance

__all__ = ["CategoricalCounts", "Moments", "NumericSketch", "WeightedCdf", "ks_distance"]
