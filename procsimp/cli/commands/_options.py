"""Options that several commands share; each command gives its own default and help text."""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

__all__ = [
    "Scope",
    "channel_map_option",
    "echo_channel_warnings",
    "echo_warnings",
    "formats_option",
    "lang_option",
    "min_variant_cases_option",
    "noise_option",
    "print_format_option",
    "scope_options",
    "view_option",
]

_VIEWS = ("frequency", "performance")


def formats_option(default: str, help: str) -> Callable[..., Any]:
    """``--format LIST`` (the parameter ``formats``): comma-separated output formats."""
    return click.option(
        "--format", "formats", default=default, show_default=True, metavar="LIST", help=help
    )


def print_format_option(help: str) -> Callable[..., Any]:
    """``--format table|json|csv`` (the parameter ``fmt``): what a command prints on stdout."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json", "csv"]),
        default="table",
        show_default=True,
        help=help,
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


def echo_channel_warnings() -> contextlib.AbstractContextManager[None]:
    """Print the unknown channel values found inside the block as ``Warning:`` lines (stderr)."""
    from procsimp.profile.indicators import ChannelWarning

    return echo_warnings(ChannelWarning)


@contextlib.contextmanager
def echo_warnings(category: type[Warning]) -> Iterator[None]:
    """Print the warnings of ``category`` raised inside the block as ``Warning:`` lines (stderr),
    each message once; other warnings pass through."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", category)
        yield
    seen: set[str] = set()
    for w in caught:
        if issubclass(w.category, category):
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
# ---------------------------------------------------------------------------- filters and calendar
@dataclass(frozen=True)
class Scope:
    """What a command analyses: the filters to apply to the log and the work calendar to use.

    Built by :func:`scope_options` from the command line before the log is read (so that a bad
    value fails fast); :meth:`load` reads the log, applies the filters, picks the calendar for
    the log and prints both on stderr.
    """

    filters: Any  # procsimp.engine.filters.FilterSpec
    holidays: str = "auto"
    kind: str = "office"
    hours: tuple[tuple[str, str], ...] | None = None
    weekdays: tuple[int, ...] | None = None

    def calendar_for(self, log: Any) -> tuple[Any, str]:
        from procsimp.core.calendar import calendar_for

        return calendar_for(
            log, holidays=self.holidays, hours=self.hours, weekdays=self.weekdays, kind=self.kind
        )

    @property
    def infer_hours(self) -> bool:
        """Whether the office hours are to be inferred from the log's event times (no
        --office-hours given, and not a 24x7 calendar)."""
        return self.hours is None and self.kind == "office"

    def load(self, log_args: dict[str, Any], *, out: Any = None, quiet: bool = False) -> tuple[Any, Any]:
        """``(filtered log, calendar)``; the calendar, its reason and the filters go to stderr."""
        from procsimp.cli import load_log

        log = load_log(log_args, quiet=quiet, out=out)
        return self.apply(log, quiet=quiet)

    def resolve(self, log: Any) -> tuple[Any, Any, str]:
        """``(filtered log, calendar, how the holidays were chosen)``, printing nothing. Inside a
        command, the calendar becomes the ``calendar`` setting (:func:`procsimp.config_context`)
        until the command ends, so every function it calls uses the same one."""
        from procsimp.core.config import config_context

        calendar, note = self.calendar_for(log)
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.with_resource(config_context(calendar=calendar))
        return self.filters.apply(log), calendar, note

    def apply(self, log: Any, *, quiet: bool = False) -> tuple[Any, Any]:
        from procsimp.engine.filters import describe_filters

        filtered, calendar, note = self.resolve(log)
        if not quiet:
            click.echo(f"Calendar: {calendar.label()} ({note})", err=True)
            for line in describe_filters(filtered.filters):
                click.echo(f"Filter: {line}", err=True)
        return filtered, calendar


