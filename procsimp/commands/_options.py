"""Options that several commands share; each command gives its own default and help text."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

__all__ = [
    "channel_map_option",
    "echo_channel_warnings",
    "formats_option",
    "lang_option",
    "min_variant_cases_option",
    "noise_option",
    "view_option",
]

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


def channel_map_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--channel-map FILE``: YAML mapping channel values to classes (the parameter ``channel_map``)."""
    return click.option(
        "--channel-map",
        "channel_map",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar="FILE",
        help="YAML file mapping channel values to online_full, online_partial, counter or post "
        "(one 'value: class' per line); Vietnamese and English values such as 'Trực tuyến toàn "
        "trình', 'Bưu chính', 'partly online' are known without it",
    )(func)


@contextlib.contextmanager
def echo_channel_warnings() -> Iterator[None]:
    """Print the unknown channel values found inside the block as ``Warning:`` lines (stderr)."""
    from procsimp.indicators import ChannelWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ChannelWarning)
        yield
    seen: set[str] = set()
    for w in caught:
        if issubclass(w.category, ChannelWarning):
            if str(w.message) not in seen:
                seen.add(str(w.message))
                click.echo(f"Warning: {w.message}", err=True)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
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
