"""Write docs/cli.md from the CLI's own help texts (tests check that it is up to date).

Usage: python scripts/gen_cli_docs.py [--check]
"""

from __future__ import annotations

import sys
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
    text = render()
    if "--check" in sys.argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print("docs/cli.md is out of date: run python scripts/gen_cli_docs.py", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
