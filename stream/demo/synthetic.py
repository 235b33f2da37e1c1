"""Synthetic tabular traffic with optional drift, for the demo, the benchmark and the tests.

A :class:`SyntheticSchema` names numeric features (normal, integer-valued or uniform) and
categorical ones; :meth:`SyntheticSchema.rows` draws CSV-ready rows from a seeded
``random.Random``, shifting the features listed in ``drifted``: a numeric feature moves by
one standard deviation (a Kolmogorov–Smirnov distance of about 0.38), a categorical one
swaps its most and least frequent categories. :meth:`SyntheticSchema.baseline` profiles a
clean sample into a SageMaker-style baseline with the detectors API.

Examples
--------
>>> import random
>>> schema = SyntheticSchema.demo()
>>> schema.features
('age', 'income', 'tenure_months', 'score', 'plan', 'region')
>>> row = schema.rows(random.Random(1), 1)[0]
>>> len(row) == len(schema.features)
True
>>> record = capture_record("i-1", 1709647651.25, row)
>>> record["eventMetadata"]["inferenceTime"]
'2024-03-05T14:07:31.250Z'
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import orjson

from detectors.quality.constraints import suggest_constraints
from detectors.quality.dataset_profile import DatasetProfile
from stream.capture.records import iso_utc
from stream.monitors.data_quality import DataQualityBaseline


@dataclass(frozen=True, slots=True)
class NumericFeature:
    """A numeric feature: ``normal`` (mean, sd), ``integer`` (rounded normal) or ``uniform``."""

    name: str
    shape: str
    mean: float
    sd: float


@dataclass(frozen=True, slots=True)
class CategoricalFeature:
    """A categorical feature with category weights."""

    name: str
    categories: tuple[str, ...]
    weights: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class SyntheticSchema:
    """Features of synthetic traffic, numeric first, in CSV column order."""

    numeric: tuple[NumericFeature, ...]
    categorical: tuple[CategoricalFeature, ...]

    @classmethod
    def demo(cls) -> SyntheticSchema:
        """Four numeric and two categorical features with readable names."""
        return cls(
            numeric=(
                NumericFeature("age", "integer", 41.0, 11.0),
                NumericFeature("income", "normal", 52_000.0, 9_000.0),
                NumericFeature("tenure_months", "integer", 30.0, 12.0),
                NumericFeature("score", "uniform", 0.5, 0.2887),
            ),
            categorical=(
                CategoricalFeature("plan", ("basic", "premium", "gold"), (0.6, 0.3, 0.1)),
                CategoricalFeature("region", ("north", "south", "east", "west"), (4, 3, 2, 1)),
            ),
        )

    @classmethod
    def wide(cls, n_numeric: int = 16, n_categorical: int = 4) -> SyntheticSchema:
        """``f0 … f<n-1>``: normal numeric features, then 4-category features."""
        return cls(
            numeric=tuple(
                NumericFeature(f"f{i}", "normal", float(i), 1.0 + i / 10) for i in range(n_numeric)
            ),
            categorical=tuple(
                CategoricalFeature(f"f{n_numeric + j}", ("a", "b", "c", "d"), (4, 3, 2, 1))
                for j in range(n_categorical)
            ),
        )

    @property
    def features(self) -> tuple[str, ...]:
        """Feature names in column order."""
        return tuple(f.name for f in self.numeric) + tuple(f.name for f in self.categorical)

    def rows(self, rng: random.Random, n: int, drifted: Collection[str] = ()) -> list[list[str]]:
        """``n`` rows of CSV field texts; features in ``drifted`` come from the shifted law."""
        columns: list[list[str]] = []
        for f in self.numeric:
            shift = f.sd if f.name in drifted else 0.0
            columns.append([_numeric_text(f, rng, shift) for _ in range(n)])
        for c in self.categorical:
            weights = list(c.weights)
            if c.name in drifted:
                hi, lo = weights.index(max(weights)), weights.index(min(weights))
                weights[hi], weights[lo] = weights[lo], weights[hi]
            columns.append(rng.choices(c.categories, weights=weights, k=n))
        return [list(row) for row in zip(*columns, strict=True)]

    def baseline(self, *, seed: int = 7, n: int = 20_000) -> DataQualityBaseline:
        """Statistics and suggested constraints of ``n`` clean rows."""
        profile = DatasetProfile(features=self.features)
        rows = self.rows(random.Random(seed), n)
        profile.update_columns(dict(zip(self.features, zip(*rows, strict=True), strict=True)), n)
        statistics = profile.statistics()
        return DataQualityBaseline(statistics, suggest_constraints(statistics))


def _numeric_text(f: NumericFeature, rng: random.Random, shift: float) -> str:
    if f.shape == "uniform":
        half = f.sd * 3**0.5
        return f"{rng.uniform(f.mean - half, f.mean + half) + shift:.4f}"
    value = rng.gauss(f.mean + shift, f.sd)
    return str(round(value)) if f.shape == "integer" else f"{value:.4f}"


def capture_record(inference_id: str, event_seconds: float, values: list[str]) -> dict[str, Any]:
    """A SageMaker capture record with ``values`` as the CSV endpoint input."""
    return {
        "captureData": {
            "endpointInput": {
                "observedContentType": "text/csv",
                "mode": "INPUT",
                "data": ",".join(values),
                "encoding": "CSV",
            }
        },
        "eventMetadata": {
            "eventId": f"e-{inference_id}",
            "inferenceId": inference_id,
            "inferenceTime": iso_utc(event_seconds),
        },
        "eventVersion": "0",
    }


def json_capture_record(
    inference_id: str, event_seconds: float, values: list[str]
) -> dict[str, Any]:
    """:func:`capture_record` with the input as a JSON array of numbers and texts.

    >>> part = json_capture_record("i", 0.0, ["41", "2.5", "gold"])["captureData"]["endpointInput"]
    >>> part["data"], part["encoding"]
    ('[41,2.5,"gold"]', 'JSON')
    """
    record = capture_record(inference_id, event_seconds, values)
    record["captureData"]["endpointInput"].update(
        observedContentType="application/json",
        data=orjson.dumps([_json_value(v) for v in values]).decode(),
        encoding="JSON",
    )
    return record


def _json_value(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text
