"""The CLI commands, one module each; ``procsimp.cli`` adds them to the ``procsimp`` group.

Each module defines a click command named like the module, a thin wrapper over one public
function. ``COMMANDS`` gives the order in which ``procsimp --help`` lists them.
"""

from __future__ import annotations

import importlib

import click

COMMANDS: tuple[str, ...] = (
    "validate",
    "profile",
    "mine",
    "flag",
    "propose",
    "report",
    "demo",
    "generate",
    "catalog",
)


def load_commands() -> list[click.Command]:
    commands = []
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"procsimp.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"procsimp.commands.{name}":
                continue  # not built yet
            raise
        commands.append(getattr(module, name))
    return commands
