"""Write docs/cli.md from the CLI's own help texts (tests check that it is up to date).

Usage: python scripts/gen_cli_docs.py [--check]
"""

from __future__ import annotations

from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"


def render() -> str:
    from procsimp.cli import main

    lines = [
        "# procsimp command reference",
        "",
        "Generated from the commands' own `--help` by `scripts/gen_cli_docs.py`; do not edit by hand.",
        "",
    ]
    ctx = click.Context(
        main,
        info_name="procsimp",
        terminal_width=100,
        max_content_width=100,
        help_option_names=["-h", "--help"],
    )
    lines += ["```text", main.get_help(ctx), "```", ""]
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        assert command is not None
        sub = click.Context(command, info_name=name, parent=ctx, terminal_width=100, max_content_width=100)
        lines += [f"## procsimp {name}", "", "```text", command.get_help(sub), "```", ""]
    return "\n".join(lines)


def main() -> int:
    from _docgen import write_or_check  # a sibling module: scripts/ is on the path when run

    return write_or_check(TARGET, render(), "python scripts/gen_cli_docs.py")


if __name__ == "__main__":
    raise SystemExit(main())
