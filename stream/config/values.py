"""Typed values for :mod:`stream.config.settings`: TOML values and environment strings to types.

Supported field types are ``str``, ``int``, ``float``, ``Path``, ``tuple[str, ...]``,
:data:`ValuePairs` (a TOML table of text, ``a=1,b=2`` in the environment) and any of them
``| None``. From TOML a value must already have the right type (an integer is accepted for
a float); from the environment it is parsed from text, lists are comma-separated and an empty
string means None for optional fields.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
ValuePairs = tuple[tuple[str, str], ...]  # an ordered text → text map, e.g. an A2I value map


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


def import_callable(spec: str, where: str) -> Callable[..., Any]:
    """The function named by ``package.module:function``; ConfigError when it cannot be had.

    Examples
    --------
    >>> import_callable("os.path:join", "x")("a", "b")
    'a/b'
    >>> import_callable("os.path:nowhere", "kafka.sasl_oauth_token_provider")
    Traceback (most recent call last):
    ...
    stream.config.values.ConfigError: kafka.sasl_oauth_token_provider: os.path has no nowhere
    """
    module_name, _, attribute = spec.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
    except Exception as error:  # the user's module may fail in any way while importing
        detail = str(error).splitlines()[0] if str(error) else ""
        msg = f"{where}: cannot import {module_name}: {type(error).__name__}: {detail}"
        raise ConfigError(msg) from error
    for part in attribute.split("."):
        found = getattr(found, part, None)
        if found is None:
            msg = f"{where}: {module_name} has no {attribute}"
            raise ConfigError(msg)
    if not callable(found):
        msg = f"{where}: {spec} is a {type(found).__name__}, not a function"
        raise ConfigError(msg)
    return found  # type: ignore[no-any-return]


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
    """Whether a field holds a nested table (a dataclass, optional or not)."""
    members = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    return any(isinstance(m, type) and dataclasses.is_dataclass(m) for m in members)


def coerce(value: Any, hint: Any, where: str, base: Path, *, from_env: bool) -> Any:
    """Convert ``value`` to the field type ``hint``; ``where`` names it in error messages."""
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        optional, hint = len(members) < len(typing.get_args(hint)), members[0]
    if from_env and optional and value.strip() == "":
        return None
    if hint == ValuePairs:
        return _value_pairs(value, where, from_env=from_env)
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


def parse_value_pairs(text: str, what: str = "value map") -> ValuePairs:
    """``"yes=1, no=0"`` → ``(("yes", "1"), ("no", "0"))``; ConfigError on a bad entry.

    Examples
    --------
    >>> parse_value_pairs("yes=1, no=0")
    (('yes', '1'), ('no', '0'))
    """
    pairs = []
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            msg = f"{what} entries look like answer=label, got {item.strip()!r}"
            raise ConfigError(msg)
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def _value_pairs(value: Any, where: str, *, from_env: bool) -> ValuePairs:
    """A TOML table of text/number values (or ``a=1,b=2`` text from the environment)."""
    if from_env:
        return parse_value_pairs(value, where)
    numbers = (int, float, str)
    if not isinstance(value, dict) or not all(
        isinstance(v, numbers) and not isinstance(v, bool) for v in value.values()
    ):
        return _wrong(where, 'a table like { yes = "1", no = "0" }', value)
    return tuple((str(k), v if isinstance(v, str) else _number_text(v)) for k, v in value.items())


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


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
