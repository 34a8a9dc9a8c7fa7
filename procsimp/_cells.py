"""Spreadsheet safety for every CSV procsimp writes: one rule, used everywhere."""

from __future__ import annotations

from typing import Any

#: a spreadsheet treats a cell starting with one of these as a formula
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise_cell(value: Any) -> Any:
    """One cell: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
