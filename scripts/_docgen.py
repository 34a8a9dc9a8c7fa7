"""Shared by the documentation generators: write a generated page, or check it is current."""

from __future__ import annotations

import sys
from pathlib import Path


def write_or_check(target: Path, text: str, command: str) -> int:
    """With ``--check`` on the command line: 1 (and a message) when ``target`` differs from
    ``text``; otherwise write ``text`` to ``target``. Returns the exit code."""
    if "--check" in sys.argv:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target.parent.name}/{target.name} is out of date: run {command}", file=sys.stderr)
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return 0
