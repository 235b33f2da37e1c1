"""JSON artifacts on disk: read with a one-line error, written pretty, with plain decimals.

Every baseline folder (data quality, model quality, bias, attribution) and every output
folder of ``analyze`` is read and written through here.
"""

from __future__ import annotations

import decimal
import math
import os
import re
from pathlib import Path
from typing import Any

import orjson

STATISTICS = "statistics.json"
CONSTRAINTS = "constraints.json"
VIOLATIONS = "constraint_violations.json"
ATTRIBUTION = "attribution"  # the attribution monitor's folder in a baseline folder
MODEL_QUALITY = "model_quality"  # the model-quality monitor's folder in a baseline folder


class BaselineError(Exception):
    """A baseline folder or file that cannot be used."""


# What reading a baseline document may raise: a value error, and a field of the wrong type
# (a string where an object goes: AttributeError, TypeError) or missing (KeyError).
MALFORMED = (KeyError, TypeError, AttributeError, ValueError)


def not_usable(what: str, folder: Path, exc: Exception, file: str = "") -> BaselineError:
    """``{what} in {folder} is not usable: …``, a mistyped field named by its exception.

    ``file`` names the file being read, where the reason does not already name it.

    >>> str(not_usable("baseline", Path("b"), AttributeError("'str' has no attribute 'get'")))
    "baseline in b is not usable: AttributeError: 'str' has no attribute 'get'"
    >>> str(not_usable("baseline", Path("b"), KeyError("threshold"), "constraints.json"))
    "baseline in b is not usable: constraints.json: KeyError: 'threshold'"
    """
    reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
    if file and file not in reason:
        reason = f"{file}: {reason}"
    return BaselineError(f"{what} in {folder} is not usable: {reason}")


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

    The document goes to a temporary file beside ``path`` that then replaces it, so a write
    that fails (a full disk) leaves the previous file, or none, never a truncated one; the
    OSError then names ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(dumps_pretty(doc, plain_decimals=plain_decimals) + b"\n")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


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
