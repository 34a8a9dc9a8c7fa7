"""``procsimp propose LOG``: a simplified to-be workflow per service (wraps :func:`procsimp.propose`).

For each service (every service of the log unless ``--service`` names one) it writes, into
``OUT/<service-slug>/``, the as-is/to-be drawing, the as-is and to-be BPMN, the to-be procedure
(``--format xlsx,docx,yaml``), the service's flags and ``proposal.json``; and in ``OUT/``,
``kpis.json``, ``kpis.csv``, ``flags.json``, ``flags.csv`` and ``edits.yaml`` (every flag with
``accept: true/false``: edit it and pass it back with ``--accept``). The files and their
columns are those of :mod:`procsimp.output.proposal`, which ``procsimp report`` writes too.

In Python, the same run is :func:`procsimp.flag_steps`, :func:`procsimp.propose.propose_all`
(one :func:`procsimp.propose` per service) and :func:`procsimp.output.proposal.write_proposals`.
"""

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
    service_option,
    writing_to,
)
from procsimp.cli.commands._options import (
    formats_option,
    lang_option,
    noise_option,
    scope_options,
    view_option,
)
from procsimp.errors import ParameterError
from procsimp.output.proposal import PROPOSAL_FORMATS

__all__ = ["propose", "DEFAULT_FORMATS", "PROPOSE_FORMATS"]

DEFAULT_FORMATS = "svg,png,bpmn"
PROPOSE_FORMATS = PROPOSAL_FORMATS


@click.command(name="propose")
@log_options
@scope_options
@service_option
@protect_option
@external_option
@catalog_option
@click.option(
    "--accept",
    "accept_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="YAML edit file: the flags (or edits) to accept and/or reject, e.g. the edits.yaml "
    "a previous run wrote [default: accept every flag]",
)
@click.option("--simulate", is_flag=True, help="also run the what-if simulation (SimPy) of the as-is and to-be")
@click.option(
    "--replications", type=int, default=10, show_default=True, metavar="N",
    help="simulation runs (with --simulate)",
)
@click.option("--seed", type=int, default=0, show_default=True, metavar="S", help="simulation seed")
@formats_option(
    DEFAULT_FORMATS,
    help="comma-separated: svg, png, pdf, dot (the as-is/to-be diagram), bpmn (the to-be model), "
    "xlsx, docx (the to-be internal procedure table), yaml (the same procedure as a reference "
    "for conform), or all",
)
@view_option("performance", help="the maps' view: mean times (performance) or counts (frequency)")
@lang_option(help="language of the diagram's titles, legend and caption, and of the procedure table (xlsx, docx)")
@noise_option(help="noise threshold of the to-be model discovery (0-1)")
@out_option(default="outputs/proposal")
def propose(
    log_args: dict[str, Any],
    scope: Any,
    service: str | None,
    protect: tuple[str, ...],
    external: tuple[str, ...],
    catalog: Path | None,
    accept_file: Path | None,
    simulate: bool,
    replications: int,
    seed: int,
    formats: str,
    view: str,
    lang: str,
    noise: float,
    out: Path,
    force: bool,
) -> None:
    """Propose a simplified to-be workflow per service, with its effect measured.

    Applies the flags (every flag, or those chosen with --accept FILE) as edits: eliminate,
    merge, parallelise, move a knock-out check earlier. Start and end steps, decisions,
    catalog-protected steps and --protect ACTIVITY always stay, and steps of an outside party or
    a timer (--external ACTIVITY, or recognised from behaviour) are never reordered or removed;
    edits that would do so are listed as refused. An automated step stays with no officer and
    no waiting. Every dossier is replayed under the to-be (in working time) to give the
    lead time, steps, hand-offs, units and on-time rate before and after; --simulate checks the
    estimate with a discrete-event simulation under load. Writes OUT/kpis.json, OUT/kpis.csv,
    OUT/flags.json, OUT/flags.csv, OUT/edits.yaml and, per service, OUT/<service>/ with the
    as-is/to-be diagram, as_is.bpmn, to_be.bpmn, flags.json, flags.csv and proposal.json: the
    same files as in a report's service folder.
    """
    from procsimp.mine.render.graphviz import parse_formats
    from procsimp.propose import load_edit_file

    chosen = parse_formats(formats, PROPOSE_FORMATS)
    if not (0 <= noise < 1):
        raise ParameterError(f"--noise must be from 0 to below 1, got {noise:g}; e.g. --noise 0.2")
    if simulate and not 1 <= replications <= 1000:
        raise ParameterError(f"--replications must be from 1 to 1000, got {replications}; e.g. --replications 10")
    if seed < 0:
        raise ParameterError(f"--seed must be a whole number >= 0, got {seed}")
    edit_file = load_edit_file(accept_file) if accept_file is not None else None

    from procsimp.catalog import load_catalog
    from procsimp.engine.filters import run_metadata
    from procsimp.flag import flag_steps
    from procsimp.flag.pipeline import caught_catalog_warnings, check_protect
    from procsimp.output.proposal import write_proposals
    from procsimp.propose import propose_all

    with writing_to(out, force=force, command="propose") as folder:
        log, calendar = scope.load(log_args, out=out)
        catalog_arg = load_catalog(catalog) if catalog is not None else None
        if service is not None:
            log.for_service(service)  # a clear error listing the services when it is not there
        if edit_file is not None:
            edit_file.check_services(log.services)  # before the long work
        check_protect(log, protect, service)  # each --protect must be a step of the chosen service(s)
        check_protect(log, external, service, option="external")
        with office_hours(log, calendar, infer=scope.infer_hours) as cal:
            with caught_catalog_warnings() as notes:
                flags = flag_steps(log, service, protect=protect, external=external, catalog=catalog_arg, calendar=cal)
            for note in notes:  # a service without a catalog entry: its legal protections are unknown
                click.echo(f"Warning: {note}", err=True)
            proposals = propose_all(
                log, flags, services=None if service is None else [service], edit_file=edit_file,
                protect=protect, external=external, catalog=catalog_arg, noise=noise, calendar=cal,
                simulate=simulate, replications=replications, seed=seed,
            )
        skipped: list[str] = []
        run = write_proposals(proposals, folder.work, formats=chosen, view=view, lang=lang,
                              meta=run_metadata(log, cal), skipped=skipped)
        for reason in skipped:
            click.echo(f"Warning: {reason}", err=True)
        for p in proposals:
            _echo(p, folder.final(run.folders[str(p.service)]), run.service_files[str(p.service)])
        click.echo("Wrote " + ", ".join(str(folder.final(f)) for f in run.files))


