"""The documentation cannot drift from the code: every command and public name is documented."""

from __future__ import annotations

from pathlib import Path

import click

import procsimp
from procsimp.cli import main
from procsimp.cli.commands import COMMANDS
from procsimp.flag.registry import DETECTORS
from tests.conftest import load_script

ROOT = Path(__file__).resolve().parent.parent


def _load_generator():
    return load_script(ROOT / "scripts" / "gen_cli_docs.py")


def test_every_command_is_registered():
    assert main.list_commands(None) == list(COMMANDS)


def test_every_command_and_option_has_help():
    for name in main.list_commands(None):
        command = main.get_command(None, name)
        assert command.help and command.help.strip(), f"procsimp {name} has no help text"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"procsimp {name} {param.opts[0]} has no help text"


def test_readme_documents_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in main.list_commands(None):
        assert f"procsimp {name}" in readme, f"README.md does not show `procsimp {name}`"
    assert "make demo" in readme and "make test" in readme


def test_detector_reference_is_up_to_date():
    generated = load_script(ROOT / "scripts" / "gen_detector_docs.py").render()
    current = (ROOT / "docs" / "detectors.md").read_text(encoding="utf-8")
    assert current == generated, "docs/detectors.md is stale: run `python scripts/gen_detector_docs.py`"
    for name in DETECTORS:  # every detector and each of its parameters is described
        section = generated.split(f"## `{name}`", 1)[1].split("\n## ", 1)[0]
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        assert rows and all(not line.rstrip().endswith("|  |") for line in rows), name


def test_cli_reference_is_up_to_date():
    generated = _load_generator().render()
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == generated, "docs/cli.md is stale: run `python scripts/gen_cli_docs.py`"


def test_public_api_is_importable_and_documented():
    for name in procsimp.__all__:
        value = getattr(procsimp, name)
        if callable(value) and name != "__version__":
            assert value.__doc__ and value.__doc__.strip(), f"procsimp.{name} has no docstring"
