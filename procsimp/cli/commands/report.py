"""``procsimp report LOG``: the whole flow into one folder (wraps :func:`procsimp.report`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from procsimp.cli import (
    catalog_option,
    external_option,
    log_options,
    office_hours,
    out_option,
    protect_option,
)
from procsimp.cli.commands._options import scope_options
from procsimp.output.proposal import PROPOSAL_FORMATS

FORMATS = PROPOSAL_FORMATS


def parse_formats(value: str) -> tuple[str, ...]:
    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise click.BadParameter(
            f"{bad[0] if bad else value!r} is not a format; use a comma-separated list of: {', '.join(FORMATS)}",
            param_hint="--format",
        )
    return formats


@click.command(name="report")
@log_options
@scope_options
@click.option("--service", "services", multiple=True, metavar="S", help="only this service (repeatable)")
@protect_option
@external_option
@catalog_option
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True, help="language the report opens in (both are included)")
@click.option("--simulate", is_flag=True, help="add a what-if simulation of each to-be workflow")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the simulation")
@click.option("--format", "fmt", default="svg,png,pdf,bpmn", show_default=True, help="comma-separated: svg, png, pdf, dot (the maps and the as-is/to-be diagram), bpmn (the as-is and to-be models), "
              "xlsx, docx, yaml (the to-be internal procedure), as in propose")
@click.option(
    "--since",
    default=None,
    metavar="DATE",
    help="the day a reform took effect (YYYY-MM-DD): its months are marked in each service's trend charts",
)
@click.option(
    "--min-saving", type=float, default=0.05, show_default=True, metavar="DAYS",
    help="flags saving less than this many working days per dossier go to the report's appendix",
)
@click.option(
    "--include-case-ids",
    is_flag=True,
    help="name up to 10 dossiers per flag in the report, for checking by hand (by default the report "
    "lists no individual dossier id)",
)
@out_option(default="outputs/report")
def report(
    log_args: dict[str, Any],
    scope: Any,
    services: tuple[str, ...],
    protect: tuple[str, ...],
    external: tuple[str, ...],
    catalog: Path | None,
    lang: str,
    simulate: bool,
    seed: int,
    fmt: str,
    since: str | None,
    min_saving: float,
    include_case_ids: bool,
    out: Path,
    force: bool,
) -> None:
    """Profile, mine, flag and propose for every service, and write a self-contained HTML
    report (English and Vietnamese), tables (CSV, JSON), diagrams and BPMN into --out.

    Each service's page has a trend section: dossiers received, on-time rate, lead time,
    online share and postal share by month, as small charts, with the months from --since on
    shaded."""
    from procsimp.flag.pipeline import caught_catalog_warnings
    from procsimp.output.folder import check_output_folder
    from procsimp.report import report as run_report

    formats = parse_formats(fmt)
    check_output_folder(out, force=force, command="report")  # a bad folder is named before the analysis
    log, calendar = scope.load(log_args, out=out)
    from procsimp.cli.commands._options import echo_channel_warnings, echo_warnings
    from procsimp.report import ImageSkippedWarning

    with office_hours(log, calendar, infer=scope.infer_hours) as cal, echo_channel_warnings(), \
            caught_catalog_warnings() as notes, echo_warnings(ImageSkippedWarning):  # a PNG too large to draw
        result = run_report(
            log,
            out,
            services=services or None,
            lang=lang,
            catalog=catalog,
            protect=protect,
            external=external,
            simulate=simulate,
            formats=formats,
            seed=seed,
            calendar=cal,
            since=since,
            min_saving=min_saving,
            include_case_ids=include_case_ids,
            force=force,
        )
    for note in dict.fromkeys(notes):  # services without a catalog entry, once each
        click.echo(f"Warning: {note}", err=True)
    click.echo(f"Report: {result.html}")
    for row in result.ranking.itertuples(index=False):
        click.echo(
            f"  {row.service}: {row.cases} dossiers, "
            f"{row.saving_workdays_per_case:.2f} working days saved per dossier"
        )
    click.echo(f"{len(result.files)} files written under {result.out}")
