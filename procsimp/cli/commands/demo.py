"""``procsimp demo``: the whole flow on the bundled sample logs (``event_logs/``)."""

from __future__ import annotations

from pathlib import Path

import click

from procsimp.cli import echo_mapping, out_option


def bundled_logs_dir() -> Path:
    """``event_logs/`` of the working directory, else the one beside the package source."""
    here = Path.cwd() / "event_logs"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / "event_logs"


@click.command(name="demo")
@click.option(
    "--logs",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="folder of sample logs (default: the bundled event_logs/)",
)
@click.option("--simulate/--no-simulate", default=True, show_default=True, help="run the what-if simulation too")
@out_option(help="folder under which each sample log's report folder (OUT/<log name>/) is written whole")
def demo(logs: Path | None, simulate: bool, out: Path, force: bool) -> None:
    """Run validate, profile, mine, flag, propose and report on every bundled sample log,
    writing one report folder per log under --out."""
    from procsimp.errors import LogReadError
    from procsimp.flag.pipeline import caught_catalog_warnings
    from procsimp.read import read_log
    from procsimp.report import report

    folder = logs or bundled_logs_dir()
    files = (
        sorted(p for p in folder.glob("dossiers_*.csv") if not p.stem.endswith("_to_be"))
        if folder.is_dir()
        else []
    )
    if not files:
        raise LogReadError(
            f"{folder}: no sample logs (dossiers_*.csv) found; regenerate them with the commands "
            "in event_logs/README.md or pass --logs DIR"
        )
    from procsimp.core.calendar import calendar_for
    from procsimp.engine.office_hours import log_calendar

    for path in files:
        log = read_log(path)
        echo_mapping(log, err=False)
        calendar, note = calendar_for(log)
        calendar, hours = log_calendar(log, calendar, infer=True)
        click.echo(f"Calendar: {calendar.label()} ({note})")
        click.echo(hours.describe("en"))
        lang = "en" if path.stem.endswith("_en") else "vi"
        with caught_catalog_warnings() as notes:
            result = report(log, out / path.stem, lang=lang, simulate=simulate, calendar=calendar, force=force)
        for note in dict.fromkeys(notes):
            click.echo(f"Warning: {note}", err=True)
        click.echo(f"{path.name}: {log.n_cases:,} dossiers, {log.n_events:,} events")
        for row in result.ranking.itertuples(index=False):
            click.echo(
                f"  {row.service}: {row.saving_workdays_per_case:.2f} working days saved per dossier"
            )
        click.echo(f"  report: {result.html}")
