"""Command-line interface: each command is a thin wrapper over one public function.

Library errors (:class:`procsimp.errors.ProcsimpError`) become one ``Error: ...`` line on stderr
and exit code 1, never a traceback. The mapping used to read a log, and the log's warnings, go to
stderr, so that stdout stays machine-readable (``--format json``).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from procsimp.errors import ProcsimpError

_LOG_ROLE_OPTIONS = (
    ("case", "column with the dossier (case) id"),
    ("activity", "column with the step (activity) name"),
    ("timestamp", "column with the completion time of the step"),
    ("start", "column with the start time of the step"),
    ("resource", "column with the officer who did the step"),
    ("unit", "column with the unit (department) that did the step"),
    ("service-column", "column with the procedure (service) of the dossier"),
    ("channel", "column with the submission channel (online / counter / postal)"),
    ("received", "column with the time the dossier was received"),
    ("due", "column with the statutory due date of the dossier"),
    ("outcome", "column with the outcome of the dossier (approved / rejected ...)"),
)


class _UsageLine(click.ClickException):
    """A usage error (unknown option, bad value) shown as one ``Error:`` line, exit code 2."""

    exit_code = 2


class _Group(click.Group):
    """A click group that turns procsimp errors into one clean ``Error:`` line.

    Commands are loaded on first use (see :mod:`procsimp.commands`), so that a command module
    can import the shared options from here without an import cycle.
    """

    _loaded = False

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            from procsimp.commands import load_commands

            for command in load_commands():
                self.add_command(command)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # one line, with where to look, instead of the usage text
            where = f"procsimp {exc.ctx.info_name}" if exc.ctx is not None and exc.ctx is not ctx else "procsimp"
            raise _UsageLine(_one_line(f"{exc.format_message()} (see '{where} --help')")) from None
        except ProcsimpError as exc:
            raise click.ClickException(_one_line(str(exc))) from None
        except BrokenPipeError:  # `procsimp ... | head`: the reader left, nothing to report
            sys.stderr.close()
            raise SystemExit(0) from None
        except OSError as exc:  # a file we were asked to write or read could not be used
            raise click.ClickException(_one_line(f"{exc.filename or ''}: {exc.strerror or exc}".strip(": "))) from None

    def list_commands(self, ctx: click.Context | None) -> list[str]:
        self._load()
        return list(self.commands)  # definition order, not alphabetical

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        self._load()
        return self.commands.get(cmd_name)


def _one_line(message: str) -> str:
    return " ".join(message.split())


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="procsimp", prog_name="procsimp")
def main() -> None:
    """procsimp: evidence for simplifying public-service procedures.

    Read a dossier event log, profile each service, mine its process, flag unneeded steps,
    propose a simpler workflow and export diagrams, BPMN and an HTML report.
    """


# ---------------------------------------------------------------------------- shared options
def log_options(func: Callable[..., Any] | None = None, *, service_is_column: bool = False) -> Any:
    """Add the LOG argument and the column-mapping options to a command.

    The decorated command receives ``log_args`` (a dict for :func:`procsimp.read_log`) instead of
    the individual options. ``--service-column`` maps the service column everywhere; commands
    that do not select a service (``validate``, ``profile``) also accept it as ``--service``.
    Commands that select a service use ``--service S`` for the selection.
    """
    if func is None:
        return functools.partial(log_options, service_is_column=service_is_column)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        columns = {
            role.replace("-column", ""): kwargs.pop(role.replace("-", "_"))
            for role, _ in _LOG_ROLE_OPTIONS
        }
        if "service_alias" in kwargs:  # validate/profile: --service names the column
            columns["service"] = columns["service"] or kwargs.pop("service_alias")
        log_args = {
            "path": kwargs.pop("log"),
            "mapping": kwargs.pop("mapping"),
            "timezone": kwargs.pop("timezone"),
            **{role: col for role, col in columns.items() if col},
        }
        activity_key = kwargs.pop("activity_key")
        if activity_key:
            log_args["activity_key"] = activity_key
        return func(*args, log_args=log_args, **kwargs)

    wrapper = click.option(
        "--activity-key",
        metavar="COLUMN",
        default=None,
        help="column of step codes: a step name (--activity) that stands for several codes becomes "
        "'name (code)', one step per code",
    )(wrapper)
    for role, help_text in reversed(_LOG_ROLE_OPTIONS):
        wrapper = click.option(f"--{role}", metavar="COLUMN", default=None, help=help_text)(wrapper)
    if service_is_column:
        wrapper = click.option(
            "--service",
            "service_alias",
            metavar="COLUMN",
            default=None,
            help="same as --service-column",
        )(wrapper)
    wrapper = click.option(
        "--timezone",
        default=None,
        metavar="TZ",
        help="timezone of the log (default Asia/Ho_Chi_Minh): naive times are read in it, "
        "times with an offset are converted to it, and the work calendar counts in it",
    )(wrapper)
    wrapper = click.option(
        "--mapping",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="YAML file mapping roles to column names (case: Mã hồ sơ ...)",
    )(wrapper)
    wrapper = click.argument("log", type=click.Path(path_type=Path))(wrapper)
    return wrapper


def load_log(log_args: dict[str, Any], *, quiet: bool = False, out: Path | None = None) -> Any:
    """Read the log for a command, echoing the mapping and warnings to stderr.

    With ``out``, a large log's parsed copy is cached as Parquet next to the outputs
    (``OUT/.procsimp-cache/``), so that the next command on the same file reads it fast.
    """
    from procsimp.io import read_log
    from procsimp.io.cache import MIN_BYTES

    args = dict(log_args)
    if args.get("timezone") is None:
        args.pop("timezone", None)
    if out is not None and args.get("cache") is None:
        path = Path(args["path"])
        if path.is_file() and path.stat().st_size >= MIN_BYTES:
            args["cache"] = Path(out)
    log = read_log(**args)
    if not quiet:
        echo_mapping(log, err=True)
    return log


def echo_mapping(log: Any, *, err: bool) -> None:
    click.echo(f"Columns used for {log.source}:", err=err)
    for line in log.mapping.describe():
        click.echo(f"  {line}", err=err)
    for warning in log.warnings:
        click.echo(f"Warning: {warning}", err=err)


_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_office_hours(value: str) -> tuple[tuple[str, str], ...]:
    """``"07:30-11:30,13:30-17:00"`` -> ``(("07:30", "11:30"), ("13:30", "17:00"))``."""
    periods = []
    for part in value.split(","):
        bounds = [b.strip() for b in part.split("-")]
        ok = len(bounds) == 2 and all(
            len(b) == 5 and b[2] == ":" and b[:2].isdigit() and b[3:].isdigit() for b in bounds
        )
        if not ok:
            raise click.BadParameter(
                f"{part.strip()!r} is not a period; write HH:MM-HH:MM, comma-separated, "
                "e.g. 07:30-11:30,13:30-17:00",
                param_hint="--office-hours",
            )
        periods.append((bounds[0], bounds[1]))
    return tuple(periods)


def parse_workdays(value: str) -> tuple[int, ...]:
    """``"mon-fri"``, ``"mon-sat"`` or ``"mon,tue,thu"`` -> weekday numbers (Monday = 0)."""
    days: set[int] = set()
    for part in value.lower().split(","):
        ends = [e.strip()[:3] for e in part.split("-")]
        if not all(e in _DAY_NAMES for e in ends) or len(ends) > 2:
            raise click.BadParameter(
                f"{part.strip()!r} is not a day or range of days; use mon..sun, e.g. mon-fri or mon-fri,sat",
                param_hint="--workdays",
            )
        first, last = _DAY_NAMES.index(ends[0]), _DAY_NAMES.index(ends[-1])
        if last < first:
            raise click.BadParameter(f"{part.strip()!r} runs backwards; write e.g. mon-fri", param_hint="--workdays")
        days.update(range(first, last + 1))
    return tuple(sorted(days))


def out_option(default: str | None = "outputs") -> Callable[..., Any]:
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=default is not None,
        help="folder to write the outputs to",
    )


def catalog_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--catalog",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="your own service catalog (YAML or CSV) extending or overriding the built-in one",
    )(func)


def protect_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--protect",
        multiple=True,
        metavar="ACTIVITY",
        help="a step that must never be removed or merged (repeatable)",
    )(func)


def service_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--service", "service", default=None, metavar="S", help="only this service (procedure)"
    )(func)


# Each command lives in its own module procsimp/commands/<name>.py, which defines a click
# command wrapping one public function; procsimp.commands lists them in CLI order.


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