def _echo(p: Any, folder: Path, written: list[Path]) -> None:
    b, a = p.kpis_before, p.kpis_after
    click.echo(f"{p.service} -> {folder}")
    click.echo(
        f"  {len(p.edits)} edit(s), {len(p.refused)} refused, {len(p.recommendations)} recommendation(s)"
    )
    for e in p.edits:
        click.echo(f"    + {e.describe('en')}")
    for r in p.refused:
        click.echo(f"    - refused: {r.edit.describe('en')} ({r.reason})")
    lead_b, lead_a = b.get("lead_time_days_mean"), a.get("lead_time_days_mean")
    if lead_b is not None and lead_a is not None:
        click.echo(f"  lead time (mean): {lead_b:.2f} -> {lead_a:.2f} days")
    ot_b, ot_a = b.get("on_time_rate"), a.get("on_time_rate")
    if ot_b is not None and ot_a is not None:
        click.echo(f"  on time: {100 * ot_b:.1f}% -> {100 * ot_a:.1f}%")
    if p.model is not None:
        sound = "sound" if p.model.sound else "NOT sound"
        fit = "n/a" if p.model.fitness is None else f"{p.model.fitness:.3f}"
        click.echo(f"  to-be model: {p.model.tasks} tasks, {p.model.gateways} gateways, fitness {fit} ({sound})")
    if p.simulated is not None:
        s = p.simulated.to_be or {}
        iv = s.get("lead_time_days_mean") or {}
        if iv.get("mean") is not None:
            click.echo(
                f"  simulated to-be lead time (mean): {iv['mean']:.2f} days "
                f"[95% CI {iv['low']:.2f}-{iv['high']:.2f}]"
            )
    click.echo("  wrote " + ", ".join(f.name for f in written))
