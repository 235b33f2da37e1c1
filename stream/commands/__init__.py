"""Command families of the ``driftline`` CLI; each module exposes ``register(group)``."""

from __future__ import annotations

import importlib

import click

# One entry per command module; a module adds its commands to the group it is given.
COMMAND_MODULES: tuple[str, ...] = ("baseline", "analyze", "io", "worker", "demo")


def register_all(group: click.Group) -> None:
    """Add every command family to ``group``."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"stream.commands.{name}").register(group)
