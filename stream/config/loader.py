"""One frozen configuration tree, loaded once from a TOML file and the environment.

Every setting can be overridden by an environment variable named after its place in the file:
``DRIFTLINE_<SECTION>_<KEY>`` for ``[kafka]``, ``[metrics]`` and ``[worker]`` (e.g.
``DRIFTLINE_KAFKA_PARTITIONS=8``) and ``DRIFTLINE_MONITOR_<NAME>_<KEY>`` for a ``[[monitor]]``
entry, with the name upper-cased and every non-alphanumeric character replaced by ``_``
(``credit-model`` → ``DRIFTLINE_MONITOR_CREDIT_MODEL_WINDOW_SECONDS``; the match table as
``..._MATCH_ENDPOINT``). Lists are comma-separated in the environment; an empty value clears an
optional setting. The environment overrides monitors from the file; it cannot add one.

Paths (baseline folders, pre/post-processing scripts) are resolved relative to the config file.
Mistakes raise :class:`ConfigError` with a one-line message naming the key and its source.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stream.config.settings import (
    DriftlineConfig,
    KafkaConfig,
    MetricsConfig,
    MonitorConfig,
    MonitorMatch,
    WorkerConfig,
)
from stream.config.values import ConfigError, coerce, env_name, env_overrides, reject_unknown


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def load_config(path: Path | None, env: Mapping[str, str]) -> DriftlineConfig:
    """Read ``path`` (TOML; None for defaults only) and apply ``DRIFTLINE_*`` overrides."""
    raw: dict[str, Any] = {}
    base = Path.cwd()
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            msg = f"cannot read config file {path}: {error.strerror or error}"
            raise ConfigError(msg) from error
        except tomllib.TOMLDecodeError as error:
            msg = f"config file {path} is not valid TOML: {error}"
            raise ConfigError(msg) from error
        base = path.resolve().parent
    origin = str(path) if path is not None else "defaults"
    reject_unknown(raw, ("kafka", "metrics", "worker", "monitor"), "top-level key", origin)
    sections: dict[str, Any] = {}
    for name, cls in (("kafka", KafkaConfig), ("metrics", MetricsConfig), ("worker", WorkerConfig)):
        table = raw.get(name, {})
        _check(isinstance(table, dict), f"[{name}] must be a table in {origin}")
        overrides = env_overrides(env, f"DRIFTLINE_{name.upper()}_", cls, strict=True)
        sections[name] = _build(cls, table, overrides, f"{name}.", origin, base)
    entries = raw.get("monitor", [])
    _check(isinstance(entries, list), f"[[monitor]] must be an array of tables in {origin}")
    monitors = tuple(_build_monitor(entry, env, origin, base) for entry in entries)
    _reject_unknown_monitor_env(env, monitors)
    return DriftlineConfig(**sections, monitors=monitors, source=path)


def _build_monitor(entry: Any, env: Mapping[str, str], origin: str, base: Path) -> MonitorConfig:
    _check(isinstance(entry, dict), f"each [[monitor]] must be a table in {origin}")
    name = entry.get("name")
    _check(isinstance(name, str), f"every [[monitor]] needs a string name in {origin}")
    prefix = f"DRIFTLINE_MONITOR_{env_name(name)}_"
    overrides = env_overrides(env, prefix, MonitorConfig, strict=False)
    overrides.pop("name", None)  # the name is the override key itself
    match_table = entry.get("match", {})
    _check(isinstance(match_table, dict), f"monitor {name!r}: match must be a table in {origin}")
    match_env = env_overrides(env, prefix + "MATCH_", MonitorMatch, strict=False)
    where = f"monitor {name!r}: match."
    match = _build(MonitorMatch, match_table, match_env, where, origin, base)
    values = {k: v for k, v in entry.items() if k != "match"}
    monitor: MonitorConfig = _build(
        MonitorConfig, values, overrides, f"monitor {name!r}: ", origin, base, match
    )
    for key in ("baseline", "preprocessor", "postprocessor"):
        location = getattr(monitor, key)
        _check(
            location is None or location.exists(),
            f"monitor {name!r}: {key} {location} does not exist",
        )
    return monitor


def _build(
    cls: Any,
    table: Mapping[str, Any],
    overrides: Mapping[str, tuple[str, str]],
    where: str,
    origin: str,
    base: Path,
    match: MonitorMatch | None = None,
) -> Any:
    hints = typing.get_type_hints(cls)
    known = [f.name for f in dataclasses.fields(cls) if f.name != "match"]
    reject_unknown(table, known, f"key in {where.rstrip('. :') or cls.__name__}", origin)
    values: dict[str, Any] = {}
    for key, value in table.items():
        values[key] = coerce(value, hints[key], f"{where}{key} in {origin}", base, from_env=False)
    for key, (variable, text) in overrides.items():
        values[key] = coerce(text, hints[key], f"{variable}", base, from_env=True)
    if match is not None:
        values["match"] = match
    missing = [f.name for f in dataclasses.fields(cls) if f.name not in values and _required(f)]
    _check(not missing, f"{where}missing required key(s) {', '.join(missing)} in {origin}")
    return cls(**values)


def _required(f: dataclasses.Field[Any]) -> bool:
    no_default = dataclasses.MISSING
    return f.default is no_default and f.default_factory is no_default


def _reject_unknown_monitor_env(
    env: Mapping[str, str], monitors: tuple[MonitorConfig, ...]
) -> None:
    keys = [f.name.upper() for f in dataclasses.fields(MonitorConfig) if f.name not in ("name",)]
    keys += [f"MATCH_{f.name.upper()}" for f in dataclasses.fields(MonitorMatch)]
    allowed = {m.env_prefix + key for m in monitors for key in keys}
    for variable in env:
        if variable.startswith("DRIFTLINE_MONITOR_") and variable not in allowed:
            msg = (
                f"environment variable {variable} matches no monitor setting; monitors: "
                f"{[m.name for m in monitors]} (DRIFTLINE_MONITOR_<NAME>_<KEY>)"
            )
            raise ConfigError(msg)
