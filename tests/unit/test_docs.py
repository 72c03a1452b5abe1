"""Documentation stays true: every setting and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from pingan.cli import app
from pingan.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _commands(group: typer.main.TyperGroup | object, prefix: str = "") -> list[str]:
    found = []
    for name, command in getattr(group, "commands", {}).items():
        if hasattr(command, "commands"):
            found += _commands(command, f"{prefix}{name} ")
        else:
            found.append(f"{prefix}{name}")
    return found


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        variable = f"PINGAN_{name.upper()}"
        assert variable in text, f"{variable} missing from docs/configuration.md"


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _commands(typer.main.get_command(app))
    assert len(commands) >= 12
    for command in commands:
        assert f"`pingan {command}" in text, f"`pingan {command}` missing from docs/cli.md"
