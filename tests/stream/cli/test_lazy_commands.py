"""The lazy command group: a command's module is imported when asked for, without collection."""

from __future__ import annotations

import gc
import importlib
from types import ModuleType, SimpleNamespace

import click
import pytest

import stream.cli as cli


def test_every_command_resolves_and_the_collector_runs_again_after() -> None:
    group = cli.main
    assert isinstance(group, cli.LazyGroup)
    context = click.Context(group)
    for name in group.list_commands(context):
        assert isinstance(group.get_command(context, name), click.Command)
        assert gc.isenabled()
    assert group.get_command(context, "no-such-command") is None


def test_the_collector_is_off_while_a_command_imports_and_on_even_when_it_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []

    def fake_import(name: str) -> ModuleType | SimpleNamespace:
        seen.append(gc.isenabled())
        if name == "broken":
            raise ImportError("broken module")
        return SimpleNamespace(command=click.Command("fake"))

    monkeypatch.setattr(importlib, "import_module", fake_import)
    monkeypatch.setattr(cli, "COMMANDS", {"fake": "fine:command", "bad": "broken:command"})
    context = click.Context(cli.main)
    assert cli.main.get_command(context, "fake").name == "fake"  # type: ignore[union-attr]
    with pytest.raises(ImportError, match="broken module"):
        cli.main.get_command(context, "bad")
    assert seen == [False, False]
    assert gc.isenabled()