def scope_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter and calendar options, the same for every command that reads a log.

    The command receives ``scope`` (a :class:`Scope`) instead of the options, and gets its log
    and calendar with ``log, calendar = scope.load(log_args, out=out)``.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from procsimp.cli import parse_office_hours, parse_workdays
        from procsimp.engine.filters import FilterSpec

        hours, workdays = kwargs.pop("office_hours"), kwargs.pop("workdays")
        filters = FilterSpec.build(
            time_from=kwargs.pop("time_from"),
            time_to=kwargs.pop("time_to"),
            frame=kwargs.pop("frame"),
            where=kwargs.pop("where"),
            starts_with=kwargs.pop("starts_with"),
            ends_with=kwargs.pop("ends_with"),
            lead_time=kwargs.pop("lead_time"),
            variants=kwargs.pop("variants"),
            min_case_share=kwargs.pop("min_case_share"),
        )
        if filters.time_from is not None:  # a bad time fails before the log is read
            from procsimp.engine.filters import parse_time_bound

            parse_time_bound(filters.time_from, "UTC", end=False, option="--from")
        if filters.time_to is not None:
            from procsimp.engine.filters import parse_time_bound

            parse_time_bound(filters.time_to, "UTC", end=True, option="--to")
        scope = Scope(
            filters=filters,
            holidays=kwargs.pop("holidays"),
            kind=kwargs.pop("calendar_kind"),
            hours=None if hours is None else parse_office_hours(hours),
            weekdays=None if workdays is None else parse_workdays(workdays),
        )
        if scope.hours is not None:  # bad office hours fail before the log is read, in the option's words
            from procsimp.core.calendar import WorkCalendar
            from procsimp.errors import ProcsimpError

            try:
                WorkCalendar(hours=scope.hours)
            except ProcsimpError:
                raise click.BadParameter(
                    f"{hours!r} is not a set of office hours: write HH:MM-HH:MM periods (00:00-24:00), each ending "
                    "after it starts, in order and not overlapping, e.g. 07:30-11:30,13:30-17:00",
                    param_hint="--office-hours",
                ) from None
        if scope.kind == "24x7":  # fails before the log is read
            from procsimp.core.calendar import check_round_the_clock

            check_round_the_clock(holidays=scope.holidays, hours=scope.hours, weekdays=scope.weekdays)
        return func(*args, scope=scope, **kwargs)

    options = [
        click.option("--from", "time_from", metavar="TIME", default=None,
                     help="only dossiers in the time frame from this date or time (see --frame)"),
        click.option("--to", "time_to", metavar="TIME", default=None,
                     help="only dossiers in the time frame up to this date (the whole day) or time"),
        click.option("--frame", type=click.Choice(["intersecting", "contained", "started", "ended"]),
                     default="intersecting", show_default=True,
                     help="which dossiers --from/--to keep: those intersecting the frame, contained in it, "
                     "or started or ended in it"),
        click.option("--where", multiple=True, metavar="COND",
                     help="only dossiers with ATTR=VALUE, ATTR!=VALUE, 'ATTR in V1|V2' or 'ATTR not in V1|V2' "
                     "(an attribute of one of its events; repeatable), e.g. --where channel=online"),
        click.option("--starts-with", multiple=True, metavar="STEP",
                     help="only dossiers whose first step is STEP (repeatable: any of them)"),
        click.option("--ends-with", multiple=True, metavar="STEP",
                     help="only dossiers whose last step is STEP (repeatable: any of them)"),
        click.option("--lead-time", metavar="COND", default=None,
                     help="only dossiers whose elapsed time compares so: >30d, >=2w, <12h, <=5d or 5d..30d"),
        click.option("--variants", metavar="top:K|share:X", default=None,
                     help="only dossiers of the K most frequent variants of their service (top:10), or of "
                     "variants followed by at least X of it (share:5%)"),
        click.option("--min-case-share", metavar="X", default=None,
                     help="only the steps found in at least X of the dossiers (0.05 or 5%); other steps' "
                     "events are dropped"),
        click.option("--calendar", "calendar_kind", type=click.Choice(["office", "24x7"]), default="office",
                     show_default=True,
                     help="working-time figures in office hours, or 24x7 (every hour of every day counts)"),
        click.option("--holidays", metavar="COUNTRY[-SUB]", default="auto", show_default=True,
                     help="public holidays from the 'holidays' package (VN, NL, DE-BY), none, or auto: "
                     "VN for a Vietnamese log (Vietnamese letters in its headers or names), none otherwise"),
        click.option("--workdays", metavar="DAYS", default=None,
                     help="working weekdays for working-day figures, e.g. mon-fri (default) or mon-sat"),
        click.option("--office-hours", metavar="PERIODS", default=None,
                     help="office hours for working-time figures (default: inferred from the log's event "
                     "times where it has times of day, else 07:30-11:30,13:30-17:00)"),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper
