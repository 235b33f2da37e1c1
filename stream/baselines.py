"""Baseline folders: ``statistics.json`` + ``constraints.json`` read and written as files."""

from __future__ import annotations

import decimal
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from detectors.quality.constraints import Constraints, constraints_from_json, constraints_to_json
from detectors.quality.statistics import DatasetStatistics
from detectors.quality.statistics_json import statistics_from_json, statistics_to_json
from detectors.quality.value_types import FRACTIONAL, INTEGRAL, STRING

STATISTICS = "statistics.json"
CONSTRAINTS = "constraints.json"
VIOLATIONS = "constraint_violations.json"


class BaselineError(Exception):
    """A baseline folder or file that cannot be used."""


@dataclass(frozen=True)
class DataQualityBaseline:
    """A loaded data-quality baseline."""

    statistics: DatasetStatistics
    constraints: Constraints

    @property
    def features(self) -> tuple[str, ...]:
        """Feature names in column order (statistics order, then constraint-only names)."""
        names = list(self.statistics.names)
        names += [f.name for f in self.constraints.features if f.name not in names]
        return tuple(names)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Profile kinds per feature: numeric, string, or auto when the type is unknown."""
        out = []
        for name in self.features:
            c = self.constraints.feature(name)
            s = self.statistics.feature(name)
            t = c.inferred_type if c is not None else (s.inferred_type if s else "Unknown")
            out.append(
                "numeric" if t in (INTEGRAL, FRACTIONAL) else "string" if t == STRING else "auto"
            )
        return tuple(out)


def read_json(path: Path) -> Any:
    """Read a JSON file, or raise BaselineError with a one-line reason."""
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError as exc:
        msg = f"no such file: {path}"
        raise BaselineError(msg) from exc
    except orjson.JSONDecodeError as exc:
        msg = f"{path} is not valid JSON: {exc}"
        raise BaselineError(msg) from exc


def write_json(path: Path, doc: Any, *, plain_decimals: bool = False) -> None:
    """Write a JSON document, pretty-printed, creating the folder.

    ``plain_decimals`` writes every number without an exponent (``1e-07`` as ``0.0000001``):
    SageMaker's documentation warns that its container mishandles scientific notation in
    constraints files.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dumps_pretty(doc, plain_decimals=plain_decimals) + b"\n")


_PLAIN = "\x1fdriftline-plain-number:"
_PLAIN_QUOTED = re.compile(rb'"\\u001fdriftline-plain-number:(-?[0-9.]+)"')


def dumps_pretty(doc: Any, *, plain_decimals: bool = False) -> bytes:
    r"""Indented JSON; with ``plain_decimals`` floats never use exponent notation.

    Examples
    --------
    >>> dumps_pretty({"threshold": 1e-07, "max": 2.5e20, "n": 3}, plain_decimals=True)
    b'{\n  "threshold": 0.0000001,\n  "max": 250000000000000000000.0,\n  "n": 3\n}'
    >>> dumps_pretty([1e-07])
    b'[\n  1e-7\n]'
    """
    if not plain_decimals:
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2)
    text = orjson.dumps(_mark_exponents(doc), option=orjson.OPT_INDENT_2)
    return _PLAIN_QUOTED.sub(lambda m: m.group(1), text)


def _mark_exponents(value: Any) -> Any:
    """Floats whose shortest form has an exponent become marked plain-decimal strings."""
    if isinstance(value, float) and math.isfinite(value) and "e" in repr(value):
        plain = format(decimal.Decimal(repr(value)), "f")
        return _PLAIN + (plain if "." in plain else plain + ".0")
    if isinstance(value, dict):
        return {k: _mark_exponents(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark_exponents(v) for v in value]
    return value


def load_data_quality_baseline(folder: Path) -> DataQualityBaseline:
    """Load ``statistics.json`` and ``constraints.json`` from a folder."""
    if not folder.is_dir():
        msg = f"baseline folder not found: {folder}"
        raise BaselineError(msg)
    try:
        stats = statistics_from_json(read_json(folder / STATISTICS))
        constraints = constraints_from_json(read_json(folder / CONSTRAINTS))
    except ValueError as exc:
        msg = f"baseline in {folder} is not usable: {exc}"
        raise BaselineError(msg) from exc
    return DataQualityBaseline(stats, constraints)


def save_data_quality_baseline(folder: Path, baseline: DataQualityBaseline) -> None:
    """Write ``statistics.json`` and ``constraints.json`` into a folder."""
    write_json(folder / STATISTICS, statistics_to_json(baseline.statistics))
    write_json(folder / CONSTRAINTS, constraints_to_json(baseline.constraints), plain_decimals=True)
