"""``procsimp mine LOG``: process maps and models per service (wraps :func:`procsimp.mine`).

For each service (every service of the log unless ``--service`` names one) it writes, into
``OUT/<service-slug>/``:

* ``map_<view>.svg|png|pdf|dot``: the process map (:mod:`procsimp.mine.render.graphviz`);
* ``model.bpmn`` (BPMN 2.0 with diagram layout) and ``model.pnml`` (Petri net);
* ``dfg.csv``, ``activities.csv``, ``variants.csv``: the tables behind the map;

plus ``OUT/mine.json``, one object per service with its folder, figures and files
(:mod:`procsimp.output.maps` writes them). It prints a short summary per service: activities and
paths kept, and the model's size, fitness and precision.

In Python, the same run is :func:`procsimp.mine.mine_all` (the maps of :func:`procsimp.mine`
for every service, no service's events kept once its tables are made) then
:func:`procsimp.output.maps.write_maps`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from procsimp.cli import (
    log_options,
    office_hours,
    out_option,
    service_option,
    writing_to,
)
from procsimp.cli.commands._options import (
    formats_option,
    lang_option,
    min_variant_cases_option,
    noise_option,
    scope_options,
    view_option,
)
from procsimp.core._slug import service_slugs, slugify
from procsimp.errors import ParameterError
from procsimp.output.maps import MINE_FORMATS

__all__ = ["mine", "slugify", "service_slugs", "percent", "DEFAULT_FORMATS"]

DEFAULT_FORMATS = ",".join(MINE_FORMATS)


# ---------------------------------------------------------------------------- options
def percent(option: str, value: float | None, *, example: str = "") -> float | None:
    """Check a percentage option (above 0, at most 100) and return it as a share (0–1].

    None stays None. ``example`` ends the error message (``"--activities 80 keeps ..."``).
    """
    if value is None:
        return None
    if not (math.isfinite(value) and 0 < value <= 100):
        hint = f"; e.g. {example}" if example else ""
        raise ParameterError(
            f"{option} must be a percentage above 0 and at most 100, got {value:g}{hint}"
        )
    return value / 100.0


def _fmt_share(value: Any) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return "n/a" if not math.isfinite(x) else f"{x:.2f}"


# ---------------------------------------------------------------------------- the command
@click.command(name="mine")
@log_options
@scope_options
@service_option
@view_option(
    "frequency",
    help="frequency: boxes and arrows show counts; performance: mean processing and waiting time",
)
@click.option(
    "--activities",
    type=float,
    default=None,
    metavar="PCT",
    help="keep the most frequent activities that cover PCT% of events (0-100) "
    "[default: chosen so that the map stays readable]",
)
@click.option(
    "--paths",
    type=float,
    default=None,
    metavar="PCT",
    help="keep the most frequent paths that cover PCT% of transitions (0-100) [default: readable]",
)
@click.option(
    "--full",
    is_flag=True,
    help="the full map (every activity and path) and the full-fitness model",
)
@noise_option(help="noise threshold of model discovery (0-1): higher gives a simpler model")
@formats_option(
    DEFAULT_FORMATS,
    help="comma-separated: svg, png, pdf, dot (the map), bpmn, pnml (the model), or all",
)
@lang_option(help="language of the map's title, legend and units")
@min_variant_cases_option
@out_option(default="outputs/maps")
def mine(
    log_args: dict[str, Any],
    scope: Any,
    service: str | None,
    view: str,
    activities: float | None,
    paths: float | None,
    full: bool,
    noise: float,
    formats: str,
    lang: str,
    out: Path,
    force: bool,
    min_variant_cases: int,
) -> None:
    """Mine each service's process: map, BPMN model, Petri net and tables.

    Writes OUT/<service>/map_<view>.<svg|png|pdf|dot>, model.bpmn, model.pnml, dfg.csv,
    activities.csv and variants.csv for every service (or only --service S), and OUT/mine.json.
    In variants.csv the variants followed by fewer than --min-variant-cases dossiers are folded
    into one 'other' row, so that no rare path singles out a citizen.
    The dossier filters (--from, --where, --variants ...) narrow the log first; the map's own
    filters are percentages: --activities 80 --paths 50 keeps the activities covering 80% of
    events and the paths covering 50% of transitions. --full keeps everything. The model (its
    tasks, gateways, fitness and precision in the summary) is discovered when bpmn or pnml is
    among the formats.
    """
    from procsimp.mine.render.graphviz import MAP_FORMATS, parse_formats

    chosen = parse_formats(formats)
    filters = _filters(activities, paths, full)
    if not 0 <= noise <= 1 or not math.isfinite(noise):
        raise ParameterError(f"--noise must be between 0 and 1, got {noise:g}; e.g. --noise 0.2")
    for option, value in (("--activities", activities), ("--paths", paths)):
        if value is not None and 0 < value <= 1:
            click.echo(
                f"Warning: {option} {value:g} means {value:g}% (percentages); "
                f"for {value * 100:g}% write {option} {value * 100:g}",
                err=True,
            )

    from procsimp.engine import release
    from procsimp.engine.filters import run_metadata
    from procsimp.mine import mine_all
    from procsimp.output.maps import write_maps

    with writing_to(out, force=force, command="mine") as folder:
        log, calendar = scope.load(log_args, out=out)
        # the scope's calendar, or the office hours the log's times show
        with office_hours(log, calendar, infer=scope.infer_hours) as cal:
            # mine() names the services of the log when --service is not one of them
            maps = mine_all(log, services=None if service is None else [service], calendar=cal, **filters)
        # the maps hold their tables: the engine's events table is not needed for the drawings
        # and models, whose memory (pm4py's too) comes after it, not on top of it
        release(log)
        if any(f in MAP_FORMATS for f in chosen):
            for pmap in maps:
                _warn_large(pmap)
        skipped: list[str] = []
        run = write_maps(maps, folder.work, formats=chosen, view=view, lang=lang, noise=noise, full=full,
                         min_variant_cases=min_variant_cases, meta=run_metadata(log, cal), skipped=skipped)
        for reason in skipped:
            click.echo(f"Warning: {reason}", err=True)
    for record in run.records:
        _echo_summary(record, folder.target / record["folder"])
    click.echo(f"Wrote {folder.target / 'mine.json'}")


def _warn_large(pmap: Any) -> None:
    from procsimp.mine.render.graphviz import CURVED_ARROWS_MAX

    if pmap.graph.number_of_edges() > CURVED_ARROWS_MAX:
        click.echo(
            f"Warning: the map of {pmap.service!r} has {pmap.graph.number_of_nodes() - 2:,} "
            f"activities and {pmap.graph.number_of_edges():,} arrows; Graphviz may take "
            "minutes to draw it and it will be hard to read: simplify it with --activities "
            "and --paths",
            err=True,
        )


def _filters(activities: float | None, paths: float | None, full: bool) -> dict[str, Any]:
    """The map's own filters (the dossier filters, --variants included, are the shared ones)."""
    given = [opt for opt, value in (("--activities", activities), ("--paths", paths)) if value is not None]
    if full and given:
        raise ParameterError(
            f"--full keeps every activity and path, so it cannot be combined with {given[0]}; "
            "drop one of them"
        )
    if full:
        return {"activities": 1.0, "paths": 1.0}
    filters: dict[str, Any] = {}
    if activities is not None:
        filters["activities"] = percent(
            "--activities", activities,
            example="--activities 80 keeps the activities covering 80% of events",
        )
    if paths is not None:
        filters["paths"] = percent(
            "--paths", paths, example="--paths 50 keeps the paths covering 50% of transitions"
        )
    return filters


