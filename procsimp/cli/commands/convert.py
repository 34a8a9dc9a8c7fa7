"""``procsimp convert LOG --to parquet [--out FILE]``: read a big log once, keep it as Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from procsimp.cli import load_log, log_options


@click.command("convert")
@log_options(service_is_column=True)
@click.option("--to", "target", type=click.Choice(["parquet"]), default="parquet", show_default=True,
              help="the format to write")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="the file to write (default: LOG's name with the extension .parquet, next to LOG)")
def convert(log_args: dict[str, Any], target: str, out: Path | None) -> None:
    """Read LOG once (CSV, Excel, XES or Parquet, with the usual mapping options) and write it as a
    mapped, typed Parquet file, events sorted by case then time, that every command reads back
    to the same log, several times faster than the original.

    The file is written atomically: it appears complete or not at all. A log that cannot be read
    gives one 'Error: ...' line and exit code 1, and nothing is written.

    \b
    Example:
      procsimp convert dossiers_2025.csv --out dossiers_2025.parquet
      procsimp flag dossiers_2025.parquet
    """
    from procsimp.core.progress import step
    from procsimp.read import convert as convert_log

    if log_args.get("cache"):
        raise click.UsageError("convert writes its own Parquet file: --cache is not used here; leave it out")
    log = load_log({**log_args, "cache": False})  # the mapping and warnings go to stderr
    step("convert", Path(log_args["path"]).name)
    written = convert_log(log, out, to=target)
    click.echo(f"Wrote {written} ({log.n_events:,} events, {log.n_cases:,} dossiers, {written.stat().st_size:,} bytes)")
