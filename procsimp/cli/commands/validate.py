"""``procsimp validate LOG``: read a log, check it, and say what was found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from procsimp.cli import echo_mapping, log_options
from procsimp.cli.commands._options import scope_options

_FORMAT_NAMES = {"csv": "delimited text (CSV)", "excel": "Excel workbook", "xes": "XES", "parquet": "Parquet"}


def _span(log: Any) -> str:
    span = log.time_span
    if span is None:
        return "-"
    first, last = span
    days = (last - first).total_seconds() / 86400
    return f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} ({days:,.1f} days, {log.timezone})"


@click.command("validate")
@log_options(service_is_column=True)
@scope_options
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="print the summary as text or as JSON")
def validate(log_args: dict[str, Any], scope: Any, output_format: str) -> None:
    """Read LOG and check it: print cases, events, activities, services, the time span, the
    columns used (and how each was chosen) and the warnings.

    LOG is a CSV/TSV (any delimiter; UTF-8, UTF-16 or Windows-1258), Excel, XES (.xes/.xes.gz) or
    Parquet file. Columns are detected from common English and Vietnamese headers unless given
    with the options below or a --mapping file. A log that cannot be analysed gives one
    'Error: ...' line and exit code 1. Nothing is written unless --cache is given.
    """
    from procsimp.read import read_log, sniff_format

    args = dict(log_args)
    if args.get("timezone") is None:
        args.pop("timezone", None)
    log, calendar, note = scope.resolve(read_log(**args))
    on_files = log.out_of_core or Path(args["path"]).is_dir()  # Parquet files (at a URI: read by Spark only)
    fmt = _FORMAT_NAMES.get("parquet" if on_files else sniff_format(args["path"])[0], "")
    services = log.services
    if output_format == "json":
        summary = log.summary()
        summary["format"] = fmt
        summary["service_names"] = services
        summary["mapping"] = log.mapping.to_dict()
        summary["calendar"] = {"label": calendar.label(), **calendar.describe()}
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    if services:
        shown = ", ".join(services[:5]) + (f" and {len(services) - 5} more" if len(services) > 5 else "")
        service_line = f"{len(services)}: {shown}"
    else:
        service_line = "1 (the log has no service column)"
    click.echo(f"File:       {log.source}")
    click.echo(f"Format:     {fmt}")
    click.echo(f"Cases:      {log.n_cases:,}")
    click.echo(f"Events:     {log.n_events:,}")
    click.echo(f"Activities: {log.n_activities:,}")
    click.echo(f"Services:   {service_line}")
    click.echo(f"Time span:  {_span(log)}")
    click.echo(f"Calendar:   {calendar.label()} ({note})")
    if fmt == _FORMAT_NAMES["parquet"]:  # where the events are held was chosen: say so
        from procsimp.cli import describe_storage

        click.echo(f"Storage:    {describe_storage(log, args.get('storage'))}")
    from procsimp.engine.filters import describe_filters

    for line in describe_filters(log.filters):
        click.echo(f"Filter:     {line}")
    echo_mapping(log, err=False)
    if not log.warnings:
        click.echo("No warnings.")
