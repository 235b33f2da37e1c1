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
    AttributionDriftSettings,
    BiasDriftSettings,
    DriftlineConfig,
    KafkaConfig,
    LabelSettings,
    MetricsConfig,
    ModelQualitySettings,
    MonitorConfig,
    MonitorMatch,
    WorkerConfig,
)
from stream.config.values import (
    ConfigError,
    coerce,
    env_name,
    env_overrides,
    import_callable,
    reject_unknown,
)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def load_config(path: Path | None, env: Mapping[str, str]) -> DriftlineConfig:
    """Read ``path`` (TOML; None for defaults only) and apply ``DRIFTLINE_*`` overrides."""
    raw: dict[str, Any] = {}
    base = Path.cwd()
    if path is not None:
        try:
            # a leading byte-order mark (Windows editors write one) is skipped, as replay does
            raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except OSError as error:
            msg = f"cannot read config file {path}: {error.strerror or error}"
            raise ConfigError(msg) from error
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:  # TOML is UTF-8
            msg = f"config file {path} is not valid TOML: {error}"
            raise ConfigError(msg) from error
        except RecursionError as error:  # tomllib parses nested arrays and tables recursively
            msg = f"config file {path} is not valid TOML: arrays or tables nested too deeply"
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
    kafka = sections["kafka"]
    for key in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        location = getattr(kafka, key)
        _check(location is None or location.is_file(), f"kafka.{key} {location} is not a file")
    provider = kafka.sasl_oauth_token_provider
    if provider is not None:  # imported at startup, so a typo fails here, not at connect time
        import_callable(provider, "kafka.sasl_oauth_token_provider")
    entries = raw.get("monitor", [])
    _check(isinstance(entries, list), f"[[monitor]] must be an array of tables in {origin}")
    monitors = tuple(_build_monitor(entry, env, origin, base) for entry in entries)
    _reject_unknown_monitor_env(env, monitors)
    return DriftlineConfig(**sections, monitors=monitors, source=path)


# a monitor's tables: built with defaults when absent (True) or only when present (False)
_SECTIONS: dict[str, tuple[type, bool]] = {
    "match": (MonitorMatch, True),
    "labels": (LabelSettings, True),
    "model_quality": (ModelQualitySettings, False),
    "bias": (BiasDriftSettings, False),
    "attribution": (AttributionDriftSettings, False),
}


def _build_monitor(entry: Any, env: Mapping[str, str], origin: str, base: Path) -> MonitorConfig:
    _check(isinstance(entry, dict), f"each [[monitor]] must be a table in {origin}")
    name = entry.get("name")
    _check(isinstance(name, str), f"every [[monitor]] needs a string name in {origin}")
    prefix = f"DRIFTLINE_MONITOR_{env_name(name)}_"
    overrides = env_overrides(env, prefix, MonitorConfig, strict=False)
    overrides.pop("name", None)  # the name is the override key itself
    sections = {}
    for key, (cls, always) in _SECTIONS.items():
        table = entry.get(key)
        section_env = env_overrides(env, f"{prefix}{key.upper()}_", cls, strict=False)
        if table is None and not always:
            _check(
                not section_env,
                f"{next(iter(section_env.values()), ('',))[0]} sets [monitor.{key}], "
                f"which monitor {name!r} does not have in {origin}",
            )
            continue
        table = {} if table is None else table
        _check(isinstance(table, dict), f"monitor {name!r}: {key} must be a table in {origin}")
        where = f"monitor {name!r}: {key}."
        try:
            sections[key] = _build(cls, table, section_env, where, origin, base)
        except ConfigError as error:
            raise ConfigError(_in_monitor(name, str(error))) from error
    values = {k: v for k, v in entry.items() if k not in _SECTIONS}
    monitor: MonitorConfig = _build(
        MonitorConfig, values, overrides, f"monitor {name!r}: ", origin, base, sections
    )
    locations = [(key, getattr(monitor, key)) for key in ("baseline", "preprocessor")]
    locations.append(("postprocessor", monitor.postprocessor))
    for key in monitor.labelled_sections:
        locations.append((f"{key}.baseline", getattr(monitor, key).baseline))
    for key, location in locations:
        _check(
            location is None or location.exists(),
            f"monitor {name!r}: {key} {location} does not exist",
        )
    return monitor


def _in_monitor(name: str, message: str) -> str:
    prefix = f"monitor {name!r}: "
    return message if message.startswith(prefix) else prefix + message


def _build(
    cls: Any,
    table: Mapping[str, Any],
    overrides: Mapping[str, tuple[str, str]],
    where: str,
    origin: str,
    base: Path,
    sections: Mapping[str, Any] | None = None,
) -> Any:
    hints = typing.get_type_hints(cls)
    nested = set(sections or {})
    known = [f.name for f in dataclasses.fields(cls) if f.name not in nested]
    reject_unknown(table, known, f"key in {where.rstrip('. :') or cls.__name__}", origin)
    values: dict[str, Any] = {}
    for key, value in table.items():
        values[key] = coerce(value, hints[key], f"{where}{key} in {origin}", base, from_env=False)
    for key, (variable, text) in overrides.items():
        values[key] = coerce(text, hints[key], f"{variable}", base, from_env=True)
    values.update(sections or {})
    missing = [f.name for f in dataclasses.fields(cls) if f.name not in values and _required(f)]
    _check(not missing, f"{where}missing required key(s) {', '.join(missing)} in {origin}")
    return cls(**values)


def _required(f: dataclasses.Field[Any]) -> bool:
    no_default = dataclasses.MISSING
    return f.default is no_default and f.default_factory is no_default


def _reject_unknown_monitor_env(
    env: Mapping[str, str], monitors: tuple[MonitorConfig, ...]
) -> None:
    skipped = ("name", *_SECTIONS)
    keys = [f.name.upper() for f in dataclasses.fields(MonitorConfig) if f.name not in skipped]
    for section, (cls, _) in _SECTIONS.items():
        keys += [f"{section.upper()}_{f.name.upper()}" for f in dataclasses.fields(cls)]
    allowed = {m.env_prefix + key for m in monitors for key in keys}
    for variable in env:
        if variable.startswith("DRIFTLINE_MONITOR_") and variable not in allowed:
            msg = (
                f"environment variable {variable} matches no monitor setting; monitors: "
                f"{[m.name for m in monitors]} (DRIFTLINE_MONITOR_<NAME>_<KEY>, "
                f"or _<SECTION>_<KEY> for match, labels, model_quality, bias, attribution)"
            )
            raise ConfigError(msg)
