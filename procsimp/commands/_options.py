"""Options that several commands share; each command gives its own default and help text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

__all__ = ["formats_option", "lang_option", "min_variant_cases_option", "noise_option", "view_option"]

_VIEWS = ("frequency", "performance")


def formats_option(default: str, help: str) -> Callable[..., Any]:
    """``--format LIST`` (the parameter ``formats``): comma-separated output formats."""
    return click.option(
        "--format", "formats", default=default, show_default=True, metavar="LIST", help=help
    )


def view_option(default: str, help: str) -> Callable[..., Any]:
    """``--view``: the map's view, ``frequency`` or ``performance`` (the default listed first)."""
    return click.option(
        "--view",
        type=click.Choice([default, *(v for v in _VIEWS if v != default)]),
        default=default,
        show_default=True,
        help=help,
    )


def lang_option(help: str) -> Callable[..., Any]:
    """``--lang``: the language of the drawings, ``en`` (default) or ``vi``."""
    return click.option(
        "--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True, help=help
    )


def noise_option(help: str) -> Callable[..., Any]:
    """``--noise``: the noise threshold of model discovery, 0.2 by default."""
    return click.option("--noise", type=float, default=0.2, show_default=True, help=help)


def min_variant_cases_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--min-variant-cases K``: variants of fewer dossiers are folded into one "other" row."""
    return click.option(
        "--min-variant-cases",
        type=click.IntRange(min=1),
        default=5,
        show_default=True,
        metavar="K",
        help="in exported tables, fold the variants followed by fewer than K dossiers into one "
        "'other' row, so that no rare path singles out a citizen (1 keeps every variant)",
    )(func)
