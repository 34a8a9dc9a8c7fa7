"""Command-line interface: each command is a thin wrapper over one public function.

Library errors (:class:`procsimp.errors.ProcsimpError`) become one ``Error: ...`` line on stderr
and exit code 1, never a traceback. The mapping used to read a log, and the log's warnings, go to
stderr, so that stdout stays machine-readable (``--format json``).
"""

from __future__ import annotations

import contextlib
import functools
import re
import select
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from procsimp.errors import ParameterError, ProcsimpError

CACHE_ENV = "PROCSIMP_CACHE_DIR"

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

    Commands are loaded on first use (see :mod:`procsimp.cli.commands`), so that a command module
    can import the shared options from here without an import cycle.
    """

    _loaded = False

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            from procsimp.cli.commands import load_commands

            for command in load_commands():
                self.add_command(command)

    def invoke(self, ctx: click.Context) -> Any:
        from procsimp.core.progress import status_line

        out, err = sys.stdout, sys.stderr
        # on a terminal, a status line shows the stage and the service (procsimp.core.progress)
        with status_line(quiet=bool(ctx.params.get("quiet")), stream=err) as line:
            sys.stdout, sys.stderr = _Inert(line.wrap(out)), _Inert(line.wrap(err))
            try:
                return self._invoke(ctx)
            finally:
                sys.stdout, sys.stderr = out, err

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # one line, with where to look, instead of the usage text
            where = f"procsimp {exc.ctx.info_name}" if exc.ctx is not None and exc.ctx is not ctx else "procsimp"
            raise _UsageLine(_one_line(f"{exc.format_message()} (see '{where} --help')")) from None
        except ProcsimpError as exc:
            raise click.ClickException(_one_line(str(exc))) from None
        except BrokenPipeError as exc:
            if not _reader_left():  # a helper program's pipe, not ours: the work did not finish
                raise click.ClickException(_one_line(f"a helper program stopped reading its input ({exc})")) from None
            with contextlib.suppress(Exception):  # `procsimp ... | head`: the reader left, nothing to report
                sys.stderr.close()
            raise SystemExit(0) from None
        except OSError as exc:  # a file we were asked to write or read could not be used
            raise click.ClickException(_one_line(f"{exc.filename or ''}: {exc.strerror or exc}".strip(": "))) from None
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:
            from procsimp.core.interrupt import is_interrupt

            if is_interrupt(exc):  # Ctrl-C inside a DuckDB query arrives as DuckDB's own error
                raise click.Abort() from None
            raise

    def list_commands(self, ctx: click.Context | None) -> list[str]:
        self._load()
        return list(self.commands)  # definition order, not alphabetical

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        self._load()
        return self.commands.get(cmd_name)


#: C0 and C1 control characters but newline and tab: printed, they move the cursor, recolour
#: the terminal or change its window title
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _storage_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--storage auto|memory|parquet`` (the parameter ``storage``): where a Parquet log's events
    are held; one of the read options that every command reading a log takes."""
    from procsimp.core.config import STORAGES

    return click.option(
        "--storage",
        type=click.Choice(list(STORAGES)),
        default=None,
        help="Parquet logs: 'memory' reads the events into memory, 'parquet' leaves them on their files "
        "and DuckDB reads them there (out of core, for logs larger than memory); 'auto' (default, or "
        "the storage setting) leaves a log on its files when it would take more than a quarter of the "
        "memory available",
    )(func)



def terminal_safe(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``), so that names from a log
    cannot send escape sequences to the terminal."""
    return _CONTROLS.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class _Inert:
    """A text stream that writes control characters as visible escapes (see :func:`terminal_safe`)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return int(self._stream.write(terminal_safe(text) if isinstance(text, str) else text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _reader_left() -> bool:
    """Whether stdout is a pipe whose reader has gone (``procsimp ... | head``)."""
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else -1
        if fd < 0:
            return False
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def _one_line(message: str) -> str:
    return terminal_safe(" ".join(message.split()))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="procsimp", prog_name="procsimp")
@click.option("-q", "--quiet", is_flag=True, default=False,
              help="no progress line on the terminal (it never shows when stderr is not a terminal)")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default=None,
              help="where the per-event work runs: duckdb (embedded, the default) or spark (local mode, or "
              "the cluster of --spark-master; needs pyspark and Java); default $PROCSIMP_ENGINE, else duckdb")
@click.option("--spark-master", metavar="URL", default=None,
              help="the Spark master for --engine spark: spark://host:7077, yarn, k8s://... (default "
              "$PROCSIMP_SPARK_MASTER, else local[*]: every core of this machine)")
