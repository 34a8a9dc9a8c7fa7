"""``procsimp mine LOG``: process maps and models per service (wraps :func:`procsimp.mine`).

For each service (every service of the log unless ``--service`` names one) it writes, into
``OUT/<service-slug>/``:

* ``map_<view>.svg|png|pdf|dot``: the process map (:mod:`procsimp.render.graphviz`);
* ``model.bpmn`` (BPMN 2.0 with diagram layout) and ``model.pnml`` (Petri net);
* ``dfg.csv``, ``activities.csv``, ``variants.csv``: the tables behind the map;

plus ``OUT/mine.json``, one object per service with its folder, figures and files. It prints a
short summary per service: activities and paths kept, and the model's size, fitness and precision.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import click

from procsimp.cli import calendar_options, load_log, log_options, out_option, service_option
from procsimp.commands._options import formats_option, lang_option, noise_option, view_option
from procsimp.errors import ParameterError

__all__ = ["mine", "slugify", "service_slugs", "percent", "DEFAULT_FORMATS"]

DEFAULT_FORMATS = "svg,png,pdf,dot,bpmn,pnml"

_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)


# ---------------------------------------------------------------------------- file names
def slugify(name: str, *, max_length: int = 60) -> str:
    """A safe, readable ASCII file name for a service name.

    Unicode-aware: the name is NFC-normalised, Vietnamese letters lose their diacritics
    (``đ`` → ``d``), everything else but letters and digits becomes ``-``, and the result is
    lower case, at most ``max_length`` characters (cut at a word boundary). A name with no Latin
    letter or digit gets ``service-<hash>``, stable for that name. Windows device names
    (``con``, ``nul``, ...) are avoided.

    >>> slugify("Cấp giấy phép xây dựng")
    'cap-giay-phep-xay-dung'
    """
    text = unicodedata.normalize("NFC", str(name)).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode().lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut[1:] else slug[:max_length]
        slug = slug.strip("-")
    if not slug:
        digest = hashlib.sha1(unicodedata.normalize("NFC", str(name)).encode("utf-8")).hexdigest()
        slug = f"service-{digest[:8]}"
    if slug in _WINDOWS_RESERVED:
        slug = f"{slug}-service"
    return slug


def service_slugs(names: Iterable[str], *, max_length: int = 60) -> dict[str, str]:
    """``{name: slug}`` with distinct slugs: a name whose slug is taken gets ``-2``, ``-3`` ...

    Names are taken in the order given (the CLI gives them sorted), so the result is stable.
    """
    used: set[str] = set()
    result: dict[str, str] = {}
    for name in names:
        if name in result:
            continue
        base = slugify(name, max_length=max_length)
        slug, n = base, 2
        while slug in used:
            slug = f"{base}-{n}"
            n += 1
        used.add(slug)
        result[name] = slug
    return result


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


def _plain(value: Any) -> Any:
    """A JSON-safe scalar (numpy numbers to Python, NaN to None)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _write_table(frame: Any, path: Path) -> Path:
    """CSV, UTF-8, atomically; tuples (variants) as 'A → B → C'; formulas neutralised."""
    from procsimp._atomic import write_text
    from procsimp.stats import neutralise_csv

    table = frame.copy()
    for col in table.columns:
        if table[col].dtype == object:
            table[col] = table[col].map(
                lambda v: " → ".join(map(str, v)) if isinstance(v, (tuple, list)) else v
            )
    return write_text(path, neutralise_csv(table).to_csv(index=False, lineterminator="\n"))


def _counts(pmap: Any) -> dict[str, Any]:
    """Activities and edges (start and end edges included) kept and in total."""
    filters: Mapping[str, Any] = getattr(pmap, "filters", None) or {}
    graph = pmap.graph
    from procsimp.render.graphviz import END_NODE, START_NODE

    kept_acts = sum(1 for n in graph.nodes if n not in (START_NODE, END_NODE))
    kept_edges = graph.number_of_edges()
    return {
        "activities_kept": _plain(filters.get("activities_kept", kept_acts)),
        "activities_total": _plain(filters.get("activities_total", kept_acts)),
        "edges_kept": _plain(filters.get("edges_kept", kept_edges)),
        "edges_total": _plain(filters.get("edges_total", kept_edges)),
    }


