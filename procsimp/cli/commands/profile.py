"""``procsimp profile LOG``: KPIs per service (wraps :func:`procsimp.profile.profile`)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from procsimp.cli import (
    WHOLE_FOLDER_NOTE,
    catalog_option,
    log_options,
    office_hours,
    out_option,
    writing_to,
)
from procsimp.cli.commands._options import (
    channel_map_option,
    echo_channel_warnings,
    print_format_option,
    scope_options,
)


@click.command(name="profile")
@log_options(service_is_column=True)
@scope_options
@catalog_option
@channel_map_option
@click.option(
    "--by",
    default=None,
    metavar="KEYS",
    help="break the indicators down by month, quarter, unit and/or channel, comma-separated "
    "(e.g. unit,month): a dossier counts in the month of its receipt (of its first step when "
    "the log has no receipt time) and in the unit that did most of its steps",
)
@out_option(default=None, help="also write profile.csv and profile.json into this folder" + WHOLE_FOLDER_NOTE)
@print_format_option(help="what to print: a readable table, JSON or CSV")
def profile(
    log_args: dict[str, Any],
    scope: Any,
    catalog: Path | None,
    channel_map: Path | None,
    by: str | None,
    out: Path | None,
    force: bool,
    fmt: str,
) -> None:
    """KPIs per service: cases, events, lead times (calendar and working days), channels,
    steps, hand-offs and rework per case, and the reform indicators: dossiers, online,
    full-process online and postal shares, early, on-time and late rates over closed dossiers,
    and dossiers open past their due date at the log's end.

    A due date from the catalog stops while the citizen acts (from a supplement request to the
    resubmission, and before a payment); a due date in the log is used as given. Channel values
    are sorted into online_full, online_partial, counter and post; an unknown value gets a
    warning and counts in no share (map it with --channel-map).

    With --by, one row per service and by-key values (month YYYY-MM, quarter YYYY-Qn, unit,
    channel), then the same over all services; --format json prints them as a list of rows.
    With --out DIR, also writes DIR/profile.csv and DIR/profile.json.
    """
    from procsimp.profile import profile as run_profile
    from procsimp.profile.indicators import by_keys

    keys = by_keys(by)  # a bad --by fails before the log is read
    with writing_to(out, force=force, command="profile") as folder:
        log, calendar = scope.load(log_args, out=out)
        with office_hours(log, calendar, infer=scope.infer_hours) as cal, echo_channel_warnings():
            result = run_profile(log, by=keys, catalog=catalog, calendar=cal, channel_map=channel_map)
        if folder is not None:
            from procsimp.output.tables import write_profile

            write_profile(result, folder.work)
    if fmt == "json" and keys:
        click.echo(json.dumps(result.records(), ensure_ascii=False, indent=2))
    elif fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        from procsimp.core._cells import neutralise_csv

        click.echo(neutralise_csv(result.table).to_csv(index=False, lineterminator="\n"), nl=False)
    else:
        # wrap to the terminal; unwrapped when the output goes to a file or a pipe
        width = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 400
        click.echo(f"Profile of {log.source}")
        click.echo(result.to_text(width=max(60, width)))
    if folder is not None:
        click.echo(f"Wrote {folder.target / 'profile.csv'} and {folder.target / 'profile.json'}", err=True)
