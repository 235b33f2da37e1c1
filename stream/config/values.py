"""Typed values for :mod:`stream.config.settings`: TOML values and environment strings to types.

Supported field types are ``str``, ``int``, ``float``, ``Path``, ``tuple[str, ...]`` and any of
them ``| None``. From TOML a value must already have the right type (an integer is accepted for
a float); from the environment it is parsed from text, lists are comma-separated and an empty
string means None for optional fields.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


class ConfigError(ValueError):
    """A configuration mistake a user can fix; the message is one line."""


def env_name(name: str) -> str:
    """Upper-case ``name`` with every non-alphanumeric character replaced by ``_``.

    Examples
    --------
    >>> env_name("credit-model.v2")
    'CREDIT_MODEL_V2'
    """
    return _NOT_ALNUM.sub("_", name.upper())


def reject_unknown(table: Mapping[str, Any], known: Iterable[str], what: str, origin: str) -> None:
    """Raise ConfigError naming the first key of ``table`` that is not in ``known``."""
    allowed = list(known)
    for key in table:
        if key not in allowed:
            msg = f"unknown {what} {key!r} in {origin}; expected one of: {', '.join(allowed)}"
            raise ConfigError(msg)


def env_overrides(
    env: Mapping[str, str], prefix: str, cls: Any, *, strict: bool
) -> dict[str, tuple[str, str]]:
    """Scalar fields of dataclass ``cls`` set in ``env`` as ``prefix + KEY``.

    Returns ``{field name: (variable, text)}``. With ``strict``, a variable that starts with
    ``prefix`` but names no field raises ConfigError (a typo would otherwise go unnoticed).
    """
    hints = typing.get_type_hints(cls)
    scalar = [f.name for f in dataclasses.fields(cls) if not _is_dataclass(hints[f.name])]
    names = {prefix + name.upper(): name for name in scalar}
    found: dict[str, tuple[str, str]] = {}
    for variable, text in env.items():
        if variable in names:
            found[names[variable]] = (variable, text)
        elif strict and variable.startswith(prefix):
            msg = f"unknown environment variable {variable}; expected one of: {', '.join(names)}"
            raise ConfigError(msg)
    return found


def _is_dataclass(hint: Any) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def coerce(value: Any, hint: Any, where: str, base: Path, *, from_env: bool) -> Any:
    """Convert ``value`` to the field type ``hint``; ``where`` names it in error messages."""
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        optional, hint = len(members) < len(typing.get_args(hint)), members[0]
    if from_env and optional and value.strip() == "":
        return None
    if typing.get_origin(hint) is tuple:
        items = [v.strip() for v in value.split(",") if v.strip()] if from_env else value
        ok = isinstance(items, list) and all(isinstance(v, str) for v in items)
        return tuple(items) if ok else _wrong(where, "a list of strings", value)
    if from_env:
        return _parse_text(value, hint, where, base)
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint is Path and isinstance(value, str):
        return _resolve(value, base)
    if hint in (int, str) and type(value) is hint:
        return value
    return _wrong(where, _NOUNS[hint], value)


_NOUNS = {int: "an integer", float: "a number", str: "a string", Path: "a path string"}


def _parse_text(text: str, hint: Any, where: str, base: Path) -> Any:
    if hint is str:
        return text
    if hint is Path:
        return _resolve(text, Path.cwd())
    try:
        return hint(text.strip())
    except ValueError:
        return _wrong(where, _NOUNS[hint], text)


def _resolve(text: str, base: Path) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _wrong(where: str, expected: str, value: Any) -> Any:
    msg = f"{where} must be {expected}, got {value!r}"
    raise ConfigError(msg)
