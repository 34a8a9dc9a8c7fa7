"""``procsimp flag LOG``: list the steps that can go or change, with the evidence (wraps
:func:`procsimp.flag_steps`; ``--out`` writes through :func:`procsimp.output.tables.write_flags`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from procsimp.cli import (
    WHOLE_FOLDER_NOTE,
    catalog_option,
    external_option,
    log_options,
    office_hours,
    out_option,
    protect_option,
    service_option,
    writing_to,
)
from procsimp.cli.commands._options import print_format_option, scope_options


@click.command("flag")
@log_options
@scope_options
@service_option
@protect_option
@external_option
@catalog_option
@click.option(
    "--min-confidence",
    type=float,
    default=0.0,
    show_default=True,
    metavar="X",
    help="only flags at least this confident (0-1)",
)
@print_format_option(help="how to print the flags on stdout")
@out_option(default=None, help="also write flags.json and flags.csv into this folder" + WHOLE_FOLDER_NOTE)
def flag(
    log_args: dict[str, Any],
    scope: Any,
    service: str | None,
    protect: tuple[str, ...],
    external: tuple[str, ...],
    catalog: Path | None,
    min_confidence: float,
    fmt: str,
    out: Path | None,
    force: bool,
) -> None:
    """Flag unneeded steps of each service (eliminate, merge, parallelise, move earlier ...).

    Every flag carries the numbers behind it, a confidence, the estimated saving in working
    days per dossier and a one-sentence explanation in English and Vietnamese. Start and end
    steps, steps with real decisions, catalog-protected steps and every --protect ACTIVITY are
    never proposed for elimination or merge; a --protect name must be a step of the chosen
    service(s) (names are compared in Unicode NFC). Steps of an outside party or a timer (an
    appeal, a penalty added a fixed time after a notice: recognised from behaviour, or named
    with --external) are never reordered or removed. Working time uses the office hours
    inferred from the log's event times unless --office-hours is given; stderr says which. A service the catalog does not know gets a
    warning on stderr. With --format json, stdout is a JSON list of flags (the column mapping
    goes to stderr). --out also writes flags_meta.json: the log and the office hours used.
    """
    from procsimp.flag import flag_steps
    from procsimp.flag.output import flags_table, flags_to_csv, flags_to_json
    from procsimp.flag.pipeline import caught_catalog_warnings, check_confidence, check_protect
    from procsimp.output.tables import flags_meta, write_flags

    check_confidence(min_confidence)  # fail before reading a large log
    with writing_to(out, force=force, command="flag") as folder:
        log, calendar = scope.load(log_args, out=out)
        catalog_arg: Any = None
        if catalog is not None:
            from procsimp.catalog import load_catalog

            catalog_arg = load_catalog(catalog)
        check_protect(log, protect, service)  # each --protect must be a step of the chosen service(s)
        check_protect(log, external, service, option="external")
        with office_hours(log, calendar, infer=scope.infer_hours) as cal, caught_catalog_warnings() as notes:
            flags = flag_steps(
                log,
                service,
                protect=protect,
                external=external,
                catalog=catalog_arg,
                min_confidence=min_confidence,
                calendar=cal,
            )
            written = write_flags(flags, folder.work, meta=flags_meta(log, cal)) if folder is not None else []
    for note in notes:  # a service without a catalog entry: its legal protections are unknown
        click.echo(f"Warning: {note}", err=True)
    if fmt == "json":
        click.echo(flags_to_json(flags), nl=False)
    elif fmt == "csv":
        click.echo(flags_to_csv(flags), nl=False)
    else:
        click.echo(flags_table(flags))
    if folder is not None:
        click.echo(f"Wrote {', '.join(str(folder.final(p)) for p in written)}", err=True)
