"""``procsimp compare LOG --periods A..B,C..D`` or ``procsimp compare LOG_A LOG_B``: what changed
(wraps :func:`procsimp.compare`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from procsimp.cli import catalog_option, load_log, log_options, office_hours, out_option, writing_to
from procsimp.cli.commands._options import (
    channel_map_option,
    echo_channel_warnings,
    formats_option,
    lang_option,
    scope_options,
)


@click.command(name="compare")
@log_options
@click.argument("other", required=False, metavar="[LOG_B]", type=click.Path(path_type=Path))
@scope_options
@catalog_option
@channel_map_option
@click.option(
    "--periods",
    default=None,
    metavar="A..B,C..D",
    help="two periods of receipt of LOG to compare, each A..B with dates (2025-03-01), months "
    "(2025-03) or quarters (2025-Q1), or a single month or quarter; e.g. "
    "2025-01..2025-03,2025-04..2025-06",
)
@formats_option("svg,png,pdf", help="formats of the delta maps, comma-separated: svg, png, pdf, dot")
@lang_option(help="language of the delta maps")
@click.option("--json", "as_json", is_flag=True, help="print compare.json on stdout instead of a short summary")
@out_option()
def compare(
    log_args: dict[str, Any],
    other: Path | None,
    scope: Any,
    catalog: Path | None,
    channel_map: Path | None,
    periods: str | None,
    formats: str,
    lang: str,
    as_json: bool,
    out: Path,
    force: bool,
) -> None:
    """Compare two periods of one log (--periods) or two logs (LOG_A LOG_B: two agencies, or
    two exports): the reform indicators per service and side, each change with its sign, a
    delta process map per service and a test of the change in mean lead time.

    Writes OUT/compare.json and OUT/compare.csv (one row per service and side, the indicators
    and, on the second side's row, each <indicator>_change) and OUT/<service>/delta_map.<fmt>:
    one drawing of both sides' steps and paths, labelled with their counts and mean waiting
    (working hours) on each side and the change, red where waiting grew, green where it shrank,
    new steps and paths in blue, gone ones grey and dashed. A change in mean lead time is
    marked significant only when a two-sided Mann-Whitney U test over the dossiers gives
    p < 0.05. A dossier belongs to the period of its receipt (of its first step when the log
    has no receipt time). The second log is read with the same column options as the first.
    """
    from procsimp.errors import ParameterError
    from procsimp.mine.render.graphviz import MAP_FORMATS, parse_formats
    from procsimp.profile.comparison import compare as run_compare
    from procsimp.profile.comparison import parse_periods

    chosen = parse_formats(formats, MAP_FORMATS)
    if other is None and periods is None:
        raise ParameterError(
            "compare needs --periods A..B,C..D (two periods of LOG) or a second log (LOG_A LOG_B); "
            "e.g. procsimp compare LOG --periods 2025-01..2025-03,2025-04..2025-06"
        )
    if other is not None and periods is not None:
        raise ParameterError("give either --periods or a second log, not both")
    if periods is not None:
        parse_periods(periods)  # a bad value fails before the log is read
    with writing_to(out, force=force, command="compare") as folder:
        log, calendar = scope.load(log_args, out=out)
        second = scope.apply(load_log({**log_args, "path": other}, out=out))[0] if other is not None else None
        with office_hours(log, calendar, infer=scope.infer_hours) as cal, echo_channel_warnings():
            result = run_compare(
                log, second, periods=periods, calendar=cal, catalog=catalog, channel_map=channel_map
            )
        written = result.write(folder.work, formats=chosen, lang=lang)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        a, b = result.labels
        click.echo(f"{a} → {b}")
        for side in result.sides:
            click.echo(f"  {side['label']}: {side['dossiers']:,} dossiers")
        if result.outside:
            click.echo(f"  {result.outside:,} dossiers were received outside both periods")
        for row in result.tests.itertuples(index=False):
            mark = "significant" if row.significant else "not significant"
            p = "n/a" if row.p_value != row.p_value else f"{row.p_value:.3g}"
            change = "n/a" if row.lead_days_mean_change != row.lead_days_mean_change else f"{row.lead_days_mean_change:+.2f}"
            click.echo(
                f"  {row.service}: {row.dossiers_a:,} → {row.dossiers_b:,} dossiers; mean lead time "
                f"{change} days (Mann-Whitney p = {p}, {mark})"
            )
    click.echo(f"Wrote {len(written)} files into {folder.target}", err=True)
