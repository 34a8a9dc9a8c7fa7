"""The CLI commands, one module each; ``procsimp.cli`` adds them to the ``procsimp`` group.

Each module defines a click command named like the module, a thin wrapper over one public
function. ``COMMANDS`` gives the order in which ``procsimp --help`` lists them.
"""

from __future__ import annotations

import importlib

import click

COMMANDS: tuple[str, ...] = (
    "validate",
    "convert",
    "profile",
    "compare",
    "mine",
    "flag",
    "propose",
    "conform",
    "report",
    "anonymize",
    "demo",
    "generate",
    "catalog",
)


def load_commands() -> list[click.Command]:
    return [getattr(importlib.import_module(f"procsimp.cli.commands.{name}"), name) for name in COMMANDS]