# ---------------------------------------------------------------------------- the command
@click.command(name="mine")
@log_options
@calendar_options
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
    "--top-variants",
    type=int,
    default=None,
    metavar="K",
    help="keep only the cases of the K most frequent variants",
)
@click.option(
    "--min-case-share",
    type=float,
    default=None,
    metavar="PCT",
    help="keep only the cases whose variant (sequence of steps) is followed by at least PCT% "
    "of the cases (0-100)",
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
@out_option()
def mine(
    log_args: dict[str, Any],
    calendar: Any,
    service: str | None,
    view: str,
    activities: float | None,
    paths: float | None,
    top_variants: int | None,
    min_case_share: float | None,
    full: bool,
    noise: float,
    formats: str,
    lang: str,
    out: Path,
) -> None:
    """Mine each service's process: map, BPMN model, Petri net and tables.

    Writes OUT/<service>/map_<view>.<svg|png|pdf|dot>, model.bpmn, model.pnml, dfg.csv,
    activities.csv and variants.csv for every service (or only --service S), and OUT/mine.json.
    Filters are percentages: --activities 80 --paths 50 keeps the activities covering 80% of
    events and the paths covering 50% of transitions. --full keeps everything. The model (its
    tasks, gateways, fitness and precision in the summary) is discovered when bpmn or pnml is
    among the formats.
    """
    from procsimp.render.graphviz import (
        CURVED_ARROWS_MAX,
        MAP_FORMATS,
        MODEL_FORMATS,
        parse_formats,
        render_formats,
    )

    chosen = parse_formats(formats)
    filters = _filters(activities, paths, top_variants, min_case_share, full)
    if not 0 <= noise <= 1 or not math.isfinite(noise):
        raise ParameterError(f"--noise must be between 0 and 1, got {noise:g}; e.g. --noise 0.2")
    for option, value in (("--activities", activities), ("--paths", paths)):
        if value is not None and 0 < value <= 1:
            click.echo(
                f"Warning: {option} {value:g} means {value:g}% (percentages); "
                f"for {value * 100:g}% write {option} {value * 100:g}",
                err=True,
            )

    log = load_log(log_args, out=out)
    # mine() names the services of the log when --service is not one of them
    names: list[str | None] = [service] if service is not None else (list(log.services) or [None])

    from procsimp.mining import mine as run_mine

    out = Path(out)
    records: list[dict[str, Any]] = []
    maps = []
    for name in names:
        maps.append(run_mine(log, service=name, calendar=calendar, **filters))
    slugs = service_slugs([str(p.service) for p in maps])
    for pmap in maps:
        folder = out / slugs[str(pmap.service)]
        model_fmts = [f for f in chosen if f in MODEL_FORMATS]
        # discovery (with fitness and precision) runs only when a model file is asked for
        model = pmap.model(noise=noise, full=full) if model_fmts else None
        written: dict[str, Path] = {}
        map_fmts = [f for f in chosen if f in MAP_FORMATS]
        if map_fmts and pmap.graph.number_of_edges() > CURVED_ARROWS_MAX:
            click.echo(
                f"Warning: the map of {pmap.service!r} has {pmap.graph.number_of_nodes() - 2:,} "
                f"activities and {pmap.graph.number_of_edges():,} arrows; Graphviz may take "
                "minutes to draw it and it will be hard to read: simplify it with --activities "
                "and --paths",
                err=True,
            )
        if map_fmts:
            skipped: list[str] = []
            written.update(
                render_formats(pmap, folder, f"map_{view}", map_fmts, view, lang=lang, skipped=skipped)
            )
            for reason in skipped:
                click.echo(f"Warning: {reason}", err=True)
        if model_fmts:
            written.update(render_formats(pmap, folder, "model", model_fmts, view, model=model))
        tables = {
            "dfg": _write_table(pmap.dfg, folder / "dfg.csv"),
            "activities": _write_table(pmap.activities, folder / "activities.csv"),
            "variants": _write_table(pmap.variants, folder / "variants.csv"),
        }
        record = _record(pmap, model, folder, out, written, tables)
        records.append(record)
        _echo_summary(record, folder)

    from procsimp._atomic import write_text

    summary = write_text(out / "mine.json", json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    click.echo(f"Wrote {summary}")


def _filters(
    activities: float | None,
    paths: float | None,
    top_variants: int | None,
    min_case_share: float | None,
    full: bool,
) -> dict[str, Any]:
    given = [
        opt
        for opt, value in (
            ("--activities", activities),
            ("--paths", paths),
            ("--top-variants", top_variants),
            ("--min-case-share", min_case_share),
        )
        if value is not None
    ]
    if full and given:
        raise ParameterError(
            f"--full keeps every activity and path, so it cannot be combined with {given[0]}; "
            "drop one of them"
        )
    if top_variants is not None and top_variants < 1:
        raise ParameterError(
            f"--top-variants must be a whole number of at least 1, got {top_variants}"
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
    if top_variants is not None:
        filters["top_variants"] = top_variants
    if min_case_share is not None:
        filters["min_case_share"] = percent(
            "--min-case-share", min_case_share,
            example="--min-case-share 5 keeps the variants followed by at least 5% of cases",
        )
    return filters


def _record(
    pmap: Any,
    model: Any,
    folder: Path,
    out: Path,
    written: Mapping[str, Path],
    tables: Mapping[str, Path],
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "service": str(pmap.service),
        "folder": folder.relative_to(out).as_posix(),
        "cases": _plain(pmap.n_cases),
        "events": _plain(pmap.n_events),
        **_counts(pmap),
        "flow_share": _plain((getattr(pmap, "filters", None) or {}).get("flow_share")),
    }
    record["model"] = None
    if model is not None:
        record["model"] = {
            "kind": getattr(model, "kind", None),
            "tasks": _plain(getattr(model, "tasks", None)),
            "gateways": _plain(getattr(model, "gateways", None)),
            "fitness": _plain(getattr(model, "fitness", None)),
            "fitness_method": "alignments",
            "fitting_share": _plain(getattr(model, "fitting_share", None)),
            "precision": _plain(getattr(model, "precision", None)),
            "left_out": [
                {"activity": str(x["activity"]), "case_share": _plain(x["case_share"])}
                for x in getattr(model, "left_out", ())
            ],
            "sound": _plain(getattr(model, "sound", None)),
            "noise": _plain(getattr(model, "noise", None)),
            "notes": list(getattr(model, "notes", ())),
        }
    record["files"] = sorted(
        p.relative_to(out).as_posix() for p in [*written.values(), *tables.values()]
    )
    return record


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