@click.pass_context
def main(ctx: click.Context, quiet: bool, engine: str | None, spark_master: str | None) -> None:
    """procsimp: evidence for simplifying public-service procedures.

    Read a dossier event log, profile each service, mine its process, flag unneeded steps,
    propose a simpler workflow and export diagrams, BPMN and an HTML report.
    """
    if engine is not None or spark_master is not None:
        use_engine(ctx, engine=engine, spark_master=spark_master)


def use_engine(ctx: click.Context, *, engine: str | None, spark_master: str | None) -> None:
    """Run the command on ``engine`` (and ``spark_master``): they become the settings
    (:func:`procsimp.config_context`) until the command ends, and the backend they name is used
    by every thread of the command (:func:`procsimp.engine.use_backend`)."""
    from procsimp.core.config import config_context
    from procsimp.engine.backend import engine_name, get_backend, use_backend

    if spark_master is not None and not spark_master.strip():
        raise click.BadParameter("give a Spark master URL such as spark://host:7077, yarn or local[4]",
                                 param_hint="--spark-master")
    overrides: dict[str, Any] = {}
    if engine is not None:
        overrides["engine"] = engine
    if spark_master is not None:
        overrides["spark_master"] = spark_master.strip()
    ctx.with_resource(config_context(**overrides))
    if spark_master is not None and engine_name() != "spark":
        raise click.BadParameter("a Spark master is for the Spark engine: add --engine spark",
                                 param_hint="--spark-master")
    ctx.with_resource(use_backend(get_backend()))


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
            alias = kwargs.pop("service_alias")
            columns["service"] = columns["service"] or alias
        cache, no_cache = kwargs.pop("cache"), kwargs.pop("no_cache")
        if cache is not None and no_cache:
            raise click.UsageError("--cache DIR and --no-cache contradict each other; give one of them")
        log_args = {
            "path": kwargs.pop("log"),
            "mapping": kwargs.pop("mapping"),
            "timezone": kwargs.pop("timezone"),
            "cache": False if no_cache else cache,
            **{role: col for role, col in columns.items() if col},
        }
        for option in ("sheet", "header_row"):
            value = kwargs.pop(option)
            if value is not None:
                log_args[option] = value
        order = kwargs.pop("date_order")
        if order is not None:
            log_args["dayfirst"] = order == "day-first"
        activity_key = kwargs.pop("activity_key")
        if activity_key:
            log_args["activity_key"] = activity_key
        storage = kwargs.pop("storage")
        if storage is not None:
            log_args["storage"] = storage
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
    wrapper = _storage_option(wrapper)  # type: ignore[assignment]
    wrapper = click.option(
        "--date-order",
        type=click.Choice(["day-first", "month-first"]),
        default=None,
        help="how to read dates such as 03/04/2025 when no value of the log tells (default: day-first)",
    )(wrapper)
    wrapper = click.option(
        "--header-row",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Excel: the sheet row that holds the column names (default: found from known headers)",
    )(wrapper)
    wrapper = click.option(
        "--sheet",
        metavar="NAME",
        default=None,
        help="Excel: the sheet to read (default: the first visible sheet with data)",
    )(wrapper)
    wrapper = click.option(
        "--timezone",
        default=None,
        metavar="TZ",
        help="timezone of the log (default Asia/Ho_Chi_Minh): naive times are read in it, "
        "times with an offset are converted to it, and the work calendar counts in it",
    )(wrapper)
    wrapper = click.option(
        "--no-cache",
        is_flag=True,
        help=f"do not use the cache, even when ${CACHE_ENV} is set",
    )(wrapper)
    wrapper = click.option(
        "--cache",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        metavar="DIR",
        help="keep a Parquet copy of the parsed log in DIR (mapped columns only, readable by you "
        "alone), so that the next command on the same file starts fast; off by default "
        f"(or set ${CACHE_ENV}); never inside --out",
    )(wrapper)
    wrapper = click.option(
        "--mapping",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="YAML file mapping roles to column names (case: Mã hồ sơ ...)",
    )(wrapper)
    wrapper = click.argument("log", type=_LogPath(path_type=Path))(wrapper)
    return wrapper