def _echo_summary(record: Mapping[str, Any], folder: Path) -> None:
    click.echo(f"{record['service']} -> {folder}")
    click.echo(f"  {record['cases']:,} cases, {record['events']:,} events")
    click.echo(
        f"  activities kept {record['activities_kept']}/{record['activities_total']}, "
        f"edges kept {record['edges_kept']}/{record['edges_total']}"
    )
    left = (record["edges_total"] or 0) - (record["edges_kept"] or 0)
    if left > 0 and record.get("flow_share") is not None:
        click.echo(
            f"  {left} rarer edges left out, carrying {100 * (1 - record['flow_share']):.1f}% of "
            "the transitions (--paths 100 or --full shows them)"
        )
    model = record.get("model")
    if not model:
        click.echo("  model: not discovered (add bpmn or pnml to --format)")
    else:
        sound = "sound" if model.get("sound") else "NOT sound"
        fitting = model.get("fitting_share")
        fitting_txt = "n/a" if fitting is None else f"{100 * fitting:.1f}%"
        click.echo(
            f"  model: {model['tasks']} tasks, {model['gateways']} gateways, "
            f"fitness {_fmt_share(model['fitness'])} (alignments; cases that fit: {fitting_txt}), "
            f"precision {_fmt_share(model['precision'])} ({sound})"
        )
        left_out = model.get("left_out") or []
        if left_out:
            shown = ", ".join(
                f"{x['activity']} ({100 * x['case_share']:.1f}%)" for x in left_out[:10]
            )
            more = f", and {len(left_out) - 10} more" if len(left_out) > 10 else ""
            click.echo(f"  left out of the model (share of cases): {shown}{more}")
        for note in model.get("notes") or []:
            if "cannot keep alignment fitness" in note or "not every frequent activity" in note:
                click.echo(f"  Note: {note}")
    click.echo("  wrote " + ", ".join(Path(f).name for f in record["files"]))
