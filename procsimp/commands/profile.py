"""``procsimp profile LOG``: KPIs per service (wraps :func:`procsimp.stats.profile`)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from procsimp.cli import (
    calendar_options,
    catalog_option,
    load_log,
    log_options,
    office_hours,
    out_option,
)


@click.command(name="profile")
@log_options(service_is_column=True)
@calendar_options
@catalog_option
@out_option(default=None)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="what to print: a readable table, JSON or CSV",
)
def profile(
    log_args: dict[str, Any], calendar: Any, catalog: Path | None, out: Path | None, fmt: str
) -> None:
    """KPIs per service: cases, events, lead times (calendar and working days), on-time rate,
    channels, steps, hand-offs and rework per case.

    With --out DIR, also writes DIR/profile.csv and DIR/profile.json.
    """
    from procsimp.stats import profile as run_profile

    log = load_log(log_args, out=out)
    with office_hours(log, calendar) as cal:  # given, or the hours the log's times show
        result = run_profile(log, catalog=catalog, calendar=cal)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        from procsimp.stats import neutralise_csv

        click.echo(neutralise_csv(result.table).to_csv(index=False, lineterminator="\n"), nl=False)
    else:
        # wrap to the terminal; unwrapped when the output goes to a file or a pipe
        width = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 400
        click.echo(f"Profile of {log.source}")
        click.echo(result.to_text(width=max(60, width)))
    if out is not None:
        csv_path = result.to_csv(Path(out) / "profile.csv")
        json_path = result.to_json(Path(out) / "profile.json")
        click.echo(f"Wrote {csv_path} and {json_path}", err=True)