class _LogPath(click.Path):
    """A log's path, or a URI (``hdfs://``, ``s3a://``, ``file://``: a Parquet log that the Spark
    engine reads), kept as written."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import re

        if isinstance(value, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value):
            return value
        return super().convert(value, param, ctx)


def load_log(log_args: dict[str, Any], *, quiet: bool = False, out: Path | None = None) -> Any:
    """Read the log for a command, echoing the mapping and warnings to stderr.

    The cache (``--cache DIR`` or ``$PROCSIMP_CACHE_DIR``) holds the log's data, so it may never
    be inside the deliverable folder ``out``: that is an error, given before the log is read.
    """
    from procsimp.read import read_log
    from procsimp.read.cache import cache_dir

    args = dict(log_args)
    if args.get("timezone") is None:
        args.pop("timezone", None)
    folder = cache_dir(args.get("cache"))
    if folder is not None and out is not None:
        check_cache_outside(folder, Path(out))
    if out is not None:
        from procsimp.output.folder import check_log_outside

        check_log_outside(args["path"], out)
    from procsimp.core.progress import step

    step("read", Path(args["path"]).name)
    log = read_log(**args)
    if not quiet:
        echo_mapping(log, err=True)
        ctx = click.get_current_context(silent=True)
        root_quiet = ctx is not None and bool(ctx.find_root().params.get("quiet"))
        if not root_quiet and (log.parquet is not None or _is_parquet(Path(args["path"]))):
            click.echo(f"Storage: {describe_storage(log, args.get('storage'))}", err=True)
    return log


def _is_parquet(path: Path) -> bool:
    from procsimp.read.read import sniff_format

    try:
        return path.is_dir() or sniff_format(path)[0] == "parquet"
    except OSError:
        return False


def describe_storage(log: Any, wanted: str | None = None) -> str:
    """One line: where a Parquet log's events are held, and why (``wanted``: the --storage given)."""
    if log.parquet is not None:
        src = log.parquet
        files = f"{len(src.files)} Parquet files" if len(src.files) > 1 else "its Parquet file"
        from procsimp.engine.backend import get_backend, parquet_database

        if getattr(parquet_database(get_backend()), "engine_name", "DuckDB") == "Spark":
            return f"{log.n_events:,} events left on {files}, read by Spark from the files itself ({src.reason})"
        return f"{log.n_events:,} events left on {files}, read by DuckDB out of core ({src.reason})"
    from procsimp.core.config import settings
    from procsimp.read.parquet_source import choose_storage

    _, why = choose_storage(log.n_events, wanted or settings().storage)
    return f"{log.n_events:,} events in memory ({why})"


def check_cache_outside(cache: Path, out: Path) -> None:
    """A :class:`~procsimp.errors.ParameterError` when the cache folder is ``out`` or inside it
    (a shared report folder would carry the whole dataset)."""
    import os

    c, o = Path(os.path.realpath(cache)), Path(os.path.realpath(out))
    if c == o or o in c.parents:
        raise ParameterError(
            f"--cache {cache} is inside the output folder --out {out}; the cache holds the log's "
            "data and must stay out of the deliverables: give a folder elsewhere, e.g. --cache ~/.cache/procsimp"
        )


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


@contextlib.contextmanager
def office_hours(log: Any, calendar: Any, *, infer: bool | None = None) -> Iterator[Any]:
    """The work calendar for ``log``: ``calendar`` from the command's scope (timezone, holidays,
    workdays), with the office hours inferred from the log's event times when ``infer`` (no
    --office-hours given); says on stderr which office hours are used and warns when more than
    5% of the events fall outside them. Inside the block the library's own office-hours warning
    is silenced (it was printed)."""
    import warnings

    from procsimp.engine.office_hours import OfficeHoursWarning, log_calendar

    cal, hours = log_calendar(log, calendar, infer=infer)
    click.echo(hours.describe("en"), err=True)
    if hours.warning:
        click.echo(f"Warning: {log.source}: {hours.warning}", err=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OfficeHoursWarning)
        yield cal


_OUT_HELP = "folder to write the outputs to"
WHOLE_FOLDER_NOTE = " (built aside, then put in place whole when the command succeeds)"


def out_option(
    default: str | None = "outputs", *, help: str = _OUT_HELP + WHOLE_FOLDER_NOTE, required: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--out DIR`` and ``--force``: the folder is built aside and replaces DIR only when the
    command succeeds (:func:`procsimp.output.folder.output_folder`)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        func = click.option(
            "--force",
            is_flag=True,
            help="replace --out even when it holds files procsimp did not write (or another command's output)",
        )(func)
        return click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=default,
            show_default=default is not None,
            required=required,
            help=help,
        )(func)

    return decorate


def writing_to(out: Path | None, *, force: bool, command: str) -> Any:
    """The context in which a command writes ``out`` (nothing to do when ``out`` is None): it
    yields an :class:`procsimp.output.folder.OutputFolder`, or None."""
    import contextlib

    from procsimp.output.folder import output_folder

    if out is None:
        return contextlib.nullcontext(None)
    return output_folder(out, force=force, command=command)


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


def external_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--external",
        multiple=True,
        metavar="ACTIVITY",
        help="a step driven by an outside party or a timer (an appeal, a penalty added after a "
        "fixed delay): never reordered or removed (repeatable)",
    )(func)


def service_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--service", "service", default=None, metavar="S", help="only this service (procedure)"
    )(func)


# Each command lives in its own module procsimp/cli/commands/<name>.py, which defines a click
# command wrapping one public function; procsimp.cli.commands lists them in CLI order.


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
