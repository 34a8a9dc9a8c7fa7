"""``procsimp conform LOG --reference FILE``: check the dossiers against the approved procedure
(wraps :func:`procsimp.conform`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from procsimp.cli import (
    WHOLE_FOLDER_NOTE,
    log_options,
    office_hours,
    out_option,
    service_option,
    writing_to,
)
from procsimp.cli.commands._options import lang_option, print_format_option, scope_options


@click.command("conform")
@log_options
@scope_options
@service_option
@click.option(
    "--reference",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    metavar="FILE",
    help="the approved procedure: a YAML reference (see docs/procedure.md) or a BPMN 2.0 file",
)
@print_format_option(help="how to print the result on stdout (csv: the deviations)")
@lang_option(help="language of the deviation map's legend (with --out)")
@out_option(
    default=None,
    help="also write conformance.json, deviations.csv, steps.csv and, per service, a map "
    "coloured by deviation (deviations.svg) into this folder" + WHOLE_FOLDER_NOTE,
)
def conform(
    log_args: dict[str, Any],
    scope: Any,
    service: str | None,
    reference: Path,
    fmt: str,
    lang: str,
    out: Path | None,
    force: bool,
) -> None:
    """Check each dossier against the approved procedure of its service.

    Aligns every distinct path of the log with the procedure (pm4py alignments on its Petri
    net) and reports, per service: the dossiers, the fitness, the share of dossiers whose path
    the procedure allows, and the deviations: extra steps, skipped steps, steps out of order
    and steps over their allotted working hours (with the share of dossiers and the median
    excess), plus a table of allotted, median and 90th-percentile working hours per step.
    Exceptions (supplement requests, rejection notices) are not deviations. A service or step
    of the reference that the log lacks gives a warning on stderr.
    """
    from procsimp.catalog.procedure import load_reference
    from procsimp.mine.conformance import conform as run_conform
    from procsimp.mine.conformance import table_text
    from procsimp.output.conformance import write_conformance

    ref = load_reference(reference)  # a malformed reference fails before reading a large log
    with writing_to(out, force=force, command="conform") as folder:
        log, calendar = scope.load(log_args, out=out)
        with office_hours(log, calendar, infer=scope.infer_hours) as cal:
            result = run_conform(log, ref, service=service, calendar=cal)
        paths = write_conformance(result, log, folder.work, lang=lang) if folder is not None else []
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if fmt == "json":
        click.echo(result.to_json(), nl=False)
    elif fmt == "csv":
        click.echo(result.to_csv(), nl=False)
    else:
        click.echo(table_text(result), nl=False)
    if folder is not None:
        click.echo(f"Wrote {', '.join(str(folder.final(p)) for p in paths)}", err=True)
